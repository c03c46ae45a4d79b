import Testing
import SwiftOpt

/// Settings whose checkpoints cover every algorithm and option that changes
/// the state: momentum (SGD, RMSprop), nesterov, centered, amsgrad, Adagrad's
/// accumulator, clipping (the gradient norm is saved).
let checkpointSettings: [Settings] = [
    Settings(algorithm: .sgd, values: [.lr: 0.05]),
    Settings(algorithm: .sgd, values: [.lr: 0.05, .momentum: 0.9, .dampening: 0.1, .weightDecay: 1e-2]),
    Settings(algorithm: .sgd, values: [.lr: 0.05, .momentum: 0.9, .nesterov: 1, .maxGradNorm: 0.5]),
    Settings(algorithm: .adagrad, values: [.lr: 0.1, .lrDecay: 1e-2, .initialAccumulatorValue: 0.1]),
    Settings(algorithm: .rmsprop, values: [.lr: 1e-2]),
    Settings(algorithm: .rmsprop, values: [.lr: 1e-2, .momentum: 0.9, .centered: 1, .clipValue: 0.3]),
    Settings(algorithm: .adam, values: [.lr: 1e-2]),
    Settings(algorithm: .adam, values: [.lr: 1e-2, .amsgrad: 1, .weightDecay: 1e-2, .l1: 1e-3]),
    Settings(algorithm: .adamw, values: [.lr: 1e-2, .amsgrad: 1, .maxGradNorm: 1]),
]

/// Parameters of a checkpoint test: three tensors over two groups.
let checkpointStarts: [[Double]] = [
    [1, -2, 3, 0.5, -0.25],
    [0.75, -1.5],
    Array(start16.prefix(7)),
]

/// An optimizer with group 0 at `settings`, group 1 at `settings` with half
/// the lr and a StepLR schedule attached (when `configure`); parameters 0 and
/// 2 in group 0, parameter 1 in group 1. Without `configure` both groups keep
/// the algorithm's defaults (a fresh optimizer to restore into).
func checkpointFixture<T: TestScalar>(_ settings: Settings, configure: Bool = true,
                                      as _: T.Type) throws -> (Optimizer, [Buffer<T>]) {
    let opt = Optimizer(algorithm: settings.algorithm)
    opt.addGroup()
    if configure {
        try settings.apply(to: opt, group: 0)
        try settings.apply(to: opt, group: 1)
        try opt.set(.lr, settings[.lr] * 0.5, group: 1)
        var schedule = Schedule(kind: .stepLR)
        try schedule.set(.stepSize, 2)
        try schedule.set(.gamma, 0.5)
        try opt.attachSchedule(schedule, group: 1)
    }
    let buffers = checkpointStarts.map { Buffer($0.map { T($0) }) }
    for (i, b) in buffers.enumerated() {
        try opt.addParam(b.raw, count: b.count, dtype: T.dtype, group: i == 1 ? 1 : 0)
    }
    return (opt, buffers)
}

/// Step k of a deterministic run: quadratic gradients, parameter 2 skipped
/// every third step (so that step counts differ).
func checkpointStep<T: TestScalar>(_ opt: Optimizer, _ buffers: [Buffer<T>], _ k: Int) throws {
    let grads: [Buffer<T>?] = buffers.enumerated().map { i, b in
        if i == 2 && k % 3 == 1 { return nil }
        return Buffer(b.values.enumerated().map { j, x in T(Problem.curvatures[j]) * x + T(0.01 * Double(k + i)) })
    }
    try opt.step(grads: grads.map { $0.map { UnsafeRawPointer($0.raw) } })
}

/// The bits of every element, so that comparisons are bitwise (NaN included).
func bits<T: TestScalar>(_ buffers: [Buffer<T>]) -> [[UInt64]] {
    buffers.map { b in b.values.map { v in
        if let f = v as? Float { return UInt64(f.bitPattern) }
        return (v as! Double).bitPattern
    } }
}

/// CRC-32 (IEEE), bit by bit: an independent check of the library's.
func referenceCRC32(_ bytes: some Sequence<UInt8>) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
}

/// Replaces the trailing CRC so that an edited checkpoint passes the checksum.
func resealed(_ bytes: [UInt8]) -> [UInt8] {
    var out = Array(bytes.dropLast(4))
    let crc = referenceCRC32(out)
    out += [UInt8(crc & 0xFF), UInt8((crc >> 8) & 0xFF), UInt8((crc >> 16) & 0xFF), UInt8(crc >> 24)]
    return out
}

/// Checks that restoring `bytes` into `opt` throws `kind` and changes nothing.
func expectRejected(_ kind: OptimizerError.Kind, _ what: String, _ opt: Optimizer, _ bytes: [UInt8],
                    sourceLocation: SourceLocation = #_sourceLocation) throws {
    let before = try opt.checkpoint()
    expectError(kind, what, sourceLocation: sourceLocation) { try opt.restore(from: bytes) }
    #expect(try opt.checkpoint() == before, "\(what): the optimizer changed", sourceLocation: sourceLocation)
}

@Suite("Checkpoints")
struct CheckpointTests {
    static let cases: [(Settings, Int)] = checkpointSettings.flatMap { s in [(s, 0), (s, 1), (s, 4)] }

    func resumeIsBitwiseIdentical<T: TestScalar>(_ settings: Settings, savedAfter k: Int, as _: T.Type) throws {
        let (a, aParams) = try checkpointFixture(settings, as: T.self)
        for step in 0..<k { try checkpointStep(a, aParams, step) }
        let saved = try a.checkpoint()
        #expect(saved.count == a.checkpointSize)

        // A fresh optimizer at the defaults, with the caller's saved parameter values.
        let (b, bParams) = try checkpointFixture(settings, configure: false, as: T.self)
        for (pa, pb) in zip(aParams, bParams) { _ = pb.pointer.update(fromContentsOf: pa.pointer) }
        try b.restore(from: saved)
        #expect(b.groups == a.groups)
        #expect(try b.checkpoint() == saved)
        for step in k..<(k + 6) {
            try checkpointStep(a, aParams, step)
            try checkpointStep(b, bParams, step)
        }
        #expect(bits(bParams) == bits(aParams), "\(settings.testDescription) saved after \(k)")
        #expect(try b.checkpoint() == a.checkpoint())
    }

    @Test("save, restore into a fresh optimizer, continue: bitwise the uninterrupted run (fp32)",
          arguments: cases)
    func resumeFloat(_ c: (Settings, Int)) throws {
        try resumeIsBitwiseIdentical(c.0, savedAfter: c.1, as: Float.self)
    }

    @Test("save, restore into a fresh optimizer, continue: bitwise the uninterrupted run (fp64)",
          arguments: cases)
    func resumeDouble(_ c: (Settings, Int)) throws {
        try resumeIsBitwiseIdentical(c.0, savedAfter: c.1, as: Double.self)
    }

    @Test("SGD's momentum_buffer: saved before its first step it is filled from the gradient after restore")
    func sgdMomentumBeforeFirstStep() throws {
        let s = Settings(algorithm: .sgd, values: [.lr: 0.1, .momentum: 0.9])
        let (a, ap) = try checkpointFixture(s, as: Double.self)
        let saved = try a.checkpoint()
        // b has stepped (its momentum buffer holds a value) before restoring.
        let (b, bp) = try checkpointFixture(s, as: Double.self)
        try checkpointStep(b, bp, 0)
        for (pa, pb) in zip(ap, bp) { _ = pb.pointer.update(fromContentsOf: pa.pointer) }
        try b.restore(from: saved)
        try checkpointStep(a, ap, 0)
        try checkpointStep(b, bp, 0)
        #expect(bits(bp) == bits(ap))
    }

    @Test("state kept for an option turned off (amsgrad) is saved and restored too")
    func inactiveStateSurvives() throws {
        let s = Settings(algorithm: .adam, values: [.lr: 0.01, .amsgrad: 1])
        let (a, ap) = try checkpointFixture(s, as: Double.self)
        for k in 0..<3 { try checkpointStep(a, ap, k) }
        try a.set(.amsgrad, 0)
        try a.set(.amsgrad, 0, group: 1)
        let saved = try a.checkpoint()
        let (b, bp) = try checkpointFixture(s, configure: false, as: Double.self)
        for (pa, pb) in zip(ap, bp) { _ = pb.pointer.update(fromContentsOf: pa.pointer) }
        try b.restore(from: saved)
        for opt in [a, b] {
            try opt.set(.amsgrad, 1)
            try opt.set(.amsgrad, 1, group: 1)
        }
        for k in 3..<6 {
            try checkpointStep(a, ap, k)
            try checkpointStep(b, bp, k)
        }
        #expect(bits(bp) == bits(ap))
    }

    @Test("schedules are saved: nested SequentialLR, ReduceLROnPlateau with its state, base lr and step")
    func schedules() throws {
        let (a, ap) = try checkpointFixture(Settings(algorithm: .adam, values: [.lr: 0.01]), as: Double.self)
        var warmup = Schedule(kind: .linearLR)
        try warmup.set(.startFactor, 0.1)
        var steps = Schedule(kind: .multiStepLR)
        try steps.setMilestones([2, 2, 5])
        var inner = Schedule(kind: .sequentialLR)
        try inner.addChild(steps)
        try inner.addChild(Schedule(kind: .constant))
        try inner.setMilestones([4])
        var outer = Schedule(kind: .sequentialLR)
        try outer.addChild(warmup)
        try outer.addChild(inner)
        try outer.setMilestones([3])
        try a.attachSchedule(outer, group: 0)
        var plateau = Schedule(kind: .reduceLROnPlateau)
        try plateau.set(.patience, 1)
        try a.attachSchedule(plateau, group: 1)
        for k in 0..<4 {
            try checkpointStep(a, ap, k)
            try a.stepScheduleMetric(1.0, group: 1)
        }
        #expect(try a.scheduleAttachment(group: 1)?.schedule.plateau.best == 1.0)
        let saved = try a.checkpoint()
        let (b, bp) = try checkpointFixture(Settings(algorithm: .adam, values: [:]), configure: false, as: Double.self)
        for (pa, pb) in zip(ap, bp) { _ = pb.pointer.update(fromContentsOf: pa.pointer) }
        try b.restore(from: saved)
        #expect(try b.scheduleAttachment(group: 0) == a.scheduleAttachment(group: 0))
        #expect(try b.scheduleAttachment(group: 1) == a.scheduleAttachment(group: 1))
        for k in 4..<10 {
            for (opt, p) in [(a, ap), (b, bp)] {
                try checkpointStep(opt, p, k)
                try opt.stepScheduleMetric(1.0 + Double(k % 2), group: 1)
            }
        }
        #expect(bits(bp) == bits(ap))
        #expect(try b.checkpoint() == a.checkpoint())
        // Restoring a checkpoint without schedules detaches them.
        let (c, _) = try checkpointFixture(Settings(algorithm: .adam, values: [:]), configure: false, as: Double.self)
        try b.restore(from: try c.checkpoint())
        #expect(try b.scheduleAttachment(group: 0) == nil && b.scheduleAttachment(group: 1) == nil)
    }

    @Test("the layout: magic, version, sizes and a CRC-32 that zlib would compute")
    func layout() throws {
        let (a, ap) = try checkpointFixture(checkpointSettings[1], as: Float.self)
        try checkpointStep(a, ap, 0)
        let bytes = try a.checkpoint()
        #expect(Array(bytes.prefix(8)) == Array("SWOPTCK\0".utf8))
        func u32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) } }
        func u64(_ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(bytes[at + $1]) << (8 * $1) } }
        #expect(u32(8) == 1 && u32(12) == 0)
        #expect(u64(16) == UInt64(bytes.count))
        #expect(u32(24) == UInt32(Algorithm.sgd.rawValue) && u32(28) == 2 && u64(32) == 3)
        #expect(u32(bytes.count - 4) == referenceCRC32(bytes.dropLast(4)))
        #expect(referenceCRC32(Array("123456789".utf8)) == 0xCBF4_3926)
        // The first parameter record at the offset the header gives: dtype, group, count, step.
        let p = Int(u64(40))
        #expect(u32(p) == 1 && u32(p + 4) == 0 && u64(p + 8) == 5 && u64(p + 16) == 1)
    }

    @Test("every single-byte change and every truncation is rejected as corrupt, changing nothing")
    func corruption() throws {
        let s = Settings(algorithm: .sgd, values: [.lr: 0.1, .momentum: 0.9])
        let small = Optimizer(algorithm: .sgd)
        try s.apply(to: small)
        let w = Buffer<Float>([1, 2])
        try small.addParam(w.raw, count: 2, dtype: .float32)
        let g = Buffer<Float>([0.5, -0.5])
        try small.step(grads: [UnsafeRawPointer(g.raw)])
        let good = try small.checkpoint()

        let target = Optimizer(algorithm: .sgd)
        let v = Buffer<Float>([3, 4])
        try target.addParam(v.raw, count: 2, dtype: .float32)
        try target.set(.momentum, 0.5)
        try target.step(grads: [UnsafeRawPointer(g.raw)])
        for i in good.indices {
            for flip: UInt8 in [0x01, 0x80, 0xFF] {
                var bad = good
                bad[i] ^= flip
                try expectRejected(.corruptData, "byte \(i) ^ \(flip)", target, bad)
            }
        }
        for length in 0..<good.count {
            try expectRejected(.corruptData, "truncated to \(length)", target, Array(good.prefix(length)))
        }
        try expectRejected(.corruptData, "one byte appended", target, good + [0])
        try target.restore(from: good)
        #expect(try target.checkpoint() == good)
    }

    @Test("checksummed but invalid contents are rejected as corrupt")
    func invalidContents() throws {
        let (a, _) = try checkpointFixture(checkpointSettings[7], as: Double.self)
        let good = try a.checkpoint()
        func edited(_ at: Int, _ bytes: [UInt8]) -> [UInt8] {
            var out = good
            out.replaceSubrange(at..<(at + bytes.count), with: bytes)
            return resealed(out)
        }
        func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        func le64(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8((v >> (8 * $0)) & 0xFF) } }
        try expectRejected(.corruptData, "version 2", a, edited(8, le32(2)))
        try expectRejected(.corruptData, "reserved", a, edited(12, le32(1)))
        try expectRejected(.corruptData, "unknown algorithm", a, edited(24, le32(99)))
        try expectRejected(.corruptData, "params offset", a, edited(40, le64(49)))
        // Group 0 starts at 48: count, then (code, value) pairs; the first is lr.
        try expectRejected(.corruptData, "lr = -1", a, edited(56, le64((-1.0).bitPattern)))
        try expectRejected(.corruptData, "lr = NaN", a, edited(56, le64(Double.nan.bitPattern)))
        try expectRejected(.corruptData, "unknown hyperparameter", a, edited(52, le32(99)))
        try expectRejected(.corruptData, "momentum for Adam", a, edited(52, le32(2)))
        try expectRejected(.corruptData, "lr twice", a, edited(64, le32(1)))
        // The header's size field wrong (the checksum resealed).
        try expectRejected(.corruptData, "size field", a, edited(16, le64(UInt64(good.count + 1))))
    }

    @Test("a checkpoint of another optimizer is rejected with the matching error, changing nothing")
    func mismatches() throws {
        let s = Settings(algorithm: .adam, values: [.lr: 0.01])
        let (a, ap) = try checkpointFixture(s, as: Double.self)
        try checkpointStep(a, ap, 0)
        let (adamw, _) = try checkpointFixture(Settings(algorithm: .adamw, values: [:]), as: Double.self)
        try expectRejected(.invalidArgument, "another algorithm", adamw, try a.checkpoint())

        let (f32, _) = try checkpointFixture(s, as: Float.self)
        try expectRejected(.dtypeMismatch, "another dtype", f32, try a.checkpoint())

        let oneGroup = Optimizer(algorithm: .adam)
        let x = Buffer<Double>([1])
        try oneGroup.addParam(x.raw, count: 1, dtype: .float64)
        try expectRejected(.sizeMismatch, "another group count", oneGroup, try a.checkpoint())

        let (fewer, _) = try checkpointFixture(s, as: Double.self)
        let extra = Buffer<Double>([1, 2])
        try fewer.addParam(extra.raw, count: 2, dtype: .float64)
        try expectRejected(.sizeMismatch, "another parameter count", fewer, try a.checkpoint())

        func twoGroups(_ counts: [Int], groups: [Int]) throws -> (Optimizer, [Buffer<Double>]) {
            let opt = Optimizer(algorithm: .adam)
            opt.addGroup()
            let buffers = counts.map { Buffer([Double](repeating: 1, count: $0)) }
            for (b, g) in zip(buffers, groups) { try opt.addParam(b.raw, count: b.count, dtype: .float64, group: g) }
            return (opt, buffers)
        }
        let (otherCount, _) = try twoGroups([5, 2, 8], groups: [0, 1, 0])
        try expectRejected(.sizeMismatch, "another element count", otherCount, try a.checkpoint())
        let (otherGroup, _) = try twoGroups([5, 2, 7], groups: [0, 0, 0])
        try expectRejected(.invalidArgument, "another group", otherGroup, try a.checkpoint())
        let (same, _) = try twoGroups([5, 2, 7], groups: [0, 1, 0])
        try same.restore(from: try a.checkpoint())
        #expect(try same.checkpoint() == a.checkpoint())
    }

    @Test("checkpoint(into:) writes the same bytes, and refuses a buffer that is too small")
    func intoBuffer() throws {
        let (a, ap) = try checkpointFixture(checkpointSettings[5], as: Float.self)
        try checkpointStep(a, ap, 0)
        let expected = try a.checkpoint()
        var out = [UInt8](repeating: 0xAB, count: expected.count + 3)
        let n = try out.withUnsafeMutableBytes { try a.checkpoint(into: $0) }
        #expect(n == expected.count && Array(out.prefix(n)) == expected && out.suffix(3) == [0xAB, 0xAB, 0xAB])
        var short = [UInt8](repeating: 0xAB, count: expected.count - 1)
        expectError(.invalidArgument, "short buffer") { _ = try short.withUnsafeMutableBytes { try a.checkpoint(into: $0) } }
        #expect(short.allSatisfy { $0 == 0xAB })
    }
}

@Test func checkpointsKeepTheSkippedStepCounters() throws {
    let (opt, buffers) = try checkpointFixture(Settings(algorithm: .adam, values: [.lr: 1e-2]), as: Double.self)
    try opt.set(.skipNonfinite, 1, group: 0)
    let finite = buffers.map { Buffer([Double](repeating: 0.5, count: $0.count)) }
    let bad = finite.map { Buffer($0.values) }
    bad[0].pointer[0] = .nan   // parameter 0 is in group 0
    try opt.step(grads: bad.map { UnsafeRawPointer($0.raw) })
    try opt.step(grads: finite.map { UnsafeRawPointer($0.raw) })
    try opt.step(grads: bad.map { UnsafeRawPointer($0.raw) })
    #expect(try opt.skippedSteps(group: 0) == 2 && opt.lastStepSkipped(group: 0))
    let saved = try opt.checkpoint()

    let (fresh, _) = try checkpointFixture(Settings(algorithm: .adam, values: [:]), configure: false, as: Double.self)
    #expect(try fresh.skippedSteps(group: 0) == 0)
    try fresh.restore(from: saved)
    #expect(try fresh.skippedSteps(group: 0) == 2 && fresh.lastStepSkipped(group: 0))
    #expect(try fresh.skippedSteps(group: 1) == 0 && !fresh.lastStepSkipped(group: 1))
    #expect(try fresh.checkpoint() == saved)
}
