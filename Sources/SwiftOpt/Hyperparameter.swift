/// A hyperparameter of an optimization algorithm. Names are torch.optim's;
/// torch's `betas` tuple is split into `beta1` and `beta2`.
///
/// Raw values are the C codes `SWIFTOPT_HP_*`.
public enum Hyperparameter: Int32, NamedCase {
    case lr = 1
    case momentum = 2
    case dampening = 3
    case weightDecay = 4
    case nesterov = 5
    case maximize = 6
    case lrDecay = 7
    case initialAccumulatorValue = 8
    case eps = 9
    case alpha = 10
    case centered = 11
    case beta1 = 12
    case beta2 = 13
    case amsgrad = 14
    /// Decoupled weight decay (AdamW's form) instead of coupled L2: θ ← θ(1 − γλ)
    /// before the update. Every algorithm but AdamW, which always decouples.
    case decoupledWeightDecay = 15
    /// L1 strength λ₁, applied as a proximal step after the update:
    /// θ ← sign(θ)·max(|θ| − γλ₁, 0), so that weights reach exact zeros.
    case l1 = 16
    /// Clip the group's gradients to this global L2 norm before the update
    /// (torch's clip_grad_norm_ formula); 0 disables.
    case maxGradNorm = 17
    /// Clamp each gradient element to [−c, c] before the update; 0 disables.
    case clipValue = 18
    /// Skip the group's step when any of its gradients is NaN or ±inf
    /// (torch's GradScaler): parameters, state and step counts are left
    /// unchanged and the skip is counted. Boolean; 0 (off) by default.
    case skipNonfinite = 19

    /// torch's name, e.g. "lr", "weight_decay", "initial_accumulator_value".
    public var name: String {
        switch self {
        case .lr: return "lr"
        case .momentum: return "momentum"
        case .dampening: return "dampening"
        case .weightDecay: return "weight_decay"
        case .nesterov: return "nesterov"
        case .maximize: return "maximize"
        case .lrDecay: return "lr_decay"
        case .initialAccumulatorValue: return "initial_accumulator_value"
        case .eps: return "eps"
        case .alpha: return "alpha"
        case .centered: return "centered"
        case .beta1: return "beta1"
        case .beta2: return "beta2"
        case .amsgrad: return "amsgrad"
        case .decoupledWeightDecay: return "decoupled_weight_decay"
        case .l1: return "l1"
        case .maxGradNorm: return "max_grad_norm"
        case .clipValue: return "clip_value"
        case .skipNonfinite: return "skip_nonfinite"
        }
    }

}

/// The default value and the bounds of one hyperparameter of one algorithm.
public struct HyperparameterSpec: Sendable, Equatable {
    public let hyperparameter: Hyperparameter
    public let defaultValue: Double
    public let lowerBound: Double
    public let upperBound: Double
    /// The lower bound itself is not allowed (eps > 0).
    public let lowerExclusive: Bool
    /// The upper bound itself is not allowed (beta < 1).
    public let upperExclusive: Bool
    /// The value is 0 or 1.
    public let isBoolean: Bool

    init(_ hyperparameter: Hyperparameter, _ defaultValue: Double,
         min: Double = 0, max: Double = .infinity,
         minExclusive: Bool = false, maxExclusive: Bool = false, boolean: Bool = false) {
        self.hyperparameter = hyperparameter
        self.defaultValue = defaultValue
        self.lowerBound = min
        self.upperBound = max
        self.lowerExclusive = minExclusive
        self.upperExclusive = maxExclusive
        self.isBoolean = boolean
    }

    static func flag(_ hyperparameter: Hyperparameter) -> HyperparameterSpec {
        HyperparameterSpec(hyperparameter, 0, min: 0, max: 1, boolean: true)
    }

    /// Throws `.outOfBounds` unless `value` is finite and within the bounds.
    public func validate(_ value: Double) throws {
        try bounds.validate(value, name: hyperparameter.name)
    }

    /// The bounds as an interval, e.g. "[0, 1)" or "(0, inf)".
    public var interval: String { bounds.interval }

    private var bounds: Bounds {
        Bounds(lower: lowerBound, upper: upperBound, lowerExclusive: lowerExclusive,
               upperExclusive: upperExclusive, boolean: isBoolean)
    }

    // torch.optim's defaults (torch 2.x), then the options every algorithm shares.
    static let common: [HyperparameterSpec] = [
        .init(.l1, 0), .init(.maxGradNorm, 0), .init(.clipValue, 0), .flag(.skipNonfinite),
    ]
    static let sgd: [HyperparameterSpec] = [
        .init(.lr, 1e-3), .init(.momentum, 0), .init(.dampening, 0, max: 1),
        .init(.weightDecay, 0), .flag(.nesterov), .flag(.maximize), .flag(.decoupledWeightDecay),
    ] + common
    static let adagrad: [HyperparameterSpec] = [
        .init(.lr, 1e-2), .init(.lrDecay, 0), .init(.weightDecay, 0),
        .init(.initialAccumulatorValue, 0), .init(.eps, 1e-10, minExclusive: true), .flag(.maximize),
        .flag(.decoupledWeightDecay),
    ] + common
    static let rmsprop: [HyperparameterSpec] = [
        .init(.lr, 1e-2), .init(.alpha, 0.99, max: 1), .init(.eps, 1e-8, minExclusive: true),
        .init(.weightDecay, 0), .init(.momentum, 0), .flag(.centered), .flag(.maximize),
        .flag(.decoupledWeightDecay),
    ] + common
    static let adam: [HyperparameterSpec] = [
        .init(.lr, 1e-3), .init(.beta1, 0.9, max: 1, maxExclusive: true),
        .init(.beta2, 0.999, max: 1, maxExclusive: true), .init(.eps, 1e-8, minExclusive: true),
        .init(.weightDecay, 0), .flag(.amsgrad), .flag(.maximize), .flag(.decoupledWeightDecay),
    ] + common
    /// AdamW always decouples its weight decay, so it has no decoupled_weight_decay switch.
    static let adamw: [HyperparameterSpec] = adam.compactMap {
        switch $0.hyperparameter {
        case .weightDecay: return .init(.weightDecay, 1e-2)
        case .decoupledWeightDecay: return nil
        default: return $0
        }
    }
}
