import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import SwiftOpt

// Regularization and clipping options shared by every algorithm, checked
// against their formulas written out by hand, and equivalences between them.

/// Runs `steps` library-owned steps of a configured optimizer on `params`
/// (fp64), the gradient of each step given by `grad(step, params)`.
private func run(_ algorithm: Algorithm, _ settings: [(Hyperparameter, Double)], _ params: [[Double]],
                 steps: Int = 1, grad: (Int, [[Double]]) -> [[Double]]) throws -> (params: [[Double]], opt: Optimizer) {
    let opt = Optimizer(algorithm: algorithm)
    for (hp, value) in settings { try opt.set(hp, value) }
    let buffers = params.map { values -> UnsafeMutableBufferPointer<Double> in
        let b = UnsafeMutableBufferPointer<Double>.allocate(capacity: values.count)
        _ = b.initialize(from: values)
        return b
    }
    defer { buffers.forEach { $0.deallocate() } }
    for b in buffers { try opt.addParam(UnsafeMutableRawPointer(b.baseAddress!), count: b.count, dtype: .float64) }
    for s in 0..<steps {
        let current = buffers.map { Array($0) }
        let grads = grad(s, current)
        try withPointers(grads) { try opt.step(grads: $0) }
    }
    return (buffers.map { Array($0) }, opt)
}

/// Calls `body` with stable pointers to each array's storage.
private func withPointers<R>(_ arrays: [[Double]], _ body: ([UnsafeRawPointer?]) throws -> R) throws -> R {
    let copies = arrays.map { values -> UnsafeMutableBufferPointer<Double> in
        let b = UnsafeMutableBufferPointer<Double>.allocate(capacity: values.count)
        _ = b.initialize(from: values)
        return b
    }
    defer { copies.forEach { $0.deallocate() } }
    return try body(copies.map { UnsafeRawPointer($0.baseAddress!) })
}

@Test func l1ProximalStepReachesExactZerosAndMatchesItsFormula() throws {
    let lr = 0.1, l1 = 0.5
    let p0: [Double] = [1.0, 0.02, -0.03, -2.0, 0.0]
    let g: [Double] = [0.5, -0.1, 0.2, 0.0, 0.0]
    let (result, _) = try run(.sgd, [(.lr, lr), (.l1, l1)], [p0]) { _, _ in [g] }
    // θ ← sign(θ')·max(|θ'| − γλ₁, 0) with θ' = θ − γg.
    let expected = zip(p0, g).map { p, gi -> Double in
        let t = p - lr * gi
        return t.sign == .minus ? -max(t.magnitude - lr * l1, 0) : max(t.magnitude - lr * l1, 0)
    }
    #expect(result[0] == expected)
    #expect(result[0][1] == 0 && result[0][2] == 0 && result[0][4] == 0)
}

@Test func sgdWithL1IsProximalGradientDescentAndFindsTheLassoSolution() throws {
    // Minimize ½‖θ − a‖² + λ₁‖θ‖₁: the solution is soft-thresholding,
    // θ* = sign(a)·max(|a| − λ₁, 0), with exact zeros where |a| < λ₁; proximal
    // gradient descent (ISTA) converges to it.
    let a: [Double] = [0.05, -0.04, 2.0, -3.0], l1 = 0.1
    let (result, _) = try run(.sgd, [(.lr, 0.05), (.l1, l1)], [[1, 1, 1, 1]], steps: 2000) { _, p in
        [zip(p[0], a).map { $0 - $1 }]
    }
    let solution = a.map { $0.sign == .minus ? -max($0.magnitude - l1, 0) : max($0.magnitude - l1, 0) }
    #expect(result[0][0] == 0 && result[0][1] == 0)
    for (x, y) in zip(result[0], solution) { #expect((x - y).magnitude <= 1e-12) }
}

@Test func decoupledWeightDecayMatchesItsFormulaForSGD() throws {
    let lr = 0.1, wd = 0.3
    let p0: [Double] = [1.5, -2.0], g: [Double] = [0.25, 0.5]
    let (result, _) = try run(.sgd, [(.lr, lr), (.weightDecay, wd), (.decoupledWeightDecay, 1)], [p0]) { _, _ in [g] }
    #expect(result[0] == zip(p0, g).map { p, gi in p * (1 - lr * wd) - lr * gi })
}

@Test func adamWithDecoupledWeightDecayIsAdamW() throws {
    let settings: [(Hyperparameter, Double)] = [(.lr, 0.01), (.weightDecay, 0.2), (.amsgrad, 1)]
    let grad: (Int, [[Double]]) -> [[Double]] = { s, p in [p[0].map { 2 * $0 + Double(s % 3) - 1 }] }
    let p0: [[Double]] = [[0.5, -1.0, 3.0]]
    let (adam, _) = try run(.adam, settings + [(.decoupledWeightDecay, 1)], p0, steps: 100, grad: grad)
    let (adamw, _) = try run(.adamw, settings, p0, steps: 100, grad: grad)
    #expect(adam == adamw)
}

@Test func maxGradNormScalesLikeTorchAndReportsTheNorm() throws {
    // Two tensors with global norm 5 clipped to 1: g·1/(5 + 1e-6).
    let (result, opt) = try run(.sgd, [(.lr, 1), (.maxGradNorm, 1)], [[0], [0]]) { _, _ in [[3], [4]] }
    let scale = 1 / (5 + 1e-6)
    #expect(result == [[-3 * scale], [-4 * scale]])
    #expect(try opt.lastGradNorm() == 5)
}

@Test func maxGradNormBelowTheNormDoesNothing() throws {
    let (result, opt) = try run(.sgd, [(.lr, 1), (.maxGradNorm, 10)], [[0], [0]]) { _, _ in [[3], [4]] }
    #expect(result == [[-3], [-4]])
    #expect(try opt.lastGradNorm() == 5)
}

@Test func gradNormIsNaNUntilAClippingStep() throws {
    let opt = Optimizer(algorithm: .adam)
    #expect(try opt.lastGradNorm().isNaN)
}

@Test func clipValueClampsEachElement() throws {
    let (result, _) = try run(.sgd, [(.lr, 1), (.clipValue, 1)], [[0, 0, 0, 0]]) { _, _ in [[-3, 0.5, 2, -1]] }
    #expect(result == [[1, -0.5, -1, 1]])
}

@Test(arguments: [Algorithm.sgd, .adagrad, .rmsprop, .adam, .adamw])
func inStepClippingEqualsStandaloneClippingThenStep(_ algorithm: Algorithm) throws {
    // Fused clipping must give bit-identical results to torch's sequence:
    // clip_grad_norm_ on the gradients, then an unclipped step.
    let grad: (Int, [[Double]]) -> [[Double]] = { s, p in
        [p[0].map { 3 * $0 + Double(s) }, p[1].map { -2 * $0 + 1 }]
    }
    let p0: [[Double]] = [[0.5, -1.0, 3.0], [2.0]]
    let (fused, _) = try run(algorithm, [(.lr, 0.01), (.maxGradNorm, 0.5)], p0, steps: 50, grad: grad)
    let (separate, _) = try run(algorithm, [(.lr, 0.01)], p0, steps: 50) { s, p in
        var g = grad(s, p)
        let n = g.map(\.count)
        var buffers = g.map { values -> UnsafeMutableBufferPointer<Double> in
            let b = UnsafeMutableBufferPointer<Double>.allocate(capacity: values.count)
            _ = b.initialize(from: values)
            return b
        }
        let pointers: [UnsafeMutableRawPointer?] = buffers.map { UnsafeMutableRawPointer($0.baseAddress!) }
        let counts = n.map(Int64.init)
        try! pointers.withUnsafeBufferPointer { ptrs in
            try counts.withUnsafeBufferPointer { cs in
                _ = try Clipping.clipGradNorm(ptrs, counts: cs, dtype: .float64, maxNorm: 0.5)
            }
        }
        g = buffers.map { Array($0) }
        buffers.forEach { $0.deallocate() }
        buffers = []
        return g
    }
    #expect(fused == separate)
}

/// Runs a standalone clipping function over fp64 arrays and returns them.
private func clip(_ arrays: [[Double]], _ body: (UnsafeBufferPointer<UnsafeMutableRawPointer?>, UnsafeBufferPointer<Int64>) throws -> Void) throws -> [[Double]] {
    let buffers = arrays.map { values -> UnsafeMutableBufferPointer<Double> in
        let b = UnsafeMutableBufferPointer<Double>.allocate(capacity: values.count)
        _ = b.initialize(from: values)
        return b
    }
    defer { buffers.forEach { $0.deallocate() } }
    let pointers: [UnsafeMutableRawPointer?] = buffers.map { UnsafeMutableRawPointer($0.baseAddress!) }
    let counts = arrays.map { Int64($0.count) }
    try pointers.withUnsafeBufferPointer { p in try counts.withUnsafeBufferPointer { c in try body(p, c) } }
    return buffers.map { Array($0) }
}

@Test(arguments: [(2.0, 13.0), (1.0, 19.0), (Double.infinity, 12.0), (3.0, 12.2070550)])
func clipGradNormUsesThePNormOfTheConcatenation(_ p: Double, _ approximateNorm: Double) throws {
    // Tensors [3, -4] and [12]: L2 = 13, L1 = 19, L∞ = 12, L3 = (27+64+1728)^(1/3).
    let grads: [[Double]] = [[3, -4], [12]]
    let flat = grads.flatMap { $0 }
    let norm: Double = p == .infinity ? flat.map(\.magnitude).max()!
        : p == 1 ? flat.map(\.magnitude).reduce(0, +)
        : p == 2 ? flat.map { $0 * $0 }.reduce(0, +).squareRoot()
        : pow(flat.map { pow($0.magnitude, p) }.reduce(0, +), 1 / p)
    #expect((norm - approximateNorm).magnitude < 1e-6)
    var total = 0.0
    let clipped = try clip(grads) { ptrs, counts in
        total = try Clipping.clipGradNorm(ptrs, counts: counts, dtype: .float64, maxNorm: 1, normType: p)
    }
    #expect(total == norm)
    let scale = min(1 / (norm + 1e-6), 1)
    #expect(clipped == grads.map { $0.map { $0 * scale } })
}

@Test func clipGradValueClamps() throws {
    let clipped = try clip([[-3, 0.5], [2, -0.25]]) { ptrs, counts in
        try Clipping.clipGradValue(ptrs, counts: counts, dtype: .float64, clipValue: 1)
    }
    #expect(clipped == [[-1, 0.5], [1, -0.25]])
}

@Test func clippingRejectsBadArguments() throws {
    for (maxNorm, normType) in [(-1.0, 2.0), (.nan, 2.0), (1.0, 0.5), (1.0, .nan)] {
        #expect(throws: OptimizerError.self) {
            _ = try clip([[1, 2]]) { p, c in
                _ = try Clipping.clipGradNorm(p, counts: c, dtype: .float64, maxNorm: maxNorm, normType: normType)
            }
        }
    }
    // Nothing changes on error.
    let unchanged = try clip([[5, 6]]) { p, c in
        _ = try? Clipping.clipGradNorm(p, counts: c, dtype: .float64, maxNorm: -1)
        _ = try? Clipping.clipGradValue(p, counts: c, dtype: .float64, clipValue: .infinity)
    }
    #expect(unchanged == [[5, 6]])
}

@Test func regularizationHyperparametersAreValidated() throws {
    let opt = Optimizer(algorithm: .sgd)
    for hp in [Hyperparameter.l1, .maxGradNorm, .clipValue] {
        #expect(throws: OptimizerError.self) { try opt.set(hp, -0.1) }
        #expect(throws: OptimizerError.self) { try opt.set(hp, .nan) }
        #expect(try opt.value(hp) == 0)
    }
    #expect(throws: OptimizerError.self) { try opt.set(.decoupledWeightDecay, 0.5) }
    // AdamW always decouples: it has no switch.
    #expect(throws: OptimizerError.self) { try Optimizer(algorithm: .adamw).set(.decoupledWeightDecay, 1) }
    #expect(Algorithm.adamw.spec(.decoupledWeightDecay) == nil)
    for algorithm in Algorithm.allCases {
        for hp in [Hyperparameter.l1, .maxGradNorm, .clipValue] {
            #expect(algorithm.spec(hp)?.defaultValue == 0)
        }
    }
}
