import Testing
@testable import SwiftOpt

// skip_nonfinite: a step whose gradients (of one group, in one call) hold a
// NaN or an infinity leaves that group exactly as it was, is counted, and the
// next finite step continues as if the bad step never happened. Everything is
// compared bit for bit.

/// The configurations stepped here: every algorithm with all of its state
/// tensors, with and without max_grad_norm (the fused check) and clip_value.
private let configurations: [(Algorithm, [(Hyperparameter, Double)])] = [
    (.sgd, [(.lr, 0.1), (.momentum, 0.9), (.nesterov, 1)]),
    (.adagrad, [(.lr, 0.1), (.lrDecay, 0.01)]),
    (.rmsprop, [(.lr, 0.01), (.momentum, 0.5), (.centered, 1)]),
    (.adam, [(.lr, 0.01), (.amsgrad, 1), (.weightDecay, 0.01)]),
    (.adamw, [(.lr, 0.01), (.l1, 1e-3)]),
]

private let clipOptions: [[(Hyperparameter, Double)]] = [
    [], [(.maxGradNorm, 0.5)], [(.maxGradNorm, 100), (.clipValue, 0.05)],
]

private let sizes = [5, 3, 7]

/// The bytes of an array, so that NaNs compare too and equality is bitwise.
private func bytes<T>(_ a: [T]) -> [UInt8] { a.withUnsafeBytes { Array($0) } }

/// A deterministic finite gradient for step `step`.
private func gradient<T: TestScalar>(_ step: Int, _ tensor: Int, _ n: Int) -> [T] {
    (0..<n).map { i in T(Double((i * 7 + tensor * 3 + step * 5) % 11) - 5) * T(0.03) }
}

/// Where a bad element goes: (tensor, element).
private let positions: [(Int, Int)] = [(0, 0), (0, 4), (2, 0), (2, 6)]

private func badValues<T: TestScalar>(_: T.Type) -> [T] { [.nan, .infinity, -.infinity, -T.nan] }

/// Everything a library-owned optimizer holds, as bytes.
private struct State: Equatable {
    var params: [[UInt8]]
    var states: [[UInt8]]
    var steps: [Int64]
}

private func state<T: TestScalar>(_ opt: Optimizer, _ params: [Buffer<T>]) throws -> State {
    var states: [[UInt8]] = []
    for (i, p) in params.enumerated() {
        for kind in try opt.stateKinds(group: opt.paramInfo(i).group) {
            var out = [T](repeating: 0, count: p.count)
            try out.withUnsafeMutableBytes { try opt.getState(kind, param: i, into: $0.baseAddress!, count: p.count) }
            states.append(bytes(out))
        }
    }
    return State(params: params.map { bytes($0.values) }, states: states,
                 steps: try params.indices.map { try opt.stepCount(param: $0) })
}

private func makeOptimizer<T: TestScalar>(_ algorithm: Algorithm, _ settings: [(Hyperparameter, Double)],
                                          skip: Bool, _: T.Type) throws -> (Optimizer, [Buffer<T>]) {
    let opt = Optimizer(algorithm: algorithm)
    for (h, v) in settings { try opt.set(h, v) }
    try opt.set(.skipNonfinite, skip ? 1 : 0)
    let params = sizes.enumerated().map { t, n in Buffer<T>((0..<n).map { T(Double($0 + t) * 0.25 - 1) }) }
    for p in params { try opt.addParam(p.raw, count: p.count, dtype: T.dtype) }
    return (opt, params)
}

private func step<T: TestScalar>(_ opt: Optimizer, _ grads: [[T]]) throws {
    let buffers = grads.map { Buffer($0) }
    try withExtendedLifetime(buffers) { try opt.step(grads: buffers.map { UnsafeRawPointer($0.raw) }) }
}

/// Library-owned: good, good, bad, good, good against good ×4.
private func checkLibraryOwned<T: TestScalar>(_ algorithm: Algorithm, _ settings: [(Hyperparameter, Double)],
                                              _: T.Type) throws {
    for (tensor, element) in positions {
        for bad in badValues(T.self) {
            let what = "\(algorithm.name) \(settings.map { "\($0.0.name)=\($0.1)" }) \(T.self) "
                + "bad \(bad) at tensor \(tensor)[\(element)]"
            let (a, pa) = try makeOptimizer(algorithm, settings, skip: true, T.self)
            let (b, pb) = try makeOptimizer(algorithm, settings, skip: true, T.self)
            for s in 0..<2 {
                let g: [[T]] = sizes.enumerated().map { gradient(s, $0, $1) }
                try step(a, g)
                try step(b, g)
            }
            let before = try state(a, pa)
            var g: [[T]] = sizes.enumerated().map { gradient(2, $0, $1) }
            g[tensor][element] = bad
            try step(a, g)
            #expect(try state(a, pa) == before, "\(what): a skipped step changed something")
            #expect(try a.skippedSteps() == 1 && a.lastStepSkipped(), "\(what)")
            for s in 3..<5 {
                let g: [[T]] = sizes.enumerated().map { gradient(s, $0, $1) }
                try step(a, g)
                try step(b, g)
            }
            #expect(try state(a, pa) == state(b, pb), "\(what): the steps after the skip differ")
            #expect(try a.skippedSteps() == 1 && !a.lastStepSkipped(), "\(what)")
            #expect(try b.skippedSteps() == 0, "\(what)")
            #expect(try a.stepCount(param: 0) == 4)
        }
    }
}

/// A caller's tensors for stepTensors.
private struct Tensors<T: TestScalar> {
    var params: [Buffer<T>]
    var states: [Buffer<T>]
    var steps: [Int64]
    var snapshot: [[UInt8]] { params.map { bytes($0.values) } + states.map { bytes($0.values) } }
}

/// Caller-owned: the tensors of one call are one unit; steps[i] unchanged.
private func checkCallerOwned<T: TestScalar>(_ algorithm: Algorithm, _ settings: [(Hyperparameter, Double)],
                                             _: T.Type) throws {
    let opt = Optimizer(algorithm: algorithm)
    for (h, v) in settings { try opt.set(h, v) }
    try opt.set(.skipNonfinite, 1)
    let kinds = try opt.stateKinds()
    // Two copies of the caller's tensors: one sees the bad steps, one does not.
    func make() -> Tensors<T> {
        let params = sizes.enumerated().map { t, n in Buffer<T>((0..<n).map { T(Double($0 - t) * 0.5) }) }
        let states = sizes.flatMap { n in kinds.map { _ in Buffer<T>([T](repeating: 0, count: n)) } }
        return Tensors(params: params, states: states, steps: sizes.map { _ in 0 })
    }
    func run(_ t: inout Tensors<T>, _ grads: [[T]]) throws {
        let g = grads.map { Buffer($0) }
        let counts = sizes.map { Int64($0) }
        let params: [UnsafeMutableRawPointer?] = t.params.map(\.raw)
        let gp: [UnsafeRawPointer?] = g.map { UnsafeRawPointer($0.raw) }
        let states: [UnsafeMutableRawPointer?] = t.states.map(\.raw)
        defer { withExtendedLifetime(g) {} }
        try params.withUnsafeBufferPointer { p in
            try gp.withUnsafeBufferPointer { gg in
                try counts.withUnsafeBufferPointer { c in
                    try states.withUnsafeBufferPointer { s in
                        try t.steps.withUnsafeMutableBufferPointer { st in
                            try opt.stepTensors(group: 0, dtype: T.dtype, params: p, grads: gg, counts: c,
                                                states: s, statesPerTensor: kinds.count, steps: st)
                        }
                    }
                }
            }
        }
    }
    var skipped: Int64 = 0
    for (tensor, element) in positions {
        for bad in badValues(T.self) {
            let what = "caller-owned \(algorithm.name) \(T.self) bad \(bad) at tensor \(tensor)[\(element)]"
            var a = make(), b = make()
            for s in 0..<2 {
                let g: [[T]] = sizes.enumerated().map { gradient(s, $0, $1) }
                try run(&a, g)
                try run(&b, g)
            }
            let before = a.snapshot
            var g: [[T]] = sizes.enumerated().map { gradient(2, $0, $1) }
            g[tensor][element] = bad
            try run(&a, g)
            skipped += 1
            #expect(a.snapshot == before && a.steps == [2, 2, 2], "\(what): a skipped step changed something")
            #expect(try opt.skippedSteps() == skipped && opt.lastStepSkipped(), "\(what)")
            for s in 3..<5 {
                let g: [[T]] = sizes.enumerated().map { gradient(s, $0, $1) }
                try run(&a, g)
                try run(&b, g)
            }
            #expect(a.snapshot == b.snapshot && a.steps == b.steps && a.steps == [4, 4, 4], "\(what)")
            #expect(try !opt.lastStepSkipped(), "\(what)")
        }
    }
}

@Suite("skip_nonfinite: NaN and inf gradients skip the step")
struct NonfiniteTests {
    @Test("library-owned: a bad step changes nothing and the next steps continue as if it never happened",
          arguments: configurations.indices, clipOptions.indices)
    func libraryOwned(_ c: Int, _ clip: Int) throws {
        let (algorithm, settings) = configurations[c]
        try checkLibraryOwned(algorithm, settings + clipOptions[clip], Float.self)
        try checkLibraryOwned(algorithm, settings + clipOptions[clip], Double.self)
    }

    @Test("caller-owned: the call is one unit, steps[i] unchanged",
          arguments: configurations.indices, clipOptions.indices)
    func callerOwned(_ c: Int, _ clip: Int) throws {
        let (algorithm, settings) = configurations[c]
        try checkCallerOwned(algorithm, settings + clipOptions[clip], Float.self)
        try checkCallerOwned(algorithm, settings + clipOptions[clip], Double.self)
    }

    @Test("groups are independent: only the group with the bad gradient is skipped", arguments: [false, true])
    func groups(_ clip: Bool) throws {
        func make() throws -> (Optimizer, [Buffer<Float>]) {
            let opt = Optimizer(algorithm: .adam)
            opt.addGroup()
            for g in 0..<2 {
                try opt.set(.skipNonfinite, 1, group: g)
                if clip { try opt.set(.maxGradNorm, 1, group: g) }
            }
            let params = [Buffer<Float>([1, 2, 3]), Buffer<Float>([4, 5]), Buffer<Float>([6])]
            try opt.addParam(params[0].raw, count: 3, dtype: .float32, group: 0)
            try opt.addParam(params[1].raw, count: 2, dtype: .float32, group: 1)
            try opt.addParam(params[2].raw, count: 1, dtype: .float32, group: 1)
            return (opt, params)
        }
        let (a, pa) = try make(), (b, pb) = try make()
        let good: [[Float]] = [[0.1, 0.2, 0.3], [0.4, -0.5], [0.6]]
        try step(a, good)
        try step(b, good)
        let before = try state(a, pa)
        let bad: [[Float]] = [[0.1, 0.2, 0.3], [0.4, -0.5], [.infinity]]
        try step(a, bad)
        try step(b, good)
        let after = try state(a, pa), reference = try state(b, pb)
        // Group 0 (param 0) stepped as in the reference; group 1 (params 1, 2) unchanged.
        #expect(after.params[0] == reference.params[0])
        #expect(after.params[1] == before.params[1] && after.params[2] == before.params[2])
        #expect(after.steps == [2, 1, 1])
        #expect(try a.skippedSteps(group: 0) == 0 && !a.lastStepSkipped(group: 0))
        #expect(try a.skippedSteps(group: 1) == 1 && a.lastStepSkipped(group: 1))
        // A step without gradients for group 1 keeps its last-step flag.
        let only = Buffer<Float>([0.1, 0.1, 0.1])
        try withExtendedLifetime(only) { try a.step(grads: [UnsafeRawPointer(only.raw), nil, nil]) }
        #expect(try a.lastStepSkipped(group: 1) && !a.lastStepSkipped(group: 0))
    }

    @Test("with skip_nonfinite off a NaN propagates into the parameters, as in torch")
    func offPropagates() throws {
        for clip in [0.0, 1.0] {
            let (opt, params) = try makeOptimizer(.adam, [(.maxGradNorm, clip)], skip: false, Float.self)
            var g: [[Float]] = sizes.enumerated().map { gradient(0, $0, $1) }
            g[1][1] = .nan
            try step(opt, g)
            #expect(params[1].values[1].isNaN)
            if clip > 0 { #expect(try params[0].values.allSatisfy(\.isNaN) && opt.stepCount(param: 0) == 1) }   // the NaN norm scales everything
            #expect(try opt.skippedSteps() == 0 && !opt.lastStepSkipped())
            #expect(try opt.stepCount(param: 0) == 1)
        }
    }

    @Test("exact: huge finite fp64 gradients whose squares overflow the norm are not skipped")
    func hugeFiniteGradients() throws {
        let (opt, params) = try makeOptimizer(.sgd, [(.lr, 1), (.maxGradNorm, 1)], skip: true, Double.self)
        var g: [[Double]] = sizes.enumerated().map { gradient(0, $0, $1) }
        g[2][3] = 1e300
        try step(opt, g)
        #expect(try opt.lastGradNorm() == .infinity)
        #expect(try !opt.lastStepSkipped() && opt.skippedSteps() == 0)
        #expect(try opt.stepCount(param: 0) == 1)
        #expect(params[0].values.allSatisfy { !$0.isNaN })
        // Subnormals and the largest finite values are finite too.
        g[2][3] = .greatestFiniteMagnitude
        g[0][0] = .leastNonzeroMagnitude
        try step(opt, g)
        #expect(try !opt.lastStepSkipped())
    }

    @Test("large tensors split over threads: the same skip and the same bits at every thread count")
    func threads() throws {
        let n = 600_000, original = Runtime.threadCount
        defer { try? Runtime.setThreadCount(original) }
        var results: [[UInt8]] = []
        for threads in [1, 3, 8] {
            try Runtime.setThreadCount(threads)
            for position in [0, 300_001, n - 1] {
                let opt = Optimizer(algorithm: .adam)
                try opt.set(.skipNonfinite, 1)
                let p = Buffer<Float>((0..<n).map { Float($0 % 13) * 0.1 })
                try opt.addParam(p.raw, count: n, dtype: .float32)
                var g = (0..<n).map { Float($0 % 7) * 0.01 - 0.03 }
                try step(opt, [g])
                g[position] = .nan
                let before = bytes(p.values)
                try step(opt, [g])
                #expect(try bytes(p.values) == before && opt.lastStepSkipped(), "\(threads) threads, NaN at \(position)")
                g[position] = Float(position % 7) * 0.01 - 0.03
                try step(opt, [g])
                #expect(try opt.stepCount(param: 0) == 2 && opt.skippedSteps() == 1)
                results.append(bytes(p.values))
            }
        }
        #expect(Set(results).count == 1)
    }

    @Test("a skipped step advances the attached schedule, as torch's scheduler.step() after a skipped step")
    func schedules() throws {
        var s = Schedule(kind: .stepLR)
        try s.set(.stepSize, 1)
        try s.set(.gamma, 0.5)
        let (opt, params) = try makeOptimizer(.sgd, [(.lr, 1)], skip: true, Double.self)
        defer { withExtendedLifetime(params) {} }
        try opt.attachSchedule(s, group: 0)
        var g: [[Double]] = sizes.enumerated().map { gradient(0, $0, $1) }
        try step(opt, g)
        g[0][0] = .nan
        try step(opt, g)
        #expect(try opt.lastStepSkipped())
        #expect(try opt.scheduleAttachment(group: 0)?.step == 2)
        #expect(try opt.value(.lr) == 0.25)
    }

    @Test("skip_nonfinite is a boolean shared by every algorithm, off by default")
    func hyperparameter() throws {
        for algorithm in Algorithm.allCases {
            let spec = try #require(algorithm.spec(.skipNonfinite))
            #expect(spec.isBoolean && spec.defaultValue == 0)
            let opt = Optimizer(algorithm: algorithm)
            expectError(.outOfBounds, "\(algorithm.name) 0.5") { try opt.set(.skipNonfinite, 0.5) }
            expectError(.outOfBounds, "\(algorithm.name) NaN") { try opt.set(.skipNonfinite, .nan) }
            try opt.set(.skipNonfinite, 1)
            #expect(try opt.value(.skipNonfinite) == 1)
        }
        #expect(Hyperparameter.skipNonfinite.rawValue == 19 && Hyperparameter(name: "skip_nonfinite") == .skipNonfinite)
        let opt = Optimizer(algorithm: .sgd)
        expectError(.indexOutOfRange, "skippedSteps group 1") { _ = try opt.skippedSteps(group: 1) }
        expectError(.indexOutOfRange, "lastStepSkipped group -1") { _ = try opt.lastStepSkipped(group: -1) }
    }
}
