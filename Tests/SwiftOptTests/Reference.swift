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
//
// swiftopt's regularization and clipping options (include/swiftopt.h, the
// hyperparameter table and "Regularization and clipping"), written from
// those formulas and from torch.nn.utils.clip_grad_norm_ / clip_grad_value_,
// wrap every algorithm the same way (`Reference.step`):
//   1. max_grad_norm = c > 0: total = ‖g‖₂ of the whole group's gradient
//      (the concatenation of its tensors), squares summed in Double;
//      coef = min(c / (total + 1e-6), 1) in Double, rounded to T once;
//      g ← g · coef (torch: grads multiplied by the clamped coefficient).
//      The formula leaves the summation order open. Like torch, which takes
//      one norm per tensor and then the norm of those, the reference sums
//      each tensor's squares and then adds the tensors' sums
//      (`NormSummation.tensorByTensor`); `.runningSum`, one sum over the
//      concatenation, rounds differently (1 ulp in the norm), and the parity
//      test uses it to check that its rows do not amplify such a difference.
//   2. clip_value = c > 0: g ← clamp(g, −c, c).
//   3. decoupled weight decay (AdamW, or decoupled_weight_decay = 1 with
//      weight_decay = λ): θ ← θ · (1 − γλ) before the update, and no coupled
//      L2; otherwise the algorithm adds λθ to the (negated-for-maximize)
//      gradient as torch does.
//   4. the algorithm's update, as torch.
//   5. l1 = λ₁ > 0: θ ← sign(θ) · max(|θ| − γλ₁, 0).

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

/// swiftopt's regularization and clipping options, which torch.optim's
/// constructors lack: all off by default (include/swiftopt.h's table). AdamW
/// has no decoupled_weight_decay switch: it always decouples.
enum SwiftoptOptionDefaults {
    static func values(_ algorithm: Algorithm) -> [Hyperparameter: Double] {
        var values: [Hyperparameter: Double] = [.l1: 0, .maxGradNorm: 0, .clipValue: 0]
        if algorithm != .adamw { values[.decoupledWeightDecay] = 0 }
        return values
    }
}

/// An algorithm with hyperparameter values; unset ones take torch's defaults
/// (swiftopt's own options: off).
struct Settings: Sendable {
    let algorithm: Algorithm
    var values: [Hyperparameter: Double]

    subscript(_ h: Hyperparameter) -> Double {
        guard let value = values[h] ?? TorchDefaults.values(algorithm)[h] ?? SwiftoptOptionDefaults.values(algorithm)[h] else {
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

/// What one reference step measured.
struct StepReport: Sendable {
    /// The global L2 norm of the gradient before clipping; nil when
    /// max_grad_norm is off.
    var gradNorm: Double?
    /// Whether clip_value changed at least one element.
    var clamped = false
}

/// How the reference sums the squares of the gradient norm (see the file comment).
enum NormSummation: Sendable {
    /// Σ over tensors of (Σ over the tensor's elements), torch's structure.
    case tensorByTensor
    /// One running sum over the concatenation of the tensors.
    case runningSum
}

enum Reference {
    /// Whether weight decay is decoupled: AdamW always, the others with
    /// decoupled_weight_decay = 1.
    static func decouples(_ h: Settings) -> Bool {
        h.algorithm == .adamw || h[.decoupledWeightDecay] != 0
    }

    /// One optimizer step of `param` given `grad`: clipping, decoupled weight
    /// decay, the algorithm as torch.optim does it, the L1 proximal step (see
    /// the file comment). `param` and `grad` hold all of the group's tensors,
    /// concatenated; `tensors` are their ranges (default: one tensor).
    @discardableResult
    static func step<T: TestScalar>(_ h: Settings, _ param: inout [T], _ grad: [T], _ state: inout ReferenceState<T>,
                                    tensors: [Range<Int>]? = nil,
                                    normSummation: NormSummation = .tensorByTensor) -> StepReport {
        var report = StepReport()
        var g = grad
        let maxNorm = h[.maxGradNorm]
        if maxNorm > 0 {
            // clip_grad_norm_: total_norm, clip_coef = max_norm / (total_norm + 1e-6),
            // clamped to 1, grads multiplied by it.
            var squares = 0.0
            switch normSummation {
            case .tensorByTensor:
                for range in tensors ?? [grad.indices] {
                    var tensorSquares = 0.0
                    for x in grad[range] { tensorSquares += Double(x) * Double(x) }
                    squares += tensorSquares
                }
            case .runningSum:
                for x in grad { squares += Double(x) * Double(x) }
            }
            let total = squares.squareRoot()
            let coefficient = T(min(maxNorm / (total + 1e-6), 1))
            for i in g.indices { g[i] = g[i] * coefficient }
            report.gradNorm = total
        }
        let clipValue = h[.clipValue]
        if clipValue > 0 {
            // clip_grad_value_: grad.clamp_(min=-clip_value, max=clip_value)
            let c = T(clipValue)
            for i in g.indices {
                let clamped = g[i] > c ? c : (g[i] < -c ? -c : g[i])
                if clamped != g[i] { report.clamped = true }
                g[i] = clamped
            }
        }
        let decoupled = decouples(h)
        let lr = h[.lr], wd = h[.weightDecay]
        if decoupled && wd != 0 {
            let factor = T(1 - lr * wd)
            for i in param.indices { param[i] = param[i] * factor }   // param.mul_(1 - lr * weight_decay)
        }
        switch h.algorithm {
        case .sgd: sgd(h, &param, g, &state, coupledDecay: !decoupled)
        case .adagrad: adagrad(h, &param, g, &state, coupledDecay: !decoupled)
        case .rmsprop: rmsprop(h, &param, g, &state, coupledDecay: !decoupled)
        case .adam, .adamw: adam(h, &param, g, &state, coupledDecay: !decoupled)
        }
        let l1 = h[.l1]
        if l1 > 0 {
            // θ ← sign(θ) · max(|θ| − lr · l1, 0)
            let threshold = T(lr * l1)
            for i in param.indices {
                let shrunk = max(abs(param[i]) - threshold, 0)
                param[i] = param[i] < 0 ? -shrunk : shrunk
            }
        }
        return report
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
    static func sgd<T: TestScalar>(_ h: Settings, _ p: inout [T], _ grad: [T], _ st: inout ReferenceState<T>, coupledDecay: Bool) {
        let momentum = h[.momentum], dampening = h[.dampening]
        var g = effectiveGradient(h, p, grad, coupledDecay: coupledDecay)
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
    static func adagrad<T: TestScalar>(_ h: Settings, _ p: inout [T], _ grad: [T], _ st: inout ReferenceState<T>, coupledDecay: Bool) {
        st.step += 1
        let step = Double(st.step)
        let g = effectiveGradient(h, p, grad, coupledDecay: coupledDecay)
        let clr = h[.lr] / (1 + (step - 1) * h[.lrDecay])
        let eps = T(h[.eps]), negClr = T(-clr)
        for i in p.indices {
            st.sum[i] = st.sum[i] + 1 * g[i] * g[i]        // state_sum.addcmul_(grad, grad, value=1)
            let std = st.sum[i].squareRoot() + eps          // state_sum.sqrt().add_(eps)
            p[i] = p[i] + negClr * g[i] / std               // param.addcdiv_(grad, std, value=-clr)
        }
    }

    // _single_tensor_rmsprop
    static func rmsprop<T: TestScalar>(_ h: Settings, _ p: inout [T], _ grad: [T], _ st: inout ReferenceState<T>, coupledDecay: Bool) {
        st.step += 1
        let g = effectiveGradient(h, p, grad, coupledDecay: coupledDecay)
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

    // _single_tensor_adam; AdamW's decoupled decay, param.mul_(1 - lr * weight_decay),
    // is applied by `step` before this update.
    static func adam<T: TestScalar>(_ h: Settings, _ p: inout [T], _ grad: [T], _ st: inout ReferenceState<T>, coupledDecay: Bool) {
        let lr = h[.lr], beta1 = h[.beta1], beta2 = h[.beta2]
        let g = effectiveGradient(h, p, grad, coupledDecay: coupledDecay)
        st.step += 1
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
