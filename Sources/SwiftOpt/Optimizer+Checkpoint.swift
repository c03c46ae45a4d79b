// Checkpoints: the whole state of an optimizer as one self-describing byte
// string, and back.
//
// A checkpoint holds everything an optimizer adds to its parameters: the
// algorithm, every group's hyperparameters, last gradient norm and attached
// schedule (the schedule itself, its base lr and counter, ReduceLROnPlateau's
// state), and every registered parameter's dtype, element count, group, step
// count and state tensors. It does not hold the parameter values: they
// belong to the caller (as in torch, where optimizer.state_dict() does not
// hold the model's weights). Restoring needs an optimizer with the same
// algorithm, the same number of groups and the same parameters registered in
// the same order (dtype, element count and group each equal); the groups'
// hyperparameters and schedules are replaced by the saved ones.
//
// Format version 1. Every field is little-endian, fixed width, unaligned;
// f64 is an IEEE-754 binary64 bit pattern. Sizes in bytes:
//
//   header
//     8  magic "SWOPTCK\0"
//     4  u32 format version (1)
//     4  u32 reserved, 0
//     8  u64 total size of the checkpoint, the CRC included
//     4  u32 algorithm (SWIFTOPT_ALGORITHM_*)
//     4  u32 group count G (>= 1)
//     8  u64 parameter count P
//     8  u64 offset of the first parameter record (from the start)
//   G group records
//     4  u32 hyperparameter count H
//     H  × { u32 code (SWIFTOPT_HP_*), f64 value }   every hyperparameter of the
//           algorithm; a code missing from an old file reads as its default
//     8  f64 last gradient norm (NaN before a clipping step)
//     8  i64 steps skipped by skip_nonfinite; 4 u32 last step skipped (0 or 1)
//     4  u32 schedule attached (0 or 1); when 1:
//     8  f64 base lr, 8 i64 schedule step, then a schedule record
//   schedule record (recursive; nesting at most Schedule.maxDepth)
//     4  u32 kind (SWIFTOPT_SCHEDULE_*)
//     4  u32 count S of parameters set; S × { u32 code, f64 value }
//     4  u32 milestone count M; M × i64
//     4  u32 child count C; C schedule records
//     1  u8 plateau best is set (0 or 1); 8 f64 best; 8 i64 num_bad_epochs;
//        8 i64 cooldown_counter; 8 i64 last_epoch
//   P parameter records, in registration order
//     4  u32 dtype (SWIFTOPT_DTYPE_*), 4 u32 group, 8 i64 element count N,
//     8  i64 step count
//     4  u32 state tensor count T
//     T  × { u32 kind (SWIFTOPT_STATE_*), u32 flags (bit 0: holds a value:
//           SGD's momentum_buffer after its first step), N elements of dtype }
//   trailer
//     4  u32 CRC-32 (IEEE, zlib's) of every byte before it
extension Optimizer {
    /// The magic bytes that start every checkpoint.
    public static let checkpointMagic: [UInt8] = Array("SWOPTCK\0".utf8)
    /// The format version this library writes and reads.
    public static let checkpointVersion: UInt32 = 1

    /// The size in bytes of `checkpoint()` now.
    public var checkpointSize: Int {
        var counter = CheckpointWriter()
        encode(&counter)
        return counter.offset
    }

    /// The whole state of the optimizer, parameter values excepted, as one
    /// byte string (see the format above). Throws `.outOfMemory` only.
    public func checkpoint() throws -> [UInt8] {
        let size = checkpointSize
        return try [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            try writeCheckpoint(into: UnsafeMutableRawBufferPointer(buffer), size: size)
            initialized = size
        }
    }

    /// Writes the checkpoint into the start of `buffer` and returns its size.
    /// Throws `.invalidArgument` when `buffer` is smaller than
    /// `checkpointSize`; nothing is written then.
    @discardableResult
    public func checkpoint(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let size = checkpointSize
        guard buffer.count >= size else {
            throw OptimizerError(.invalidArgument, "the checkpoint needs \(size) bytes, the buffer has \(buffer.count)")
        }
        return try writeCheckpoint(into: buffer, size: size)
    }

    /// An internal inconsistency: the checkpoint's counting and writing passes
    /// disagreed (reported as SWIFTOPT_ERROR_INTERNAL by the C ABI).
    struct CheckpointSizeMismatch: Error, CustomStringConvertible {
        let counted: Int, written: Int
        var description: String { "checkpoint size mismatch: counted \(counted) bytes, wrote \(written)" }
    }

    @discardableResult
    private func writeCheckpoint(into buffer: UnsafeMutableRawBufferPointer, size: Int) throws -> Int {
        var writer = CheckpointWriter(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<size]))
        encode(&writer)
        guard !writer.overran, writer.offset == size else {
            throw CheckpointSizeMismatch(counted: size, written: writer.offset)
        }
        return writer.offset
    }

    /// Writes (or counts) the whole checkpoint, CRC included.
    private func encode(_ w: inout CheckpointWriter) {
        Optimizer.checkpointMagic.withUnsafeBytes { w.raw($0) }
        w.u32(Optimizer.checkpointVersion)
        w.u32(0)
        let sizePosition = w.offset
        w.u64(0)  // patched below
        w.u32(UInt32(bitPattern: algorithm.rawValue))
        w.u32(UInt32(groups.count))
        w.u64(UInt64(params.count))
        let paramsOffsetPosition = w.offset
        w.u64(0)  // patched below
        for (g, group) in groups.enumerated() {
            let specs = algorithm.specs
            w.u32(UInt32(specs.count))
            for spec in specs {
                w.u32(UInt32(bitPattern: spec.hyperparameter.rawValue))
                w.f64(group[spec.hyperparameter])
            }
            w.f64(gradNorms[g])
            w.i64(skips[g].count)
            w.u32(skips[g].last ? 1 : 0)
            if let attached = group.schedule {
                w.u32(1)
                w.f64(attached.baseLR)
                w.i64(attached.step)
                Optimizer.encode(attached.schedule, &w)
            } else {
                w.u32(0)
            }
        }
        let paramsOffset = w.offset
        for param in params {
            w.u32(UInt32(bitPattern: param.dtype.rawValue))
            w.u32(UInt32(param.group))
            w.i64(Int64(param.count))
            w.i64(param.step)
            let kinds = StateKind.allCases.filter { param.states[Int($0.rawValue)] != nil }
            w.u32(UInt32(kinds.count))
            for kind in kinds {
                let buffer = param.states[Int(kind.rawValue)]!
                w.u32(UInt32(bitPattern: kind.rawValue))
                w.u32(buffer.initialized ? 1 : 0)
                w.elements(buffer.pointer, count: param.count, dtype: param.dtype)
            }
        }
        let total = w.offset + 4
        w.patchU64(UInt64(total), at: sizePosition)
        w.patchU64(UInt64(paramsOffset), at: paramsOffsetPosition)
        w.u32(CRC32.checksum(w.written))
    }

    private static func encode(_ schedule: Schedule, _ w: inout CheckpointWriter) {
        w.u32(UInt32(bitPattern: schedule.kind.rawValue))
        let set = schedule.kind.specs.compactMap { spec in
            (try? schedule.parameter(spec.parameter)).flatMap { $0 }.map { (spec.parameter, $0) }
        }
        w.u32(UInt32(set.count))
        for (parameter, value) in set {
            w.u32(UInt32(bitPattern: parameter.rawValue))
            w.f64(value)
        }
        w.u32(UInt32(schedule.milestones.count))
        for m in schedule.milestones { w.i64(m) }
        w.u32(UInt32(schedule.children.count))
        for child in schedule.children { encode(child, &w) }
        let plateau = schedule.plateau
        w.u8(plateau.best == nil ? 0 : 1)
        w.f64(plateau.best ?? 0)
        w.i64(plateau.numBadEpochs)
        w.i64(plateau.cooldownCounter)
        w.i64(plateau.lastEpoch)
    }

    // MARK: Restore

    /// Restores a checkpoint written by `checkpoint()`: every group's
    /// hyperparameters, gradient norm and schedule, every registered
    /// parameter's step count and state tensors. Parameter values are not
    /// touched.
    ///
    /// Everything is validated before anything changes; on error the
    /// optimizer is unchanged. Throws `.corruptData` (not a checkpoint, an
    /// unsupported format version, a wrong size or checksum, truncated or
    /// invalid contents), `.invalidArgument` (another algorithm, a parameter
    /// saved in another group), `.sizeMismatch` (another number of groups or
    /// parameters, another element count), `.dtypeMismatch` and
    /// `.outOfMemory`.
    public func restore(from bytes: UnsafeRawBufferPointer) throws {
        let decoded = try decodeCheckpoint(bytes)
        // Commit: nothing below can fail.
        groups = decoded.groups
        gradNorms = decoded.gradNorms
        for (g, skipped) in decoded.skipped.enumerated() {
            skips[g].count = skipped.count
            skips[g].last = skipped.last
        }
        for (param, saved) in zip(params, decoded.params) {
            param.step = saved.step
            param.states = saved.states
        }
    }

    /// Same as `restore(from:)` for an array of bytes.
    public func restore(from bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try restore(from: $0) }
    }

    private struct DecodedParam {
        var step: Int64
        var states: [StateBuffer?]
    }

    private struct Decoded {
        var groups: [ParamGroup] = []
        var gradNorms: [Double] = []
        var skipped: [(count: Int64, last: Bool)] = []
        var params: [DecodedParam] = []
    }

    private func decodeCheckpoint(_ bytes: UnsafeRawBufferPointer) throws -> Decoded {
        let magic = Optimizer.checkpointMagic
        let headerSize = 48
        guard bytes.count >= magic.count, bytes.prefix(magic.count).elementsEqual(magic) else {
            throw OptimizerError(.corruptData, "not a swiftopt checkpoint (it does not start with \"SWOPTCK\\0\")")
        }
        var r = CheckpointReader(bytes)
        _ = try r.raw(magic.count, "magic")
        let version = try r.u32("format version")
        guard version == Optimizer.checkpointVersion else {
            throw OptimizerError(.corruptData, "checkpoint format version \(version) is not supported "
                                 + "(this library reads version \(Optimizer.checkpointVersion))")
        }
        guard try r.u32("reserved field") == 0 else {
            throw OptimizerError(.corruptData, "checkpoint header: reserved field is not 0")
        }
        let total = try r.u64("total size")
        guard total == UInt64(bytes.count) else {
            throw OptimizerError(.corruptData, "checkpoint size is \(bytes.count) bytes but its header says \(total)"
                                 + (UInt64(bytes.count) < total ? " (truncated)" : ""))
        }
        guard bytes.count >= headerSize + 4 else {
            throw OptimizerError(.corruptData, "checkpoint truncated: \(bytes.count) bytes")
        }
        let body = UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count - 4)])
        let stored = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: bytes.count - 4, as: UInt32.self))
        let computed = CRC32.checksum(body)
        guard stored == computed else {
            throw OptimizerError(.corruptData, "checkpoint checksum mismatch (stored 0x\(hex(stored)), "
                                 + "computed 0x\(hex(computed))): the data is corrupted")
        }
        r = CheckpointReader(body)
        _ = try r.raw(24, "header")

        // What must match the optimizer.
        let algorithmCode = try r.u32("algorithm")
        guard let savedAlgorithm = Algorithm(rawValue: Int32(bitPattern: algorithmCode)) else {
            throw OptimizerError(.corruptData, "checkpoint has an unknown algorithm code \(algorithmCode)")
        }
        guard savedAlgorithm == algorithm else {
            throw OptimizerError(.invalidArgument, "the checkpoint is of \(savedAlgorithm.name), this optimizer runs \(algorithm.name)")
        }
        let groupCount = try r.u32("group count")
        guard groupCount == groups.count else {
            throw OptimizerError(.sizeMismatch, "the checkpoint has \(groupCount) parameter groups, this optimizer has \(groups.count)")
        }
        let paramCount = try r.u64("parameter count")
        guard paramCount == UInt64(params.count) else {
            throw OptimizerError(.sizeMismatch, "the checkpoint has \(paramCount) parameters, this optimizer has \(params.count) registered")
        }
        let paramsOffset = try r.u64("parameter records offset")

        var decoded = Decoded()
        for g in 0..<groups.count {
            let count = try r.u32("group \(g) hyperparameter count")
            var pairs: [(Hyperparameter, Double)] = []
            for _ in 0..<count {
                let code = try r.u32("group \(g) hyperparameter code")
                let value = try r.f64("group \(g) hyperparameter value")
                guard let hp = Hyperparameter(rawValue: Int32(bitPattern: code)) else {
                    throw OptimizerError(.corruptData, "checkpoint group \(g): unknown hyperparameter code \(code)")
                }
                guard !pairs.contains(where: { $0.0 == hp }) else {
                    throw OptimizerError(.corruptData, "checkpoint group \(g): hyperparameter \(hp.name) appears twice")
                }
                pairs.append((hp, value))
            }
            var group = try corrupt("group \(g)") { try ParamGroup(algorithm: algorithm, restoring: pairs) }
            decoded.gradNorms.append(try r.f64("group \(g) gradient norm"))
            let skippedCount = try r.i64("group \(g) skipped steps")
            let lastSkipped = try r.u32("group \(g) last step skipped")
            guard skippedCount >= 0, lastSkipped <= 1 else {
                throw OptimizerError(.corruptData, "checkpoint group \(g): invalid skipped-step record")
            }
            decoded.skipped.append((skippedCount, lastSkipped == 1))
            switch try r.u32("group \(g) schedule flag") {
            case 0:
                break
            case 1:
                let baseLR = try r.f64("group \(g) base lr")
                let step = try r.i64("group \(g) schedule step")
                guard baseLR.isFinite && baseLR >= 0, step >= 0 else {
                    throw OptimizerError(.corruptData, "checkpoint group \(g): invalid schedule base lr \(baseLR) or step \(step)")
                }
                let schedule = try Optimizer.decodeSchedule(&r, depth: 1, "group \(g) schedule")
                try corrupt("group \(g) schedule") { try schedule.validate() }
                group.schedule = ScheduleAttachment(schedule: schedule, baseLR: baseLR, step: step)
            case let flag:
                throw OptimizerError(.corruptData, "checkpoint group \(g): invalid schedule flag \(flag)")
            }
            decoded.groups.append(group)
        }
        guard paramsOffset == UInt64(r.offset) else {
            throw OptimizerError(.corruptData, "checkpoint header: parameter records offset \(paramsOffset), found at \(r.offset)")
        }

        for (i, param) in params.enumerated() {
            let dtypeCode = try r.u32("parameter \(i) dtype")
            guard let dtype = DType(rawValue: Int32(bitPattern: dtypeCode)) else {
                throw OptimizerError(.corruptData, "checkpoint parameter \(i): unknown dtype code \(dtypeCode)")
            }
            guard dtype == param.dtype else {
                throw OptimizerError(.dtypeMismatch, "checkpoint parameter \(i) is \(dtype.name), the registered one is \(param.dtype.name)")
            }
            let group = try r.u32("parameter \(i) group")
            guard group == param.group else {
                throw OptimizerError(.invalidArgument, "checkpoint parameter \(i) is in group \(group), the registered one in group \(param.group)")
            }
            let count = try r.i64("parameter \(i) element count")
            guard count == Int64(param.count) else {
                throw OptimizerError(.sizeMismatch, "checkpoint parameter \(i) has \(count) elements, the registered one has \(param.count)")
            }
            let step = try r.i64("parameter \(i) step count")
            guard step >= 0 else {
                throw OptimizerError(.corruptData, "checkpoint parameter \(i): negative step count \(step)")
            }
            let stateCount = try r.u32("parameter \(i) state count")
            guard stateCount <= UInt32(StateKind.allCases.count) else {
                throw OptimizerError(.corruptData, "checkpoint parameter \(i): \(stateCount) state tensors")
            }
            var states: [StateBuffer?] = Array(repeating: nil, count: StateKind.allCases.count + 1)
            for _ in 0..<stateCount {
                let kindCode = try r.u32("parameter \(i) state kind")
                guard let kind = StateKind(rawValue: Int32(bitPattern: kindCode)) else {
                    throw OptimizerError(.corruptData, "checkpoint parameter \(i): unknown state kind code \(kindCode)")
                }
                guard states[Int(kind.rawValue)] == nil else {
                    throw OptimizerError(.corruptData, "checkpoint parameter \(i): state \(kind.name) appears twice")
                }
                let flags = try r.u32("parameter \(i) \(kind.name) flags")
                guard flags & ~1 == 0 else {
                    throw OptimizerError(.corruptData, "checkpoint parameter \(i): invalid \(kind.name) flags \(flags)")
                }
                let data = try r.raw(param.count * param.dtype.size, "parameter \(i) \(kind.name)")
                guard let buffer = StateBuffer(count: param.count, dtype: param.dtype, value: 0) else {
                    throw OptimizerError(.outOfMemory, "cannot allocate \(kind.name) for \(param.count) \(param.dtype.name) elements")
                }
                copyLittleEndianElements(data, to: buffer.pointer, count: param.count, dtype: param.dtype)
                buffer.initialized = flags & 1 != 0
                states[Int(kind.rawValue)] = buffer
            }
            for kind in StateLayout(decoded.groups[param.group]).kinds where states[Int(kind.rawValue)] == nil {
                throw OptimizerError(.corruptData, "checkpoint parameter \(i) lacks state \(kind.name), "
                                     + "which its group's options use")
            }
            decoded.params.append(DecodedParam(step: step, states: states))
        }
        guard r.remaining == 0 else {
            throw OptimizerError(.corruptData, "checkpoint has \(r.remaining) unexpected bytes after the parameter records")
        }
        return decoded
    }

    private static func decodeSchedule(_ r: inout CheckpointReader, depth: Int, _ what: String) throws -> Schedule {
        guard depth <= Schedule.maxDepth else {
            throw OptimizerError(.corruptData, "checkpoint \(what): schedules nested deeper than \(Schedule.maxDepth) levels")
        }
        let kindCode = try r.u32("\(what) kind")
        guard let kind = ScheduleKind(rawValue: Int32(bitPattern: kindCode)) else {
            throw OptimizerError(.corruptData, "checkpoint \(what): unknown schedule kind code \(kindCode)")
        }
        var schedule = Schedule(kind: kind)
        let count = try r.u32("\(what) parameter count")
        for _ in 0..<count {
            let code = try r.u32("\(what) parameter code")
            let value = try r.f64("\(what) parameter value")
            guard let parameter = ScheduleParameter(rawValue: Int32(bitPattern: code)) else {
                throw OptimizerError(.corruptData, "checkpoint \(what): unknown schedule parameter code \(code)")
            }
            try corrupt(what) { try schedule.set(parameter, value) }
        }
        let milestoneCount = try r.u32("\(what) milestone count")
        try r.need(Int(milestoneCount) * 8, "\(what) milestones")
        var milestones: [Int64] = []
        for _ in 0..<milestoneCount { milestones.append(try r.i64("\(what) milestone")) }
        if !milestones.isEmpty || kind.usesMilestones {
            try corrupt(what) { try schedule.setMilestones(milestones) }
        }
        let childCount = try r.u32("\(what) child count")
        for c in 0..<childCount {
            let child = try decodeSchedule(&r, depth: depth + 1, "\(what) child \(c)")
            try corrupt(what) { try schedule.addChild(child) }
        }
        let hasBest = try r.u8("\(what) plateau state")
        let best = try r.f64("\(what) plateau best")
        let state = PlateauState(best: hasBest == 0 ? nil : best,
                                 numBadEpochs: try r.i64("\(what) num_bad_epochs"),
                                 cooldownCounter: try r.i64("\(what) cooldown_counter"),
                                 lastEpoch: try r.i64("\(what) last_epoch"))
        guard hasBest <= 1 else {
            throw OptimizerError(.corruptData, "checkpoint \(what): invalid plateau flag \(hasBest)")
        }
        if kind == .reduceLROnPlateau {
            try corrupt(what) { try schedule.setPlateauState(state) }
        } else if state != PlateauState() || best != 0 {
            throw OptimizerError(.corruptData, "checkpoint \(what): \(kind.name) with a ReduceLROnPlateau state")
        }
        return schedule
    }
}

/// Runs a core validation on decoded values; what it throws becomes
/// `.corruptData` (the checksum matched, so the writer wrote invalid values).
private func corrupt<T>(_ what: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as OptimizerError {
        throw OptimizerError(.corruptData, "checkpoint \(what): \(error.message)")
    }
}

private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16, uppercase: true)
    return String(repeating: "0", count: 8 - digits.count) + digits
}
