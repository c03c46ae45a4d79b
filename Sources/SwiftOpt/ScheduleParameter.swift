/// A parameter of a learning-rate schedule. Names are torch.optim.lr_scheduler's
/// constructor arguments (Keras's for inverse-time decay); enumerated string
/// arguments (`mode`, `anneal_strategy`, `threshold_mode`, `scale_mode`) take
/// small integer codes.
///
/// Raw values are the C codes `SWIFTOPT_SCHEDULE_PARAM_*`.
public enum ScheduleParameter: Int32, NamedCase {
    case factor = 1
    case totalIters = 2
    case startFactor = 3
    case endFactor = 4
    case stepSize = 5
    case gamma = 6
    case power = 7
    case tMax = 8
    case etaMin = 9
    case t0 = 10
    case tMult = 11
    case maxLR = 12
    case totalSteps = 13
    case pctStart = 14
    case annealStrategy = 15
    case divFactor = 16
    case finalDivFactor = 17
    case threePhase = 18
    case baseLR = 19
    case stepSizeUp = 20
    case stepSizeDown = 21
    case mode = 22
    case scaleMode = 23
    case patience = 24
    case threshold = 25
    case thresholdMode = 26
    case cooldown = 27
    case minLR = 28
    case eps = 29
    case decayRate = 30
    case warmupSteps = 31
    case decaySteps = 32
    case staircase = 33

    /// torch's (or Keras's) argument name, e.g. "total_iters", "T_max", "max_lr".
    public var name: String {
        switch self {
        case .factor: return "factor"
        case .totalIters: return "total_iters"
        case .startFactor: return "start_factor"
        case .endFactor: return "end_factor"
        case .stepSize: return "step_size"
        case .gamma: return "gamma"
        case .power: return "power"
        case .tMax: return "T_max"
        case .etaMin: return "eta_min"
        case .t0: return "T_0"
        case .tMult: return "T_mult"
        case .maxLR: return "max_lr"
        case .totalSteps: return "total_steps"
        case .pctStart: return "pct_start"
        case .annealStrategy: return "anneal_strategy"
        case .divFactor: return "div_factor"
        case .finalDivFactor: return "final_div_factor"
        case .threePhase: return "three_phase"
        case .baseLR: return "base_lr"
        case .stepSizeUp: return "step_size_up"
        case .stepSizeDown: return "step_size_down"
        case .mode: return "mode"
        case .scaleMode: return "scale_mode"
        case .patience: return "patience"
        case .threshold: return "threshold"
        case .thresholdMode: return "threshold_mode"
        case .cooldown: return "cooldown"
        case .minLR: return "min_lr"
        case .eps: return "eps"
        case .decayRate: return "decay_rate"
        case .warmupSteps: return "warmup_steps"
        case .decaySteps: return "decay_steps"
        case .staircase: return "staircase"
        }
    }

}

/// The default and bounds of one parameter of one schedule kind.
public struct ScheduleParameterSpec: Sendable, Equatable {
    public let parameter: ScheduleParameter
    /// nil when the parameter is required (torch has no default for it).
    public let defaultValue: Double?
    public let lowerBound: Double
    public let upperBound: Double
    public let lowerExclusive: Bool
    public let upperExclusive: Bool
    /// The value must be a whole number (a count, a period, or an enumerated code).
    public let isInteger: Bool
    /// The value is 0 or 1.
    public let isBoolean: Bool

    /// The largest integer parameter: every whole Double up to it is exact.
    public static let maxInteger: Double = 9_007_199_254_740_992  // 2^53

    init(_ parameter: ScheduleParameter, _ defaultValue: Double?,
         min: Double = 0, max: Double = .infinity,
         minExclusive: Bool = false, maxExclusive: Bool = false,
         integer: Bool = false, boolean: Bool = false) {
        self.parameter = parameter
        self.defaultValue = defaultValue
        self.lowerBound = min
        self.upperBound = integer && max == .infinity ? ScheduleParameterSpec.maxInteger : max
        self.lowerExclusive = minExclusive
        self.upperExclusive = maxExclusive
        self.isInteger = integer || boolean
        self.isBoolean = boolean
    }

    /// A whole number in [min, 2^53] (or [min, max]).
    static func integer(_ parameter: ScheduleParameter, _ defaultValue: Double?,
                        min: Double, max: Double = .infinity) -> ScheduleParameterSpec {
        ScheduleParameterSpec(parameter, defaultValue, min: min, max: max, integer: true)
    }

    static func flag(_ parameter: ScheduleParameter) -> ScheduleParameterSpec {
        ScheduleParameterSpec(parameter, 0, min: 0, max: 1, boolean: true)
    }

    /// Throws `.outOfBounds` unless `value` is finite, within the bounds and
    /// whole where an integer is expected.
    public func validate(_ value: Double, kind: ScheduleKind) throws {
        try bounds.validate(value, name: "\(kind.name) \(parameter.name)")
    }

    /// The bounds as an interval, e.g. "[0, 1)" or "(0, inf)".
    public var interval: String { bounds.interval }

    private var bounds: Bounds {
        Bounds(lower: lowerBound, upper: upperBound, lowerExclusive: lowerExclusive,
               upperExclusive: upperExclusive, integer: isInteger, boolean: isBoolean)
    }
}
