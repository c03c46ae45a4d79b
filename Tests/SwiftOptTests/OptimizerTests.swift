import Testing
import SwiftOpt

/// One setting per algorithm with all of its state tensors in use.
let fullStateSettings: [Settings] = [
    Settings(algorithm: .sgd, values: [.lr: 1e-3, .momentum: 0.9, .dampening: 0.1, .weightDecay: 1e-2]),
    Settings(algorithm: .adagrad, values: [.lr: 0.1, .lrDecay: 1e-2, .initialAccumulatorValue: 0.1]),
    Settings(algorithm: .rmsprop, values: [.lr: 1e-3, .momentum: 0.9, .centered: 1]),
    Settings(algorithm: .adam, values: [.lr: 1e-2, .amsgrad: 1, .weightDecay: 1e-2]),
    Settings(algorithm: .adamw, values: [.lr: 1e-2, .amsgrad: 1]),
]

extension Settings: CustomTestStringConvertible {
    var testDescription: String {
        algorithm.name + " " + algorithm.hyperparameters.compactMap { h in values[h].map { "\(h.name)=\($0)" } }
            .joined(separator: " ")
    }
}

/// Steps `fixture` (one parameter, on the quadratic's first n curvatures) `count` times.
func runQuadratic<T: TestScalar>(_ fixture: Fixture<T>, _ count: Int) throws {
    for _ in 0..<count {
        let x = fixture.params[0].values
        let g = (0..<x.count).map { T(Problem.curvatures[$0]) * x[$0] }
        try fixture.step([g])
    }
}

let start16 = Problem.quadratic.start

@Suite("Optimizer behaviour")
struct OptimizerTests {
    @Test("a changed lr applies from the next step", arguments: fullStateSettings)
    func changedLearningRate(_ settings: Settings) throws {
        let fixture = try Fixture<Double>(settings, [start16])
        var x = start16
        var state = ReferenceState<Double>(settings, count: x.count)
        var s = settings
        for k in 0..<10 {
            if k == 5 {
                s.values[.lr] = settings[.lr] * 0.25
                try fixture.optimizer.set(.lr, s[.lr])
            }
            let g = Problem.quadratic.gradient(x)
            Reference.step(s, &x, g, &state)
            try fixture.step([g])
            let deviation = relativeDeviation(fixture.params[0].values, x)
            #expect(deviation.error <= fp64Tolerance, "step \(k + 1): \(deviation)")
        }
        // And the change did matter: with the old lr throughout, the result differs.
        let unchanged = try Fixture<Double>(settings, [start16])
        try runQuadratic(unchanged, 10)
        #expect(unchanged.params[0].values != x)
    }

    @Test("a nil gradient skips its parameter: no update, no step, no state change", arguments: fullStateSettings)
    func nilGradient(_ settings: Settings) throws {
        let a: [Double] = [1, -2, 3], b: [Double] = [0.5, 0.25]
        let fixture = try Fixture<Double>(settings, [a, b])
        let before = try fixture.snapshot()
        try fixture.step([[0.1, 0.2, -0.3], nil])
        let after = try fixture.snapshot()
        #expect(after.params[1] == b)
        #expect(after.states[1] == before.states[1])
        #expect(after.steps == [1, 0])
        #expect(after.params[0] != a)

        // Its first real step is a first step (bias corrections at step 1, SGD's buffer = gradient).
        try fixture.step([nil, [0.3, -0.4]])
        var x = b
        var state = ReferenceState<Double>(settings, count: 2)
        Reference.step(settings, &x, [0.3, -0.4], &state)
        #expect(relativeDeviation(fixture.params[1].values, x).error <= fp64Tolerance)
        #expect(try fixture.optimizer.stepCount(param: 1) == 1)
        #expect(try fixture.optimizer.stepCount(param: 0) == 1)
    }

    @Test("checkpoint: getState/setState/stepCount restore the same continuation", arguments: fullStateSettings)
    func checkpoint(_ settings: Settings) throws {
        try checkpointRoundTrip(settings, as: Double.self)
        try checkpointRoundTrip(settings, as: Float.self)
    }

    func checkpointRoundTrip<T: TestScalar>(_ settings: Settings, as _: T.Type) throws {
        let initial = start16.map { T($0) }
        let uninterrupted = try Fixture<T>(settings, [initial])
        try runQuadratic(uninterrupted, 20)

        let first = try Fixture<T>(settings, [initial])
        try runQuadratic(first, 10)
        let saved = try first.snapshot()
        #expect(saved.steps == [10])

        // Restore into a fresh optimizer with the same hyperparameters.
        let restored = try Fixture<T>(settings, [saved.params[0]])
        for (kind, values) in saved.states[0] {
            try values.withUnsafeBytes {
                try restored.optimizer.setState(kind, param: 0, from: $0.baseAddress!, count: values.count)
            }
        }
        try restored.optimizer.setStepCount(saved.steps[0], param: 0)
        #expect(try restored.snapshot() == saved)
        try runQuadratic(restored, 10)
        #expect(restored.params[0].values == uninterrupted.params[0].values, "\(T.dtype.name)")
        #expect(try restored.snapshot().states == uninterrupted.snapshot().states, "\(T.dtype.name)")
        #expect(try restored.optimizer.stepCount(param: 0) == 20)

        // Without the state the continuation differs (the checkpoint matters).
        let fresh = try Fixture<T>(settings, [saved.params[0]])
        try runQuadratic(fresh, 10)
        #expect(fresh.params[0].values != uninterrupted.params[0].values)
    }

    @Test("library-owned state starts at torch's initial values")
    func initialState() throws {
        let fixture = try Fixture<Float>(Settings(algorithm: .adagrad, values: [.initialAccumulatorValue: 0.25]), [[1, 2, 3]])
        #expect(try fixture.snapshot().states[0][.sum] == [0.25, 0.25, 0.25])
        let adam = try Fixture<Double>(Settings(algorithm: .adam, values: [.amsgrad: 1]), [[1, 2]])
        #expect(try adam.snapshot().states[0] == [.expAvg: [0, 0], .expAvgSq: [0, 0], .maxExpAvgSq: [0, 0]])
        #expect(try adam.optimizer.stepCount(param: 0) == 0)
        #expect(try adam.optimizer.paramInfo(0) == (0, .float64, 2))
        #expect(adam.optimizer.paramCount == 1)
    }

    @Test("errors on bad input leave parameters and state unchanged")
    func errorsChangeNothing() throws {
        let settings = Settings(algorithm: .adam, values: [.amsgrad: 1])
        let fixture = try Fixture<Double>(settings, [[1, 2, 3], [4, 5]])
        try fixture.step([[0.1, 0.2, 0.3], [0.4, 0.5]])
        let o = fixture.optimizer
        let before = try fixture.snapshot()
        func unchanged(_ what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            #expect(try fixture.snapshot() == before, "\(what) changed the optimizer", sourceLocation: sourceLocation)
        }

        expectError(.sizeMismatch, "one gradient for two parameters") { try fixture.step([[0.1, 0.2, 0.3]]) }
        try unchanged("a short gradient list")
        expectError(.sizeMismatch, "three gradients for two parameters") { try fixture.step([[1, 1, 1], [1, 1], [1]]) }
        try unchanged("a long gradient list")

        // A misaligned gradient for parameter 1: parameter 0 must not be stepped either.
        let g0 = Buffer<Double>([1, 1, 1]), g1 = Buffer<Double>([0, 1, 1, 1])
        expectError(.invalidArgument, "misaligned gradient") {
            try o.step(grads: [UnsafeRawPointer(g0.raw), UnsafeRawPointer(g1.raw + 1)])
        }
        try unchanged("a misaligned gradient")

        let p = Buffer<Double>([1, 2])
        expectError(.invalidArgument, "addParam count 0") { try o.addParam(p.raw, count: 0, dtype: .float64) }
        expectError(.invalidArgument, "addParam count -1") { try o.addParam(p.raw, count: -1, dtype: .float64) }
        expectError(.invalidArgument, "addParam misaligned") { try o.addParam(p.raw + 4, count: 1, dtype: .float64) }
        expectError(.invalidArgument, "addParam count overflow") { try o.addParam(p.raw, count: Int.max, dtype: .float64) }
        expectError(.indexOutOfRange, "addParam group 3") { try o.addParam(p.raw, count: 2, dtype: .float64, group: 3) }
        #expect(o.paramCount == 2)
        try unchanged("a failed addParam")

        var out = [Double](repeating: 0, count: 3)
        out.withUnsafeMutableBytes { raw in
            expectError(.unknownState, "momentum_buffer of adam") { try o.getState(.momentumBuffer, param: 0, into: raw.baseAddress!, count: 3) }
            expectError(.sizeMismatch, "getState count 2 for 3") { try o.getState(.expAvg, param: 0, into: raw.baseAddress!, count: 2) }
            expectError(.indexOutOfRange, "getState param 2") { try o.getState(.expAvg, param: 2, into: raw.baseAddress!, count: 3) }
            expectError(.indexOutOfRange, "getState param -1") { try o.getState(.expAvg, param: -1, into: raw.baseAddress!, count: 3) }
            expectError(.invalidArgument, "getState misaligned") { try o.getState(.expAvg, param: 0, into: raw.baseAddress! + 1, count: 3) }
            expectError(.sizeMismatch, "setState count 2 for 3") { try o.setState(.expAvg, param: 0, from: raw.baseAddress!, count: 2) }
            expectError(.unknownState, "setState sum of adam") { try o.setState(.sum, param: 0, from: raw.baseAddress!, count: 3) }
        }
        expectError(.invalidArgument, "setStepCount -1") { try o.setStepCount(-1, param: 0) }
        try unchanged("a failed setStepCount")
        // A step count that cannot be incremented: the step is refused, nothing moves.
        try o.setStepCount(.max, param: 1)
        let atMax = try fixture.snapshot()
        expectError(.invalidArgument, "step at INT64_MAX") { try fixture.step([[1, 1, 1], [1, 1]]) }
        #expect(try fixture.snapshot() == atMax, "a refused step changed the optimizer")
        try o.setStepCount(before.steps[1], param: 1)
        expectError(.indexOutOfRange, "setStepCount param 5") { try o.setStepCount(3, param: 5) }
        expectError(.indexOutOfRange, "stepCount param 2") { _ = try o.stepCount(param: 2) }
        expectError(.indexOutOfRange, "paramInfo param 2") { _ = try o.paramInfo(2) }
        expectError(.indexOutOfRange, "stateKinds group 1") { _ = try o.stateKinds(group: 1) }
        expectError(.outOfBounds, "lr = nan") { try o.set(.lr, .nan) }
        try unchanged("failed state accessors")

        let empty = Optimizer(algorithm: .sgd)
        expectError(.noParameters, "step before any parameter") { try empty.step(grads: [UnsafeRawPointer?]()) }
    }

    @Test("caller-owned: errors leave every buffer unchanged")
    func callerOwnedErrors() throws {
        let o = Optimizer(algorithm: .rmsprop)
        try o.set(.momentum, 0.9)
        let kinds = try o.stateKinds()   // square_avg, momentum_buffer
        #expect(kinds.count == 2)
        let params = [Buffer<Float>([1, 2, 3]), Buffer<Float>([4, 5])]
        let grads = [Buffer<Float>([0.1, 0.2, 0.3]), Buffer<Float>([0.4, 0.5])]
        let states = (0..<4).map { i in Buffer<Float>([Float](repeating: 0.5, count: i < 2 ? 3 : 2)) }
        var steps: [Int64] = [3, 3]

        func call(params pp: [UnsafeMutableRawPointer?]? = nil, grads gg: [UnsafeRawPointer?]? = nil,
                  counts cc: [Int64] = [3, 2], states ss: [UnsafeMutableRawPointer?]? = nil,
                  perTensor: Int = 2, steps st: [Int64]? = nil, group: Int = 0, dtype: DType = .float32) throws {
            let pp = pp ?? params.map { Optional($0.raw) }
            let gg = gg ?? grads.map { Optional(UnsafeRawPointer($0.raw)) }
            let ss = ss ?? states.map { Optional($0.raw) }
            var st = st ?? steps
            try pp.withUnsafeBufferPointer { p in
                try gg.withUnsafeBufferPointer { g in
                    try cc.withUnsafeBufferPointer { c in
                        try ss.withUnsafeBufferPointer { s in
                            try st.withUnsafeMutableBufferPointer { t in
                                try o.stepTensors(group: group, dtype: dtype, params: p, grads: g, counts: c,
                                                  states: s, statesPerTensor: perTensor, steps: t)
                                if t.count == steps.count { steps = Array(t) }   // read back only on success
                            }
                        }
                    }
                }
            }
        }
        func snapshot() -> [[Float]] { (params + states).map(\.values) + [steps.map(Float.init)] }
        let before = snapshot()
        func unchanged(_ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(snapshot() == before, "\(what) changed a buffer", sourceLocation: sourceLocation)
        }

        expectError(.invalidArgument, "no tensors") { try call(params: [], grads: [], counts: [], states: [], steps: []) }
        expectError(.sizeMismatch, "one grad for two params") { try call(grads: [UnsafeRawPointer(grads[0].raw)]) }
        expectError(.sizeMismatch, "one count for two params") { try call(counts: [3]) }
        expectError(.sizeMismatch, "one step count for two params") { try call(steps: [0]) }
        expectError(.sizeMismatch, "states_per_tensor 1 for 2") { try call(perTensor: 1) }
        expectError(.sizeMismatch, "three states for two tensors") { try call(states: Array(states.map { Optional($0.raw) }.prefix(3))) }
        expectError(.nullPointer, "NULL param of tensor 1") { try call(params: [params[0].raw, nil]) }
        expectError(.nullPointer, "NULL grad of tensor 1") { try call(grads: [UnsafeRawPointer(grads[0].raw), nil]) }
        expectError(.nullPointer, "NULL state of tensor 1") { try call(states: states.map { Optional($0.raw) }.dropLast() + [nil]) }
        expectError(.invalidArgument, "count 0 for tensor 1") { try call(counts: [3, 0]) }
        expectError(.invalidArgument, "count -5 for tensor 1") { try call(counts: [3, -5]) }
        expectError(.invalidArgument, "count Int64.max") { try call(counts: [3, .max]) }
        expectError(.invalidArgument, "negative step of tensor 1") { try call(steps: [3, -1]) }
        expectError(.invalidArgument, "step count that cannot be incremented") { try call(steps: [3, .max]) }
        expectError(.invalidArgument, "misaligned param of tensor 1") { try call(params: [params[0].raw, params[1].raw + 2]) }
        expectError(.invalidArgument, "misaligned state of tensor 1") {
            try call(states: states.map { Optional($0.raw) }.dropLast() + [states[3].raw + 1])
        }
        expectError(.indexOutOfRange, "group 1") { try call(group: 1) }
        unchanged("a failed stepTensors")

        // The same call, well-formed, steps both tensors and counts the steps.
        try call()
        #expect(steps == [4, 4])
        #expect(params[0].values != [1, 2, 3])
        #expect(params[1].values != [4, 5])
    }

    @Test("fp32 and fp64 parameters side by side in one optimizer")
    func mixedDTypes() throws {
        let o = Optimizer(algorithm: .sgd)
        try o.set(.lr, 0.5)
        let f = Buffer<Float>([1, 2]), d = Buffer<Double>([3])
        try o.addParam(f.raw, count: 2, dtype: .float32)
        try o.addParam(d.raw, count: 1, dtype: .float64)
        let gf = Buffer<Float>([1, 1]), gd = Buffer<Double>([2])
        try o.step(grads: [UnsafeRawPointer(gf.raw), UnsafeRawPointer(gd.raw)])
        #expect(f.values == [0.5, 1.5])
        #expect(d.values == [2])
    }
}
