import CSwiftOpt
import SwiftOpt

// Gradient clipping: the in-step norm report, the non-finite skip counters
// (skip_nonfinite) and the standalone functions.

/// A per-group read-out entry point: finds the optimizer, checks `out`, and
/// stores `read(optimizer, group)` there (nothing is written on error).
private func readGroup<T>(_ function: StaticString, _ optimizer: OpaquePointer?, _ group: Int64,
                          _ out: UnsafeMutablePointer<T>?, _ outName: String,
                          _ read: (Optimizer, Int) throws -> T) -> Int32 {
    guarded(function) {
        try withOptimizer(optimizer) { opt in
            let destination = try required(out, outName)
            destination.pointee = try read(opt, int(group))
        }
    }
}

@c @implementation
public func swiftopt_optimizer_grad_norm(_ optimizer: OpaquePointer?, _ group: Int64,
                                         _ outNorm: UnsafeMutablePointer<Double>?) -> Int32 {
    readGroup("swiftopt_optimizer_grad_norm", optimizer, group, outNorm, "out_norm") { try $0.lastGradNorm(group: $1) }
}

@c @implementation
public func swiftopt_optimizer_skipped_steps(_ optimizer: OpaquePointer?, _ group: Int64,
                                             _ outCount: UnsafeMutablePointer<Int64>?) -> Int32 {
    readGroup("swiftopt_optimizer_skipped_steps", optimizer, group, outCount, "out_count") {
        try $0.skippedSteps(group: $1)
    }
}

@c @implementation
public func swiftopt_optimizer_last_step_skipped(_ optimizer: OpaquePointer?, _ group: Int64,
                                                 _ outSkipped: UnsafeMutablePointer<Int32>?) -> Int32 {
    readGroup("swiftopt_optimizer_last_step_skipped", optimizer, group, outSkipped, "out_skipped") {
        try $0.lastStepSkipped(group: $1) ? 1 : 0
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
