#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A learning-rate schedule: a kind, its parameters, and (for MultiStepLR and
/// SequentialLR) milestones and children. A value type: copying a schedule
/// (into a SequentialLR, or onto an optimizer group) copies everything, so
/// later changes to the original do not affect the copy.
///
/// `learningRate(baseLR:step:)` is the closed form: the learning rate that
/// torch's scheduler of the same class sets after `step` calls to
/// `scheduler.step()`, for a group whose lr was `baseLR` when the scheduler
/// was created (torch's `initial_lr`). ReduceLROnPlateau has no closed form:
/// it is driven by `stepMetric(_:currentLR:)`.
///
/// ```swift
/// var warmup = Schedule(kind: .linearLR)
/// try warmup.set(.startFactor, 0.1)
/// var cosine = Schedule(kind: .cosineAnnealingLR)
/// try cosine.set(.tMax, 95)
/// var s = Schedule(kind: .sequentialLR)
/// try s.addChild(warmup)
/// try s.addChild(cosine)
/// try s.setMilestones([5])
/// let lr = try s.learningRate(baseLR: 0.1, step: 10)
/// ```
public struct Schedule: Sendable, Equatable {
    public let kind: ScheduleKind
    /// Indexed by `ScheduleParameter.rawValue`; nil when unused or required and unset.
    private var values: [Double?]
    /// MultiStepLR: non-decreasing steps ≥ 0. SequentialLR: strictly increasing steps ≥ 0.
    public private(set) var milestones: [Int64] = []
    /// SequentialLR's children, in order.
    public private(set) var children: [Schedule] = []
    /// ReduceLROnPlateau's state (torch's best, num_bad_epochs, cooldown_counter, last_epoch).
    public var plateau = PlateauState()

    /// The deepest nesting of SequentialLR allowed (evaluation recurses).
    public static let maxDepth = 8

    /// A schedule of `kind` with torch's default parameter values; required
    /// parameters (torch has no default) are unset.
    public init(kind: ScheduleKind) {
        self.kind = kind
        values = Array(repeating: nil, count: ScheduleParameter.allCases.count + 1)
        for spec in kind.specs { values[Int(spec.parameter.rawValue)] = spec.defaultValue }
    }

    // MARK: Parameters

    /// Sets a parameter after checking its bounds; on error nothing changes.
    public mutating func set(_ parameter: ScheduleParameter, _ value: Double) throws {
        try spec(parameter).validate(value, kind: kind)
        values[Int(parameter.rawValue)] = value
    }

    /// The value of a parameter the kind uses; nil when it is required and unset.
    public func parameter(_ parameter: ScheduleParameter) throws -> Double? {
        _ = try spec(parameter)
        return values[Int(parameter.rawValue)]
    }

    private func spec(_ parameter: ScheduleParameter) throws -> ScheduleParameterSpec {
        guard let spec = kind.spec(parameter) else {
            let used = kind.specs.map(\.parameter.name)
            throw OptimizerError(.unknownHyperparameter,
                                 "\(kind.name) has no parameter \(parameter.name) (it has: "
                                 + (used.isEmpty ? "none" : used.joined(separator: ", ")) + ")")
        }
        return spec
    }

    /// A set parameter (checked by `validate()`); NaN when unset.
    func p(_ parameter: ScheduleParameter) -> Double {
        values[Int(parameter.rawValue)] ?? .nan
    }

    /// An integer parameter (whole and within ±2^53 by validation); 0 when unset.
    func i(_ parameter: ScheduleParameter) -> Int64 {
        let value = p(parameter)
        return value.isFinite ? Int64(value) : 0
    }

    // MARK: Milestones and children

    /// Sets the milestones: MultiStepLR's decay steps (non-decreasing; a
    /// repeated milestone decays twice, as torch's Counter does) or
    /// SequentialLR's switch steps (strictly increasing). All must be ≥ 0.
    public mutating func setMilestones(_ milestones: [Int64]) throws {
        guard kind.usesMilestones else {
            throw OptimizerError(.unknownHyperparameter, "\(kind.name) has no milestones (only MultiStepLR and SequentialLR)")
        }
        for (n, m) in milestones.enumerated() {
            guard m >= 0 else {
                throw OptimizerError(.outOfBounds, "\(kind.name) milestones must be >= 0, got milestones[\(n)] = \(m)")
            }
            if n > 0 {
                let previous = milestones[n - 1]
                let ordered = kind == .multiStepLR ? m >= previous : m > previous
                guard ordered else {
                    throw OptimizerError(.outOfBounds,
                                         "\(kind.name) milestones must be "
                                         + (kind == .multiStepLR ? "non-decreasing" : "strictly increasing")
                                         + ", got \(previous) then \(m) at index \(n)")
                }
            }
        }
        self.milestones = milestones
    }

    /// Appends a copy of `child` to a SequentialLR. The child must be a
    /// complete schedule (see `validate()`) and not ReduceLROnPlateau.
    public mutating func addChild(_ child: Schedule) throws {
        guard kind == .sequentialLR else {
            throw OptimizerError(.invalidArgument, "only SequentialLR has children, this is \(kind.name)")
        }
        guard child.kind != .reduceLROnPlateau else {
            throw OptimizerError(.incompatibleOptions,
                                 "SequentialLR cannot contain ReduceLROnPlateau (it is driven by metrics, as in torch)")
        }
        guard child.depth < Schedule.maxDepth else {
            throw OptimizerError(.invalidArgument, "SequentialLR nesting deeper than \(Schedule.maxDepth) levels")
        }
        try child.validate()
        children.append(child)
    }

    /// 1 for a plain schedule, 1 + the deepest child for SequentialLR.
    public var depth: Int { 1 + (children.map(\.depth).max() ?? 0) }

    // MARK: Validation

    /// Checks what single parameter checks cannot: required parameters set,
    /// SequentialLR's children and milestones consistent. Throws
    /// `.invalidArgument` (a required parameter is unset, no children) or
    /// `.sizeMismatch` (milestone count).
    public func validate() throws {
        for spec in kind.specs where values[Int(spec.parameter.rawValue)] == nil {
            throw OptimizerError(.invalidArgument, "\(kind.name) needs \(spec.parameter.name): it has no default")
        }
        switch kind {
        case .sequentialLR:
            guard !children.isEmpty else {
                throw OptimizerError(.invalidArgument, "SequentialLR needs at least one child schedule")
            }
            guard milestones.count == children.count - 1 else {
                throw OptimizerError(.sizeMismatch,
                                     "SequentialLR with \(children.count) children needs \(children.count - 1) "
                                     + "milestones, got \(milestones.count)")
            }
        default:
            break
        }
    }

    // MARK: Closed form

    /// The learning rate at `step` (after `step` calls to torch's
    /// `scheduler.step()`) for base learning rate `baseLR` (torch's
    /// `initial_lr`; OneCycleLR and CyclicLR ignore it).
    ///
    /// Throws `.outOfBounds` (baseLR negative or not finite; a result that is
    /// not finite, e.g. γ^t overflowing), `.invalidArgument` (step < 0;
    /// ReduceLROnPlateau; an incomplete schedule), `.indexOutOfRange`
    /// (OneCycleLR past total_steps, where torch raises too),
    /// `.incompatibleOptions` (a OneCycleLR phase of zero length reached, where
    /// torch divides by zero), and what `validate()` throws.
    public func learningRate(baseLR: Double, step: Int64) throws -> Double {
        guard baseLR.isFinite && baseLR >= 0 else {
            throw OptimizerError(.outOfBounds, "base lr must be finite and >= 0, got \(baseLR)")
        }
        guard step >= 0 else {
            throw OptimizerError(.invalidArgument, "step must be >= 0, got \(step)")
        }
        try validate()
        let lr = try closedForm(baseLR, step)
        guard lr.isFinite else {
            throw OptimizerError(.outOfBounds, "\(kind.name) learning rate at step \(step) is not finite (\(lr))")
        }
        return lr
    }

    /// The closed forms. Each follows torch's own expression operation by
    /// operation (its `_get_closed_form_lr`, or `get_lr` where that is already
    /// closed), so results agree with torch's closed forms to the last bit.
    private func closedForm(_ base: Double, _ t: Int64) throws -> Double {
        let tf = Double(t)
        switch kind {
        case .constant:
            return base
        case .constantLR:
            let factor = p(.factor)
            return base * (factor + (t >= i(.totalIters) ? 1 - factor : 0))
        case .linearLR:
            let start = p(.startFactor), end = p(.endFactor), total = i(.totalIters)
            return base * (start + (end - start) * Double(min(total, t)) / Double(total))
        case .stepLR:
            return base * pow(p(.gamma), Double(t / i(.stepSize)))
        case .multiStepLR:
            return base * pow(p(.gamma), Double(Schedule.countAtOrBelow(milestones, t)))
        case .exponentialLR:
            return base * pow(p(.gamma), tf)
        case .polynomialLR:
            let total = i(.totalIters)
            return base * pow(1.0 - Double(min(total, t)) / Double(total), p(.power))
        case .cosineAnnealingLR:
            let etaMin = p(.etaMin)
            return etaMin + (base - etaMin) * (1 + cos(Double.pi * tf / Double(i(.tMax)))) / 2
        case .cosineAnnealingWarmRestarts:
            let (tCur, tI) = sgdrPosition(t)
            let etaMin = p(.etaMin)
            return etaMin + (base - etaMin) * (1 + cos(Double.pi * Double(tCur) / Double(tI))) / 2
        case .oneCycleLR:
            return try oneCycle(t)
        case .cyclicLR:
            return cyclic(t)
        case .sequentialLR:
            let index = Schedule.countAtOrBelow(milestones, t)
            let local = index == 0 ? t : t - milestones[index - 1]
            return try children[index].closedForm(base, local)
        case .reduceLROnPlateau:
            throw OptimizerError(.invalidArgument,
                                 "ReduceLROnPlateau has no closed form: it is driven by metrics (step_metric)")
        case .inverseSqrt:
            let warmup = i(.warmupSteps)
            if t < warmup { return base * tf / Double(warmup) }
            return base / (1 + p(.decayRate) * (sqrt(tf) - sqrt(Double(warmup))))
        case .inverseTime:
            var progress = tf / p(.decaySteps)
            if p(.staircase) != 0 { progress = floor(progress) }
            return base / (1 + p(.decayRate) * progress)
        }
    }

    /// Python's `bisect_right(sorted, t)`: how many entries are ≤ t.
    static func countAtOrBelow(_ sorted: [Int64], _ t: Int64) -> Int {
        var low = 0, high = sorted.count
        while low < high {
            let mid = (low + high) / 2
            if t < sorted[mid] { high = mid } else { low = mid + 1 }
        }
        return low
    }

    /// SGDR's (T_cur, T_i) after `t` calls to torch's `step()`: T_cur counts
    /// up and wraps to 0 when it reaches T_i, which is then multiplied by T_mult.
    func sgdrPosition(_ t: Int64) -> (tCur: Int64, tI: Int64) {
        var tCur = t, tI = i(.t0)
        let tMult = i(.tMult)
        if tMult == 1 { return (tCur % tI, tI) }
        while tCur >= tI {
            tCur -= tI
            let (next, overflow) = tI.multipliedReportingOverflow(by: tMult)
            if overflow { break }  // then tCur < Int64.max < the next period
            tI = next
        }
        return (tCur, tI)
    }

    /// OneCycleLR's phases (torch's `_schedule_phases`): phase `n` ends at
    /// step `end` and anneals from `start` to `finish`.
    private func oneCyclePhase(_ n: Int) -> (end: Double, start: Double, finish: Double) {
        let total = Double(i(.totalSteps)), pct = p(.pctStart)
        let maxLR = p(.maxLR)
        let initialLR = maxLR / p(.divFactor)
        let minLR = initialLR / p(.finalDivFactor)
        switch (p(.threePhase) != 0, n) {
        case (_, 0): return (pct * total - 1, initialLR, maxLR)
        case (true, 1): return (2 * pct * total - 2, maxLR, initialLR)
        case (true, _): return (total - 1, initialLR, minLR)
        case (false, _): return (total - 1, maxLR, minLR)
        }
    }

    private func oneCycle(_ t: Int64) throws -> Double {
        let total = i(.totalSteps)
        guard t <= total else {
            throw OptimizerError(.indexOutOfRange,
                                 "OneCycleLR stepped \(t) times, beyond total_steps \(total) (torch raises too)")
        }
        let phases = p(.threePhase) != 0 ? 3 : 2
        let step = Double(t)
        var startStep = 0.0
        for n in 0..<phases {
            let phase = oneCyclePhase(n)
            if step <= phase.end || n == phases - 1 {
                let denominator = phase.end - startStep
                guard denominator != 0 else {
                    throw OptimizerError(.incompatibleOptions,
                                         "OneCycleLR phase \(n + 1) has zero length at step \(t) (pct_start "
                                         + "\(p(.pctStart)), total_steps \(total)); torch divides by zero here")
                }
                let pct = (step - startStep) / denominator
                if AnnealStrategy(rawValue: Int32(i(.annealStrategy))) == .linear {
                    return (phase.finish - phase.start) * pct + phase.start
                }
                let cosOut = cos(Double.pi * pct) + 1
                return phase.finish + (phase.start - phase.finish) / 2.0 * cosOut
            }
            startStep = phase.end
        }
        return .nan  // unreachable: the last phase always matches
    }

    private func cyclic(_ t: Int64) -> Double {
        let up = Double(i(.stepSizeUp))
        let down = i(.stepSizeDown) < 0 ? up : Double(i(.stepSizeDown))
        let totalSize = up + down
        let stepRatio = up / totalSize
        let tf = Double(t)
        let cycle = floor(1 + tf / totalSize)
        let x = 1.0 + tf / totalSize - cycle
        let scaleFactor = x <= stepRatio ? x / stepRatio : (x - 1) / (stepRatio - 1)
        let baseLR = p(.baseLR)
        let baseHeight = (p(.maxLR) - baseLR) * scaleFactor
        let mode = CyclicMode(rawValue: Int32(i(.mode))) ?? .triangular
        var scaleMode = CyclicScaleMode(rawValue: Int32(i(.scaleMode))) ?? .byMode
        if scaleMode == .byMode { scaleMode = mode == .expRange ? .iterations : .cycle }
        let x2 = scaleMode == .cycle ? cycle : tf
        let scale: Double
        switch mode {
        case .triangular: scale = 1.0
        case .triangular2: scale = 1 / pow(2.0, x2 - 1)
        case .expRange: scale = pow(p(.gamma), x2)
        }
        return baseLR + baseHeight * scale
    }
}
