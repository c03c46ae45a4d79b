#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Fused update kernels: one pass over memory per tensor, no temporaries.
//
// Each kernel follows torch.optim's single-tensor implementation operation by
// operation (same order of operations, same scalars computed in Double and
// rounded once to the element type), so fp64 results agree with torch's to
// rounding and fp32 results to fp32 rounding.

/// torch's `lerp`: exact at both ends, computed from the nearer end.
@inline(__always)
func lerp<T: BinaryFloatingPoint>(_ start: T, _ end: T, _ weight: T) -> T {
    weight < 0.5 ? start + weight * (end - start) : end - (end - start) * (1 - weight)
}

/// One tensor of one update: its buffers, its element count and its step
/// count before this update.
struct TensorUpdate {
    var param: UnsafeMutableRawPointer
    var grad: UnsafeRawPointer
    var count: Int
    var state: StatePointers
    /// The step count before this update (torch's `step` before `step += 1`).
    var previousStep: Int64
    /// SGD: whether momentum_buffer holds a value yet (torch: not None).
    var momentumInitialized: Bool
}

enum Kernels {
    /// Applies one update of `group`'s algorithm to one tensor of element type `dtype`.
    static func apply(_ group: ParamGroup, _ dtype: DType, _ t: TensorUpdate) {
        switch dtype {
        case .float32: apply(group, t, as: Float.self)
        case .float64: apply(group, t, as: Double.self)
        }
    }

    @inline(__always)
    private static func apply<T: BinaryFloatingPoint>(_ group: ParamGroup, _ t: TensorUpdate, as: T.Type) {
        let p = t.param.assumingMemoryBound(to: T.self)
        let g = t.grad.assumingMemoryBound(to: T.self)
        func state(_ pointer: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<T>? {
            pointer?.assumingMemoryBound(to: T.self)
        }
        let step = Double(t.previousStep) + 1
        switch group.algorithm {
        case .sgd:
            sgd(p, g, state(t.state.momentumBuffer), t.count, group, first: !t.momentumInitialized)
        case .adagrad:
            adagrad(p, g, state(t.state.sum)!, t.count, group, step: step)
        case .rmsprop:
            rmsprop(p, g, state(t.state.squareAvg)!, state(t.state.gradAvg),
                    state(t.state.momentumBuffer), t.count, group)
        case .adam, .adamw:
            adam(p, g, state(t.state.expAvg)!, state(t.state.expAvgSq)!, state(t.state.maxExpAvgSq),
                 t.count, group, step: step, decoupled: group.algorithm == .adamw)
        }
    }

    // MARK: SGD

    private static func sgd<T: BinaryFloatingPoint>(
        _ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>, _ buf: UnsafeMutablePointer<T>?,
        _ n: Int, _ h: ParamGroup, first: Bool
    ) {
        let lr = T(h[.lr]), wd = T(h[.weightDecay]), mu = T(h[.momentum])
        let oneMinusDampening = T(1 - h[.dampening])
        let sign: T = h[.maximize] != 0 ? -1 : 1
        let decay = h[.weightDecay] != 0, nesterov = h[.nesterov] != 0
        guard let buf else {
            for i in 0..<n {
                var d = sign * g[i]
                if decay { d = d + wd * p[i] }
                p[i] = p[i] - lr * d
            }
            return
        }
        for i in 0..<n {
            var d = sign * g[i]
            if decay { d = d + wd * p[i] }
            let b = first ? d : buf[i] * mu + oneMinusDampening * d
            buf[i] = b
            d = nesterov ? d + mu * b : b
            p[i] = p[i] - lr * d
        }
    }

    // MARK: Adagrad

    private static func adagrad<T: BinaryFloatingPoint>(
        _ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>, _ sum: UnsafeMutablePointer<T>,
        _ n: Int, _ h: ParamGroup, step: Double
    ) {
        let negClr = T(-h[.lr] / (1 + (step - 1) * h[.lrDecay]))
        let wd = T(h[.weightDecay]), eps = T(h[.eps])
        let sign: T = h[.maximize] != 0 ? -1 : 1
        let decay = h[.weightDecay] != 0
        for i in 0..<n {
            var d = sign * g[i]
            if decay { d = d + wd * p[i] }
            let s = sum[i] + d * d
            sum[i] = s
            p[i] = p[i] + negClr * d / (s.squareRoot() + eps)   // addcdiv: (value * t1) / t2
        }
    }

    // MARK: RMSprop

    private static func rmsprop<T: BinaryFloatingPoint>(
        _ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>, _ squareAvg: UnsafeMutablePointer<T>,
        _ gradAvg: UnsafeMutablePointer<T>?, _ buf: UnsafeMutablePointer<T>?, _ n: Int, _ h: ParamGroup
    ) {
        let lr = T(h[.lr]), negLr = -lr, wd = T(h[.weightDecay]), eps = T(h[.eps]), mu = T(h[.momentum])
        let alpha = T(h[.alpha]), oneMinusAlpha = T(1 - h[.alpha])
        let sign: T = h[.maximize] != 0 ? -1 : 1
        let decay = h[.weightDecay] != 0
        for i in 0..<n {
            var d = sign * g[i]
            if decay { d = d + wd * p[i] }
            let v = squareAvg[i] * alpha + oneMinusAlpha * d * d
            squareAvg[i] = v
            var avg: T
            if let gradAvg {
                let m = lerp(gradAvg[i], d, oneMinusAlpha)
                gradAvg[i] = m
                avg = (v - m * m).squareRoot()
            } else {
                avg = v.squareRoot()
            }
            avg = avg + eps
            if let buf {
                let b = buf[i] * mu + d / avg
                buf[i] = b
                p[i] = p[i] - lr * b
            } else {
                p[i] = p[i] + negLr * d / avg   // addcdiv: (value * t1) / t2
            }
        }
    }

    // MARK: Adam and AdamW

    private static func adam<T: BinaryFloatingPoint>(
        _ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>, _ expAvg: UnsafeMutablePointer<T>,
        _ expAvgSq: UnsafeMutablePointer<T>, _ maxExpAvgSq: UnsafeMutablePointer<T>?, _ n: Int,
        _ h: ParamGroup, step: Double, decoupled: Bool
    ) {
        let beta1 = h[.beta1], beta2 = h[.beta2]
        let negStepSize = T(-h[.lr] / (1 - pow(beta1, step)))
        let bc2Sqrt = T((1 - pow(beta2, step)).squareRoot())
        let oneMinusBeta1 = T(1 - beta1), b2 = T(beta2), oneMinusBeta2 = T(1 - beta2)
        let eps = T(h[.eps]), wd = T(h[.weightDecay])
        let shrink = T(1 - h[.lr] * h[.weightDecay])
        let sign: T = h[.maximize] != 0 ? -1 : 1
        let coupledDecay = !decoupled && h[.weightDecay] != 0
        let decoupledDecay = decoupled && h[.weightDecay] != 0
        for i in 0..<n {
            var theta = p[i]
            if decoupledDecay { theta = theta * shrink }
            var d = sign * g[i]
            if coupledDecay { d = d + wd * theta }
            let m = lerp(expAvg[i], d, oneMinusBeta1)
            expAvg[i] = m
            var v = expAvgSq[i] * b2 + oneMinusBeta2 * d * d
            expAvgSq[i] = v
            if let maxExpAvgSq {
                v = Swift.max(maxExpAvgSq[i], v)
                maxExpAvgSq[i] = v
            }
            p[i] = theta + negStepSize * m / (v.squareRoot() / bc2Sqrt + eps)   // addcdiv: (value * t1) / t2
        }
    }
}
