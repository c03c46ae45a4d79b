import CSwiftOpt
import SwiftOpt

// The C entry points of the "Learning-rate schedules" section of
// include/swiftopt.h. As in Exports.swift: check, translate, call the core,
// return a status; `@c @implementation` checks each signature.

// MARK: Codes and names

@c @implementation
public func swiftopt_schedule_kind_name(_ kind: Int32) -> UnsafePointer<CChar>? {
    scheduleKindNames[kind]
}

@c @implementation
public func swiftopt_schedule_kind_from_name(_ name: UnsafePointer<CChar>?,
                                             _ outKind: UnsafeMutablePointer<Int32>?) -> Int32 {
    guarded("swiftopt_schedule_kind_from_name") {
        try ScheduleKind.lookup(name, into: outKind, "out_kind")
    }
}

@c @implementation
public func swiftopt_schedule_param_name(_ param: Int32) -> UnsafePointer<CChar>? {
    scheduleParameterNames[param]
}

@c @implementation
public func swiftopt_schedule_param_from_name(_ name: UnsafePointer<CChar>?,
                                              _ outParam: UnsafeMutablePointer<Int32>?) -> Int32 {
    guarded("swiftopt_schedule_param_from_name") {
        try ScheduleParameter.lookup(name, into: outParam, "out_param")
    }
}

@c @implementation
public func swiftopt_schedule_kind_params(_ kindCode: Int32, _ outParams: UnsafeMutablePointer<Int32>?,
                                          _ capacity: Int64, _ outCount: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded("swiftopt_schedule_kind_params") {
        let kind = try ScheduleKind.decode(kindCode)
        try writeList(kind.specs.map(\.parameter.rawValue), outParams, capacity, outCount)
    }
}

@c @implementation
public func swiftopt_schedule_param_info(_ kindCode: Int32, _ paramCode: Int32,
                                         _ outDefault: UnsafeMutablePointer<Double>?,
                                         _ outMin: UnsafeMutablePointer<Double>?,
                                         _ outMax: UnsafeMutablePointer<Double>?,
                                         _ outFlags: UnsafeMutablePointer<UInt32>?) -> Int32 {
    guarded("swiftopt_schedule_param_info") {
        let kind = try ScheduleKind.decode(kindCode)
        let param = try ScheduleParameter.decode(paramCode)
        guard let spec = kind.spec(param) else {
            throw ABIError(SWIFTOPT_ERROR_UNKNOWN_HYPERPARAMETER, "\(kind.name) has no parameter \(param.name)")
        }
        outDefault?.pointee = spec.defaultValue ?? .nan
        outMin?.pointee = spec.lowerBound
        outMax?.pointee = spec.upperBound
        var flags: UInt32 = 0
        if spec.isBoolean { flags |= UInt32(SWIFTOPT_HP_FLAG_BOOLEAN) }
        if spec.lowerExclusive { flags |= UInt32(SWIFTOPT_HP_FLAG_MIN_EXCLUSIVE) }
        if spec.upperExclusive { flags |= UInt32(SWIFTOPT_HP_FLAG_MAX_EXCLUSIVE) }
        if spec.isInteger { flags |= UInt32(SWIFTOPT_SCHEDULE_PARAM_FLAG_INTEGER) }
        if spec.defaultValue == nil { flags |= UInt32(SWIFTOPT_SCHEDULE_PARAM_FLAG_REQUIRED) }
        outFlags?.pointee = flags
    }
}

// MARK: Lifetime and parameters

@c @implementation
public func swiftopt_schedule_create(_ kindCode: Int32,
                                     _ outSchedule: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guarded("swiftopt_schedule_create") {
        let out = try required(outSchedule, "out_schedule")
        let kind = try ScheduleKind.decode(kindCode)
        out.pointee = HandleTable.shared.insert(ScheduleBox(Schedule(kind: kind)))
    }
}

@c @implementation
public func swiftopt_schedule_free(_ schedule: OpaquePointer?) -> Int32 {
    guarded("swiftopt_schedule_free") {
        guard let schedule else { return }
        guard let box = HandleTable.shared.remove(schedule, as: ScheduleBox.self) else {
            throw ABIError(SWIFTOPT_ERROR_INVALID_HANDLE, "schedule handle is invalid (already freed, never created, "
                           + "or of another kind)")
        }
        box.lock.withLock {}  // wait for a call in flight on another thread
    }
}

@c @implementation
public func swiftopt_schedule_kind(_ schedule: OpaquePointer?, _ outKind: UnsafeMutablePointer<Int32>?) -> Int32 {
    guarded("swiftopt_schedule_kind") {
        try withSchedule(schedule) { s in
            try required(outKind, "out_kind").pointee = s.kind.rawValue
        }
    }
}

@c @implementation
public func swiftopt_schedule_set_param(_ schedule: OpaquePointer?, _ paramCode: Int32, _ value: Double) -> Int32 {
    guarded("swiftopt_schedule_set_param") {
        try withSchedule(schedule) { s in
            try s.set(try ScheduleParameter.decode(paramCode), value)
        }
    }
}

@c @implementation
public func swiftopt_schedule_get_param(_ schedule: OpaquePointer?, _ paramCode: Int32,
                                        _ outValue: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded("swiftopt_schedule_get_param") {
        try withSchedule(schedule) { s in
            let out = try required(outValue, "out_value")
            out.pointee = try s.parameter(try ScheduleParameter.decode(paramCode)) ?? .nan
        }
    }
}

@c @implementation
public func swiftopt_schedule_set_milestones(_ schedule: OpaquePointer?, _ milestones: UnsafePointer<Int64>?,
                                             _ count: Int64) -> Int32 {
    guarded("swiftopt_schedule_set_milestones") {
        try withSchedule(schedule) { s in
            guard count >= 0 else {
                throw ABIError(SWIFTOPT_ERROR_INVALID_ARGUMENT, "count must be >= 0, got \(count)")
            }
            guard count == 0 || milestones != nil else { throw ABIError.null("milestones") }
            let values = count == 0 ? [] : Array(UnsafeBufferPointer(start: milestones, count: int(count)))
            try s.setMilestones(values)
        }
    }
}

@c @implementation
public func swiftopt_schedule_get_milestones(_ schedule: OpaquePointer?, _ outMilestones: UnsafeMutablePointer<Int64>?,
                                             _ capacity: Int64, _ outCount: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded("swiftopt_schedule_get_milestones") {
        try withSchedule(schedule) { s in
            guard s.kind.usesMilestones else {
                throw ABIError(SWIFTOPT_ERROR_UNKNOWN_HYPERPARAMETER,
                               "\(s.kind.name) has no milestones (only MultiStepLR and SequentialLR)")
            }
            try writeList(s.milestones, outMilestones, capacity, outCount)
        }
    }
}

@c @implementation
public func swiftopt_schedule_add_child(_ sequential: OpaquePointer?, _ child: OpaquePointer?) -> Int32 {
    guarded("swiftopt_schedule_add_child") {
        guard let sequential else { throw ABIError.null("sequential") }
        guard let child else { throw ABIError.null("child") }
        guard sequential != child else {
            throw ABIError(SWIFTOPT_ERROR_INVALID_ARGUMENT, "a schedule cannot be its own child")
        }
        // Copy the child first, then lock the parent: never two locks at once.
        let copy = try withSchedule(child, "child") { $0 }
        try withSchedule(sequential, "sequential") { s in try s.addChild(copy) }
    }
}

@c @implementation
public func swiftopt_schedule_child_count(_ schedule: OpaquePointer?, _ outCount: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded("swiftopt_schedule_child_count") {
        try withSchedule(schedule) { s in
            try required(outCount, "out_count").pointee = Int64(s.children.count)
        }
    }
}

// MARK: Values

@c @implementation
public func swiftopt_schedule_value(_ schedule: OpaquePointer?, _ baseLR: Double, _ step: Int64,
                                    _ outLR: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded("swiftopt_schedule_value") {
        try withSchedule(schedule) { s in
            let out = try required(outLR, "out_lr")
            out.pointee = try s.learningRate(baseLR: baseLR, step: step)
        }
    }
}

@c @implementation
public func swiftopt_schedule_values(_ schedule: OpaquePointer?, _ baseLR: Double, _ firstStep: Int64,
                                     _ count: Int64, _ outLRs: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded("swiftopt_schedule_values") {
        try withSchedule(schedule) { s in
            guard count >= 0 else {
                throw ABIError(SWIFTOPT_ERROR_INVALID_ARGUMENT, "count must be >= 0, got \(count)")
            }
            guard count == 0 || outLRs != nil else { throw ABIError.null("out_lrs") }
            guard !firstStep.addingReportingOverflow(count).overflow else {
                throw ABIError(SWIFTOPT_ERROR_INVALID_ARGUMENT, "first_step + count overflows")
            }
            guard count > 0, let outLRs else { return }
            // Validate every value before writing any.
            var values: [Double] = []
            values.reserveCapacity(int(count))
            for t in firstStep..<(firstStep + count) {
                values.append(try s.learningRate(baseLR: baseLR, step: t))
            }
            outLRs.update(from: values, count: values.count)
        }
    }
}

@c @implementation
public func swiftopt_schedule_step_metric(_ schedule: OpaquePointer?, _ metric: Double, _ nLRs: Int64,
                                          _ currentLRs: UnsafePointer<Double>?, _ minLRs: UnsafePointer<Double>?,
                                          _ outLRs: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded("swiftopt_schedule_step_metric") {
        try withSchedule(schedule) { s in
            guard nLRs >= 1 else {
                throw ABIError(SWIFTOPT_ERROR_INVALID_ARGUMENT, "n_lrs must be >= 1, got \(nLRs)")
            }
            guard let currentLRs else { throw ABIError.null("current_lrs") }
            guard let outLRs else { throw ABIError.null("out_lrs") }
            let n = int(nLRs)
            let current = Array(UnsafeBufferPointer(start: currentLRs, count: n))
            let mins = minLRs.map { Array(UnsafeBufferPointer(start: $0, count: n)) }
            let lrs = try s.stepMetric(metric, currentLRs: current, minLRs: mins)
            outLRs.update(from: lrs, count: n)
        }
    }
}

@c @implementation
public func swiftopt_schedule_plateau_state(_ schedule: OpaquePointer?, _ outBest: UnsafeMutablePointer<Double>?,
                                           _ outNumBadEpochs: UnsafeMutablePointer<Int64>?,
                                           _ outCooldownCounter: UnsafeMutablePointer<Int64>?,
                                           _ outLastEpoch: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded("swiftopt_schedule_plateau_state") {
        try withSchedule(schedule) { s in
            guard s.kind == .reduceLROnPlateau else {
                throw ABIError(SWIFTOPT_ERROR_INVALID_ARGUMENT, "\(s.kind.name) has no plateau state")
            }
            outBest?.pointee = s.plateauBest
            outNumBadEpochs?.pointee = s.plateau.numBadEpochs
            outCooldownCounter?.pointee = s.plateau.cooldownCounter
            outLastEpoch?.pointee = s.plateau.lastEpoch
        }
    }
}

@c @implementation
public func swiftopt_schedule_set_plateau_state(_ schedule: OpaquePointer?, _ best: Double, _ numBadEpochs: Int64,
                                               _ cooldownCounter: Int64, _ lastEpoch: Int64) -> Int32 {
    guarded("swiftopt_schedule_set_plateau_state") {
        try withSchedule(schedule) { s in
            try s.setPlateauState(PlateauState(best: best, numBadEpochs: numBadEpochs,
                                               cooldownCounter: cooldownCounter, lastEpoch: lastEpoch))
        }
    }
}

// MARK: Attached to optimizer groups

@c @implementation
public func swiftopt_optimizer_attach_schedule(_ optimizer: OpaquePointer?, _ group: Int64,
                                               _ schedule: OpaquePointer?) -> Int32 {
    guarded("swiftopt_optimizer_attach_schedule") {
        guard optimizer != nil else { throw ABIError.null("optimizer") }
        // Copy the schedule first, then lock the optimizer: never two locks at once.
        let copy = try withSchedule(schedule) { $0 }
        try withOptimizer(optimizer) { opt in
            try opt.attachSchedule(copy, group: int(group))
        }
    }
}

@c @implementation
public func swiftopt_optimizer_detach_schedule(_ optimizer: OpaquePointer?, _ group: Int64) -> Int32 {
    guarded("swiftopt_optimizer_detach_schedule") {
        try withOptimizer(optimizer) { opt in
            try opt.detachSchedule(group: int(group))
        }
    }
}

@c @implementation
public func swiftopt_optimizer_schedule_state(_ optimizer: OpaquePointer?, _ group: Int64,
                                              _ outAttached: UnsafeMutablePointer<Int32>?,
                                              _ outBaseLR: UnsafeMutablePointer<Double>?,
                                              _ outStep: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded("swiftopt_optimizer_schedule_state") {
        try withOptimizer(optimizer) { opt in
            let attached = try opt.scheduleAttachment(group: int(group))
            outAttached?.pointee = attached == nil ? 0 : 1
            if let attached {
                outBaseLR?.pointee = attached.baseLR
                outStep?.pointee = attached.step
            }
        }
    }
}

@c @implementation
public func swiftopt_optimizer_set_schedule_state(_ optimizer: OpaquePointer?, _ group: Int64,
                                                  _ baseLR: Double, _ step: Int64) -> Int32 {
    guarded("swiftopt_optimizer_set_schedule_state") {
        try withOptimizer(optimizer) { opt in
            try opt.setScheduleState(group: int(group), baseLR: baseLR, step: step)
        }
    }
}

@c @implementation
public func swiftopt_optimizer_get_schedule(_ optimizer: OpaquePointer?, _ group: Int64,
                                            _ outSchedule: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guarded("swiftopt_optimizer_get_schedule") {
        let out = try required(outSchedule, "out_schedule")
        let copy: Schedule = try withOptimizer(optimizer) { opt in
            guard let attached = try opt.scheduleAttachment(group: int(group)) else {
                throw ABIError(SWIFTOPT_ERROR_INVALID_ARGUMENT, "group \(group) has no schedule attached")
            }
            return attached.schedule
        }
        out.pointee = HandleTable.shared.insert(ScheduleBox(copy))
    }
}

@c @implementation
public func swiftopt_optimizer_step_schedule_metric(_ optimizer: OpaquePointer?, _ group: Int64, _ metric: Double,
                                                    _ outLR: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded("swiftopt_optimizer_step_schedule_metric") {
        try withOptimizer(optimizer) { opt in
            let lr = try opt.stepScheduleMetric(metric, group: int(group))
            outLR?.pointee = lr
        }
    }
}
