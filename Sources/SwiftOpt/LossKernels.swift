#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Loss kernels: one pass computes the loss and (when asked) the gradient with
// respect to the input. Arguments are validated by the callers in Losses.swift.
//
// Every element is computed in Double, whatever the element type, and each
// result is rounded once to the element type; sums use compensated (Neumaier)
// summation in Double. fp64 results therefore agree with torch to rounding,
// and fp32 results are at least as accurate as torch's fp32 ones.

/// log(1 + exp(z)) without overflow or loss of precision.
@inline(__always)
func softplus(_ z: Double) -> Double {
    Swift.max(z, 0) + log1p(exp(-Swift.abs(z)))
}

/// 1 / (1 + exp(-z)) without overflow.
@inline(__always)
func sigmoid(_ z: Double) -> Double {
    if z >= 0 { return 1 / (1 + exp(-z)) }
    let e = exp(z)
    return e / (1 + e)
}

/// sign(z) with sign(0) = 0 (torch's `sign`); NaN propagates.
@inline(__always)
func signum(_ z: Double) -> Double {
    z > 0 ? 1 : (z < 0 ? -1 : z)
}

enum LossKernels {
    // MARK: Element-wise losses

    /// Applies `f(x, y, i) -> (loss, dloss/dx)` to every element and reduces.
    @inline(__always)
    static func elementwise<T: BinaryFloatingPoint>(
        _ n: Int, _ input: UnsafeRawPointer, _ target: UnsafeRawPointer, _ reduction: Reduction,
        _ loss: UnsafeMutableRawPointer, _ grad: UnsafeMutableRawPointer?, as: T.Type,
        _ f: (Double, Double, Int) -> (Double, Double)
    ) {
        let x = input.assumingMemoryBound(to: T.self)
        let y = target.assumingMemoryBound(to: T.self)
        let out = loss.assumingMemoryBound(to: T.self)
        let scale = reduction == .mean ? 1 / Double(n) : 1
        var total = CompensatedSum()
        if let grad {
            let g = grad.assumingMemoryBound(to: T.self)
            for i in 0..<n {
                let (l, d) = f(Double(x[i]), Double(y[i]), i)
                if reduction == .none { out[i] = T(l) } else { total.add(l) }
                g[i] = T(d * scale)
            }
        } else {
            for i in 0..<n {
                let (l, _) = f(Double(x[i]), Double(y[i]), i)
                if reduction == .none { out[i] = T(l) } else { total.add(l) }
            }
        }
        store(total, count: Double(n), reduction, out)
    }

    /// Writes a reduced loss: the sum, or the sum divided by `count` (mean).
    @inline(__always)
    static func store<T: BinaryFloatingPoint>(_ total: CompensatedSum, count: Double, _ reduction: Reduction,
                                              _ out: UnsafeMutablePointer<T>) {
        switch reduction {
        case .none: break
        case .sum: out[0] = T(total.value)
        case .mean: out[0] = T(total.value / count)
        }
    }

    static func mse<T: BinaryFloatingPoint>(_ n: Int, _ x: UnsafeRawPointer, _ y: UnsafeRawPointer, _ r: Reduction,
                                            _ loss: UnsafeMutableRawPointer, _ grad: UnsafeMutableRawPointer?, as: T.Type) {
        elementwise(n, x, y, r, loss, grad, as: T.self) { x, y, _ in
            let d = x - y
            return (d * d, 2 * d)
        }
    }

    static func l1<T: BinaryFloatingPoint>(_ n: Int, _ x: UnsafeRawPointer, _ y: UnsafeRawPointer, _ r: Reduction,
                                           _ loss: UnsafeMutableRawPointer, _ grad: UnsafeMutableRawPointer?, as: T.Type) {
        elementwise(n, x, y, r, loss, grad, as: T.self) { x, y, _ in
            let d = x - y
            return (Swift.abs(d), signum(d))
        }
    }

    static func huber<T: BinaryFloatingPoint>(_ n: Int, _ x: UnsafeRawPointer, _ y: UnsafeRawPointer, delta: Double,
                                              _ r: Reduction, _ loss: UnsafeMutableRawPointer,
                                              _ grad: UnsafeMutableRawPointer?, as: T.Type) {
        elementwise(n, x, y, r, loss, grad, as: T.self) { x, y, _ in
            let d = x - y, z = Swift.abs(d)
            if z < delta { return (0.5 * d * d, d) }
            return (delta * (z - 0.5 * delta), delta * signum(d))
        }
    }

    static func smoothL1<T: BinaryFloatingPoint>(_ n: Int, _ x: UnsafeRawPointer, _ y: UnsafeRawPointer, beta: Double,
                                                 _ r: Reduction, _ loss: UnsafeMutableRawPointer,
                                                 _ grad: UnsafeMutableRawPointer?, as: T.Type) {
        guard beta > 0 else { return l1(n, x, y, r, loss, grad, as: T.self) }  // torch: beta == 0 is l1_loss
        elementwise(n, x, y, r, loss, grad, as: T.self) { x, y, _ in
            let d = x - y, z = Swift.abs(d)
            if z < beta { return (0.5 * d * d / beta, d / beta) }
            return (z - 0.5 * beta, signum(d))
        }
    }

    static func hinge<T: BinaryFloatingPoint>(_ n: Int, _ x: UnsafeRawPointer, _ y: UnsafeRawPointer, _ r: Reduction,
                                              _ loss: UnsafeMutableRawPointer, _ grad: UnsafeMutableRawPointer?, as: T.Type) {
        elementwise(n, x, y, r, loss, grad, as: T.self) { x, y, _ in
            let margin = 1 - y * x
            if margin > 0 { return (margin, -y) }
            return margin.isNaN ? (margin, margin) : (0, 0)  // NaN propagates
        }
    }

    /// Binary cross-entropy on logits, input (n, c): pos_weight per column,
    /// weight per element.
    static func bceWithLogits<T: BinaryFloatingPoint>(
        _ n: Int, _ c: Int, _ x: UnsafeRawPointer, _ y: UnsafeRawPointer, weight: UnsafeRawPointer?,
        posWeight: UnsafeRawPointer?, _ r: Reduction, _ loss: UnsafeMutableRawPointer,
        _ grad: UnsafeMutableRawPointer?, as: T.Type
    ) {
        let w = weight?.assumingMemoryBound(to: T.self)
        let pw = posWeight?.assumingMemoryBound(to: T.self)
        elementwise(n * c, x, y, r, loss, grad, as: T.self) { x, y, i in
            let wi = w.map { Double($0[i]) } ?? 1
            let pwi = pw.map { Double($0[i % c]) } ?? 1
            // -[pw·y·log σ(x) + (1 - y)·log(1 - σ(x))], with -log σ(x) = softplus(-x)
            // and -log(1 - σ(x)) = softplus(x): two non-negative terms, no cancellation.
            let l = pwi * y * softplus(-x) + (1 - y) * softplus(x)
            let d = (1 - y) * sigmoid(x) - pwi * y * sigmoid(-x)
            return (wi * l, wi * d)
        }
    }

    // MARK: Losses over (n, c) rows of class scores

    /// log Σ_j exp(row[j]), shifted by the row's maximum.
    @inline(__always)
    static func logSumExp<T: BinaryFloatingPoint>(_ row: UnsafePointer<T>, _ c: Int) -> Double {
        var m = -Double.infinity
        for j in 0..<c { m = Swift.max(m, Double(row[j])) }
        var s = 0.0
        for j in 0..<c { s += exp(Double(row[j]) - m) }
        return m + log(s)
    }

    /// cross_entropy with class-index targets; `denominator` is the sum of
    /// the non-ignored targets' weights (mean reduction).
    static func crossEntropy<T: BinaryFloatingPoint>(
        _ n: Int, _ c: Int, _ input: UnsafeRawPointer, _ target: UnsafePointer<Int64>, weight: UnsafeRawPointer?,
        ignoreIndex: Int64, labelSmoothing eps: Double, denominator: Double, _ r: Reduction,
        _ loss: UnsafeMutableRawPointer, _ grad: UnsafeMutableRawPointer?, as: T.Type
    ) {
        let x = input.assumingMemoryBound(to: T.self)
        let w = weight?.assumingMemoryBound(to: T.self)
        let out = loss.assumingMemoryBound(to: T.self)
        let g = grad?.assumingMemoryBound(to: T.self)
        let scale = r == .mean ? 1 / denominator : 1
        let smoothing = eps > 0, epsPerClass = eps / Double(c), keep = 1 - eps
        var weightSum = Double(c)
        if let w, smoothing {
            var s = CompensatedSum()
            for j in 0..<c { s.add(Double(w[j])) }
            weightSum = s.value
        }
        var total = CompensatedSum()
        for i in 0..<n {
            let row = x + i * c
            let t = target[i]
            guard t != ignoreIndex else {
                if r == .none { out[i] = 0 }
                if let g { (g + i * c).update(repeating: 0, count: c) }
                continue
            }
            let k = Int(t)
            let lse = logSumExp(row, c)
            let wk = w.map { Double($0[k]) } ?? 1
            var l = -wk * (Double(row[k]) - lse)
            if smoothing {
                var smooth = CompensatedSum()
                for j in 0..<c { smooth.add(-(w.map { Double($0[j]) } ?? 1) * (Double(row[j]) - lse)) }
                l = keep * l + epsPerClass * smooth.value
            }
            if r == .none { out[i] = T(l) } else { total.add(l) }
            guard let g else { continue }
            let gi = g + i * c
            for j in 0..<c {
                let z = Double(row[j]) - lse
                // (1-ε)·w_k·(p_j - [j = k]) + ε/C·(W·p_j - w_j); expm1 keeps p_k - 1 accurate.
                var d = keep * wk * (j == k ? expm1(z) : exp(z))
                if smoothing { d += epsPerClass * (weightSum * exp(z) - (w.map { Double($0[j]) } ?? 1)) }
                gi[j] = T(d * scale)
            }
        }
        store(total, count: denominator, r, out)
    }

    /// cross_entropy with class-probability targets (n, c); mean divides by n.
    static func crossEntropyProbabilities<T: BinaryFloatingPoint>(
        _ n: Int, _ c: Int, _ input: UnsafeRawPointer, _ target: UnsafeRawPointer, weight: UnsafeRawPointer?,
        labelSmoothing eps: Double, _ r: Reduction, _ loss: UnsafeMutableRawPointer,
        _ grad: UnsafeMutableRawPointer?, as: T.Type
    ) {
        let x = input.assumingMemoryBound(to: T.self)
        let y = target.assumingMemoryBound(to: T.self)
        let w = weight?.assumingMemoryBound(to: T.self)
        let out = loss.assumingMemoryBound(to: T.self)
        let g = grad?.assumingMemoryBound(to: T.self)
        let scale = r == .mean ? 1 / Double(n) : 1
        let smoothing = eps > 0, epsPerClass = eps / Double(c), keep = 1 - eps
        /// The smoothed target times the class weight, torch's `target_ * weight_`.
        @inline(__always)
        func weightedTarget(_ i: Int, _ j: Int) -> Double {
            let t = Double(y[i * c + j])
            let smoothed = smoothing ? t * keep + epsPerClass : t
            return (w.map { Double($0[j]) } ?? 1) * smoothed
        }
        var total = CompensatedSum()
        for i in 0..<n {
            let row = x + i * c
            let lse = logSumExp(row, c)
            var l = CompensatedSum()
            var targetSum = CompensatedSum()
            for j in 0..<c {
                let wt = weightedTarget(i, j)
                // A zero target contributes nothing, even where log p_j underflows.
                if wt != 0 { l.add(-wt * (Double(row[j]) - lse)) }
                targetSum.add(wt)
            }
            if r == .none { out[i] = T(l.value) } else { total.add(l.value) }
            guard let g else { continue }
            let gi = g + i * c, s = targetSum.value
            for j in 0..<c {
                // d/dx_j = p_j·Σ_k w_k t_k - w_j t_j
                gi[j] = T((exp(Double(row[j]) - lse) * s - weightedTarget(i, j)) * scale)
            }
        }
        store(total, count: Double(n), r, out)
    }

    /// nll_loss over log-probabilities; `denominator` as in crossEntropy.
    static func nll<T: BinaryFloatingPoint>(
        _ n: Int, _ c: Int, _ input: UnsafeRawPointer, _ target: UnsafePointer<Int64>, weight: UnsafeRawPointer?,
        ignoreIndex: Int64, denominator: Double, _ r: Reduction, _ loss: UnsafeMutableRawPointer,
        _ grad: UnsafeMutableRawPointer?, as: T.Type
    ) {
        let x = input.assumingMemoryBound(to: T.self)
        let w = weight?.assumingMemoryBound(to: T.self)
        let out = loss.assumingMemoryBound(to: T.self)
        let g = grad?.assumingMemoryBound(to: T.self)
        let scale = r == .mean ? 1 / denominator : 1
        g?.update(repeating: 0, count: n * c)
        var total = CompensatedSum()
        for i in 0..<n {
            let t = target[i]
            guard t != ignoreIndex else {
                if r == .none { out[i] = 0 }
                continue
            }
            let k = Int(t)
            let wk = w.map { Double($0[k]) } ?? 1
            let l = -wk * Double(x[i * c + k])
            if r == .none { out[i] = T(l) } else { total.add(l) }
            g?[i * c + k] = T(-wk * scale)
        }
        store(total, count: denominator, r, out)
    }
}
