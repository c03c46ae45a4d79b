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
    /// Gradient-norm clipping coefficient min(max_norm / (norm + 1e-6), 1);
    /// nil when max_grad_norm is off.
    var clipScale: Double?
}

/// What every algorithm shares, per element: how a gradient element is read
/// (norm-clipped, value-clipped, negated for maximize, plus coupled L2) and
/// how the parameter is decayed before the update (decoupled weight decay)
/// and shrunk after it (L1 proximal step). Loop-invariant flags, so the
/// compiler hoists the branches.
struct Regularization<T: BinaryFloatingPoint> {
    let sign: T
    let scaled: Bool, scale: T
    let clipping: Bool, clip: T
    let coupled: Bool, weightDecay: T
    let decoupled: Bool, shrink: T
    let proximal: Bool, threshold: T

    init(_ h: ParamGroup, clipScale: Double?) {
        let algorithm = h.algorithm
        let decay = h[.weightDecay] != 0
        let decouple = algorithm == .adamw || (algorithm.spec(.decoupledWeightDecay) != nil && h[.decoupledWeightDecay] != 0)
        sign = h[.maximize] != 0 ? -1 : 1
        scaled = clipScale != nil
        scale = T(clipScale ?? 1)
        clipping = h[.clipValue] > 0
        clip = T(h[.clipValue])
        coupled = decay && !decouple
        weightDecay = T(h[.weightDecay])
        decoupled = decay && decouple
        shrink = T(1 - h[.lr] * h[.weightDecay])
        proximal = h[.l1] > 0
        threshold = T(h[.lr] * h[.l1])
    }

    /// θ before the update: θ(1 − γλ) with decoupled weight decay, else θ.
    @inline(__always)
    func decay(_ theta: T) -> T { decoupled ? theta * shrink : theta }

    /// The gradient element the update uses, given the (decayed) parameter.
    @inline(__always)
    func gradient(_ g: T, _ theta: T) -> T {
        var d = g
        if scaled { d = d * scale }
        if clipping { d = Swift.min(Swift.max(d, -clip), clip) }
        d = sign * d
        if coupled { d = d + weightDecay * theta }
        return d
    }

    /// θ after the update: sign(θ)·max(|θ| − γλ₁, 0) with L1, else θ.
    /// Written as a select, without an early return, so that loops using it
    /// vectorise.
    @inline(__always)
    func prox(_ theta: T) -> T {
        let shrunk = T(signOf: theta, magnitudeOf: Swift.max(theta.magnitude - threshold, 0))
        return proximal ? shrunk : theta
    }
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
            sgd(p, g, state(t.state.momentumBuffer), t.count, group, t.clipScale, first: !t.momentumInitialized)
        case .adagrad:
            adagrad(p, g, state(t.state.sum)!, t.count, group, t.clipScale, step: step)
        case .rmsprop:
            rmsprop(p, g, state(t.state.squareAvg)!, state(t.state.gradAvg),
                    state(t.state.momentumBuffer), t.count, group, t.clipScale)
        case .adam, .adamw:
            adam(p, g, state(t.state.expAvg)!, state(t.state.expAvgSq)!, state(t.state.maxExpAvgSq),
                 t.count, group, t.clipScale, step: step)
        }
    }

    // Each kernel resolves its optional state tensors before its loop and
    // runs a loop body specialised for that combination: an optional tested
    // inside the loop stops LLVM from vectorising it.

    // MARK: SGD

    @inline(never)
    private static func sgd<T: BinaryFloatingPoint>(
        _ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>, _ buf: UnsafeMutablePointer<T>?,
        _ n: Int, _ h: ParamGroup, _ clipScale: Double?, first: Bool
    ) {
        // Built here, not passed in: a struct parameter stops vectorisation.
        let r = Regularization<T>(h, clipScale: clipScale)
        let lr = T(h[.lr]), mu = T(h[.momentum])
        let oneMinusDampening = T(1 - h[.dampening])
        let nesterov = h[.nesterov] != 0
        @inline(__always)
        func loop(_ buf: UnsafeMutablePointer<T>, momentum: Bool) {
            for i in 0..<n {
                let theta = r.decay(p[i])
                var d = r.gradient(g[i], theta)
                if momentum {
                    let b = first ? d : buf[i] * mu + oneMinusDampening * d
                    buf[i] = b
                    d = nesterov ? d + mu * b : b
                }
                p[i] = r.prox(theta - lr * d)
            }
        }
        if let buf { loop(buf, momentum: true) } else { loop(p, momentum: false) }
    }

    // MARK: Adagrad

    @inline(never)
    private static func adagrad<T: BinaryFloatingPoint>(
        _ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>, _ sum: UnsafeMutablePointer<T>,
        _ n: Int, _ h: ParamGroup, _ clipScale: Double?, step: Double
    ) {
        // Built here, not passed in: a struct parameter stops vectorisation.
        let r = Regularization<T>(h, clipScale: clipScale)
        let negClr = T(-h[.lr] / (1 + (step - 1) * h[.lrDecay]))
        let eps = T(h[.eps])
        for i in 0..<n {
            let theta = r.decay(p[i])
            let d = r.gradient(g[i], theta)
            let s = sum[i] + d * d
            sum[i] = s
            p[i] = r.prox(theta + negClr * d / (s.squareRoot() + eps))   // addcdiv: (value * t1) / t2
        }
    }

    // MARK: RMSprop

    @inline(never)
    private static func rmsprop<T: BinaryFloatingPoint>(
        _ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>, _ squareAvg: UnsafeMutablePointer<T>,
        _ gradAvg: UnsafeMutablePointer<T>?, _ buf: UnsafeMutablePointer<T>?, _ n: Int,
        _ h: ParamGroup, _ clipScale: Double?
    ) {
        // Built here, not passed in: a struct parameter stops vectorisation.
        let r = Regularization<T>(h, clipScale: clipScale)
        let lr = T(h[.lr]), negLr = -lr, eps = T(h[.eps]), mu = T(h[.momentum])
        let alpha = T(h[.alpha]), oneMinusAlpha = T(1 - h[.alpha])
        @inline(__always)
        func loop(_ gradAvg: UnsafeMutablePointer<T>, _ buf: UnsafeMutablePointer<T>, centered: Bool, momentum: Bool) {
            for i in 0..<n {
                let theta = r.decay(p[i])
                let d = r.gradient(g[i], theta)
                let v = squareAvg[i] * alpha + oneMinusAlpha * d * d
                squareAvg[i] = v
                var avg: T
                if centered {
                    let m = lerp(gradAvg[i], d, oneMinusAlpha)
                    gradAvg[i] = m
                    avg = (v - m * m).squareRoot()
                } else {
                    avg = v.squareRoot()
                }
                avg = avg + eps
                if momentum {
                    let b = buf[i] * mu + d / avg
                    buf[i] = b
                    p[i] = r.prox(theta - lr * b)
                } else {
                    p[i] = r.prox(theta + negLr * d / avg)   // addcdiv: (value * t1) / t2
                }
            }
        }
        switch (gradAvg, buf) {
        case let (gradAvg?, buf?): loop(gradAvg, buf, centered: true, momentum: true)
        case let (gradAvg?, nil): loop(gradAvg, p, centered: true, momentum: false)
        case let (nil, buf?): loop(p, buf, centered: false, momentum: true)
        case (nil, nil): loop(p, p, centered: false, momentum: false)
        }
    }

    // MARK: Adam and AdamW

    @inline(never)
    private static func adam<T: BinaryFloatingPoint>(
        _ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>, _ expAvg: UnsafeMutablePointer<T>,
        _ expAvgSq: UnsafeMutablePointer<T>, _ maxExpAvgSq: UnsafeMutablePointer<T>?, _ n: Int,
        _ h: ParamGroup, _ clipScale: Double?, step: Double
    ) {
        // Built here, not passed in: a struct parameter stops vectorisation.
        let r = Regularization<T>(h, clipScale: clipScale)
        let beta1 = h[.beta1], beta2 = h[.beta2]
        let negStepSize = T(-h[.lr] / (1 - pow(beta1, step)))
        let bc2Sqrt = T((1 - pow(beta2, step)).squareRoot())
        let oneMinusBeta1 = T(1 - beta1), b2 = T(beta2), oneMinusBeta2 = T(1 - beta2)
        let eps = T(h[.eps])
        @inline(__always)
        func loop(_ maxExpAvgSq: UnsafeMutablePointer<T>, amsgrad: Bool) {
            for i in 0..<n {
                let theta = r.decay(p[i])
                let d = r.gradient(g[i], theta)
                let m = lerp(expAvg[i], d, oneMinusBeta1)
                expAvg[i] = m
                var v = expAvgSq[i] * b2 + oneMinusBeta2 * d * d
                expAvgSq[i] = v
                if amsgrad {
                    v = Swift.max(maxExpAvgSq[i], v)
                    maxExpAvgSq[i] = v
                }
                p[i] = r.prox(theta + negStepSize * m / (v.squareRoot() / bc2Sqrt + eps))   // addcdiv: (value * t1) / t2
            }
        }
        if let maxExpAvgSq { loop(maxExpAvgSq, amsgrad: true) } else { loop(p, amsgrad: false) }
    }
}
