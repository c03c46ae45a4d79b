#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Gradient clipping with torch's formulas (`torch.nn.utils.clip_grad_norm_`,
/// `clip_grad_value_`), over a list of gradient tensors of one dtype.
///
/// Norms are accumulated in Double in a fixed order (tensor by tensor,
/// element by element), so a result never depends on how work is split.
public enum Clipping {
    /// Scales the gradients in place so that their global `normType`-norm is
    /// at most `maxNorm`: g ← g · min(maxNorm / (total + 1e-6), 1), torch's
    /// formula (the 1e-6 included). Returns the total norm before clipping,
    /// the norm of the concatenation of all tensors. `normType` is any
    /// p ≥ 1 or +infinity (max |g|). A non-finite total scales by NaN, as
    /// torch does without error_if_nonfinite; check the returned norm.
    @discardableResult
    public static func clipGradNorm(
        _ grads: UnsafeBufferPointer<UnsafeMutableRawPointer?>, counts: UnsafeBufferPointer<Int64>,
        dtype: DType, maxNorm: Double, normType: Double = 2
    ) throws -> Double {
        try checkTensors(grads, counts, dtype)
        guard maxNorm.isFinite && maxNorm >= 0 else {
            throw OptimizerError(.outOfBounds, "max_norm must be finite and >= 0, got \(maxNorm)")
        }
        guard normType == .infinity || (normType.isFinite && normType >= 1) else {
            throw OptimizerError(.outOfBounds, "norm_type must be >= 1 or inf, got \(normType)")
        }
        var accumulator = NormAccumulator(normType)
        for (i, grad) in grads.enumerated() {
            accumulator.add(UnsafeRawPointer(grad!), Int(counts[i]), dtype)
        }
        let total = accumulator.norm
        let scale = clipCoefficient(maxNorm: maxNorm, total: total)
        for (i, grad) in grads.enumerated() {
            scaleInPlace(grad!, Int(counts[i]), dtype, by: scale)
        }
        return total
    }

    /// Clamps every gradient element to [−clipValue, clipValue] in place.
    public static func clipGradValue(
        _ grads: UnsafeBufferPointer<UnsafeMutableRawPointer?>, counts: UnsafeBufferPointer<Int64>,
        dtype: DType, clipValue: Double
    ) throws {
        try checkTensors(grads, counts, dtype)
        guard clipValue.isFinite && clipValue >= 0 else {
            throw OptimizerError(.outOfBounds, "clip_value must be finite and >= 0, got \(clipValue)")
        }
        for (i, grad) in grads.enumerated() {
            switch dtype {
            case .float32: clamp(grad!.assumingMemoryBound(to: Float.self), Int(counts[i]), Float(clipValue))
            case .float64: clamp(grad!.assumingMemoryBound(to: Double.self), Int(counts[i]), clipValue)
            }
        }
    }

    /// torch's clip coefficient: min(maxNorm / (total + 1e-6), 1).
    static func clipCoefficient(maxNorm: Double, total: Double) -> Double {
        Swift.min(maxNorm / (total + 1e-6), 1)
    }

    /// Checks a list of tensors: every entry present, counts > 0, aligned.
    static func checkTensors(_ pointers: UnsafeBufferPointer<UnsafeMutableRawPointer?>,
                             _ counts: UnsafeBufferPointer<Int64>, _ dtype: DType) throws {
        guard !pointers.isEmpty else { throw OptimizerError(.invalidArgument, "the number of tensors must be > 0") }
        guard counts.count == pointers.count else {
            throw OptimizerError(.sizeMismatch, "got \(counts.count) counts for \(pointers.count) tensors")
        }
        for (i, pointer) in pointers.enumerated() {
            guard let pointer else { throw OptimizerError(.nullPointer, "tensor \(i) is NULL") }
            try checkCount(counts[i], dtype, "tensor \(i)")
            try checkAligned(UnsafeRawPointer(pointer), dtype, "tensor \(i)")
        }
    }

    private static func scaleInPlace(_ pointer: UnsafeMutableRawPointer, _ n: Int, _ dtype: DType, by scale: Double) {
        switch dtype {
        case .float32:
            let g = pointer.assumingMemoryBound(to: Float.self), s = Float(scale)
            for i in 0..<n { g[i] = g[i] * s }
        case .float64:
            let g = pointer.assumingMemoryBound(to: Double.self)
            for i in 0..<n { g[i] = g[i] * scale }
        }
    }

    private static func clamp<T: BinaryFloatingPoint>(_ g: UnsafeMutablePointer<T>, _ n: Int, _ c: T) {
        for i in 0..<n { g[i] = Swift.min(Swift.max(g[i], -c), c) }
    }
}

/// Accumulates a p-norm over several tensors in Double, in a fixed order.
struct NormAccumulator {
    let p: Double
    private(set) var sum = 0.0

    init(_ p: Double) { self.p = p }

    mutating func add(_ pointer: UnsafeRawPointer, _ n: Int, _ dtype: DType) {
        switch dtype {
        case .float32: add(pointer.assumingMemoryBound(to: Float.self), n)
        case .float64: add(pointer.assumingMemoryBound(to: Double.self), n)
        }
    }

    private mutating func add<T: BinaryFloatingPoint>(_ g: UnsafePointer<T>, _ n: Int) {
        var s = 0.0
        if p == 2 {
            for i in 0..<n { let x = Double(g[i]); s += x * x }
        } else if p == 1 {
            for i in 0..<n { s += Double(g[i]).magnitude }
        } else if p == .infinity {
            for i in 0..<n {
                let x = Double(g[i]).magnitude
                if !(x <= s) { s = x }   // propagates NaN like torch's max
            }
            if !(s <= sum) { sum = s }
            return
        } else {
            for i in 0..<n { s += pow(Double(g[i]).magnitude, p) }
        }
        sum += s
    }

    /// The norm of everything added so far.
    var norm: Double {
        if p == .infinity || p == 1 { return sum }
        if p == 2 { return sum.squareRoot() }
        return pow(sum, 1 / p)
    }
}
