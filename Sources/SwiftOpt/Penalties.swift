// Regularization penalties for callers who add them to their loss. Each
// returns the penalty's value over one parameter tensor θ (`count` elements
// of `dtype`) and, when `grad` is given, ADDS the penalty's gradient to it:
// `grad += ∂penalty/∂θ`, so a gradient already holding ∂loss/∂θ becomes the
// gradient of loss + penalty. Over several tensors, call once per tensor and
// add the values.
//
// Conventions (no single one is universal; these are chosen so that the L2
// gradient λ·θ equals torch.optim's coupled `weight_decay` = λ):
//
//     l1Penalty          λ·Σ|θ_i|                    grad += λ·sign(θ_i), sign(0) = 0
//     l2Penalty          λ/2·Σθ_i²                   grad += λ·θ_i
//     elasticNetPenalty  λ₁·Σ|θ_i| + λ₂/2·Σθ_i²      grad += λ₁·sign(θ_i) + λ₂·θ_i
//
// (scikit-learn's ElasticNet(alpha, l1_ratio) is λ₁ = alpha·l1_ratio,
// λ₂ = alpha·(1 - l1_ratio), up to its 1/(2n) data-term scaling.)
// Coefficients must be finite and >= 0 (`.outOfBounds`). Values are summed
// in Double with compensation; each gradient element is updated with one
// rounding. Nothing is written on error; nothing is allocated.

/// λ·Σ|θ_i|; adds λ·sign(θ_i) to `grad` when given.
public func l1Penalty(dtype: DType, count: Int, params: UnsafeRawPointer, lambda: Double,
                      grad: UnsafeMutableRawPointer? = nil) throws -> Double {
    try checkPenalty(dtype, count, params, grad, lambda, "lambda")
    return Penalties.apply(dtype, count, params, l1: lambda, l2: 0, grad)
}

/// λ/2·Σθ_i² (so that its gradient λ·θ is torch's weight_decay λ); adds
/// λ·θ_i to `grad` when given.
public func l2Penalty(dtype: DType, count: Int, params: UnsafeRawPointer, lambda: Double,
                      grad: UnsafeMutableRawPointer? = nil) throws -> Double {
    try checkPenalty(dtype, count, params, grad, lambda, "lambda")
    return Penalties.apply(dtype, count, params, l1: 0, l2: lambda, grad)
}

/// λ₁·Σ|θ_i| + λ₂/2·Σθ_i²; adds λ₁·sign(θ_i) + λ₂·θ_i to `grad` when given.
public func elasticNetPenalty(dtype: DType, count: Int, params: UnsafeRawPointer, l1Lambda: Double,
                              l2Lambda: Double, grad: UnsafeMutableRawPointer? = nil) throws -> Double {
    try checkPenalty(dtype, count, params, grad, l1Lambda, "l1_lambda")
    try LossArguments.bounded(l2Lambda, "l2_lambda", 0)
    return Penalties.apply(dtype, count, params, l1: l1Lambda, l2: l2Lambda, grad)
}

private func checkPenalty(_ dtype: DType, _ count: Int, _ params: UnsafeRawPointer,
                          _ grad: UnsafeMutableRawPointer?, _ lambda: Double, _ name: String) throws {
    try LossArguments.count(count, dtype, "count")
    try LossArguments.bounded(lambda, name, 0)
    try LossArguments.aligned(params, dtype.size, "params")
    try LossArguments.aligned(grad, dtype.size, "grad")
}

enum Penalties {
    static func apply(_ dtype: DType, _ n: Int, _ params: UnsafeRawPointer, l1: Double, l2: Double,
                      _ grad: UnsafeMutableRawPointer?) -> Double {
        switch dtype {
        case .float32: return apply(n, params, l1: l1, l2: l2, grad, as: Float.self)
        case .float64: return apply(n, params, l1: l1, l2: l2, grad, as: Double.self)
        }
    }

    @inline(__always)
    private static func apply<T: BinaryFloatingPoint>(_ n: Int, _ params: UnsafeRawPointer, l1: Double, l2: Double,
                                                      _ grad: UnsafeMutableRawPointer?, as: T.Type) -> Double {
        let p = params.assumingMemoryBound(to: T.self)
        var absSum = CompensatedSum(), squareSum = CompensatedSum()
        for i in 0..<n {
            let theta = Double(p[i])
            if l1 != 0 { absSum.add(Swift.abs(theta)) }
            if l2 != 0 { squareSum.add(theta * theta) }
        }
        if let grad {
            let g = grad.assumingMemoryBound(to: T.self)
            for i in 0..<n {
                let theta = Double(p[i])
                var d = 0.0
                if l1 != 0 { d += l1 * signum(theta) }
                if l2 != 0 { d += l2 * theta }
                g[i] = T(Double(g[i]) + d)
            }
        }
        var value = 0.0
        if l1 != 0 { value += l1 * absSum.value }
        if l2 != 0 { value += 0.5 * l2 * squareSum.value }
        return value
    }
}
