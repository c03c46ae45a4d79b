import CSwiftOpt
import SwiftOpt

// The loss-function and penalty entry points of include/swiftopt.h ("Loss
// functions"). Each checks its pointers and codes, then calls the core,
// which validates counts, options, targets and alignment before writing.

/// A required input buffer.
private func required(_ pointer: UnsafeRawPointer?, _ name: String) throws -> UnsafeRawPointer {
    guard let pointer else { throw ABIError.null(name) }
    return pointer
}

/// A required output buffer.
private func required(_ pointer: UnsafeMutableRawPointer?, _ name: String) throws -> UnsafeMutableRawPointer {
    guard let pointer else { throw ABIError.null(name) }
    return pointer
}

private func required(_ pointer: UnsafePointer<Int64>?, _ name: String) throws -> UnsafePointer<Int64> {
    guard let pointer else { throw ABIError.null(name) }
    return pointer
}

// MARK: Element-wise losses

@c @implementation
public func swiftopt_mse_loss(_ dtypeCode: Int32, _ count: Int64, _ input: UnsafeRawPointer?,
                              _ target: UnsafeRawPointer?, _ reductionCode: Int32,
                              _ outLoss: UnsafeMutableRawPointer?, _ outGrad: UnsafeMutableRawPointer?) -> Int32 {
    guarded("swiftopt_mse_loss") {
        try mseLoss(dtype: try DType.decode(dtypeCode), count: int(count), input: try required(input, "input"),
                    target: try required(target, "target"), reduction: try Reduction.decode(reductionCode),
                    loss: try required(outLoss, "out_loss"), grad: outGrad)
    }
}

@c @implementation
public func swiftopt_l1_loss(_ dtypeCode: Int32, _ count: Int64, _ input: UnsafeRawPointer?,
                             _ target: UnsafeRawPointer?, _ reductionCode: Int32,
                             _ outLoss: UnsafeMutableRawPointer?, _ outGrad: UnsafeMutableRawPointer?) -> Int32 {
    guarded("swiftopt_l1_loss") {
        try l1Loss(dtype: try DType.decode(dtypeCode), count: int(count), input: try required(input, "input"),
                   target: try required(target, "target"), reduction: try Reduction.decode(reductionCode),
                   loss: try required(outLoss, "out_loss"), grad: outGrad)
    }
}

@c @implementation
public func swiftopt_huber_loss(_ dtypeCode: Int32, _ count: Int64, _ input: UnsafeRawPointer?,
                                _ target: UnsafeRawPointer?, _ delta: Double, _ reductionCode: Int32,
                                _ outLoss: UnsafeMutableRawPointer?, _ outGrad: UnsafeMutableRawPointer?) -> Int32 {
    guarded("swiftopt_huber_loss") {
        try huberLoss(dtype: try DType.decode(dtypeCode), count: int(count), input: try required(input, "input"),
                      target: try required(target, "target"), delta: delta, reduction: try Reduction.decode(reductionCode),
                      loss: try required(outLoss, "out_loss"), grad: outGrad)
    }
}

@c @implementation
public func swiftopt_smooth_l1_loss(_ dtypeCode: Int32, _ count: Int64, _ input: UnsafeRawPointer?,
                                    _ target: UnsafeRawPointer?, _ beta: Double, _ reductionCode: Int32,
                                    _ outLoss: UnsafeMutableRawPointer?, _ outGrad: UnsafeMutableRawPointer?) -> Int32 {
    guarded("swiftopt_smooth_l1_loss") {
        try smoothL1Loss(dtype: try DType.decode(dtypeCode), count: int(count), input: try required(input, "input"),
                         target: try required(target, "target"), beta: beta, reduction: try Reduction.decode(reductionCode),
                         loss: try required(outLoss, "out_loss"), grad: outGrad)
    }
}

@c @implementation
public func swiftopt_hinge_loss(_ dtypeCode: Int32, _ count: Int64, _ input: UnsafeRawPointer?,
                                _ target: UnsafeRawPointer?, _ reductionCode: Int32,
                                _ outLoss: UnsafeMutableRawPointer?, _ outGrad: UnsafeMutableRawPointer?) -> Int32 {
    guarded("swiftopt_hinge_loss") {
        try hingeLoss(dtype: try DType.decode(dtypeCode), count: int(count), input: try required(input, "input"),
                      target: try required(target, "target"), reduction: try Reduction.decode(reductionCode),
                      loss: try required(outLoss, "out_loss"), grad: outGrad)
    }
}

@c @implementation
public func swiftopt_binary_cross_entropy_with_logits(_ dtypeCode: Int32, _ n: Int64, _ c: Int64,
                                                      _ input: UnsafeRawPointer?, _ target: UnsafeRawPointer?,
                                                      _ weight: UnsafeRawPointer?, _ posWeight: UnsafeRawPointer?,
                                                      _ reductionCode: Int32, _ outLoss: UnsafeMutableRawPointer?,
                                                      _ outGrad: UnsafeMutableRawPointer?) -> Int32 {
    guarded("swiftopt_binary_cross_entropy_with_logits") {
        try binaryCrossEntropyWithLogits(
            dtype: try DType.decode(dtypeCode), samples: int(n), classes: int(c), input: try required(input, "input"),
            target: try required(target, "target"), weight: weight, posWeight: posWeight,
            reduction: try Reduction.decode(reductionCode), loss: try required(outLoss, "out_loss"), grad: outGrad)
    }
}

// MARK: Losses over class scores

@c @implementation
public func swiftopt_cross_entropy(_ dtypeCode: Int32, _ n: Int64, _ c: Int64, _ input: UnsafeRawPointer?,
                                   _ target: UnsafePointer<Int64>?, _ weight: UnsafeRawPointer?,
                                   _ ignoreIndex: Int64, _ labelSmoothing: Double, _ reductionCode: Int32,
                                   _ outLoss: UnsafeMutableRawPointer?, _ outGrad: UnsafeMutableRawPointer?) -> Int32 {
    guarded("swiftopt_cross_entropy") {
        try crossEntropy(
            dtype: try DType.decode(dtypeCode), samples: int(n), classes: int(c), input: try required(input, "input"),
            target: try required(target, "target"), weight: weight, ignoreIndex: ignoreIndex,
            labelSmoothing: labelSmoothing, reduction: try Reduction.decode(reductionCode),
            loss: try required(outLoss, "out_loss"), grad: outGrad)
    }
}

@c @implementation
public func swiftopt_cross_entropy_probs(_ dtypeCode: Int32, _ n: Int64, _ c: Int64, _ input: UnsafeRawPointer?,
                                         _ target: UnsafeRawPointer?, _ weight: UnsafeRawPointer?,
                                         _ labelSmoothing: Double, _ reductionCode: Int32,
                                         _ outLoss: UnsafeMutableRawPointer?,
                                         _ outGrad: UnsafeMutableRawPointer?) -> Int32 {
    guarded("swiftopt_cross_entropy_probs") {
        try crossEntropy(
            dtype: try DType.decode(dtypeCode), samples: int(n), classes: int(c), input: try required(input, "input"),
            targetProbabilities: try required(target, "target"), weight: weight, labelSmoothing: labelSmoothing,
            reduction: try Reduction.decode(reductionCode), loss: try required(outLoss, "out_loss"), grad: outGrad)
    }
}

@c @implementation
public func swiftopt_nll_loss(_ dtypeCode: Int32, _ n: Int64, _ c: Int64, _ input: UnsafeRawPointer?,
                              _ target: UnsafePointer<Int64>?, _ weight: UnsafeRawPointer?, _ ignoreIndex: Int64,
                              _ reductionCode: Int32, _ outLoss: UnsafeMutableRawPointer?,
                              _ outGrad: UnsafeMutableRawPointer?) -> Int32 {
    guarded("swiftopt_nll_loss") {
        try nllLoss(
            dtype: try DType.decode(dtypeCode), samples: int(n), classes: int(c), input: try required(input, "input"),
            target: try required(target, "target"), weight: weight, ignoreIndex: ignoreIndex,
            reduction: try Reduction.decode(reductionCode), loss: try required(outLoss, "out_loss"), grad: outGrad)
    }
}

// MARK: Penalties

@c @implementation
public func swiftopt_l1_penalty(_ dtypeCode: Int32, _ count: Int64, _ params: UnsafeRawPointer?, _ lambda: Double,
                                _ outValue: UnsafeMutablePointer<Double>?, _ grad: UnsafeMutableRawPointer?) -> Int32 {
    guarded("swiftopt_l1_penalty") {
        let out = try required(outValue, "out_value")
        out.pointee = try l1Penalty(dtype: try DType.decode(dtypeCode), count: int(count),
                                    params: try required(params, "params"), lambda: lambda, grad: grad)
    }
}

@c @implementation
public func swiftopt_l2_penalty(_ dtypeCode: Int32, _ count: Int64, _ params: UnsafeRawPointer?, _ lambda: Double,
                                _ outValue: UnsafeMutablePointer<Double>?, _ grad: UnsafeMutableRawPointer?) -> Int32 {
    guarded("swiftopt_l2_penalty") {
        let out = try required(outValue, "out_value")
        out.pointee = try l2Penalty(dtype: try DType.decode(dtypeCode), count: int(count),
                                    params: try required(params, "params"), lambda: lambda, grad: grad)
    }
}

@c @implementation
public func swiftopt_elastic_net_penalty(_ dtypeCode: Int32, _ count: Int64, _ params: UnsafeRawPointer?,
                                         _ l1Lambda: Double, _ l2Lambda: Double,
                                         _ outValue: UnsafeMutablePointer<Double>?,
                                         _ grad: UnsafeMutableRawPointer?) -> Int32 {
    guarded("swiftopt_elastic_net_penalty") {
        let out = try required(outValue, "out_value")
        out.pointee = try elasticNetPenalty(dtype: try DType.decode(dtypeCode), count: int(count),
                                            params: try required(params, "params"), l1Lambda: l1Lambda,
                                            l2Lambda: l2Lambda, grad: grad)
    }
}
