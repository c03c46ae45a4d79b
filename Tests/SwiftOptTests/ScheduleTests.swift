import CSwiftOpt
import Testing
@testable import SwiftOpt
#if canImport(Glibc)
import Glibc
#endif

// Learning-rate schedules: closed forms against formulas written here
// independently, bad input, schedules attached to optimizer groups, and the
// C entry points (handles of the wrong kind included). The comparison with
// torch.optim.lr_scheduler itself is bindings/python/tests/test_lr_scheduler.py.

// MARK: Helpers

/// |a − b| ≤ tol · max(|a|, |b|), or both exactly equal.
private func close(_ a: Double, _ b: Double, _ tol: Double = 1e-14) -> Bool {
    a == b || abs(a - b) <= tol * max(abs(a), abs(b))
}

private func schedule(_ kind: ScheduleKind, _ params: [(ScheduleParameter, Double)] = [],
                      milestones: [Int64]? = nil, children: [Schedule] = []) throws -> Schedule {
    var s = Schedule(kind: kind)
    for (p, v) in params { try s.set(p, v) }
    if let milestones { try s.setMilestones(milestones) }
    for c in children { try s.addChild(c) }
    return s
}

/// Checks `s` against `expected(t)` for t in 0..<steps.
private func expectMatches(_ s: Schedule, base: Double, steps: Int64 = 400, tol: Double = 1e-14,
                           _ expected: (Int64) -> Double, sourceLocation: SourceLocation = #_sourceLocation) throws {
    for t in 0..<steps {
        let got = try s.learningRate(baseLR: base, step: t)
        let want = expected(t)
        if !close(got, want, tol) {
            Issue.record("\(s.kind.name) step \(t): got \(got), want \(want)", sourceLocation: sourceLocation)
            return
        }
    }
}

private func expectError(_ kind: OptimizerError.Kind, sourceLocation: SourceLocation = #_sourceLocation,
                         _ body: () throws -> Void) {
    do {
        try body()
        Issue.record("expected \(kind), got success", sourceLocation: sourceLocation)
    } catch let error as OptimizerError {
        #expect(error.kind == kind, "\(error.message)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}

// MARK: Closed forms against their formulas

@Suite struct ScheduleFormulaTests {
    @Test func constantAndConstantLR() throws {
        try expectMatches(Schedule(kind: .constant), base: 0.3) { _ in 0.3 }
        let s = try schedule(.constantLR, [(.factor, 0.25), (.totalIters, 7)])
        try expectMatches(s, base: 0.8) { t in t < 7 ? 0.2 : 0.8 }
        // torch's defaults: factor 1/3, total_iters 5
        try expectMatches(Schedule(kind: .constantLR), base: 3) { t in t < 5 ? 1 : 3 }
    }

    @Test func linearWarmupAndDecay() throws {
        let warmup = try schedule(.linearLR, [(.startFactor, 0.1), (.endFactor, 1), (.totalIters, 10)])
        try expectMatches(warmup, base: 0.5) { t in 0.5 * (0.1 + 0.9 * Double(min(t, 10)) / 10) }
        let decay = try schedule(.linearLR, [(.startFactor, 1), (.endFactor, 0), (.totalIters, 100)])
        #expect(try decay.learningRate(baseLR: 2, step: 50) == 1)
        #expect(try decay.learningRate(baseLR: 2, step: 100) == 0)
        #expect(try decay.learningRate(baseLR: 2, step: 1000) == 0)
    }

    @Test func stepMultiStepExponential() throws {
        try expectMatches(try schedule(.stepLR, [(.stepSize, 30), (.gamma, 0.5)]), base: 1) { t in
            var lr = 1.0
            for _ in 0..<(t / 30) { lr *= 0.5 }  // exact: powers of two
            return lr
        }
        // A repeated milestone decays twice, as torch's Counter does; milestone 0 decays at once.
        let multi = try schedule(.multiStepLR, [(.gamma, 0.1)], milestones: [0, 10, 10, 50])
        try expectMatches(multi, base: 1) { t in
            t < 10 ? 0.1 : t < 50 ? pow(0.1, 3) : pow(0.1, 4)
        }
        try expectMatches(try schedule(.exponentialLR, [(.gamma, 0.97)]), base: 0.2) { t in 0.2 * pow(0.97, Double(t)) }
    }

    @Test func polynomial() throws {
        let s = try schedule(.polynomialLR, [(.totalIters, 40), (.power, 2)])
        try expectMatches(s, base: 0.1, tol: 1e-13) { t in
            let x = 1 - Double(min(t, 40)) / 40
            return 0.1 * x * x
        }
    }

    @Test func cosineAnnealingBeyondTMax() throws {
        let s = try schedule(.cosineAnnealingLR, [(.tMax, 50), (.etaMin, 0.01)])
        // η_min + (η₀ − η_min)(1 + cos(πt/T))/2 for every t: a full period is 2·T_max.
        try expectMatches(s, base: 0.1, tol: 1e-13) { t in
            0.01 + 0.09 * (1 + cos(Double.pi * Double(t) / 50)) / 2
        }
        #expect(close(try s.learningRate(baseLR: 0.1, step: 50), 0.01))
        #expect(close(try s.learningRate(baseLR: 0.1, step: 100), 0.1))
    }

    @Test func sgdrPeriodsGrowByTMult() throws {
        let s = try schedule(.cosineAnnealingWarmRestarts, [(.t0, 5), (.tMult, 2), (.etaMin, 0.001)])
        // Simulate torch's bookkeeping: T_cur += 1; on reaching T_i, T_cur = 0 and T_i *= T_mult.
        var tCur = 0, tI = 5
        var expected: [Double] = []
        for _ in 0..<400 {
            expected.append(0.001 + (0.1 - 0.001) * (1 + cos(Double.pi * Double(tCur) / Double(tI))) / 2)
            tCur += 1
            if tCur >= tI { tCur = 0; tI *= 2 }
        }
        try expectMatches(s, base: 0.1) { expected[Int($0)] }
        // Restarts at 0, 5, 15, 35, 75: back to η₀.
        for restart: Int64 in [0, 5, 15, 35, 75, 155] {
            #expect(try s.learningRate(baseLR: 0.1, step: restart) == 0.1)
        }
        // T_mult = 1: plain period T_0; huge steps do not overflow.
        let plain = try schedule(.cosineAnnealingWarmRestarts, [(.t0, 7)])
        #expect(try plain.learningRate(baseLR: 1, step: 7 * 1000) == 1)
        let big = try schedule(.cosineAnnealingWarmRestarts, [(.t0, 3), (.tMult, 1000)])
        #expect(try big.learningRate(baseLR: 1, step: .max).isFinite)
    }

    @Test func oneCycleAnchors() throws {
        let s = try schedule(.oneCycleLR, [(.maxLR, 1), (.totalSteps, 100), (.pctStart, 0.3)])
        #expect(close(try s.learningRate(baseLR: 123, step: 0), 1.0 / 25))
        #expect(close(try s.learningRate(baseLR: 123, step: 29), 1.0))  // end of phase 1: 0.3·100 − 1
        #expect(close(try s.learningRate(baseLR: 123, step: 99), 1.0 / 25 / 1e4))
        // Phase 2, cos: max_lr → min_lr over steps 29...99.
        let minLR = 1.0 / 25 / 1e4
        try expectMatches(s, base: 0, steps: 100, tol: 1e-13) { t in
            if t <= 29 {
                let pct = Double(t) / 29
                return 1.0 + (1.0 / 25 - 1.0) / 2 * (cos(Double.pi * pct) + 1)
            }
            let pct = Double(t - 29) / 70
            return minLR + (1.0 - minLR) / 2 * (cos(Double.pi * pct) + 1)
        }
        let linear = try schedule(.oneCycleLR, [(.maxLR, 1), (.totalSteps, 11), (.pctStart, 0.5),
                                                (.annealStrategy, 1), (.threePhase, 1), (.divFactor, 10),
                                                (.finalDivFactor, 10)])
        // three phases ending at 4.5, 9, 10: up to max, back to initial, down to min.
        #expect(close(try linear.learningRate(baseLR: 0, step: 0), 0.1))
        #expect(close(try linear.learningRate(baseLR: 0, step: 9), 0.1))
        #expect(close(try linear.learningRate(baseLR: 0, step: 10), 0.01))
        #expect(close(try linear.learningRate(baseLR: 0, step: 2), 0.1 + 0.9 * 2 / 4.5))
    }

    @Test func cyclicModes() throws {
        let tri = try schedule(.cyclicLR, [(.baseLR, 0.1), (.maxLR, 1.1), (.stepSizeUp, 10)])
        try expectMatches(tri, base: 99, tol: 1e-13) { t in
            let x = Double(t % 20)
            return 0.1 + (x <= 10 ? x / 10 : (20 - x) / 10)
        }
        let tri2 = try schedule(.cyclicLR, [(.baseLR, 0), (.maxLR, 1), (.stepSizeUp, 4), (.stepSizeDown, 6),
                                            (.mode, Double(CyclicMode.triangular2.rawValue))])
        try expectMatches(tri2, base: 0, tol: 1e-13) { t in
            let cycle = Double(t / 10), x = Double(t % 10)
            let height = x <= 4 ? x / 4 : (10 - x) / 6
            return height / pow(2, cycle)
        }
        let exp = try schedule(.cyclicLR, [(.baseLR, 0.5), (.maxLR, 1.5), (.stepSizeUp, 5),
                                           (.mode, Double(CyclicMode.expRange.rawValue)), (.gamma, 0.99)])
        try expectMatches(exp, base: 0, tol: 1e-13) { t in
            let x = Double(t % 10)
            return 0.5 + (x <= 5 ? x / 5 : (10 - x) / 5) * pow(0.99, Double(t))
        }
    }

    @Test func sequentialWarmupThenCosine() throws {
        let warmup = try schedule(.linearLR, [(.startFactor, 0.1), (.totalIters, 5)])
        let cosine = try schedule(.cosineAnnealingLR, [(.tMax, 20)])
        let s = try schedule(.sequentialLR, milestones: [5], children: [warmup, cosine])
        try expectMatches(s, base: 1, tol: 1e-13) { t in
            t < 5 ? 0.1 + 0.9 * Double(t) / 5 : (1 + cos(Double.pi * Double(t - 5) / 20)) / 2
        }
        // Nested SequentialLR works (torch cannot switch into one).
        let nested = try schedule(.sequentialLR, milestones: [3], children: [Schedule(kind: .constant), s])
        #expect(try nested.learningRate(baseLR: 1, step: 3) == (try s.learningRate(baseLR: 1, step: 0)))
        #expect(try nested.learningRate(baseLR: 1, step: 30) == (try s.learningRate(baseLR: 1, step: 27)))
    }

    @Test func inverseSqrtAndInverseTime() throws {
        // w = 0: the "dynamic" decay η₀ / (1 + k√t).
        try expectMatches(try schedule(.inverseSqrt, [(.decayRate, 0.5)]), base: 0.2) { t in
            0.2 / (1 + 0.5 * Double(t).squareRoot())
        }
        // k = 1/√w: Transformer-style η₀·√(w/t) after a linear warmup η₀·t/w.
        let w = 16.0
        try expectMatches(try schedule(.inverseSqrt, [(.decayRate, 1 / w.squareRoot()), (.warmupSteps, w)]),
                          base: 1, tol: 1e-14) { t in
            Double(t) < w ? Double(t) / w : (w / Double(t)).squareRoot()
        }
        try expectMatches(try schedule(.inverseTime, [(.decayRate, 0.5), (.decaySteps, 10)]), base: 1) { t in
            1 / (1 + 0.5 * Double(t) / 10)
        }
        try expectMatches(try schedule(.inverseTime, [(.decayRate, 0.5), (.decaySteps, 10), (.staircase, 1)]),
                          base: 1) { t in 1 / (1 + 0.5 * Double(t / 10)) }
    }

    @Test func plateauFollowsTorchRules() throws {
        var s = try schedule(.reduceLROnPlateau, [(.patience, 2), (.factor, 0.5), (.cooldown, 1), (.minLR, 0.2)])
        var lr = 1.0
        var seen: [Double] = []
        // improve, then stall: 3 bad epochs (> patience 2) halve lr, 1 cooldown step, ...
        for metric in [10.0, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9] {
            lr = try s.stepMetric(metric, currentLR: lr)
            seen.append(lr)
        }
        #expect(seen == [1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.2])
        #expect(s.plateauBest == 9)
        #expect(s.plateau.lastEpoch == 13)
        // max mode with an absolute threshold; eps blocks tiny reductions.
        var m = try schedule(.reduceLROnPlateau, [(.mode, 1), (.thresholdMode, 1), (.threshold, 0.5),
                                                  (.patience, 0), (.eps, 0.3)])
        #expect(m.plateauBest == -.infinity)
        #expect(try m.stepMetric(1, currentLR: 1) == 1)      // first metric is the best
        #expect(try m.stepMetric(1.4, currentLR: 1) == 0.1)  // not > best + 0.5: reduce
        #expect(try m.stepMetric(1.2, currentLR: 0.1) == 0.1) // 0.1 − 0.01 < eps: no change
    }
}

// MARK: Bad input

@Suite struct ScheduleValidationTests {
    @Test func parametersAreChecked() throws {
        var s = Schedule(kind: .stepLR)
        expectError(.unknownHyperparameter) { try s.set(.tMax, 10) }
        expectError(.outOfBounds) { try s.set(.stepSize, 0) }
        expectError(.outOfBounds) { try s.set(.stepSize, 2.5) }
        expectError(.outOfBounds) { try s.set(.gamma, 0) }
        expectError(.outOfBounds) { try s.set(.gamma, .nan) }
        expectError(.outOfBounds) { try s.set(.gamma, .infinity) }
        var c = Schedule(kind: .constantLR)
        expectError(.outOfBounds) { try c.set(.factor, 1.5) }
        var l = Schedule(kind: .linearLR)
        expectError(.outOfBounds) { try l.set(.startFactor, 0) }
        expectError(.outOfBounds) { try l.set(.endFactor, -0.1) }
        var p = Schedule(kind: .reduceLROnPlateau)
        expectError(.outOfBounds) { try p.set(.factor, 1) }
        expectError(.outOfBounds) { try p.set(.mode, 2) }
        var y = Schedule(kind: .cyclicLR)
        expectError(.outOfBounds) { try y.set(.stepSizeDown, -2) }
        expectError(.outOfBounds) { try y.set(.mode, 3) }
        var i = Schedule(kind: .inverseTime)
        expectError(.outOfBounds) { try i.set(.decaySteps, 0) }
        expectError(.outOfBounds) { try i.set(.staircase, 0.5) }
        // Nothing changed by the failures.
        #expect(s == Schedule(kind: .stepLR))
        #expect(c == Schedule(kind: .constantLR))
    }

    @Test func requiredParametersAndStructure() throws {
        let s = Schedule(kind: .cosineAnnealingLR)
        #expect(try s.parameter(.tMax) == nil)
        #expect(try s.parameter(.etaMin) == 0)
        expectError(.invalidArgument) { _ = try s.learningRate(baseLR: 0.1, step: 0) }
        var seq = Schedule(kind: .sequentialLR)
        expectError(.invalidArgument) { _ = try seq.learningRate(baseLR: 0.1, step: 0) }  // no children
        expectError(.invalidArgument) { try seq.addChild(s) }  // incomplete child
        expectError(.incompatibleOptions) { try seq.addChild(Schedule(kind: .reduceLROnPlateau)) }
        try seq.addChild(Schedule(kind: .constant))
        try seq.addChild(Schedule(kind: .constant))
        expectError(.sizeMismatch) { _ = try seq.learningRate(baseLR: 0.1, step: 0) }
        expectError(.outOfBounds) { try seq.setMilestones([5, 5]) }  // strictly increasing
        expectError(.outOfBounds) { try seq.setMilestones([-1]) }
        var multi = Schedule(kind: .multiStepLR)
        expectError(.outOfBounds) { try multi.setMilestones([5, 3]) }
        try multi.setMilestones([3, 3])  // repeated: allowed, decays twice
        var step = Schedule(kind: .exponentialLR)
        expectError(.unknownHyperparameter) { try step.setMilestones([1]) }
        expectError(.invalidArgument) { try step.addChild(Schedule(kind: .constant)) }
        // Nesting is bounded.
        var deep = Schedule(kind: .constant)
        for _ in 0..<Schedule.maxDepth - 1 { deep = try schedule(.sequentialLR, children: [deep]) }
        var tooDeep = Schedule(kind: .sequentialLR)
        expectError(.invalidArgument) { try tooDeep.addChild(deep) }
    }

    @Test func valuesAreChecked() throws {
        let s = try schedule(.exponentialLR, [(.gamma, 2)])
        expectError(.invalidArgument) { _ = try s.learningRate(baseLR: 1, step: -1) }
        expectError(.outOfBounds) { _ = try s.learningRate(baseLR: -1, step: 0) }
        expectError(.outOfBounds) { _ = try s.learningRate(baseLR: .nan, step: 0) }
        expectError(.outOfBounds) { _ = try s.learningRate(baseLR: 1, step: 5000) }  // 2^5000 overflows
        let oneCycle = try schedule(.oneCycleLR, [(.maxLR, 1), (.totalSteps, 10)])
        #expect(try oneCycle.learningRate(baseLR: 0, step: 10).isFinite)  // torch allows step == total_steps
        expectError(.indexOutOfRange) { _ = try oneCycle.learningRate(baseLR: 0, step: 11) }
        let zeroPhase = try schedule(.oneCycleLR, [(.maxLR, 1), (.totalSteps, 10), (.pctStart, 0.1)])
        expectError(.incompatibleOptions) { _ = try zeroPhase.learningRate(baseLR: 0, step: 0) }
        var plateau = Schedule(kind: .reduceLROnPlateau)
        expectError(.invalidArgument) { _ = try plateau.learningRate(baseLR: 1, step: 0) }
        expectError(.outOfBounds) { _ = try plateau.stepMetric(1, currentLR: -1) }
        #expect(plateau == Schedule(kind: .reduceLROnPlateau))
        expectError(.outOfBounds) { try plateau.setPlateauState(PlateauState(best: .nan)) }
        var notPlateau = Schedule(kind: .constant)
        expectError(.invalidArgument) { _ = try notPlateau.stepMetric(1, currentLR: 1) }
    }
}

// MARK: Attached to an optimizer group

@Suite struct ScheduleAttachmentTests {
    /// An SGD optimizer with one fp64 parameter; `lrUsed` runs one step from
    /// w = 0 with gradient 1, so w = −lr exactly.
    final class Fixture {
        let opt = Optimizer(algorithm: .sgd)
        let w = UnsafeMutablePointer<Double>.allocate(capacity: 1)
        let g = UnsafeMutablePointer<Double>.allocate(capacity: 1)

        init(lr: Double) throws {
            try opt.set(.lr, lr)
            w.pointee = 0
            g.pointee = 1
            try opt.addParam(UnsafeMutableRawPointer(w), count: 1, dtype: .float64)
        }

        deinit {
            w.deallocate()
            g.deallocate()
        }

        func lrUsed() throws -> Double {
            w.pointee = 0
            try opt.step(grads: [UnsafeRawPointer(g)])
            return -w.pointee
        }
    }

    @Test func lrFollowsScheduleEachStep() throws {
        let f = try Fixture(lr: 0.1)
        var s = try schedule(.stepLR, [(.stepSize, 3), (.gamma, 0.5)])
        try f.opt.attachSchedule(s, group: 0)
        try s.set(.gamma, 0.9)  // the attached copy is unaffected
        #expect(try f.opt.value(.lr) == 0.1)
        for t in 0..<10 {
            #expect(try f.lrUsed() == 0.1 * pow(0.5, Double(t / 3)))
            // Between steps lr reads as the next step's value.
            #expect(try f.opt.value(.lr) == 0.1 * pow(0.5, Double((t + 1) / 3)))
        }
        #expect(try f.opt.scheduleAttachment(group: 0)?.step == 10)
        #expect(try f.opt.scheduleAttachment(group: 0)?.baseLR == 0.1)
        expectError(.incompatibleOptions) { try f.opt.set(.lr, 0.3) }
        // Resume at step 3 with another base lr.
        try f.opt.setScheduleState(group: 0, baseLR: 1, step: 3)
        #expect(try f.lrUsed() == 0.5)
        // Detach: lr keeps its value and can be set again.
        try f.opt.detachSchedule(group: 0)
        #expect(try f.opt.value(.lr) == 0.5)
        try f.opt.set(.lr, 0.3)
        #expect(try f.lrUsed() == 0.3)
    }

    @Test func warmupCosineMatchesValues() throws {
        let f = try Fixture(lr: 0.05)
        let s = try schedule(.sequentialLR, milestones: [10], children: [
            try schedule(.linearLR, [(.startFactor, 0.01), (.totalIters, 10)]),
            try schedule(.cosineAnnealingLR, [(.tMax, 90), (.etaMin, 1e-4)]),
        ])
        try f.opt.attachSchedule(s, group: 0)
        for t in 0..<120 {
            #expect(try f.lrUsed() == (try s.learningRate(baseLR: 0.05, step: Int64(t))))
        }
    }

    @Test func replacingKeepsBaseAndFailedStepChangesNothing() throws {
        let f = try Fixture(lr: 1)
        try f.opt.attachSchedule(try schedule(.exponentialLR, [(.gamma, 0.5)]), group: 0)
        _ = try f.lrUsed()
        #expect(try f.opt.value(.lr) == 0.5)
        let oneCycle = try schedule(.oneCycleLR, [(.maxLR, 1), (.totalSteps, 3)])
        try f.opt.attachSchedule(oneCycle, group: 0)  // base lr stays 1 (torch's initial_lr)
        #expect(try f.opt.scheduleAttachment(group: 0)?.baseLR == 1)
        for _ in 0...3 { _ = try f.lrUsed() }  // steps 0...total_steps are allowed
        f.w.pointee = 7
        expectError(.indexOutOfRange) { try f.opt.step(grads: [UnsafeRawPointer(f.g)]) }
        #expect(f.w.pointee == 7)
        #expect(try f.opt.stepCount(param: 0) == 5)  // 1 + 4 steps, not the failed one
        #expect(try f.opt.scheduleAttachment(group: 0)?.step == 4)
    }

    @Test func stepTensorsAdvancesOnlyItsGroup() throws {
        let opt = Optimizer(algorithm: .sgd)
        opt.addGroup()
        try opt.set(.lr, 1, group: 0)
        try opt.set(.lr, 1, group: 1)
        let halve = try schedule(.exponentialLR, [(.gamma, 0.5)])
        try opt.attachSchedule(halve, group: 0)
        try opt.attachSchedule(halve, group: 1)
        var p = [0.0], g = [1.0], steps: [Int64] = [0]
        try p.withUnsafeMutableBytes { pb in
            try g.withUnsafeBytes { gb in
                try steps.withUnsafeMutableBufferPointer { sb in
                    let params = [Optional(pb.baseAddress!)], grads = [Optional(gb.baseAddress!)]
                    try params.withUnsafeBufferPointer { pp in
                        try grads.withUnsafeBufferPointer { gp in
                            try [Int64(1)].withUnsafeBufferPointer { cp in
                                for _ in 0..<3 {
                                    try opt.stepTensors(group: 1, dtype: .float64, params: pp, grads: gp, counts: cp,
                                                        states: UnsafeBufferPointer(start: nil, count: 0),
                                                        statesPerTensor: 0, steps: sb)
                                }
                            }
                        }
                    }
                }
            }
        }
        #expect(p[0] == -(1 + 0.5 + 0.25))
        #expect(try opt.scheduleAttachment(group: 0)?.step == 0)
        #expect(try opt.scheduleAttachment(group: 1)?.step == 3)
        #expect(try opt.value(.lr, group: 1) == 0.125)
    }

    @Test func plateauAttached() throws {
        let f = try Fixture(lr: 1)
        let plateau = try schedule(.reduceLROnPlateau, [(.patience, 0), (.factor, 0.5)])
        try f.opt.attachSchedule(plateau, group: 0)
        expectError(.indexOutOfRange) { try f.opt.stepScheduleMetric(1, group: 1) }
        #expect(try f.lrUsed() == 1)
        #expect(try f.opt.stepScheduleMetric(5, group: 0) == 1)
        #expect(try f.lrUsed() == 1)
        #expect(try f.opt.stepScheduleMetric(6, group: 0) == 0.5)
        #expect(try f.lrUsed() == 0.5)
        #expect(try f.opt.scheduleAttachment(group: 0)?.schedule.plateau.lastEpoch == 2)
        #expect(try f.opt.scheduleAttachment(group: 0)?.step == 3)
        try f.opt.detachSchedule(group: 0)
        expectError(.invalidArgument) { try f.opt.stepScheduleMetric(1, group: 0) }
        expectError(.invalidArgument) { try f.opt.setScheduleState(group: 0, baseLR: 1, step: 0) }
    }
}

// MARK: C entry points

@Suite struct ScheduleABITests {
    private func create(_ kind: Int32) -> OpaquePointer? {
        var handle: OpaquePointer?
        #expect(swiftopt_schedule_create(kind, &handle) == Int32(SWIFTOPT_OK))
        return handle
    }

    private func lastError() -> String {
        var buffer = [CChar](repeating: 0, count: 512)
        _ = swiftopt_last_error_message(&buffer, 512)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    @Test func namesAndInfo() {
        #expect(String(cString: swiftopt_schedule_kind_name(Int32(SWIFTOPT_SCHEDULE_COSINE_ANNEALING_WARM_RESTARTS)))
                == "CosineAnnealingWarmRestarts")
        #expect(swiftopt_schedule_kind_name(99) == nil)
        var kind: Int32 = 0
        #expect(swiftopt_schedule_kind_from_name("onecyclelr", &kind) == Int32(SWIFTOPT_OK))
        #expect(kind == Int32(SWIFTOPT_SCHEDULE_ONE_CYCLE_LR))
        #expect(swiftopt_schedule_kind_from_name("Nope", &kind) == Int32(SWIFTOPT_ERROR_UNKNOWN_ALGORITHM))
        var param: Int32 = 0
        #expect(swiftopt_schedule_param_from_name("T_max", &param) == Int32(SWIFTOPT_OK))
        #expect(param == Int32(SWIFTOPT_SCHEDULE_PARAM_T_MAX))
        #expect(String(cString: swiftopt_schedule_param_name(param)) == "T_max")
        var def = 0.0, lo = 0.0, hi = 0.0, flags: UInt32 = 0
        #expect(swiftopt_schedule_param_info(Int32(SWIFTOPT_SCHEDULE_COSINE_ANNEALING_LR), param,
                                             &def, &lo, &hi, &flags) == Int32(SWIFTOPT_OK))
        #expect(def.isNaN && lo == 1)
        #expect(flags == UInt32(SWIFTOPT_SCHEDULE_PARAM_FLAG_INTEGER | SWIFTOPT_SCHEDULE_PARAM_FLAG_REQUIRED))
        #expect(swiftopt_schedule_param_info(Int32(SWIFTOPT_SCHEDULE_STEP_LR), param, nil, nil, nil, nil)
                == Int32(SWIFTOPT_ERROR_UNKNOWN_HYPERPARAMETER))
        var count: Int64 = 0
        #expect(swiftopt_schedule_kind_params(Int32(SWIFTOPT_SCHEDULE_ONE_CYCLE_LR), nil, 0, &count)
                == Int32(SWIFTOPT_ERROR_BUFFER_TOO_SMALL))
        #expect(count == 7)
        // Every kind and parameter code in the header matches the core's enums.
        #expect(ScheduleKind.allCases.count == Int(SWIFTOPT_SCHEDULE_INVERSE_TIME))
        #expect(ScheduleParameter.allCases.count == Int(SWIFTOPT_SCHEDULE_PARAM_STAIRCASE))
    }

    @Test func valuesThroughTheABI() {
        let s = create(Int32(SWIFTOPT_SCHEDULE_MULTI_STEP_LR))
        defer { _ = swiftopt_schedule_free(s) }
        let milestones: [Int64] = [2, 4]
        #expect(swiftopt_schedule_set_milestones(s, milestones, 2) == Int32(SWIFTOPT_OK))
        #expect(swiftopt_schedule_set_param(s, Int32(SWIFTOPT_SCHEDULE_PARAM_GAMMA), 0.5) == Int32(SWIFTOPT_OK))
        var out = [Double](repeating: -1, count: 6)
        #expect(swiftopt_schedule_values(s, 1, 0, 6, &out) == Int32(SWIFTOPT_OK))
        #expect(out == [1, 1, 0.5, 0.5, 0.25, 0.25])
        // An error leaves the output untouched.
        var untouched = [Double](repeating: -1, count: 3)
        #expect(swiftopt_schedule_values(s, 1, -1, 3, &untouched) == Int32(SWIFTOPT_ERROR_INVALID_ARGUMENT))
        #expect(untouched == [-1, -1, -1])
        #expect(swiftopt_schedule_values(s, 1, .max, 2, &untouched) == Int32(SWIFTOPT_ERROR_INVALID_ARGUMENT))
        var got: [Int64] = [0, 0]
        var count: Int64 = 0
        #expect(swiftopt_schedule_get_milestones(s, &got, 2, &count) == Int32(SWIFTOPT_OK))
        #expect(got == [2, 4] && count == 2)
        #expect(swiftopt_schedule_set_param(s, Int32(SWIFTOPT_SCHEDULE_PARAM_GAMMA), -1)
                == Int32(SWIFTOPT_ERROR_OUT_OF_BOUNDS))
        #expect(lastError().contains("gamma"))
        #expect(swiftopt_schedule_set_param(s, 999, 1) == Int32(SWIFTOPT_ERROR_UNKNOWN_HYPERPARAMETER))
        var lr = 0.0
        #expect(swiftopt_schedule_value(s, 1, 3, &lr) == Int32(SWIFTOPT_OK) && lr == 0.5)
        #expect(swiftopt_schedule_value(s, 1, 3, nil) == Int32(SWIFTOPT_ERROR_NULL_POINTER))
        #expect(swiftopt_schedule_create(0, nil) == Int32(SWIFTOPT_ERROR_NULL_POINTER))
        var h: OpaquePointer?
        #expect(swiftopt_schedule_create(42, &h) == Int32(SWIFTOPT_ERROR_UNKNOWN_ALGORITHM))
    }

    @Test func wrongKindHandlesAreRejected() {
        var opt: OpaquePointer?
        #expect(swiftopt_optimizer_create(Int32(SWIFTOPT_ALGORITHM_SGD), &opt) == Int32(SWIFTOPT_OK))
        let s = create(Int32(SWIFTOPT_SCHEDULE_CONSTANT))
        let invalid = Int32(SWIFTOPT_ERROR_INVALID_HANDLE)
        // A schedule where an optimizer is expected, and vice versa.
        var count: Int64 = 0
        #expect(swiftopt_optimizer_group_count(s, &count) == invalid)
        #expect(swiftopt_optimizer_attach_schedule(s, 0, s) == invalid)
        #expect(swiftopt_optimizer_attach_schedule(opt, 0, opt) == invalid)
        #expect(swiftopt_schedule_child_count(opt, &count) == invalid)
        var lr = 0.0
        #expect(swiftopt_schedule_value(opt, 1, 0, &lr) == invalid)
        // Freeing with the wrong function fails and keeps the object alive.
        #expect(swiftopt_optimizer_free(s) == invalid)
        #expect(swiftopt_schedule_free(opt) == invalid)
        #expect(swiftopt_schedule_value(s, 1, 0, &lr) == Int32(SWIFTOPT_OK) && lr == 1)
        #expect(swiftopt_optimizer_group_count(opt, &count) == Int32(SWIFTOPT_OK))
        // free(NULL) is a no-op; a second free is INVALID_HANDLE.
        #expect(swiftopt_schedule_free(nil) == Int32(SWIFTOPT_OK))
        #expect(swiftopt_schedule_free(s) == Int32(SWIFTOPT_OK))
        #expect(swiftopt_schedule_free(s) == invalid)
        #expect(swiftopt_schedule_value(s, 1, 0, &lr) == invalid)
        #expect(swiftopt_schedule_value(nil, 1, 0, &lr) == Int32(SWIFTOPT_ERROR_NULL_POINTER))
        #expect(swiftopt_optimizer_free(opt) == Int32(SWIFTOPT_OK))
    }

    @Test func sequentialAndAttachThroughTheABI() {
        let seq = create(Int32(SWIFTOPT_SCHEDULE_SEQUENTIAL_LR))
        let warm = create(Int32(SWIFTOPT_SCHEDULE_LINEAR_LR))
        let cosine = create(Int32(SWIFTOPT_SCHEDULE_COSINE_ANNEALING_LR))
        defer { for h in [seq, warm, cosine] { _ = swiftopt_schedule_free(h) } }
        #expect(swiftopt_schedule_add_child(seq, seq) == Int32(SWIFTOPT_ERROR_INVALID_ARGUMENT))
        #expect(swiftopt_schedule_add_child(seq, cosine) == Int32(SWIFTOPT_ERROR_INVALID_ARGUMENT))  // T_max unset
        #expect(swiftopt_schedule_set_param(cosine, Int32(SWIFTOPT_SCHEDULE_PARAM_T_MAX), 10) == Int32(SWIFTOPT_OK))
        #expect(swiftopt_schedule_add_child(seq, warm) == Int32(SWIFTOPT_OK))
        #expect(swiftopt_schedule_add_child(seq, cosine) == Int32(SWIFTOPT_OK))
        let m: [Int64] = [5]
        #expect(swiftopt_schedule_set_milestones(seq, m, 1) == Int32(SWIFTOPT_OK))

        var opt: OpaquePointer?
        #expect(swiftopt_optimizer_create(Int32(SWIFTOPT_ALGORITHM_SGD), &opt) == Int32(SWIFTOPT_OK))
        defer { _ = swiftopt_optimizer_free(opt) }
        #expect(swiftopt_optimizer_set_hyperparameter(opt, 0, Int32(SWIFTOPT_HP_LR), 0.3) == Int32(SWIFTOPT_OK))
        #expect(swiftopt_optimizer_attach_schedule(opt, 1, seq) == Int32(SWIFTOPT_ERROR_INDEX_OUT_OF_RANGE))
        #expect(swiftopt_optimizer_attach_schedule(opt, 0, seq) == Int32(SWIFTOPT_OK))
        // Changing or freeing the original later does not affect the attached copy.
        #expect(swiftopt_schedule_set_milestones(seq, [Int64(1)], 1) == Int32(SWIFTOPT_OK))
        var lr = 0.0
        #expect(swiftopt_optimizer_get_hyperparameter(opt, 0, Int32(SWIFTOPT_HP_LR), &lr) == Int32(SWIFTOPT_OK))
        #expect(close(lr, 0.1))  // 0.3 · start_factor 1/3
        #expect(swiftopt_optimizer_set_hyperparameter(opt, 0, Int32(SWIFTOPT_HP_LR), 0.2)
                == Int32(SWIFTOPT_ERROR_INCOMPATIBLE_OPTIONS))

        var w = [Float](repeating: 0, count: 4)
        let g = [Float](repeating: 1, count: 4)
        w.withUnsafeMutableBytes { wb in
            #expect(swiftopt_optimizer_add_param(opt, 0, Int32(SWIFTOPT_DTYPE_FLOAT32), wb.baseAddress, 4, nil)
                    == Int32(SWIFTOPT_OK))
        }
        for _ in 0..<7 {
            g.withUnsafeBytes { gb in
                var grads: [UnsafeRawPointer?] = [gb.baseAddress]
                #expect(swiftopt_optimizer_step(opt, &grads, 1) == Int32(SWIFTOPT_OK))
            }
        }
        var attached: Int32 = 0, base = 0.0, step: Int64 = 0
        #expect(swiftopt_optimizer_schedule_state(opt, 0, &attached, &base, &step) == Int32(SWIFTOPT_OK))
        #expect(attached == 1 && base == 0.3 && step == 7)
        var copy: OpaquePointer?
        #expect(swiftopt_optimizer_get_schedule(opt, 0, &copy) == Int32(SWIFTOPT_OK))
        var got: [Int64] = [0]
        var count: Int64 = 0
        #expect(swiftopt_schedule_get_milestones(copy, &got, 1, &count) == Int32(SWIFTOPT_OK))
        #expect(got == [5])  // the attached copy kept its milestone
        #expect(swiftopt_schedule_free(copy) == Int32(SWIFTOPT_OK))
        #expect(swiftopt_optimizer_set_schedule_state(opt, 0, 0.3, -1) == Int32(SWIFTOPT_ERROR_INVALID_ARGUMENT))
        #expect(swiftopt_optimizer_step_schedule_metric(opt, 0, 1, nil) == Int32(SWIFTOPT_ERROR_INVALID_ARGUMENT))
        #expect(swiftopt_optimizer_detach_schedule(opt, 0) == Int32(SWIFTOPT_OK))
        #expect(swiftopt_optimizer_schedule_state(opt, 0, &attached, nil, nil) == Int32(SWIFTOPT_OK))
        #expect(attached == 0)
        #expect(swiftopt_optimizer_get_schedule(opt, 0, &copy) == Int32(SWIFTOPT_ERROR_INVALID_ARGUMENT))
    }

    @Test func plateauThroughTheABI() {
        let p = create(Int32(SWIFTOPT_SCHEDULE_REDUCE_LR_ON_PLATEAU))
        defer { _ = swiftopt_schedule_free(p) }
        #expect(swiftopt_schedule_set_param(p, Int32(SWIFTOPT_SCHEDULE_PARAM_PATIENCE), 0) == Int32(SWIFTOPT_OK))
        var best = 0.0, bad: Int64 = -1, cooldown: Int64 = -1, epoch: Int64 = -1
        #expect(swiftopt_schedule_plateau_state(p, &best, &bad, &cooldown, &epoch) == Int32(SWIFTOPT_OK))
        #expect(best == .infinity && bad == 0 && cooldown == 0 && epoch == 0)
        var lrs = [1.0, 0.5]
        #expect(swiftopt_schedule_step_metric(p, 2, 2, lrs, nil, &lrs) == Int32(SWIFTOPT_OK) && lrs == [1, 0.5])
        // Bad input changes nothing: not even the metric count.
        #expect(swiftopt_schedule_step_metric(p, 3, 0, lrs, nil, &lrs) == Int32(SWIFTOPT_ERROR_INVALID_ARGUMENT))
        #expect(swiftopt_schedule_step_metric(p, 3, 2, [1, -1], nil, &lrs) == Int32(SWIFTOPT_ERROR_OUT_OF_BOUNDS))
        #expect(swiftopt_schedule_step_metric(p, 3, 2, lrs, nil, nil) == Int32(SWIFTOPT_ERROR_NULL_POINTER))
        // One metric, one reduction for every group, each with its own min_lr.
        #expect(swiftopt_schedule_step_metric(p, 3, 2, lrs, [0, 0.2], &lrs) == Int32(SWIFTOPT_OK))
        #expect(close(lrs[0], 0.1) && lrs[1] == 0.2)
        #expect(swiftopt_schedule_plateau_state(p, &best, &bad, &cooldown, &epoch) == Int32(SWIFTOPT_OK))
        #expect(best == 2 && bad == 0 && epoch == 2)
        #expect(swiftopt_schedule_set_plateau_state(p, .nan, 0, 0, 0) == Int32(SWIFTOPT_ERROR_OUT_OF_BOUNDS))
        #expect(swiftopt_schedule_set_plateau_state(p, 5, 1, 2, 3) == Int32(SWIFTOPT_OK))
        #expect(swiftopt_schedule_plateau_state(p, &best, &bad, &cooldown, &epoch) == Int32(SWIFTOPT_OK))
        #expect(best == 5 && bad == 1 && cooldown == 2 && epoch == 3)
        var lr = 0.0
        #expect(swiftopt_schedule_value(p, 1, 0, &lr) == Int32(SWIFTOPT_ERROR_INVALID_ARGUMENT))
    }
}
