/// One parameter group: the hyperparameter values that its parameters are
/// stepped with (torch's `param_groups[i]`).
public struct ParamGroup: Sendable, Equatable {
    public let algorithm: Algorithm
    /// Values indexed by `Hyperparameter.rawValue`; unused entries are 0.
    private var values: [Double]
    /// The learning-rate schedule attached to this group, if any (a copy; see
    /// Optimizer+Schedule.swift). While attached, the schedule owns `lr`.
    public internal(set) var schedule: ScheduleAttachment?

    /// A group holding the algorithm's default values.
    public init(algorithm: Algorithm) {
        self.algorithm = algorithm
        values = Array(repeating: 0, count: Int(Hyperparameter.allCases.count) + 1)
        for spec in algorithm.specs { values[Int(spec.hyperparameter.rawValue)] = spec.defaultValue }
    }

    /// A group of `algorithm` with the given values and the defaults for the
    /// others (to restore a checkpoint). Each value is checked against its
    /// bounds, then all of them together; throws what `set` throws.
    init(algorithm: Algorithm, restoring values: [(Hyperparameter, Double)]) throws {
        self.init(algorithm: algorithm)
        for (hyperparameter, value) in values {
            try spec(hyperparameter).validate(value)
            self.values[Int(hyperparameter.rawValue)] = value
        }
        try checkCompatible()
    }

    /// The value of a hyperparameter the algorithm uses.
    public func value(_ hyperparameter: Hyperparameter) throws -> Double {
        _ = try spec(hyperparameter)
        return values[Int(hyperparameter.rawValue)]
    }

    /// Sets a hyperparameter after checking its bounds and its compatibility
    /// with the other values; on error nothing changes.
    public mutating func set(_ hyperparameter: Hyperparameter, _ value: Double) throws {
        if hyperparameter == .lr && schedule != nil {
            throw OptimizerError(.incompatibleOptions, "lr follows the group's attached schedule: "
                                 + "detach it, or change its base lr, instead of setting lr")
        }
        try spec(hyperparameter).validate(value)
        var candidate = self
        candidate.values[Int(hyperparameter.rawValue)] = value
        try candidate.checkCompatible()
        self = candidate
    }

    /// Sets lr on behalf of the attached schedule (which `set` refuses), in
    /// place so that a scheduled step allocates nothing.
    mutating func setScheduledLR(_ lr: Double) throws {
        try spec(.lr).validate(lr)
        values[Int(Hyperparameter.lr.rawValue)] = lr
    }

    /// The state tensors each parameter of this group has, in their fixed order
    /// (the layout of caller-owned state).
    public var stateKinds: [StateKind] { StateLayout(self).kinds }

    /// Unchecked read, for hyperparameters known to belong to the algorithm.
    subscript(_ hyperparameter: Hyperparameter) -> Double {
        values[Int(hyperparameter.rawValue)]
    }

    private func spec(_ hyperparameter: Hyperparameter) throws -> HyperparameterSpec {
        guard let spec = algorithm.spec(hyperparameter) else {
            throw OptimizerError(.unknownHyperparameter,
                                 "\(algorithm.name) has no hyperparameter \(hyperparameter.name)")
        }
        return spec
    }

    private func checkCompatible() throws {
        if algorithm == .sgd && self[.nesterov] != 0 && (self[.momentum] <= 0 || self[.dampening] != 0) {
            throw OptimizerError(.incompatibleOptions,
                                 "nesterov momentum requires momentum > 0 and dampening 0 "
                                 + "(momentum \(self[.momentum]), dampening \(self[.dampening]))")
        }
    }
}
