#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SwiftOpt

// Reference implementations of the five algorithms, written from torch.optim's
// single-tensor implementations (`_single_tensor_sgd`, `_single_tensor_adagrad`,
// `_single_tensor_rmsprop`, `_single_tensor_adam`, AdamW = Adam with decoupled
// weight decay), NOT from Sources/SwiftOpt/Kernels.swift.
//
// They follow torch's operation order one tensor operation at a time, in the
// parameter's dtype T, with every Python-level scalar (1 - beta1, lr / bc1,
// sqrt(bc2), 1 - lr * wd, ...) computed in Double and rounded to T once, as
// torch does when it passes a Python float to a tensor op. The ATen CPU
// element formulas used are:
//   add(a, b, alpha)        a + alpha * b
//   addcmul(a, b, c, value) a + value * b * c     ((value * b) * c)
//   addcdiv(a, b, c, value) a + value * b / c     ((value * b) / c)
//   lerp(a, b, w)           |w| < 0.5 ? a + w * (b - a) : b - (b - a) * (1 - w)
// Plain loops, no fused multiply-add.

/// A parameter dtype the tests run in.
protocol TestScalar: BinaryFloatingPoint, Sendable {
    static var dtype: DType { get }
}

extension Float: TestScalar { static var dtype: DType { .float32 } }
extension Double: TestScalar { static var dtype: DType { .float64 } }

/// torch.optim's documented defaults (torch 2.x), written out literally: the
/// reference and the defaults test use these, never `Algorithm.specs`.
enum TorchDefaults {
    static func values(_ algorithm: Algorithm) -> [Hyperparameter: Double] {
        switch algorithm {
        case .sgd:
            // torch.optim.SGD(lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False)
            return [.lr: 1e-3, .momentum: 0, .dampening: 0, .weightDecay: 0, .nesterov: 0, .maximize: 0]
        case .adagrad:
            // torch.optim.Adagrad(lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10, maximize=False)
            return [.lr: 1e-2, .lrDecay: 0, .weightDecay: 0, .initialAccumulatorValue: 0, .eps: 1e-10, .maximize: 0]
        case .rmsprop:
            // torch.optim.RMSprop(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, maximize=False)
            return [.lr: 1e-2, .alpha: 0.99, .eps: 1e-8, .weightDecay: 0, .momentum: 0, .centered: 0, .maximize: 0]
        case .adam:
            // torch.optim.Adam(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, maximize=False)
            return [.lr: 1e-3, .beta1: 0.9, .beta2: 0.999, .eps: 1e-8, .weightDecay: 0, .amsgrad: 0, .maximize: 0]
        case .adamw:
            // torch.optim.AdamW(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, maximize=False)
            return [.lr: 1e-3, .beta1: 0.9, .beta2: 0.999, .eps: 1e-8, .weightDecay: 1e-2, .amsgrad: 0, .maximize: 0]
        }
    }
}

/// An algorithm with hyperparameter values; unset ones take torch's defaults.
struct Settings: Sendable {
    let algorithm: Algorithm
    var values: [Hyperparameter: Double]

    subscript(_ h: Hyperparameter) -> Double {
        guard let value = values[h] ?? TorchDefaults.values(algorithm)[h] else {
            fatalError("\(algorithm.name) has no hyperparameter \(h.name)")
        }
        return value
    }

    /// Sets the explicitly given values on a group of `optimizer`, in the
    /// algorithm's documented order (momentum before nesterov).
    func apply(to optimizer: Optimizer, group: Int = 0) throws {
        for h in algorithm.hyperparameters {
            if let v = values[h] { try optimizer.set(h, v, group: group) }
        }
    }
}

/// torch's per-parameter state. `momentumBuffer` is nil until SGD's first
/// step (torch: None); `step` is torch's `state["step"]` (SGD keeps none in
/// torch; it is counted here to compare with the library's step count).
struct ReferenceState<T: TestScalar>: Sendable {
    var step: Int64 = 0
    var momentumBuffer: [T]?
    var sum: [T] = []
    var squareAvg: [T] = []
    var gradAvg: [T] = []
    var expAvg: [T] = []
    var expAvgSq: [T] = []
    var maxExpAvgSq: [T] = []

    /// torch's initial state for a parameter of `count` elements.
    init(_ settings: Settings, count: Int) {
        let zeros = [T](repeating: 0, count: count)
        switch settings.algorithm {
        case .sgd: break
        case .adagrad: sum = [T](repeating: T(settings[.initialAccumulatorValue]), count: count)
        case .rmsprop:
            squareAvg = zeros
            if settings[.momentum] > 0 { momentumBuffer = zeros }
            if settings[.centered] != 0 { gradAvg = zeros }
        case .adam, .adamw:
            expAvg = zeros
            expAvgSq = zeros
            if settings[.amsgrad] != 0 { maxExpAvgSq = zeros }
        }
    }

    /// The state tensor torch names `kind`.
    subscript(_ kind: StateKind) -> [T] {
        switch kind {
        case .momentumBuffer: return momentumBuffer ?? []
        case .sum: return sum
        case .squareAvg: return squareAvg
        case .gradAvg: return gradAvg
        case .expAvg: return expAvg
        case .expAvgSq: return expAvgSq
        case .maxExpAvgSq: return maxExpAvgSq
        }
    }
}

enum Reference {
    /// One optimizer step of `param` given `grad`, as torch.optim does it.
    static func step<T: TestScalar>(_ h: Settings, _ param: inout [T], _ grad: [T], _ state: inout ReferenceState<T>) {
        switch h.algorithm {
        case .sgd: sgd(h, &param, grad, &state)
        case .adagrad: adagrad(h, &param, grad, &state)
        case .rmsprop: rmsprop(h, &param, grad, &state)
        case .adam: adam(h, &param, grad, &state, decoupled: false)
        case .adamw: adam(h, &param, grad, &state, decoupled: true)
        }
    }

    /// torch.lerp's element formula (ATen `lerp`), in T.
    static func lerp<T: TestScalar>(_ a: T, _ b: T, _ w: T) -> T {
        abs(w) < 0.5 ? a + w * (b - a) : b - (b - a) * (1 - w)
    }

    /// `grad if not maximize else -grad`, then `grad.add(param, alpha=weight_decay)`.
    private static func effectiveGradient<T: TestScalar>(_ h: Settings, _ param: [T], _ grad: [T], coupledDecay: Bool) -> [T] {
        var g = h[.maximize] != 0 ? grad.map { -$0 } : grad
        let wd = h[.weightDecay]
        if coupledDecay && wd != 0 {
            let alpha = T(wd)
            for i in g.indices { g[i] = g[i] + alpha * param[i] }
        }
        return g
    }

    // _single_tensor_sgd
    static func sgd<T: TestScalar>(_ h: Settings, _ p: inout [T], _ grad: [T], _ st: inout ReferenceState<T>) {
        let momentum = h[.momentum], dampening = h[.dampening]
        var g = effectiveGradient(h, p, grad, coupledDecay: true)
        if momentum != 0 {
            if var buf = st.momentumBuffer {
                // buf.mul_(momentum).add_(grad, alpha=1 - dampening)
                let mu = T(momentum), keep = T(1 - dampening)
                for i in buf.indices {
                    buf[i] = buf[i] * mu
                    buf[i] = buf[i] + keep * g[i]
                }
                st.momentumBuffer = buf
            } else {
                st.momentumBuffer = g   // torch.clone(grad)
            }
            let buf = st.momentumBuffer!
            if h[.nesterov] != 0 {
                let mu = T(momentum)
                for i in g.indices { g[i] = g[i] + mu * buf[i] }   // grad.add(buf, alpha=momentum)
            } else {
                g = buf
            }
        }
        let negLr = T(-h[.lr])
        for i in p.indices { p[i] = p[i] + negLr * g[i] }   // param.add_(grad, alpha=-lr)
        st.step += 1
    }

    // _single_tensor_adagrad
    static func adagrad<T: TestScalar>(_ h: Settings, _ p: inout [T], _ grad: [T], _ st: inout ReferenceState<T>) {
        st.step += 1
        let step = Double(st.step)
        let g = effectiveGradient(h, p, grad, coupledDecay: true)
        let clr = h[.lr] / (1 + (step - 1) * h[.lrDecay])
        let eps = T(h[.eps]), negClr = T(-clr)
        for i in p.indices {
            st.sum[i] = st.sum[i] + 1 * g[i] * g[i]        // state_sum.addcmul_(grad, grad, value=1)
            let std = st.sum[i].squareRoot() + eps          // state_sum.sqrt().add_(eps)
            p[i] = p[i] + negClr * g[i] / std               // param.addcdiv_(grad, std, value=-clr)
        }
    }

    // _single_tensor_rmsprop
    static func rmsprop<T: TestScalar>(_ h: Settings, _ p: inout [T], _ grad: [T], _ st: inout ReferenceState<T>) {
        st.step += 1
        let g = effectiveGradient(h, p, grad, coupledDecay: true)
        let alpha = T(h[.alpha]), oneMinusAlpha = T(1 - h[.alpha]), eps = T(h[.eps])
        let centered = h[.centered] != 0, momentum = h[.momentum]
        let negLr = T(-h[.lr]), mu = T(momentum)
        for i in p.indices {
            // square_avg.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
            st.squareAvg[i] = st.squareAvg[i] * alpha
            st.squareAvg[i] = st.squareAvg[i] + oneMinusAlpha * g[i] * g[i]
            var avg: T
            if centered {
                st.gradAvg[i] = lerp(st.gradAvg[i], g[i], oneMinusAlpha)     // grad_avg.lerp_(grad, 1 - alpha)
                avg = (st.squareAvg[i] + (-1) * st.gradAvg[i] * st.gradAvg[i]).squareRoot()
            } else {
                avg = st.squareAvg[i].squareRoot()
            }
            avg = avg + eps
            if momentum > 0 {
                // buf.mul_(momentum).addcdiv_(grad, avg); param.add_(buf, alpha=-lr)
                st.momentumBuffer![i] = st.momentumBuffer![i] * mu
                st.momentumBuffer![i] = st.momentumBuffer![i] + 1 * g[i] / avg
                p[i] = p[i] + negLr * st.momentumBuffer![i]
            } else {
                p[i] = p[i] + negLr * g[i] / avg              // param.addcdiv_(grad, avg, value=-lr)
            }
        }
    }

    // _single_tensor_adam (decoupled: AdamW)
    static func adam<T: TestScalar>(_ h: Settings, _ p: inout [T], _ grad: [T], _ st: inout ReferenceState<T>, decoupled: Bool) {
        let lr = h[.lr], beta1 = h[.beta1], beta2 = h[.beta2], wd = h[.weightDecay]
        let g = effectiveGradient(h, p, grad, coupledDecay: !decoupled)
        st.step += 1
        if decoupled && wd != 0 {
            let factor = T(1 - lr * wd)
            for i in p.indices { p[i] = p[i] * factor }        // param.mul_(1 - lr * weight_decay)
        }
        let step = Double(st.step)
        let biasCorrection1 = 1 - pow(beta1, step)             // Python floats
        let biasCorrection2 = 1 - pow(beta2, step)
        let stepSize = lr / biasCorrection1
        let biasCorrection2Sqrt = biasCorrection2.squareRoot()
        let w1 = T(1 - beta1), b2 = T(beta2), oneMinusB2 = T(1 - beta2)
        let bc2s = T(biasCorrection2Sqrt), eps = T(h[.eps]), negStep = T(-stepSize)
        let amsgrad = h[.amsgrad] != 0
        for i in p.indices {
            st.expAvg[i] = lerp(st.expAvg[i], g[i], w1)        // exp_avg.lerp_(grad, 1 - beta1)
            st.expAvgSq[i] = st.expAvgSq[i] * b2               // exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            st.expAvgSq[i] = st.expAvgSq[i] + oneMinusB2 * g[i] * g[i]
            let v: T
            if amsgrad {
                st.maxExpAvgSq[i] = max(st.maxExpAvgSq[i], st.expAvgSq[i])   // torch.maximum(..., out=)
                v = st.maxExpAvgSq[i]
            } else {
                v = st.expAvgSq[i]
            }
            let denom = v.squareRoot() / bc2s + eps            // (v.sqrt() / bias_correction2_sqrt).add_(eps)
            p[i] = p[i] + negStep * st.expAvg[i] / denom       // param.addcdiv_(exp_avg, denom, value=-step_size)
        }
    }
}
