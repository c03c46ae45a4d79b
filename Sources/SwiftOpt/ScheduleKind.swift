/// A kind of learning-rate schedule. Names and semantics are
/// torch.optim.lr_scheduler's classes; `inverseSqrt` and `inverseTime` are
/// two that torch lacks.
///
/// Raw values are the C codes `SWIFTOPT_SCHEDULE_*`.
public enum ScheduleKind: Int32, NamedCase {
    /// η_t = η₀.
    case constant = 1
    /// η_t = η₀ · factor for t < total_iters, η₀ afterwards.
    case constantLR = 2
    /// η_t = η₀ · (start + (end − start) · min(t, T) / T): linear warmup or decay.
    case linearLR = 3
    /// η_t = η₀ · γ^⌊t / step_size⌋.
    case stepLR = 4
    /// η_t = η₀ · γ^(number of milestones ≤ t); a repeated milestone counts twice.
    case multiStepLR = 5
    /// η_t = η₀ · γ^t.
    case exponentialLR = 6
    /// η_t = η₀ · (1 − min(t, T) / T)^power.
    case polynomialLR = 7
    /// η_t = η_min + (η₀ − η_min) · (1 + cos(π t / T_max)) / 2, for every t
    /// (beyond T_max the cosine rises again, as torch's recursion does).
    case cosineAnnealingLR = 8
    /// SGDR (Loshchilov & Hutter): cosine annealing over periods T_0,
    /// T_0·T_mult, T_0·T_mult², …, restarting at η₀ after each.
    case cosineAnnealingWarmRestarts = 9
    /// The 1cycle policy: from max_lr/div_factor up to max_lr, then down to
    /// max_lr/div_factor/final_div_factor (cos or linear); ignores η₀.
    case oneCycleLR = 10
    /// Cyclical learning rates between base_lr and max_lr (triangular,
    /// triangular2, exp_range); ignores η₀.
    case cyclicLR = 11
    /// Child schedules one after another, switching at milestones; each child
    /// restarts at its own step 0 (torch's SequentialLR).
    case sequentialLR = 12
    /// Metric-driven: multiplies the lr by `factor` once the metric stops
    /// improving for `patience` steps. Stateful; no closed form.
    case reduceLROnPlateau = 13
    /// Linear warmup, then inverse-square-root decay:
    /// η_t = η₀ · t / w for t < w;  η₀ / (1 + k · (√t − √w)) for t ≥ w.
    case inverseSqrt = 14
    /// Keras's InverseTimeDecay: η_t = η₀ / (1 + k · t / T), with ⌊t / T⌋
    /// when staircase.
    case inverseTime = 15

    /// The class name: "ConstantLR", "CosineAnnealingWarmRestarts", …;
    /// "Constant", "InverseSqrtLR" and "InverseTimeLR" for the kinds torch lacks.
    public var name: String {
        switch self {
        case .constant: return "Constant"
        case .constantLR: return "ConstantLR"
        case .linearLR: return "LinearLR"
        case .stepLR: return "StepLR"
        case .multiStepLR: return "MultiStepLR"
        case .exponentialLR: return "ExponentialLR"
        case .polynomialLR: return "PolynomialLR"
        case .cosineAnnealingLR: return "CosineAnnealingLR"
        case .cosineAnnealingWarmRestarts: return "CosineAnnealingWarmRestarts"
        case .oneCycleLR: return "OneCycleLR"
        case .cyclicLR: return "CyclicLR"
        case .sequentialLR: return "SequentialLR"
        case .reduceLROnPlateau: return "ReduceLROnPlateau"
        case .inverseSqrt: return "InverseSqrtLR"
        case .inverseTime: return "InverseTimeLR"
        }
    }

    /// Looks a kind up by its name, ignoring ASCII case ("StepLR", "steplr").
    public init?(name: String) { self.init(nameIgnoringCase: name) }

    /// Whether the kind uses milestones (MultiStepLR, SequentialLR).
    public var usesMilestones: Bool { self == .multiStepLR || self == .sequentialLR }

    /// The parameters this kind uses, with torch's defaults, in documented order.
    public var specs: [ScheduleParameterSpec] {
        ScheduleKind.specTable[Int(rawValue)]
    }

    /// `specs` of every kind, indexed by raw value, built once (so that a
    /// step with an attached schedule allocates nothing).
    private static let specTable: [[ScheduleParameterSpec]] =
        [[]] + ScheduleKind.allCases.map(\.makeSpecs)

    private var makeSpecs: [ScheduleParameterSpec] {
        typealias S = ScheduleParameterSpec
        switch self {
        case .constant, .sequentialLR:
            return []
        case .constantLR:
            return [S(.factor, 1.0 / 3, max: 1), .integer(.totalIters, 5, min: 1)]
        case .linearLR:
            return [S(.startFactor, 1.0 / 3, max: 1, minExclusive: true), S(.endFactor, 1, max: 1),
                    .integer(.totalIters, 5, min: 1)]
        case .stepLR:
            return [.integer(.stepSize, nil, min: 1), S(.gamma, 0.1, minExclusive: true)]
        case .multiStepLR:
            return [S(.gamma, 0.1, minExclusive: true)]
        case .exponentialLR:
            return [S(.gamma, nil, minExclusive: true)]
        case .polynomialLR:
            return [.integer(.totalIters, 5, min: 1), S(.power, 1)]
        case .cosineAnnealingLR:
            return [.integer(.tMax, nil, min: 1), S(.etaMin, 0)]
        case .cosineAnnealingWarmRestarts:
            return [.integer(.t0, nil, min: 1), .integer(.tMult, 1, min: 1), S(.etaMin, 0)]
        case .oneCycleLR:
            return [S(.maxLR, nil), .integer(.totalSteps, nil, min: 1), S(.pctStart, 0.3, max: 1),
                    .integer(.annealStrategy, 0, min: 0, max: 1),
                    S(.divFactor, 25, minExclusive: true), S(.finalDivFactor, 1e4, minExclusive: true),
                    .flag(.threePhase)]
        case .cyclicLR:
            return [S(.baseLR, nil), S(.maxLR, nil), .integer(.stepSizeUp, 2000, min: 1),
                    .integer(.stepSizeDown, -1, min: -1), .integer(.mode, 0, min: 0, max: 2),
                    S(.gamma, 1, minExclusive: true), .integer(.scaleMode, 0, min: 0, max: 2)]
        case .reduceLROnPlateau:
            return [.integer(.mode, 0, min: 0, max: 1), S(.factor, 0.1, max: 1, maxExclusive: true),
                    .integer(.patience, 10, min: 0), S(.threshold, 1e-4),
                    .integer(.thresholdMode, 0, min: 0, max: 1), .integer(.cooldown, 0, min: 0),
                    S(.minLR, 0), S(.eps, 1e-8)]
        case .inverseSqrt:
            return [S(.decayRate, 1), .integer(.warmupSteps, 0, min: 0)]
        case .inverseTime:
            return [S(.decayRate, nil), S(.decaySteps, nil, minExclusive: true), .flag(.staircase)]
        }
    }

    /// The spec of one of its parameters, or nil when the kind does not use it.
    public func spec(_ parameter: ScheduleParameter) -> ScheduleParameterSpec? {
        specs.first { $0.parameter == parameter }
    }
}

/// OneCycleLR's `anneal_strategy` codes.
public enum AnnealStrategy: Int32, Sendable { case cos = 0, linear = 1 }

/// CyclicLR's `mode` codes.
public enum CyclicMode: Int32, Sendable { case triangular = 0, triangular2 = 1, expRange = 2 }

/// CyclicLR's `scale_mode` codes: `byMode` is torch's behaviour for its
/// built-in modes (per cycle for triangular and triangular2, per iteration
/// for exp_range).
public enum CyclicScaleMode: Int32, Sendable { case byMode = 0, cycle = 1, iterations = 2 }

/// ReduceLROnPlateau's `mode` codes.
public enum PlateauMode: Int32, Sendable { case min = 0, max = 1 }

/// ReduceLROnPlateau's `threshold_mode` codes.
public enum ThresholdMode: Int32, Sendable { case rel = 0, abs = 1 }
