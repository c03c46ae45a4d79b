import Testing
@testable import SwiftOpt
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Loss functions and penalties against independent references: naive direct
// formulas in Double (torch.nn.functional's definitions, composed as torch
// composes them), central finite differences of those references for the
// gradients, extreme inputs, and every error path (right kind, nothing
// written).

// MARK: - Support


/// Deterministic SplitMix64 numbers.
struct Numbers {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [lo, hi).
    mutating func uniform(_ lo: Double, _ hi: Double) -> Double {
        lo + (hi - lo) * Double(next() >> 11) / Double(1 << 53)
    }
    mutating func array(_ n: Int, _ lo: Double, _ hi: Double) -> [Double] {
        (0..<n).map { _ in uniform(lo, hi) }
    }
    mutating func classes(_ n: Int, _ c: Int) -> [Int64] {
        (0..<n).map { _ in Int64(next() % UInt64(c)) }
    }
}

/// Values rounded to T and back, so that references see the inputs the
/// library sees.
func rounded<T: TestScalar>(_ values: [Double], _: T.Type) -> [Double] { values.map { Double(T($0)) } }

/// The largest |a_i - b_i| relative to max(max |b_i|, floor).
func relativeError(_ a: [Double], _ b: [Double], floor: Double = 1e-300) -> Double {
    guard a.count == b.count else { return .infinity }
    let scale = Swift.max(b.map { Swift.abs($0) }.max() ?? 0, floor)
    var worst = 0.0
    for (x, y) in zip(a, b) {
        if x.isNaN != y.isNaN { return .infinity }
        if x.isNaN || x == y { continue }
        worst = Swift.max(worst, Swift.abs(x - y) / scale)
    }
    return worst
}

/// Tolerance for results rounded once to T (plus slack for the reference's
/// own rounding).
func tolerance<T: TestScalar>(_: T.Type) -> Double { T.self == Float.self ? 3e-7 : 1e-13 }

/// What a loss call produced.
struct Output {
    var loss: [Double]
    var grad: [Double]?
}

/// Sentinel written into output buffers to detect writes.
let sentinel = -12345.0

/// Calls `body` with the `inputs` converted to T in freshly allocated
/// (aligned) buffers (nil stays nil), an output buffer of `lossCount`
/// elements and, when `gradCount` is given, a gradient buffer; both filled
/// with the sentinel first.
func invoke<T: TestScalar>(
    _: T.Type, _ inputs: [[Double]?], lossCount: Int, gradCount: Int?,
    _ body: ([UnsafeRawPointer?], UnsafeMutableRawPointer, UnsafeMutableRawPointer?) throws -> Void
) throws -> Output {
    let buffers: [UnsafeMutablePointer<T>?] = inputs.map { values in
        values.map { v in
            let p = UnsafeMutablePointer<T>.allocate(capacity: Swift.max(v.count, 1))
            for (i, x) in v.enumerated() { (p + i).initialize(to: T(x)) }
            return p
        }
    }
    let loss = UnsafeMutablePointer<T>.allocate(capacity: lossCount)
    loss.initialize(repeating: T(sentinel), count: lossCount)
    let grad = gradCount.map { n -> UnsafeMutablePointer<T> in
        let p = UnsafeMutablePointer<T>.allocate(capacity: n)
        p.initialize(repeating: T(sentinel), count: n)
        return p
    }
    defer {
        for b in buffers { b?.deallocate() }
        loss.deallocate()
        grad?.deallocate()
    }
    try body(buffers.map { $0.map { UnsafeRawPointer($0) } }, UnsafeMutableRawPointer(loss),
             grad.map { UnsafeMutableRawPointer($0) })
    return Output(loss: (0..<lossCount).map { Double(loss[$0]) },
                  grad: gradCount.map { n in (0..<n).map { Double(grad![$0]) } })
}

/// Reduces per-element losses as torch does.
func reduce(_ losses: [Double], _ reduction: Reduction, denominator: Double? = nil) -> [Double] {
    switch reduction {
    case .none: return losses
    case .sum: return [losses.reduce(0, +)]
    case .mean: return [losses.reduce(0, +) / (denominator ?? Double(losses.count))]
    }
}

/// Central finite differences of Σ f(x) (the gradient convention of every
/// reduction, 'none' included).
func numericalGradient(_ x: [Double], _ f: ([Double]) -> [Double]) -> [Double] {
    (0..<x.count).map { i in
        let h = 1e-6 * Swift.max(1, Swift.abs(x[i]))
        var up = x, down = x
        up[i] += h
        down[i] -= h
        return (f(up).reduce(0, +) - f(down).reduce(0, +)) / (2 * h)
    }
}

/// Expects `body` to throw an OptimizerError of `kind`.
func expectError(_ kind: OptimizerError.Kind, _ what: Comment, _ body: () throws -> Void,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        try body()
        Issue.record("\(what): no error thrown", sourceLocation: sourceLocation)
    } catch let error as OptimizerError {
        #expect(error.kind == kind, "\(what): \(error.message)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("\(what): unexpected error \(error)", sourceLocation: sourceLocation)
    }
}

let reductions: [Reduction] = [.none, .mean, .sum]

// MARK: - Element-wise losses

/// An element-wise loss under test: the library call and a naive reference
/// (loss and gradient of one element), plus where its kinks are.
struct ElementwiseCase {
    var name: String
    var call: (DType, Int, UnsafeRawPointer, UnsafeRawPointer, Reduction, UnsafeMutableRawPointer,
               UnsafeMutableRawPointer?) throws -> Void
    var reference: (Double, Double) -> (loss: Double, grad: Double)
    /// Distance of (x, y) to the nearest kink, where finite differences fail.
    var kinkDistance: (Double, Double) -> Double = { _, _ in .infinity }
    var signTargets = false
}

func elementwiseCases() -> [ElementwiseCase] {
    var cases: [ElementwiseCase] = [
        ElementwiseCase(name: "mse_loss", call: { try mseLoss(dtype: $0, count: $1, input: $2, target: $3, reduction: $4, loss: $5, grad: $6) },
                        reference: { x, y in (pow(x - y, 2), 2 * (x - y)) }),
        ElementwiseCase(name: "l1_loss", call: { try l1Loss(dtype: $0, count: $1, input: $2, target: $3, reduction: $4, loss: $5, grad: $6) },
                        reference: { x, y in (Swift.abs(x - y), x > y ? 1 : (x < y ? -1 : 0)) },
                        kinkDistance: { x, y in Swift.abs(x - y) }),
        ElementwiseCase(name: "hinge_loss", call: { try hingeLoss(dtype: $0, count: $1, input: $2, target: $3, reduction: $4, loss: $5, grad: $6) },
                        reference: { x, y in 1 - y * x > 0 ? (1 - y * x, -y) : (0, 0) },
                        kinkDistance: { x, y in Swift.abs(1 - y * x) }, signTargets: true),
    ]
    for delta in [0.5, 1.0, 2.5] {
        cases.append(ElementwiseCase(
            name: "huber_loss(delta: \(delta))",
            call: { try huberLoss(dtype: $0, count: $1, input: $2, target: $3, delta: delta, reduction: $4, loss: $5, grad: $6) },
            reference: { x, y in
                let d = x - y
                return Swift.abs(d) < delta ? (0.5 * d * d, d) : (delta * (Swift.abs(d) - 0.5 * delta), d > 0 ? delta : -delta)
            },
            kinkDistance: { x, y in Swift.abs(Swift.abs(x - y) - delta) }))
    }
    for beta in [0.0, 0.5, 1.0, 2.5] {
        cases.append(ElementwiseCase(
            name: "smooth_l1_loss(beta: \(beta))",
            call: { try smoothL1Loss(dtype: $0, count: $1, input: $2, target: $3, beta: beta, reduction: $4, loss: $5, grad: $6) },
            reference: { x, y in
                let d = x - y
                if Swift.abs(d) < beta { return (0.5 * d * d / beta, d / beta) }
                return (Swift.abs(d) - 0.5 * beta, d > 0 ? 1 : (d < 0 ? -1 : 0))
            },
            kinkDistance: { x, y in Swift.min(Swift.abs(Swift.abs(x - y) - beta), Swift.abs(x - y)) }))
    }
    return cases
}

@Suite struct ElementwiseLossTests {
    func check<T: TestScalar>(_ c: ElementwiseCase, _: T.Type) throws {
        var numbers = Numbers(42)
        let n = 203
        let x = rounded(numbers.array(n, -4, 4), T.self)
        let y = c.signTargets ? (0..<n).map { _ in numbers.next() % 2 == 0 ? -1.0 : 1.0 }
                              : rounded(numbers.array(n, -4, 4), T.self)
        let perElement = zip(x, y).map { c.reference($0, $1) }
        for reduction in reductions {
            let out = try invoke(T.self, [x, y], lossCount: reduction == .none ? n : 1, gradCount: n) { b, l, g in
                try c.call(T.dtype, n, b[0]!, b[1]!, reduction, l, g)
            }
            let expected = reduce(perElement.map(\.loss), reduction)
            #expect(relativeError(out.loss, expected) <= tolerance(T.self), "\(c.name) \(reduction.name) \(T.dtype.name) loss")
            let scale = reduction == .mean ? 1 / Double(n) : 1
            let expectedGrad = perElement.map { $0.grad * scale }
            #expect(relativeError(out.grad!, expectedGrad) <= tolerance(T.self), "\(c.name) \(reduction.name) \(T.dtype.name) grad")
            // The gradient is that of the reduced loss (of the sum for 'none').
            let numerical = numericalGradient(x) { xs in reduce(zip(xs, y).map { c.reference($0, $1).loss }, reduction) }
            let smooth = (0..<n).filter { c.kinkDistance(x[$0], y[$0]) > 1e-4 }
            #expect(smooth.count > n / 2)
            #expect(relativeError(smooth.map { out.grad![$0] }, smooth.map { numerical[$0] }, floor: 1e-3) <= 1e-6,
                    "\(c.name) \(reduction.name) \(T.dtype.name) finite differences")
            // No gradient buffer: the same loss, nothing else.
            let lossOnly = try invoke(T.self, [x, y], lossCount: reduction == .none ? n : 1, gradCount: nil) { b, l, _ in
                try c.call(T.dtype, n, b[0]!, b[1]!, reduction, l, nil)
            }
            #expect(lossOnly.loss == out.loss)
        }
    }

    @Test func float64() throws { for c in elementwiseCases() { try check(c, Double.self) } }
    @Test func float32() throws { for c in elementwiseCases() { try check(c, Float.self) } }

    @Test func kinks() throws {
        // l1 and smooth_l1(beta: 0): sign(0) = 0; huber at |d| = delta: both
        // pieces agree; hinge at the margin: loss 0, subgradient 0.
        let l1 = try invoke(Double.self, [[1, 2, 3], [1, 2.5, 2]], lossCount: 3, gradCount: 3) { b, l, g in
            try l1Loss(dtype: .float64, count: 3, input: b[0]!, target: b[1]!, reduction: .none, loss: l, grad: g)
        }
        #expect(l1.loss == [0, 0.5, 1])
        #expect(l1.grad == [0, -1, 1])
        let s = try invoke(Double.self, [[1, 2, 3], [1, 2.5, 2]], lossCount: 3, gradCount: 3) { b, l, g in
            try smoothL1Loss(dtype: .float64, count: 3, input: b[0]!, target: b[1]!, beta: 0, reduction: .none, loss: l, grad: g)
        }
        #expect(s.loss == l1.loss && s.grad == l1.grad)
        let h = try invoke(Double.self, [[2, -2], [0, 0]], lossCount: 2, gradCount: 2) { b, l, g in
            try huberLoss(dtype: .float64, count: 2, input: b[0]!, target: b[1]!, delta: 2, reduction: .none, loss: l, grad: g)
        }
        #expect(h.loss == [2, 2])
        #expect(h.grad == [2, -2])
        let hinge = try invoke(Double.self, [[1, -1, 0.5, 3], [1, -1, 1, -1]], lossCount: 4, gradCount: 4) { b, l, g in
            try hingeLoss(dtype: .float64, count: 4, input: b[0]!, target: b[1]!, reduction: .none, loss: l, grad: g)
        }
        #expect(hinge.loss == [0, 0, 0.5, 4])
        #expect(hinge.grad == [0, 0, -1, 1])
    }

    @Test func documentationExample() throws {
        // The example at the top of Losses.swift, verbatim.
        let x: [Float] = [0.5, 2], y: [Float] = [1, 1]
        var loss: Float = 0, grad: [Float] = [0, 0]
        try x.withUnsafeBytes { x in try y.withUnsafeBytes { y in
            try withUnsafeMutableBytes(of: &loss) { l in try grad.withUnsafeMutableBytes { g in
                try mseLoss(dtype: .float32, count: 2, input: x.baseAddress!, target: y.baseAddress!,
                            loss: l.baseAddress!, grad: g.baseAddress)     // loss 0.625, grad [-0.5, 1]
            } }
        } }
        #expect(loss == 0.625)
        #expect(grad == [-0.5, 1])
    }

    @Test func nanPropagates() throws {
        for c in elementwiseCases() {
            let out = try invoke(Double.self, [[.nan, 1], [1, 1]], lossCount: 1, gradCount: 2) { b, l, g in
                try c.call(.float64, 2, b[0]!, b[1]!, .sum, l, g)
            }
            #expect(out.loss[0].isNaN, "\(c.name)")
            #expect(out.grad![0].isNaN, "\(c.name)")
        }
    }
}

// MARK: - Binary cross-entropy with logits

/// torch's definition, naively: -w·[pw·y·log σ(x) + (1 - y)·log(1 - σ(x))].
func referenceBCE(_ x: [Double], _ y: [Double], _ w: [Double]?, _ pw: [Double]?, c: Int) -> [Double] {
    (0..<x.count).map { i in
        let s = 1 / (1 + exp(-x[i]))
        let p = pw?[i % c] ?? 1
        return -(w?[i] ?? 1) * (p * y[i] * log(s) + (1 - y[i]) * log(1 - s))
    }
}

@Suite struct BinaryCrossEntropyTests {
    func check<T: TestScalar>(_: T.Type) throws {
        var numbers = Numbers(7)
        for (n, c) in [(50, 1), (20, 3)] {
            for (useWeight, usePosWeight) in [(false, false), (true, false), (false, true), (true, true)] {
                let x = rounded(numbers.array(n * c, -6, 6), T.self)
                var y = rounded(numbers.array(n * c, 0, 1), T.self)
                y[0] = 0
                y[1] = 1
                let w = useWeight ? rounded(numbers.array(n * c, 0.2, 2), T.self) : nil
                let pw = usePosWeight ? rounded(numbers.array(c, 0.5, 3), T.self) : nil
                let perElement = referenceBCE(x, y, w, pw, c: c)
                for reduction in reductions {
                    let out = try invoke(T.self, [x, y, w, pw], lossCount: reduction == .none ? n * c : 1, gradCount: n * c) { b, l, g in
                        try binaryCrossEntropyWithLogits(dtype: T.dtype, samples: n, classes: c, input: b[0]!, target: b[1]!,
                                                         weight: b[2], posWeight: b[3], reduction: reduction, loss: l, grad: g)
                    }
                    let label = "bce \(n)x\(c) w=\(useWeight) pw=\(usePosWeight) \(reduction.name) \(T.dtype.name)"
                    #expect(relativeError(out.loss, reduce(perElement, reduction)) <= 10 * tolerance(T.self), "\(label) loss")
                    let numerical = numericalGradient(x) { reduce(referenceBCE($0, y, w, pw, c: c), reduction) }
                    #expect(relativeError(out.grad!, numerical) <= 1e-6, "\(label) grad")
                }
            }
        }
    }

    @Test func float64() throws { try check(Double.self) }
    @Test func float32() throws { try check(Float.self) }

    @Test func extremeLogitsAreFinite() throws {
        // Logits ±1e4 with targets exactly 0 and 1: the losses are |x| or 0,
        // the gradients σ(x) - y exactly.
        let x = [1e4, -1e4, 1e4, -1e4], y = [0.0, 1, 1, 0]
        for useFloat in [false, true] {
            func run<T: TestScalar>(_: T.Type) throws -> Output {
                try invoke(T.self, [x, y], lossCount: 4, gradCount: 4) { b, l, g in
                    try binaryCrossEntropyWithLogits(dtype: T.dtype, samples: 4, classes: 1, input: b[0]!, target: b[1]!,
                                                     reduction: .none, loss: l, grad: g)
                }
            }
            let out = useFloat ? try run(Float.self) : try run(Double.self)
            #expect(out.loss == [1e4, 1e4, 0, 0])
            #expect(out.grad == [1, -1, 0, 0])
        }
    }
}

// MARK: - Cross-entropy and NLL

/// log_softmax of each row, naively (exp, sum, divide, log).
func referenceLogSoftmax(_ x: [Double], c: Int) -> [Double] {
    var out = x
    for i in 0..<(x.count / c) {
        let row = x[(i * c)..<((i + 1) * c)]
        let z = row.map { exp($0) }.reduce(0, +)
        for j in 0..<c { out[i * c + j] = log(exp(x[i * c + j]) / z) }
    }
    return out
}

/// torch's nll_loss on log-probabilities.
func referenceNLL(_ logp: [Double], c: Int, _ t: [Int64], _ w: [Double]?, ignore: Int64, _ r: Reduction) -> [Double] {
    var losses: [Double] = [], total = 0.0
    for (i, ti) in t.enumerated() {
        if ti == ignore { losses.append(0); continue }
        let wt = w?[Int(ti)] ?? 1
        losses.append(-wt * logp[i * c + Int(ti)])
        total += wt
    }
    return reduce(losses, r, denominator: total)
}

/// torch's cross_entropy_loss_label_smoothing composition: (1 - ε)·nll +
/// ε/C·smooth, each reduced on its own.
func referenceCrossEntropy(_ x: [Double], c: Int, _ t: [Int64], _ w: [Double]?, ignore: Int64, eps: Double,
                           _ r: Reduction) -> [Double] {
    let logp = referenceLogSoftmax(x, c: c)
    let nll = referenceNLL(logp, c: c, t, w, ignore: ignore, r)
    var smooth: [Double] = [], total = 0.0
    for (i, ti) in t.enumerated() {
        if ti == ignore { smooth.append(0); continue }
        smooth.append(-(0..<c).map { (w?[$0] ?? 1) * logp[i * c + $0] }.reduce(0, +))
        total += w?[Int(ti)] ?? 1
    }
    let reduced = reduce(smooth, r, denominator: total)
    return zip(nll, reduced).map { (1 - eps) * $0 + eps / Double(c) * $1 }
}

/// torch's cross_entropy_loss_prob_target.
func referenceCrossEntropyProbs(_ x: [Double], c: Int, _ y: [Double], _ w: [Double]?, eps: Double,
                                _ r: Reduction) -> [Double] {
    let logp = referenceLogSoftmax(x, c: c)
    let n = x.count / c
    let losses = (0..<n).map { i in
        -(0..<c).map { j in
            let target = eps > 0 ? y[i * c + j] * (1 - eps) + eps / Double(c) : y[i * c + j]
            return (w?[j] ?? 1) * target * logp[i * c + j]
        }.reduce(0, +)
    }
    return reduce(losses, r, denominator: Double(n))
}

@Suite struct CrossEntropyTests {
    func check<T: TestScalar>(_: T.Type) throws {
        var numbers = Numbers(11)
        let n = 24, c = 5
        for useWeight in [false, true] {
            for ignore in [Int64(-100), 2] {
                for eps in [0.0, 0.1, 1.0] {
                    let x = rounded(numbers.array(n * c, -5, 5), T.self)
                    var t = numbers.classes(n, c)
                    t[3] = ignore
                    t[7] = ignore
                    let w = useWeight ? rounded(numbers.array(c, 0.2, 2), T.self) : nil
                    for reduction in reductions {
                        let out = try t.withUnsafeBufferPointer { tb in
                            try invoke(T.self, [x, w], lossCount: reduction == .none ? n : 1, gradCount: n * c) { b, l, g in
                                try crossEntropy(dtype: T.dtype, samples: n, classes: c, input: b[0]!, target: tb.baseAddress!,
                                                 weight: b[1], ignoreIndex: ignore, labelSmoothing: eps,
                                                 reduction: reduction, loss: l, grad: g)
                            }
                        }
                        let label = "cross_entropy w=\(useWeight) ignore=\(ignore) eps=\(eps) \(reduction.name) \(T.dtype.name)"
                        let expected = referenceCrossEntropy(x, c: c, t, w, ignore: ignore, eps: eps, reduction)
                        #expect(relativeError(out.loss, expected) <= 10 * tolerance(T.self), "\(label) loss")
                        let numerical = numericalGradient(x) {
                            referenceCrossEntropy($0, c: c, t, w, ignore: ignore, eps: eps, reduction)
                        }
                        #expect(relativeError(out.grad!, numerical) <= 1e-6, "\(label) grad")
                        for i in 0..<n where t[i] == ignore {
                            #expect(out.grad![(i * c)..<((i + 1) * c)].allSatisfy { $0 == 0 }, "\(label) ignored row")
                        }
                    }
                }
            }
        }
    }

    func checkProbabilities<T: TestScalar>(_: T.Type) throws {
        var numbers = Numbers(13)
        let n = 16, c = 6
        for useWeight in [false, true] {
            for eps in [0.0, 0.2, 1.0] {
                let x = rounded(numbers.array(n * c, -5, 5), T.self)
                var y = numbers.array(n * c, 0, 1)
                for i in 0..<n {
                    let s = y[(i * c)..<((i + 1) * c)].reduce(0, +)
                    for j in 0..<c { y[i * c + j] /= s }
                }
                for j in 0..<c { y[j] = j == 2 ? 1 : 0 }  // a one-hot row: exact 0 and 1 targets
                y = rounded(y, T.self)
                let w = useWeight ? rounded(numbers.array(c, 0.2, 2), T.self) : nil
                for reduction in reductions {
                    let out = try invoke(T.self, [x, y, w], lossCount: reduction == .none ? n : 1, gradCount: n * c) { b, l, g in
                        try crossEntropy(dtype: T.dtype, samples: n, classes: c, input: b[0]!, targetProbabilities: b[1]!,
                                         weight: b[2], labelSmoothing: eps, reduction: reduction, loss: l, grad: g)
                    }
                    let label = "cross_entropy(probs) w=\(useWeight) eps=\(eps) \(reduction.name) \(T.dtype.name)"
                    let expected = referenceCrossEntropyProbs(x, c: c, y, w, eps: eps, reduction)
                    #expect(relativeError(out.loss, expected) <= 10 * tolerance(T.self), "\(label) loss")
                    let numerical = numericalGradient(x) { referenceCrossEntropyProbs($0, c: c, y, w, eps: eps, reduction) }
                    #expect(relativeError(out.grad!, numerical) <= 1e-6, "\(label) grad")
                }
            }
        }
    }

    func checkNLL<T: TestScalar>(_: T.Type) throws {
        var numbers = Numbers(17)
        let n = 30, c = 4
        for useWeight in [false, true] {
            for ignore in [Int64(-100), 0] {
                let x = rounded(referenceLogSoftmax(numbers.array(n * c, -3, 3), c: c), T.self)
                var t = numbers.classes(n, c)
                t[5] = ignore
                let w = useWeight ? rounded(numbers.array(c, 0.2, 2), T.self) : nil
                for reduction in reductions {
                    let out = try t.withUnsafeBufferPointer { tb in
                        try invoke(T.self, [x, w], lossCount: reduction == .none ? n : 1, gradCount: n * c) { b, l, g in
                            try nllLoss(dtype: T.dtype, samples: n, classes: c, input: b[0]!, target: tb.baseAddress!,
                                        weight: b[1], ignoreIndex: ignore, reduction: reduction, loss: l, grad: g)
                        }
                    }
                    let label = "nll_loss w=\(useWeight) ignore=\(ignore) \(reduction.name) \(T.dtype.name)"
                    #expect(relativeError(out.loss, referenceNLL(x, c: c, t, w, ignore: ignore, reduction)) <= tolerance(T.self),
                            "\(label) loss")
                    let numerical = numericalGradient(x) { referenceNLL($0, c: c, t, w, ignore: ignore, reduction) }
                    #expect(relativeError(out.grad!, numerical) <= 1e-6, "\(label) grad")
                }
            }
        }
    }

    @Test func indexTargetsFloat64() throws { try check(Double.self) }
    @Test func indexTargetsFloat32() throws { try check(Float.self) }
    @Test func probabilityTargetsFloat64() throws { try checkProbabilities(Double.self) }
    @Test func probabilityTargetsFloat32() throws { try checkProbabilities(Float.self) }
    @Test func nllFloat64() throws { try checkNLL(Double.self) }
    @Test func nllFloat32() throws { try checkNLL(Float.self) }

    @Test func oneHotProbabilitiesEqualIndexTargets() throws {
        var numbers = Numbers(19)
        let n = 9, c = 7
        let x = numbers.array(n * c, -3, 3), t = numbers.classes(n, c)
        var y = [Double](repeating: 0, count: n * c)
        for i in 0..<n { y[i * c + Int(t[i])] = 1 }
        for eps in [0.0, 0.3] {
            let byIndex = try t.withUnsafeBufferPointer { tb in
                try invoke(Double.self, [x], lossCount: 1, gradCount: n * c) { b, l, g in
                    try crossEntropy(dtype: .float64, samples: n, classes: c, input: b[0]!, target: tb.baseAddress!,
                                     labelSmoothing: eps, loss: l, grad: g)
                }
            }
            let byProbability = try invoke(Double.self, [x, y], lossCount: 1, gradCount: n * c) { b, l, g in
                try crossEntropy(dtype: .float64, samples: n, classes: c, input: b[0]!, targetProbabilities: b[1]!,
                                 labelSmoothing: eps, loss: l, grad: g)
            }
            #expect(relativeError(byIndex.loss, byProbability.loss) <= 1e-14)
            #expect(relativeError(byIndex.grad!, byProbability.grad!) <= 1e-14)
        }
    }

    @Test func extremeLogitsAreFinite() throws {
        // Rows of ±1e4: log-sum-exp keeps everything finite. Row 0 predicts
        // class 0 and is labelled 1 (loss 2e4, gradient [1, -1]); row 1 is
        // right (loss 0, gradient 0).
        let x = [1e4, -1e4, -1e4, 1e4]
        let t: [Int64] = [1, 1]
        func run<T: TestScalar>(_: T.Type, eps: Double) throws -> Output {
            try t.withUnsafeBufferPointer { tb in
                try invoke(T.self, [x], lossCount: 2, gradCount: 4) { b, l, g in
                    try crossEntropy(dtype: T.dtype, samples: 2, classes: 2, input: b[0]!, target: tb.baseAddress!,
                                     labelSmoothing: eps, reduction: .none, loss: l, grad: g)
                }
            }
        }
        for out in [try run(Double.self, eps: 0), try run(Float.self, eps: 0)] {
            #expect(out.loss == [2e4, 0])
            #expect(out.grad == [1, -1, 0, 0])
        }
        for out in [try run(Double.self, eps: 0.1), try run(Float.self, eps: 0.1)] {
            #expect(out.loss.allSatisfy(\.isFinite) && out.grad!.allSatisfy(\.isFinite))
            #expect(relativeError(out.loss, [0.95 * 2e4, 0.05 * 2e4]) <= 1e-7)
        }
        // Probability targets of exactly 0 and 1 with those logits.
        let y = [0.0, 1, 0, 1]
        let probs = try invoke(Float.self, [x, y], lossCount: 2, gradCount: 4) { b, l, g in
            try crossEntropy(dtype: .float32, samples: 2, classes: 2, input: b[0]!, targetProbabilities: b[1]!,
                             reduction: .none, loss: l, grad: g)
        }
        #expect(probs.loss == [2e4, 0])
        #expect(probs.grad == [1, -1, 0, 0])
    }

    @Test func everySampleIgnoredGivesNaNLikeTorch() throws {
        let t: [Int64] = [-100, -100]
        let out = try t.withUnsafeBufferPointer { tb in
            try invoke(Double.self, [[1, 2, 3, 4]], lossCount: 1, gradCount: 4) { b, l, g in
                try crossEntropy(dtype: .float64, samples: 2, classes: 2, input: b[0]!, target: tb.baseAddress!,
                                 labelSmoothing: 0.1, loss: l, grad: g)
            }
        }
        #expect(out.loss[0].isNaN)
        #expect(out.grad == [0, 0, 0, 0])
    }

    @Test func doesNotOverflowOnLargeRows() throws {
        // 1000 classes with logits up to 700: naive exp would overflow.
        var numbers = Numbers(23)
        let c = 1000
        let x = numbers.array(c, 600, 700)
        let t: [Int64] = [17]
        let out = try t.withUnsafeBufferPointer { tb in
            try invoke(Double.self, [x], lossCount: 1, gradCount: c) { b, l, g in
                try crossEntropy(dtype: .float64, samples: 1, classes: c, input: b[0]!, target: tb.baseAddress!, loss: l, grad: g)
            }
        }
        let shifted = x.map { $0 - 650 }  // the same loss, computable naively
        let expected = referenceCrossEntropy(shifted, c: c, t, nil, ignore: -100, eps: 0, .mean)
        #expect(relativeError(out.loss, expected) <= 1e-12)
        #expect(Swift.abs(out.grad!.reduce(0, +)) <= 1e-12)  // softmax - onehot sums to 0
    }
}

// MARK: - Penalties

@Suite struct PenaltyTests {
    func check<T: TestScalar>(_: T.Type) throws {
        var numbers = Numbers(29)
        let n = 101
        var theta = rounded(numbers.array(n, -2, 2), T.self)
        theta[0] = 0
        let g0 = rounded(numbers.array(n, -1, 1), T.self)
        let sign = theta.map { $0 > 0 ? 1.0 : ($0 < 0 ? -1 : 0) }
        let cases: [(String, (UnsafeRawPointer, UnsafeMutableRawPointer?) throws -> Double, Double, [Double])] = [
            ("l1", { try l1Penalty(dtype: T.dtype, count: n, params: $0, lambda: 0.3, grad: $1) },
             0.3 * theta.map { Swift.abs($0) }.reduce(0, +), sign.map { 0.3 * $0 }),
            ("l2", { try l2Penalty(dtype: T.dtype, count: n, params: $0, lambda: 0.3, grad: $1) },
             0.15 * theta.map { $0 * $0 }.reduce(0, +), theta.map { 0.3 * $0 }),
            ("elastic net", { try elasticNetPenalty(dtype: T.dtype, count: n, params: $0, l1Lambda: 0.2, l2Lambda: 0.7, grad: $1) },
             0.2 * theta.map { Swift.abs($0) }.reduce(0, +) + 0.35 * theta.map { $0 * $0 }.reduce(0, +),
             (0..<n).map { 0.2 * sign[$0] + 0.7 * theta[$0] }),
        ]
        for (name, call, value, gradient) in cases {
            var got = 0.0
            // The gradient is added to what the buffer holds.
            let out = try invoke(T.self, [theta, g0], lossCount: 1, gradCount: nil) { b, _, _ in
                got = try call(b[0]!, UnsafeMutableRawPointer(mutating: b[1]!))
                let g = b[1]!.assumingMemoryBound(to: T.self)
                let expected = (0..<n).map { g0[$0] + gradient[$0] }
                #expect(relativeError((0..<n).map { Double(g[$0]) }, expected) <= tolerance(T.self), "\(name) grad")
            }
            _ = out
            #expect(Swift.abs(got - value) <= 1e-13 * value, "\(name) value \(T.dtype.name)")
            // Value only: no gradient buffer.
            let alone = try invoke(T.self, [theta], lossCount: 1, gradCount: nil) { b, _, _ in
                let value = try call(b[0]!, nil)
                #expect(value == got)
            }
            _ = alone
        }
    }

    @Test func float64() throws { try check(Double.self) }
    @Test func float32() throws { try check(Float.self) }

    @Test func l2GradientIsSGDWeightDecay() throws {
        // SGD with weight_decay λ on gradient g == SGD without it on
        // g + ∂(λ/2·‖θ‖²)/∂θ.
        var a: [Double] = [0.5, -1.5, 2], b = a
        let g: [Double] = [0.1, 0.2, -0.3]
        let decayed = Optimizer(algorithm: .sgd), plain = Optimizer(algorithm: .sgd)
        try decayed.set(.lr, 0.1)
        try decayed.set(.weightDecay, 0.01)
        try plain.set(.lr, 0.1)
        var penalized = g
        try a.withUnsafeMutableBytes { ab in
            try b.withUnsafeMutableBytes { bb in
                _ = try decayed.addParam(ab.baseAddress!, count: 3, dtype: .float64)
                _ = try plain.addParam(bb.baseAddress!, count: 3, dtype: .float64)
                try penalized.withUnsafeMutableBytes { pb in
                    _ = try l2Penalty(dtype: .float64, count: 3, params: UnsafeRawPointer(bb.baseAddress!), lambda: 0.01,
                                      grad: pb.baseAddress)
                }
                try g.withUnsafeBytes { try decayed.step(grads: [$0.baseAddress]) }
                try penalized.withUnsafeBytes { try plain.step(grads: [$0.baseAddress]) }
            }
        }
        #expect(a == b)
    }
}

// MARK: - Errors: right kind, nothing written

@Suite struct LossErrorTests {
    /// Runs `body` with float64 buffers: x (4 elements), y (4), a loss buffer
    /// (4) and a gradient (4), all holding the sentinel or data; expects
    /// `kind` and that neither output was written.
    func expectRejected(_ kind: OptimizerError.Kind, _ what: Comment,
                        x: [Double] = [0.5, -1, 2, 0], y: [Double] = [1, -1, 1, 1],
                        _ body: (UnsafeRawPointer, UnsafeRawPointer, UnsafeMutableRawPointer, UnsafeMutableRawPointer) throws -> Void,
                        sourceLocation: SourceLocation = #_sourceLocation) throws {
        let out = try invoke(Double.self, [x, y], lossCount: 4, gradCount: 4) { b, l, g in
            expectError(kind, what, { try body(b[0]!, b[1]!, l, g!) }, sourceLocation: sourceLocation)
        }
        #expect(out.loss.allSatisfy { $0 == sentinel } && out.grad!.allSatisfy { $0 == sentinel },
                "\(what): an output was written", sourceLocation: sourceLocation)
    }

    @Test func counts() throws {
        for count in [0, -1, Int.min, Int.max / 4] {
            try expectRejected(.invalidArgument, "mse count \(count)") { x, y, l, g in
                try mseLoss(dtype: .float64, count: count, input: x, target: y, loss: l, grad: g)
            }
        }
        for (n, c) in [(0, 2), (2, 0), (-2, 2), (1 << 40, 1 << 40), (Int.max, 2)] {
            try expectRejected(.invalidArgument, "bce n=\(n) c=\(c)") { x, y, l, g in
                try binaryCrossEntropyWithLogits(dtype: .float64, samples: n, classes: c, input: x, target: y, loss: l, grad: g)
            }
            try expectRejected(.invalidArgument, "cross_entropy_probs n=\(n) c=\(c)") { x, y, l, g in
                try crossEntropy(dtype: .float64, samples: n, classes: c, input: x, targetProbabilities: y, loss: l, grad: g)
            }
            let t: [Int64] = [0, 0]
            try t.withUnsafeBufferPointer { tb in
                try expectRejected(.invalidArgument, "cross_entropy n=\(n) c=\(c)") { x, _, l, g in
                    try crossEntropy(dtype: .float64, samples: n, classes: c, input: x, target: tb.baseAddress!, loss: l, grad: g)
                }
                try expectRejected(.invalidArgument, "nll n=\(n) c=\(c)") { x, _, l, g in
                    try nllLoss(dtype: .float64, samples: n, classes: c, input: x, target: tb.baseAddress!, loss: l, grad: g)
                }
            }
        }
    }

    @Test func options() throws {
        for delta in [0, -1, .nan, .infinity] as [Double] {
            try expectRejected(.outOfBounds, "huber delta \(delta)") { x, y, l, g in
                try huberLoss(dtype: .float64, count: 4, input: x, target: y, delta: delta, loss: l, grad: g)
            }
        }
        for beta in [-1e-300, -1, .nan, .infinity] as [Double] {
            try expectRejected(.outOfBounds, "smooth_l1 beta \(beta)") { x, y, l, g in
                try smoothL1Loss(dtype: .float64, count: 4, input: x, target: y, beta: beta, loss: l, grad: g)
            }
        }
        let t: [Int64] = [0, 1]
        for eps in [-0.1, 1.5, .nan, -.infinity] as [Double] {
            try expectRejected(.outOfBounds, "label_smoothing \(eps)") { x, y, l, g in
                try crossEntropy(dtype: .float64, samples: 2, classes: 2, input: x, targetProbabilities: y,
                                 labelSmoothing: eps, loss: l, grad: g)
            }
            try t.withUnsafeBufferPointer { tb in
                try expectRejected(.outOfBounds, "label_smoothing \(eps)") { x, _, l, g in
                    try crossEntropy(dtype: .float64, samples: 2, classes: 2, input: x, target: tb.baseAddress!,
                                     labelSmoothing: eps, loss: l, grad: g)
                }
            }
        }
    }

    @Test func targets() throws {
        for bad in [[0, 2], [-1, 0], [0, Int64.max], [Int64.min, 0], [-100, 5]] as [[Int64]] {
            try bad.withUnsafeBufferPointer { tb in
                try expectRejected(.indexOutOfRange, "cross_entropy targets \(bad)") { x, _, l, g in
                    try crossEntropy(dtype: .float64, samples: 2, classes: 2, input: x, target: tb.baseAddress!,
                                     reduction: .none, loss: l, grad: g)
                }
                try expectRejected(.indexOutOfRange, "nll targets \(bad)") { x, _, l, g in
                    try nllLoss(dtype: .float64, samples: 2, classes: 2, input: x, target: tb.baseAddress!,
                                reduction: .none, loss: l, grad: g)
                }
            }
        }
        // -100 is not special unless it is ignore_index.
        let t: [Int64] = [-100, 0]
        try t.withUnsafeBufferPointer { tb in
            try expectRejected(.indexOutOfRange, "-100 with ignore_index 1") { x, _, l, g in
                try crossEntropy(dtype: .float64, samples: 2, classes: 2, input: x, target: tb.baseAddress!,
                                 ignoreIndex: 1, loss: l, grad: g)
            }
        }
        for y in [[1, -1, 0, 1], [1, -1, 1, 0.5], [1, 2, 1, 1], [1, 1, 1, .nan]] as [[Double]] {
            try expectRejected(.invalidArgument, "hinge targets \(y)", y: y) { x, y, l, g in
                try hingeLoss(dtype: .float64, count: 4, input: x, target: y, loss: l, grad: g)
            }
        }
    }

    @Test func misalignedBuffers() throws {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 16)
        defer { raw.deallocate() }
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: 64)
        let odd = raw + 1
        try expectRejected(.invalidArgument, "misaligned input") { _, y, l, g in
            try mseLoss(dtype: .float64, count: 4, input: UnsafeRawPointer(odd), target: y, loss: l, grad: g)
        }
        try expectRejected(.invalidArgument, "misaligned target") { x, _, l, g in
            try l1Loss(dtype: .float64, count: 4, input: x, target: UnsafeRawPointer(raw + 4), loss: l, grad: g)
        }
        try expectRejected(.invalidArgument, "misaligned weight") { x, y, l, g in
            try binaryCrossEntropyWithLogits(dtype: .float64, samples: 2, classes: 2, input: x, target: y,
                                             weight: UnsafeRawPointer(odd), loss: l, grad: g)
        }
        try expectRejected(.invalidArgument, "misaligned pos_weight") { x, y, l, g in
            try binaryCrossEntropyWithLogits(dtype: .float64, samples: 2, classes: 2, input: x, target: y,
                                             posWeight: UnsafeRawPointer(odd), loss: l, grad: g)
        }
        try expectRejected(.invalidArgument, "misaligned int64 target") { x, _, l, g in
            try crossEntropy(dtype: .float64, samples: 2, classes: 2, input: x,
                             target: UnsafeRawPointer(raw + 4).assumingMemoryBound(to: Int64.self), loss: l, grad: g)
        }
        // Misaligned outputs: nothing else may be written either.
        let x: [Double] = [1, 2], y: [Double] = [0, 0]
        x.withUnsafeBytes { xb in
            y.withUnsafeBytes { yb in
                expectError(.invalidArgument, "misaligned loss") {
                    try mseLoss(dtype: .float64, count: 2, input: xb.baseAddress!, target: yb.baseAddress!, loss: odd, grad: raw + 16)
                }
                expectError(.invalidArgument, "misaligned grad") {
                    try mseLoss(dtype: .float64, count: 2, input: xb.baseAddress!, target: yb.baseAddress!, loss: raw + 32, grad: odd)
                }
            }
        }
        #expect((0..<64).allSatisfy { raw.load(fromByteOffset: $0, as: UInt8.self) == 0 })
        // float32 needs 4-byte alignment only.
        let out = try invoke(Float.self, [[1, 2]], lossCount: 1, gradCount: nil) { _, l, _ in
            _ = l
            try mseLoss(dtype: .float32, count: 1, input: UnsafeRawPointer(raw + 4), target: UnsafeRawPointer(raw + 8), loss: l)
        }
        #expect(out.loss == [0])
    }

    @Test func penalties() throws {
        let theta: [Double] = [1, -2, 0]
        var grad: [Double] = [7, 7, 7]
        try theta.withUnsafeBytes { tb in
            try grad.withUnsafeMutableBytes { gb in
                let p = tb.baseAddress!, g = gb.baseAddress!
                for lambda in [-1, .nan, .infinity] as [Double] {
                    expectError(.outOfBounds, "l1 lambda \(lambda)") { _ = try l1Penalty(dtype: .float64, count: 3, params: p, lambda: lambda, grad: g) }
                    expectError(.outOfBounds, "l2 lambda \(lambda)") { _ = try l2Penalty(dtype: .float64, count: 3, params: p, lambda: lambda, grad: g) }
                    expectError(.outOfBounds, "elastic l1 \(lambda)") {
                        _ = try elasticNetPenalty(dtype: .float64, count: 3, params: p, l1Lambda: lambda, l2Lambda: 1, grad: g)
                    }
                    expectError(.outOfBounds, "elastic l2 \(lambda)") {
                        _ = try elasticNetPenalty(dtype: .float64, count: 3, params: p, l1Lambda: 1, l2Lambda: lambda, grad: g)
                    }
                }
                expectError(.invalidArgument, "count 0") { _ = try l2Penalty(dtype: .float64, count: 0, params: p, lambda: 1, grad: g) }
                expectError(.invalidArgument, "misaligned params") {
                    _ = try l2Penalty(dtype: .float64, count: 1, params: p + 1, lambda: 1, grad: g)
                }
                expectError(.invalidArgument, "misaligned grad") {
                    _ = try l1Penalty(dtype: .float64, count: 1, params: p, lambda: 1, grad: g + 4)
                }
                let zero = try l1Penalty(dtype: .float64, count: 3, params: p, lambda: 0, grad: nil)
                #expect(zero == 0)
            }
        }
        #expect(grad == [7, 7, 7])
    }
}
