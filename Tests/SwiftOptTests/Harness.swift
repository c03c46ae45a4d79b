import SwiftOpt

// Drivers that run one optimizer on one problem for a number of steps, the
// gradient computed each step from the current parameters, through the
// reference, through library-owned state (`addParam` + `step(grads:)`) and
// through caller-owned state (`stepTensors`).

/// The outcome of a run: parameters, state tensors (the tensors of each kind
/// concatenated in parameter order), the state kinds in layout order, and
/// the step count of each tensor; with max_grad_norm on, the global gradient
/// norm before clipping of every step (the library's `lastGradNorm` after
/// each step, the reference's own measure); for the reference, the number of
/// steps in which clip_value clamped some element.
struct Trajectory<T: TestScalar>: Sendable, Equatable {
    var params: [T]
    var states: [StateKind: [T]]
    var kinds: [StateKind]
    var steps: [Int64]
    var gradNorms: [Double] = []
    var clampedSteps = 0
}

/// The problem's parameter vector is registered as two tensors of unequal
/// sizes (16 → 7 + 9, 8 → 3 + 5), so every run also steps several tensors.
func tensorSplit(_ n: Int) -> [Range<Int>] {
    let k = n / 2 - 1
    return [0..<k, k..<n]
}

/// The gradient passed to the optimizer: ∇f, or ∇(−f) = −∇f when the case
/// maximizes (so that maximizing −f runs the same descent and stays finite).
func passedGradient<T: TestScalar>(_ problem: Problem, _ settings: Settings, _ x: [T]) -> [T] {
    let g = problem.gradient(x)
    return settings[.maximize] != 0 ? g.map { -$0 } : g
}

/// torch's state tensors for these settings, in the order torch creates them.
func torchStateKinds(_ s: Settings) -> [StateKind] {
    switch s.algorithm {
    case .sgd: return s[.momentum] != 0 ? [.momentumBuffer] : []
    case .adagrad: return [.sum]
    case .rmsprop:
        return [.squareAvg] + (s[.momentum] > 0 ? [.momentumBuffer] : []) + (s[.centered] != 0 ? [.gradAvg] : [])
    case .adam, .adamw:
        return [.expAvg, .expAvgSq] + (s[.amsgrad] != 0 ? [.maxExpAvgSq] : [])
    }
}

func runReference<T: TestScalar>(_ s: Settings, _ problem: Problem, steps: Int, as _: T.Type,
                                 normSummation: NormSummation = .tensorByTensor) -> Trajectory<T> {
    var x = problem.start.map { T($0) }
    var state = ReferenceState<T>(s, count: x.count)
    var gradNorms: [Double] = [], clampedSteps = 0
    for _ in 0..<steps {
        let g = passedGradient(problem, s, x)
        let report = Reference.step(s, &x, g, &state, tensors: tensorSplit(x.count), normSummation: normSummation)
        if let norm = report.gradNorm { gradNorms.append(norm) }
        if report.clamped { clampedSteps += 1 }
    }
    let kinds = torchStateKinds(s)
    var states: [StateKind: [T]] = [:]
    for kind in kinds { states[kind] = state[kind] }
    return Trajectory(params: x, states: states, kinds: kinds,
                      steps: tensorSplit(x.count).map { _ in state.step },
                      gradNorms: gradNorms, clampedSteps: clampedSteps)
}

/// Reads every state tensor of every registered parameter of `optimizer`.
func libraryState<T: TestScalar>(_ optimizer: Optimizer, _ parts: [Range<Int>], as _: T.Type) throws -> [StateKind: [T]] {
    var states: [StateKind: [T]] = [:]
    for kind in try optimizer.stateKinds() {
        var all: [T] = []
        for (i, range) in parts.enumerated() {
            var out = [T](repeating: .nan, count: range.count)
            try out.withUnsafeMutableBytes {
                try optimizer.getState(kind, param: i, into: $0.baseAddress!, count: range.count)
            }
            all += out
        }
        states[kind] = all
    }
    return states
}

func runLibraryOwned<T: TestScalar>(_ s: Settings, _ problem: Problem, steps: Int, as _: T.Type) throws -> Trajectory<T> {
    let optimizer = Optimizer(algorithm: s.algorithm)
    try s.apply(to: optimizer)
    let n = problem.dimension, parts = tensorSplit(n)
    let x = UnsafeMutableBufferPointer<T>.allocate(capacity: n)
    defer { x.deallocate() }
    _ = x.initialize(from: problem.start.map { T($0) })
    for range in parts {
        try optimizer.addParam(UnsafeMutableRawPointer(x.baseAddress! + range.lowerBound),
                               count: range.count, dtype: T.dtype)
    }
    var gradNorms: [Double] = []
    for _ in 0..<steps {
        let g = passedGradient(problem, s, Array(x))
        try g.withUnsafeBufferPointer { gp in
            try optimizer.step(grads: parts.map { UnsafeRawPointer(gp.baseAddress! + $0.lowerBound) })
        }
        if s[.maxGradNorm] > 0 { gradNorms.append(try optimizer.lastGradNorm()) }
    }
    return Trajectory(params: Array(x), states: try libraryState(optimizer, parts, as: T.self),
                      kinds: try optimizer.stateKinds(),
                      steps: try parts.indices.map { try optimizer.stepCount(param: $0) },
                      gradNorms: gradNorms)
}

func runCallerOwned<T: TestScalar>(_ s: Settings, _ problem: Problem, steps: Int, as _: T.Type) throws -> Trajectory<T> {
    let optimizer = Optimizer(algorithm: s.algorithm)
    try s.apply(to: optimizer)
    let kinds = try optimizer.stateKinds(group: 0)
    let n = problem.dimension, parts = tensorSplit(n)
    let x = UnsafeMutableBufferPointer<T>.allocate(capacity: n)
    defer { x.deallocate() }
    _ = x.initialize(from: problem.start.map { T($0) })
    // One buffer of n elements per kind; tensor i's state lies at its offset.
    // The caller sets torch's initial values (sum = initial_accumulator_value).
    let storage = kinds.map { kind -> UnsafeMutableBufferPointer<T> in
        let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: n)
        buffer.initialize(repeating: kind == .sum ? T(s[.initialAccumulatorValue]) : 0)
        return buffer
    }
    defer { for buffer in storage { buffer.deallocate() } }
    let paramPointers: [UnsafeMutableRawPointer?] = parts.map { UnsafeMutableRawPointer(x.baseAddress! + $0.lowerBound) }
    let statePointers: [UnsafeMutableRawPointer?] = parts.flatMap { range in
        storage.map { UnsafeMutableRawPointer($0.baseAddress! + range.lowerBound) }
    }
    let counts = parts.map { Int64($0.count) }
    var stepCounts = [Int64](repeating: 0, count: parts.count)
    var gradNorms: [Double] = []
    for _ in 0..<steps {
        let g = passedGradient(problem, s, Array(x))
        try g.withUnsafeBufferPointer { gp in
            let gradPointers: [UnsafeRawPointer?] = parts.map { UnsafeRawPointer(gp.baseAddress! + $0.lowerBound) }
            try paramPointers.withUnsafeBufferPointer { pp in
                try gradPointers.withUnsafeBufferPointer { gg in
                    try counts.withUnsafeBufferPointer { cc in
                        try statePointers.withUnsafeBufferPointer { ss in
                            try stepCounts.withUnsafeMutableBufferPointer { st in
                                try optimizer.stepTensors(group: 0, dtype: T.dtype, params: pp, grads: gg, counts: cc,
                                                          states: ss, statesPerTensor: kinds.count, steps: st)
                            }
                        }
                    }
                }
            }
        }
        // Both tensors go through one stepTensors call: the norm is over both.
        if s[.maxGradNorm] > 0 { gradNorms.append(try optimizer.lastGradNorm(group: 0)) }
    }
    var states: [StateKind: [T]] = [:]
    for (j, kind) in kinds.enumerated() { states[kind] = Array(storage[j]) }
    return Trajectory(params: Array(x), states: states, kinds: kinds, steps: stepCounts, gradNorms: gradNorms)
}
