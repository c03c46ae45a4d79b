import CSwiftOpt
import SwiftOpt

// Gradient clipping: the in-step norm report, the non-finite skip counters
// (skip_nonfinite) and the standalone functions.

@c @implementation
public func swiftopt_optimizer_grad_norm(_ optimizer: OpaquePointer?, _ group: Int64,
                                         _ outNorm: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded("swiftopt_optimizer_grad_norm") {
        try withOptimizer(optimizer) { opt in
            let out = try required(outNorm, "out_norm")
            out.pointee = try opt.lastGradNorm(group: int(group))
        }
    }
}

@c @implementation
public func swiftopt_optimizer_skipped_steps(_ optimizer: OpaquePointer?, _ group: Int64,
                                             _ outCount: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded("swiftopt_optimizer_skipped_steps") {
        try withOptimizer(optimizer) { opt in
            let out = try required(outCount, "out_count")
            out.pointee = try opt.skippedSteps(group: int(group))
        }
    }
}

@c @implementation
public func swiftopt_optimizer_last_step_skipped(_ optimizer: OpaquePointer?, _ group: Int64,
                                                 _ outSkipped: UnsafeMutablePointer<Int32>?) -> Int32 {
    guarded("swiftopt_optimizer_last_step_skipped") {
        try withOptimizer(optimizer) { opt in
            let out = try required(outSkipped, "out_skipped")
            out.pointee = try opt.lastStepSkipped(group: int(group)) ? 1 : 0
        }
    }
}

/// Checks the shared arguments of the standalone clipping functions and
/// returns them as Swift buffers.
private func gradientList(_ dtypeCode: Int32, _ nTensors: Int64, _ grads: UnsafePointer<UnsafeMutableRawPointer?>?,
                          _ counts: UnsafePointer<Int64>?)
    throws -> (DType, UnsafeBufferPointer<UnsafeMutableRawPointer?>, UnsafeBufferPointer<Int64>) {
    let type = try DType.decode(dtypeCode)
    guard nTensors > 0 else {
        throw ABIError(SWIFTOPT_ERROR_INVALID_ARGUMENT, "n_tensors must be > 0, got \(nTensors)")
    }
    guard let grads else { throw ABIError.null("grads") }
    guard let counts else { throw ABIError.null("counts") }
    let n = int(nTensors)
    return (type, UnsafeBufferPointer(start: grads, count: n), UnsafeBufferPointer(start: counts, count: n))
}

@c @implementation
public func swiftopt_clip_grad_norm(_ dtypeCode: Int32, _ nTensors: Int64,
                                    _ grads: UnsafePointer<UnsafeMutableRawPointer?>?,
                                    _ counts: UnsafePointer<Int64>?, _ maxNorm: Double, _ normType: Double,
                                    _ outTotalNorm: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded("swiftopt_clip_grad_norm") {
        let (type, list, sizes) = try gradientList(dtypeCode, nTensors, grads, counts)
        let total = try Clipping.clipGradNorm(list, counts: sizes, dtype: type, maxNorm: maxNorm, normType: normType)
        outTotalNorm?.pointee = total
    }
}

@c @implementation
public func swiftopt_clip_grad_value(_ dtypeCode: Int32, _ nTensors: Int64,
                                     _ grads: UnsafePointer<UnsafeMutableRawPointer?>?,
                                     _ counts: UnsafePointer<Int64>?, _ clipValue: Double) -> Int32 {
    guarded("swiftopt_clip_grad_value") {
        let (type, list, sizes) = try gradientList(dtypeCode, nTensors, grads, counts)
        try Clipping.clipGradValue(list, counts: sizes, dtype: type, clipValue: clipValue)
    }
}
