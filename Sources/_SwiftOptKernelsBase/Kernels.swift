import _SwiftOptSupport

// Fused update kernels: one pass over memory per tensor, no temporaries.
//
// This file is compiled three times, into _SwiftOptKernelsBase (the
// toolchain's baseline), _SwiftOptKernelsV3 (-march=x86-64-v3) and
// _SwiftOptKernelsV4 (-march=x86-64-v4); the other two directories hold a
// symlink to it. SwiftOpt picks one module at run time (CPULevel.swift).
//
// Each kernel follows torch.optim's single-tensor implementation operation by
// operation (same order of operations, same scalars computed in Double and
// rounded once to the element type), so fp64 results agree with torch's to
// rounding and fp32 results to fp32 rounding. Swift does not contract a*b+c
// into an FMA, so every level rounds the same way.
//
// Vectorisation traps (each one stopped LLVM's loop vectoriser): an optional
// tested inside the loop, a struct read through a parameter inside the loop,
// and an early return in an inlined helper. Every scalar is copied into a
// local before the loops, each combination of options gets its own loop
// body, and "no regularization" is a loop with the flags constant-folded.

/// torch's `lerp`: exact at both ends, computed from the nearer end.
@inline(__always)
func lerp<T: BinaryFloatingPoint>(_ start: T, _ end: T, _ weight: T) -> T {
    weight < 0.5 ? start + weight * (end - start) : end - (end - start) * (1 - weight)
}

/// What every algorithm shares, per element: how a gradient element is read
/// (norm-clipped, value-clipped, negated for maximize, plus coupled L2) and
/// how the parameter is decayed before the update (decoupled weight decay)
/// and shrunk after it (L1 proximal step). Loop-invariant flags.
struct Regularization<T: BinaryFloatingPoint> {
    let sign: T
    let scaled: Bool, scale: T
    let clipping: Bool, clip: T
    let coupled: Bool, weightDecay: T
    let decoupled: Bool, shrink: T
    let proximal: Bool, threshold: T

    @inline(__always)
    init(_ u: so_update) {
        sign = T(u.sign)
        scaled = u.flags & Int32(SO_SCALED) != 0
        scale = T(u.scale)
        clipping = u.flags & Int32(SO_CLIPPING) != 0
        clip = T(u.clip)
        coupled = u.flags & Int32(SO_COUPLED) != 0
        weightDecay = T(u.weight_decay)
        decoupled = u.flags & Int32(SO_DECOUPLED) != 0
        shrink = T(u.shrink)
        proximal = u.flags & Int32(SO_PROXIMAL) != 0
        threshold = T(u.threshold)
    }

    /// No option but maximize's sign is on.
    var isPlain: Bool { !(scaled || clipping || coupled || decoupled || proximal) }

    /// θ before the update: θ(1 − γλ) with decoupled weight decay, else θ.
    @inline(__always)
    func decay(_ theta: T, plain: Bool) -> T { !plain && decoupled ? theta * shrink : theta }

    /// The gradient element the update uses, given the (decayed) parameter.
    @inline(__always)
    func gradient(_ g: T, _ theta: T, plain: Bool) -> T {
        var d = g
        if !plain && scaled { d = d * scale }
        if !plain && clipping { d = Swift.min(Swift.max(d, -clip), clip) }
        d = sign * d
        if !plain && coupled { d = d + weightDecay * theta }
        return d
    }

    /// θ after the update: sign(θ)·max(|θ| − γλ₁, 0) with L1, else θ.
    /// Written as a select, without an early return, so that loops vectorise.
    @inline(__always)
    func prox(_ theta: T, plain: Bool) -> T {
        if plain { return theta }
        let shrunk = T(signOf: theta, magnitudeOf: Swift.max(theta.magnitude - threshold, 0))
        return proximal ? shrunk : theta
    }
}

public enum Kernels {
    /// Updates elements [start, end) of the tensor described by `update`.
    @inline(never)
    public static func apply(_ update: UnsafePointer<so_update>, start: Int, end: Int) {
        let u = update.pointee
        if u.is_double != 0 {
            apply(u, start, end, as: Double.self)
        } else {
            apply(u, start, end, as: Float.self)
        }
    }

    /// Whether elements [start, end) of the gradient of `update` hold a NaN
    /// or an infinity (skip_nonfinite). Exact and read-only: an element is
    /// non-finite when its exponent bits are all ones; the loop keeps the
    /// largest masked exponent (an integer max, which vectorises) and
    /// compares once at the end.
    @inline(never)
    public static func hasNonfinite(_ update: UnsafePointer<so_update>, start: Int, end: Int) -> Bool {
        let u = update.pointee
        let n = end - start
        if u.is_double != 0 {
            let bits = u.grad.assumingMemoryBound(to: UInt64.self) + start
            let mask: UInt64 = 0x7FF0_0000_0000_0000
            var top: UInt64 = 0
            for i in 0..<n { top = Swift.max(top, bits[i] & mask) }
            return top == mask
        } else {
            let bits = u.grad.assumingMemoryBound(to: UInt32.self) + start
            let mask: UInt32 = 0x7F80_0000
            var top: UInt32 = 0
            for i in 0..<n { top = Swift.max(top, bits[i] & mask) }
            return top == mask
        }
    }

    @inline(__always)
    private static func apply<T: BinaryFloatingPoint>(_ u: so_update, _ start: Int, _ end: Int, as: T.Type) {
        let n = end - start
        let p = u.param.assumingMemoryBound(to: T.self) + start
        let g = u.grad.assumingMemoryBound(to: T.self) + start
        let s0 = u.state.0.map { $0.assumingMemoryBound(to: T.self) + start } ?? p
        let s1 = u.state.1.map { $0.assumingMemoryBound(to: T.self) + start } ?? p
        let s2 = u.state.2.map { $0.assumingMemoryBound(to: T.self) + start } ?? p
        switch u.algorithm {
        case Int32(SO_SGD): sgd(p, g, s0, n, u)
        case Int32(SO_ADAGRAD): adagrad(p, g, s0, n, u)
        case Int32(SO_RMSPROP): rmsprop(p, g, s0, s1, s2, n, u)
        default: adam(p, g, s0, s1, s2, n, u)
        }
    }

    // MARK: SGD

    @inline(never)
    private static func sgd<T: BinaryFloatingPoint>(
        _ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>, _ buf: UnsafeMutablePointer<T>,
        _ n: Int, _ u: so_update
    ) {
        let r = Regularization<T>(u)
        let lr = T(u.c.0), mu = T(u.c.1), oneMinusDampening = T(u.c.2)
        let first = u.flags & Int32(SO_FIRST) != 0
        let nesterov = u.flags & Int32(SO_NESTEROV) != 0
        @inline(__always)
        func loop(momentum: Bool, plain: Bool) {
            for i in 0..<n {
                let theta = r.decay(p[i], plain: plain)
                var d = r.gradient(g[i], theta, plain: plain)
                if momentum {
                    let b = first ? d : buf[i] * mu + oneMinusDampening * d
                    buf[i] = b
                    d = nesterov ? d + mu * b : b
                }
                p[i] = r.prox(theta - lr * d, plain: plain)
            }
        }
        switch (u.flags & Int32(SO_MOMENTUM) != 0, r.isPlain) {
        case (true, true): loop(momentum: true, plain: true)
        case (true, false): loop(momentum: true, plain: false)
        case (false, true): loop(momentum: false, plain: true)
        case (false, false): loop(momentum: false, plain: false)
        }
    }

    // MARK: Adagrad

    @inline(never)
    private static func adagrad<T: BinaryFloatingPoint>(
        _ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>, _ sum: UnsafeMutablePointer<T>,
        _ n: Int, _ u: so_update
    ) {
        let r = Regularization<T>(u)
        let negClr = T(u.c.0), eps = T(u.c.1)
        @inline(__always)
        func loop(plain: Bool) {
            for i in 0..<n {
                let theta = r.decay(p[i], plain: plain)
                let d = r.gradient(g[i], theta, plain: plain)
                let s = sum[i] + d * d
                sum[i] = s
                p[i] = r.prox(theta + negClr * d / (s.squareRoot() + eps), plain: plain)   // addcdiv: (value * t1) / t2
            }
        }
        if r.isPlain { loop(plain: true) } else { loop(plain: false) }
    }

    // MARK: RMSprop

    @inline(never)
    private static func rmsprop<T: BinaryFloatingPoint>(
        _ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>, _ squareAvg: UnsafeMutablePointer<T>,
        _ buf: UnsafeMutablePointer<T>, _ gradAvg: UnsafeMutablePointer<T>, _ n: Int, _ u: so_update
    ) {
        let r = Regularization<T>(u)
        let lr = T(u.c.0), negLr = -lr, eps = T(u.c.1), mu = T(u.c.2)
        let alpha = T(u.c.3), oneMinusAlpha = T(u.c.4)
        @inline(__always)
        func loop(centered: Bool, momentum: Bool, plain: Bool) {
            for i in 0..<n {
                let theta = r.decay(p[i], plain: plain)
                let d = r.gradient(g[i], theta, plain: plain)
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
                    p[i] = r.prox(theta - lr * b, plain: plain)
                } else {
                    p[i] = r.prox(theta + negLr * d / avg, plain: plain)   // addcdiv: (value * t1) / t2
                }
            }
        }
        let centered = u.flags & Int32(SO_CENTERED) != 0, momentum = u.flags & Int32(SO_MOMENTUM) != 0
        switch (centered, momentum, r.isPlain) {
        case (true, true, true): loop(centered: true, momentum: true, plain: true)
        case (true, true, false): loop(centered: true, momentum: true, plain: false)
        case (true, false, true): loop(centered: true, momentum: false, plain: true)
        case (true, false, false): loop(centered: true, momentum: false, plain: false)
        case (false, true, true): loop(centered: false, momentum: true, plain: true)
        case (false, true, false): loop(centered: false, momentum: true, plain: false)
        case (false, false, true): loop(centered: false, momentum: false, plain: true)
        case (false, false, false): loop(centered: false, momentum: false, plain: false)
        }
    }

    // MARK: Adam and AdamW

    @inline(never)
    private static func adam<T: BinaryFloatingPoint>(
        _ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>, _ expAvg: UnsafeMutablePointer<T>,
        _ expAvgSq: UnsafeMutablePointer<T>, _ maxExpAvgSq: UnsafeMutablePointer<T>, _ n: Int,
        _ u: so_update
    ) {
        let r = Regularization<T>(u)
        let negStepSize = T(u.c.0), bc2Sqrt = T(u.c.1)
        let oneMinusBeta1 = T(u.c.2), b2 = T(u.c.3), oneMinusBeta2 = T(u.c.4), eps = T(u.c.5)
        @inline(__always)
        func loop(amsgrad: Bool, plain: Bool) {
            for i in 0..<n {
                let theta = r.decay(p[i], plain: plain)
                let d = r.gradient(g[i], theta, plain: plain)
                let m = lerp(expAvg[i], d, oneMinusBeta1)
                expAvg[i] = m
                var v = expAvgSq[i] * b2 + oneMinusBeta2 * d * d
                expAvgSq[i] = v
                if amsgrad {
                    v = Swift.max(maxExpAvgSq[i], v)
                    maxExpAvgSq[i] = v
                }
                p[i] = r.prox(theta + negStepSize * m / (v.squareRoot() / bc2Sqrt + eps), plain: plain)   // addcdiv
            }
        }
        switch (u.flags & Int32(SO_AMSGRAD) != 0, r.isPlain) {
        case (true, true): loop(amsgrad: true, plain: true)
        case (true, false): loop(amsgrad: true, plain: false)
        case (false, true): loop(amsgrad: false, plain: true)
        case (false, false): loop(amsgrad: false, plain: false)
        }
    }
}
