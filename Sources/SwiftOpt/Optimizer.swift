import _SwiftOptSupport

/// An optimizer: one algorithm, its parameter groups, and the parameters it
/// steps with library-owned state.
///
/// Two ways to own state go through the same kernels:
/// - library-owned: `addParam` registers a caller buffer; the optimizer
///   allocates its state tensors; `step(grads:)` updates every parameter;
/// - caller-owned: `stepTensors` updates buffers the caller owns, state
///   tensors and step counts included, with one group's hyperparameters.
///
/// Every throwing method validates all of its arguments before it changes
/// anything. An `Optimizer` is not thread-safe; the C ABI serializes calls
/// on one handle.
///
/// ```swift
/// var w: [Float] = [1, 2, 3]
/// let opt = Optimizer(algorithm: .adam)
/// try opt.set(.lr, 0.01)
/// try w.withUnsafeMutableBytes { buf in
///     _ = try opt.addParam(buf.baseAddress!, count: 3, dtype: .float32)
///     let grad: [Float] = [0.1, -0.2, 0.3]
///     try grad.withUnsafeBytes { g in try opt.step(grads: [g.baseAddress]) }
/// }
/// ```
public final class Optimizer {
    public let algorithm: Algorithm
    public internal(set) var groups: [ParamGroup]
    var params: [Parameter] = []  // internal: Optimizer+Checkpoint.swift
    /// Per group: the global L2 norm of its gradients measured by the last
    /// step that clipped (max_grad_norm > 0), NaN before.
    var gradNorms: [Double]
    /// Per group: the clip coefficient of the step in progress (scratch,
    /// allocated with the group so that steps allocate nothing).
    private var clipScales: [Double?]
    /// Per group: skip_nonfinite's bookkeeping (allocated with the group).
    var skips: [SkipRecord]
    /// The step's tensor updates, in buffers reused from step to step.
    private let work = StepWork()

    /// skip_nonfinite's bookkeeping for one group.
    struct SkipRecord {
        /// The step in progress skips the group (scratch).
        var skipping = false
        /// The step in progress steps at least one of the group's tensors (scratch).
        var stepped = false
        /// Whether the group's last step was skipped.
        var last = false
        /// Steps skipped since the group was created.
        var count: Int64 = 0
    }

    /// A registered parameter and its library-owned state.
    final class Parameter {
        let data: UnsafeMutableRawPointer
        let count: Int
        let dtype: DType
        let group: Int
        var step: Int64 = 0
        /// Indexed by `StateKind.rawValue`.
        var states: [StateBuffer?] = Array(repeating: nil, count: StateKind.allCases.count + 1)

        init(data: UnsafeMutableRawPointer, count: Int, dtype: DType, group: Int) {
            self.data = data
            self.count = count
            self.dtype = dtype
            self.group = group
        }
    }

    /// Creates an optimizer with one group (index 0) at the algorithm's defaults.
    public init(algorithm: Algorithm) {
        self.algorithm = algorithm
        groups = [ParamGroup(algorithm: algorithm)]
        gradNorms = [.nan]
        clipScales = [nil]
        skips = [SkipRecord()]
    }

    // MARK: Groups and hyperparameters

    /// Adds a group at the algorithm's defaults and returns its index.
    @discardableResult
    public func addGroup() -> Int {
        groups.append(ParamGroup(algorithm: algorithm))
        gradNorms.append(.nan)
        clipScales.append(nil)
        skips.append(SkipRecord())
        return groups.count - 1
    }

    /// Sets a hyperparameter of a group; used from the next step on.
    public func set(_ hyperparameter: Hyperparameter, _ value: Double, group: Int = 0) throws {
        try checkGroup(group)
        try groups[group].set(hyperparameter, value)
    }

    /// Reads a hyperparameter of a group.
    public func value(_ hyperparameter: Hyperparameter, group: Int = 0) throws -> Double {
        try checkGroup(group)
        return try groups[group].value(hyperparameter)
    }

    /// The state tensors of each parameter of a group, in caller-owned layout order.
    public func stateKinds(group: Int = 0) throws -> [StateKind] {
        try checkGroup(group)
        return groups[group].stateKinds
    }

    /// The global L2 norm of a group's gradients before clipping, measured by
    /// the last step with max_grad_norm > 0 (NaN before any such step).
    public func lastGradNorm(group: Int = 0) throws -> Double {
        try checkGroup(group)
        return gradNorms[group]
    }

    /// The number of steps skipped for a group because a gradient was NaN or
    /// infinite (skip_nonfinite), since the group was created.
    public func skippedSteps(group: Int = 0) throws -> Int64 {
        try checkGroup(group)
        return skips[group].count
    }

    /// Whether the group's last step (the last `step` or `stepTensors` call
    /// that stepped at least one of its tensors) was skipped because a
    /// gradient was NaN or infinite; false before any step.
    public func lastStepSkipped(group: Int = 0) throws -> Bool {
        try checkGroup(group)
        return skips[group].last
    }

    /// Measures the group's gradient norm and records the clip coefficient
    /// when max_grad_norm is on, and decides whether skip_nonfinite skips the
    /// group in this step; `grads` yields (pointer, count, dtype) of each of
    /// the group's tensors in this step. Allocates nothing.
    ///
    /// With max_grad_norm on, the check rides on the norm pass: a finite sum
    /// of squares proves every element finite (NaN and ±inf propagate into
    /// it, and squares cannot cancel). Only a non-finite norm, which a NaN,
    /// an inf or an fp64 overflow of the squares gives, needs the exact
    /// element check. With max_grad_norm off, the check is one read-only
    /// pass. With both off, nothing reads the gradients here.
    private func measureGradients(group: Int, _ forEachGrad: ((UnsafeRawPointer, Int, DType) -> Void) -> Void) {
        let maxNorm = groups[group][.maxGradNorm]
        let checking = groups[group][.skipNonfinite] != 0
        skips[group].skipping = false
        guard maxNorm > 0 else {
            clipScales[group] = nil
            if checking { skips[group].skipping = hasNonfinite(forEachGrad) }
            return
        }
        var accumulator = NormAccumulator(2)
        var stepped = false
        forEachGrad {
            accumulator.add($0, $1, $2)
            stepped = true
        }
        // A group none of whose parameters has a gradient in this step keeps
        // the norm of its last step.
        guard stepped else { return }
        gradNorms[group] = accumulator.norm
        clipScales[group] = Clipping.clipCoefficient(maxNorm: maxNorm, total: accumulator.norm)
        if checking && !accumulator.norm.isFinite { skips[group].skipping = hasNonfinite(forEachGrad) }
    }

    /// Whether any element of the gradients `forEachGrad` yields is NaN or
    /// ±inf: one read-only pass on the thread pool (uses `work`).
    private func hasNonfinite(_ forEachGrad: ((UnsafeRawPointer, Int, DType) -> Void) -> Void) -> Bool {
        work.removeAll()
        forEachGrad { work.appendCheck($0, count: $1, dtype: $2) }
        return work.hasNonfinite()
    }

    /// Records, for each group the step in progress stepped, whether it was
    /// skipped, and counts the skips.
    private func recordSkips() {
        for g in skips.indices where skips[g].stepped {
            skips[g].stepped = false
            skips[g].last = skips[g].skipping
            if skips[g].skipping && skips[g].count < Int64.max { skips[g].count += 1 }
        }
    }

    // MARK: Library-owned state

    /// The number of registered parameters.
    public var paramCount: Int { params.count }

    /// Registers a parameter buffer of `count` elements, allocating its state
    /// tensors with torch's initial values. The buffer stays the caller's and
    /// must outlive the optimizer. Returns the parameter's index.
    @discardableResult
    public func addParam(_ data: UnsafeMutableRawPointer, count: Int, dtype: DType, group: Int = 0) throws -> Int {
        try checkGroup(group)
        try checkCount(Int64(count), dtype, "parameter")
        try checkAligned(UnsafeRawPointer(data), dtype, "parameter")
        let param = Parameter(data: data, count: count, dtype: dtype, group: group)
        try allocateState(param)
        params.append(param)
        return params.count - 1
    }

    /// The group, dtype and element count of a registered parameter.
    public func paramInfo(_ index: Int) throws -> (group: Int, dtype: DType, count: Int) {
        let param = try parameter(index)
        return (param.group, param.dtype, param.count)
    }

    /// One step over every registered parameter. `grads[i]` is the gradient of
    /// parameter i (same dtype and count); nil skips that parameter.
    public func step(grads: UnsafeBufferPointer<UnsafeRawPointer?>) throws {
        try applySchedules(group: nil)  // Optimizer+Schedule.swift
        guard !params.isEmpty else {
            throw OptimizerError(.noParameters, "step called before any parameter was registered")
        }
        guard grads.count == params.count else {
            throw OptimizerError(.sizeMismatch,
                                 "got \(grads.count) gradients for \(params.count) registered parameters")
        }
        for (i, grad) in grads.enumerated() {
            guard let grad else { continue }
            try checkAligned(grad, params[i].dtype, "gradient \(i)")
            // `step += 1` below must not overflow (an overflow traps).
            guard params[i].step < Int64.max else {
                throw OptimizerError(.invalidArgument, "parameter \(i): step count \(params[i].step) cannot be incremented")
            }
        }
        for param in params { try allocateState(param) }
        for group in groups.indices {
            measureGradients(group: group) { add in
                for (i, grad) in grads.enumerated() where params[i].group == group {
                    if let grad { add(grad, params[i].count, params[i].dtype) }
                }
            }
        }
        work.removeAll()
        for (i, grad) in grads.enumerated() {
            guard let grad else { continue }
            let param = params[i]
            skips[param.group].stepped = true
            // skip_nonfinite: a group with a NaN or inf gradient is left as it is.
            if skips[param.group].skipping { continue }
            let group = groups[param.group]
            let layout = StateLayout(group)
            let momentum = param.states[Int(StateKind.momentumBuffer.rawValue)]
            work.append(so_update(
                group, param.dtype, param: param.data, grad: grad, count: param.count,
                state: StatePointers(layout: layout) { kind, _ in param.states[Int(kind.rawValue)]?.pointer },
                previousStep: param.step,
                momentumInitialized: momentum?.initialized ?? false,
                clipScale: clipScales[param.group]))
        }
        work.run()   // ThreadPool.swift
        for (i, grad) in grads.enumerated() where grad != nil && !skips[params[i].group].skipping {
            params[i].states[Int(StateKind.momentumBuffer.rawValue)]?.initialized = true
            params[i].step += 1
        }
        recordSkips()
        // A skipped group's schedule still advances (see Optimizer+Schedule.swift).
        advanceSchedules(group: nil)  // Optimizer+Schedule.swift
    }

    /// Same as `step(grads:)` for an array of gradient pointers.
    public func step(grads: [UnsafeRawPointer?]) throws {
        try grads.withUnsafeBufferPointer { try step(grads: $0) }
    }

    /// Copies state tensor `kind` of a parameter into `out` (`count` elements
    /// of the parameter's dtype).
    public func getState(_ kind: StateKind, param index: Int, into out: UnsafeMutableRawPointer, count: Int) throws {
        let buffer = try stateBuffer(kind, index, count: count, UnsafeRawPointer(out))
        out.copyMemory(from: buffer.pointer, byteCount: buffer.byteCount)
    }

    /// Overwrites state tensor `kind` of a parameter from `values`.
    public func setState(_ kind: StateKind, param index: Int, from values: UnsafeRawPointer, count: Int) throws {
        let buffer = try stateBuffer(kind, index, count: count, values)
        buffer.pointer.copyMemory(from: values, byteCount: buffer.byteCount)
        buffer.initialized = true
    }

    /// The step count of a parameter.
    public func stepCount(param index: Int) throws -> Int64 {
        try parameter(index).step
    }

    /// Sets the step count of a parameter (to restore a checkpoint).
    public func setStepCount(_ step: Int64, param index: Int) throws {
        let param = try parameter(index)
        guard step >= 0 else {
            throw OptimizerError(.invalidArgument, "step count must be >= 0, got \(step)")
        }
        param.step = step
    }

    // MARK: Caller-owned state

    /// One step over caller-owned tensors with the hyperparameters of `group`.
    /// `states[i * statesPerTensor + j]` is tensor i's state of kind
    /// `stateKinds(group:)[j]`; `steps[i]` is read and incremented.
    public func stepTensors(
        group: Int, dtype: DType,
        params: UnsafeBufferPointer<UnsafeMutableRawPointer?>,
        grads: UnsafeBufferPointer<UnsafeRawPointer?>,
        counts: UnsafeBufferPointer<Int64>,
        states: UnsafeBufferPointer<UnsafeMutableRawPointer?>,
        statesPerTensor: Int,
        steps: UnsafeMutableBufferPointer<Int64>
    ) throws {
        try checkGroup(group)
        try applySchedules(group: group)  // Optimizer+Schedule.swift
        let n = params.count
        guard n > 0 else { throw OptimizerError(.invalidArgument, "the number of tensors must be > 0") }
        guard grads.count == n, counts.count == n, steps.count == n else {
            throw OptimizerError(.sizeMismatch, "params, grads, counts and steps must all have \(n) entries")
        }
        let layout = StateLayout(groups[group])
        guard statesPerTensor == layout.count else {
            throw OptimizerError(.sizeMismatch,
                                 "\(algorithm.name) with this group's options has \(layout.count) state "
                                 + "tensors per parameter (\(groups[group].stateKinds.map(\.name).joined(separator: ", "))), "
                                 + "got states_per_tensor = \(statesPerTensor)")
        }
        guard states.count == n * statesPerTensor else {
            throw OptimizerError(.sizeMismatch, "states must have \(n * statesPerTensor) entries")
        }
        for i in 0..<n {
            guard let param = params[i] else { throw OptimizerError(.nullPointer, "params[\(i)] is NULL") }
            guard let grad = grads[i] else { throw OptimizerError(.nullPointer, "grads[\(i)] is NULL") }
            try checkCount(counts[i], dtype, "tensor \(i)")
            guard steps[i] >= 0, steps[i] < Int64.max else {
                throw OptimizerError(.invalidArgument, "steps[\(i)] must be in [0, INT64_MAX), got \(steps[i])")
            }
            try checkAligned(UnsafeRawPointer(param), dtype, "params[\(i)]")
            try checkAligned(grad, dtype, "grads[\(i)]")
            for j in 0..<statesPerTensor {
                guard let s = states[i * statesPerTensor + j] else {
                    throw OptimizerError(.nullPointer,
                                         "states[\(i * statesPerTensor + j)] (\(layout.kinds[j].name) of tensor \(i)) is NULL")
                }
                try checkAligned(UnsafeRawPointer(s), dtype, "states[\(i * statesPerTensor + j)]")
            }
        }
        measureGradients(group: group) { add in
            for i in 0..<n { add(grads[i]!, Int(counts[i]), dtype) }
        }
        skips[group].stepped = true
        // skip_nonfinite: the tensors of this call are left as they are.
        if skips[group].skipping {
            recordSkips()
            advanceSchedules(group: group)  // a skipped step still advances the schedule
            return
        }
        let h = groups[group]
        work.removeAll()
        for i in 0..<n {
            work.append(so_update(
                h, dtype, param: params[i]!, grad: grads[i]!, count: Int(counts[i]),
                state: StatePointers(layout: layout) { _, slot in states[i * statesPerTensor + slot] },
                previousStep: steps[i], momentumInitialized: steps[i] > 0,
                clipScale: clipScales[group]))
        }
        work.run()   // ThreadPool.swift
        for i in 0..<n { steps[i] += 1 }
        recordSkips()
        advanceSchedules(group: group)  // Optimizer+Schedule.swift
    }

    // MARK: Validation and state allocation

    func checkGroup(_ group: Int) throws {
        guard group >= 0 && group < groups.count else {
            throw OptimizerError(.indexOutOfRange, "group \(group) does not exist (\(groups.count) groups)")
        }
    }

    private func parameter(_ index: Int) throws -> Parameter {
        guard index >= 0 && index < params.count else {
            throw OptimizerError(.indexOutOfRange, "parameter \(index) does not exist (\(params.count) registered)")
        }
        return params[index]
    }

    /// Allocates the state tensors the parameter's group needs and it lacks
    /// (all of them at registration; more when an option such as amsgrad is
    /// turned on later).
    private func allocateState(_ param: Parameter) throws {
        let group = groups[param.group]
        let layout = StateLayout(group)
        for kind in StateKind.allCases where layout.slot(kind) != nil && param.states[Int(kind.rawValue)] == nil {
            let initial = kind == .sum ? group[.initialAccumulatorValue] : 0
            guard let buffer = StateBuffer(count: param.count, dtype: param.dtype, value: initial) else {
                throw OptimizerError(.outOfMemory,
                                     "cannot allocate \(kind.name) for \(param.count) \(param.dtype.name) elements")
            }
            param.states[Int(kind.rawValue)] = buffer
        }
    }

    private func stateBuffer(_ kind: StateKind, _ index: Int, count: Int, _ pointer: UnsafeRawPointer) throws -> StateBuffer {
        let param = try parameter(index)
        guard StateLayout(groups[param.group]).slot(kind) != nil,
              let buffer = param.states[Int(kind.rawValue)] else {
            throw OptimizerError(.unknownState,
                                 "parameter \(index) has no state \(kind.name) under its group's options "
                                 + "(it has: \(groups[param.group].stateKinds.map(\.name).joined(separator: ", ")))")
        }
        guard count == param.count else {
            throw OptimizerError(.sizeMismatch, "parameter \(index) has \(param.count) elements, got count \(count)")
        }
        try checkAligned(pointer, param.dtype, "buffer")
        return buffer
    }
}
