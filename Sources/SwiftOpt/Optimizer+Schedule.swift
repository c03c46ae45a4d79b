/// A schedule attached to a parameter group: a copy of the schedule, the
/// group's base learning rate (torch's `initial_lr`) and the group's schedule
/// step counter (torch's scheduler `last_epoch`).
public struct ScheduleAttachment: Sendable, Equatable {
    /// A copy: changing the schedule it was copied from changes nothing here.
    public internal(set) var schedule: Schedule
    public internal(set) var baseLR: Double
    /// Steps taken since attaching: the step whose learning rate the next
    /// optimizer step uses.
    public internal(set) var step: Int64
}

// Learning-rate schedules attached to parameter groups.
//
// Torch's order is `optimizer.step()` then `scheduler.step()`. With a schedule
// attached to a group, every optimizer step of that group:
//   1. (start, `applySchedules`) sets lr = schedule value at the group's
//      counter, or fails before changing anything when there is none (e.g.
//      OneCycleLR past total_steps);
//   2. runs the update;
//   3. (end, `advanceSchedules`) advances the counter and sets lr to the next
//      value, so that reading lr between steps shows the lr of the next step.
// ReduceLROnPlateau attached to a group leaves lr alone at steps (its counter
// still advances); `stepScheduleMetric` changes lr.
// While a schedule is attached, setting lr directly is refused
// (`.incompatibleOptions`): the schedule owns it.
extension Optimizer {
    /// Attaches a copy of `schedule` to `group`. The base lr is the group's lr
    /// now, or, when a schedule is already attached, the base lr of the one it
    /// replaces (as torch keeps a group's `initial_lr`); the counter starts at
    /// 0 and lr becomes the schedule's value at step 0 (ReduceLROnPlateau:
    /// lr is unchanged).
    public func attachSchedule(_ schedule: Schedule, group: Int) throws {
        try checkGroup(group)
        try schedule.validate()
        var candidate = groups[group]
        let baseLR = candidate.schedule?.baseLR ?? candidate[.lr]
        if schedule.kind != .reduceLROnPlateau {
            try candidate.setScheduledLR(try schedule.learningRate(baseLR: baseLR, step: 0))
        }
        candidate.schedule = ScheduleAttachment(schedule: schedule, baseLR: baseLR, step: 0)
        groups[group] = candidate
    }

    /// Detaches the group's schedule, if any; lr keeps its current value.
    public func detachSchedule(group: Int) throws {
        try checkGroup(group)
        groups[group].schedule = nil
    }

    /// The schedule attached to a group, with its base lr and counter, or nil.
    public func scheduleAttachment(group: Int) throws -> ScheduleAttachment? {
        try checkGroup(group)
        return groups[group].schedule
    }

    /// Sets the base lr and the counter of the attached schedule (to restore a
    /// checkpoint) and lr to the value at that step (ReduceLROnPlateau: lr is
    /// unchanged). Throws `.invalidArgument` when no schedule is attached or
    /// step < 0, `.outOfBounds` for a bad base lr, and what the schedule's
    /// value at `step` throws; nothing changes on error.
    public func setScheduleState(group: Int, baseLR: Double, step: Int64) throws {
        try checkGroup(group)
        guard var attached = groups[group].schedule else {
            throw OptimizerError(.invalidArgument, "group \(group) has no schedule attached")
        }
        guard baseLR.isFinite && baseLR >= 0 else {
            throw OptimizerError(.outOfBounds, "base lr must be finite and >= 0, got \(baseLR)")
        }
        guard step >= 0 else {
            throw OptimizerError(.invalidArgument, "schedule step must be >= 0, got \(step)")
        }
        attached.baseLR = baseLR
        attached.step = step
        var candidate = groups[group]
        if attached.schedule.kind != .reduceLROnPlateau {
            try candidate.setScheduledLR(try scheduledLR(attached, group: group))
        }
        candidate.schedule = attached
        groups[group] = candidate
    }

    /// Feeds a metric to the ReduceLROnPlateau attached to `group` (torch's
    /// `scheduler.step(metrics)`) and returns the group's lr afterwards.
    /// Throws `.invalidArgument` when the group has no ReduceLROnPlateau attached.
    @discardableResult
    public func stepScheduleMetric(_ metric: Double, group: Int) throws -> Double {
        try checkGroup(group)
        guard var attached = groups[group].schedule, attached.schedule.kind == .reduceLROnPlateau else {
            throw OptimizerError(.invalidArgument, "group \(group) has no ReduceLROnPlateau attached")
        }
        var candidate = groups[group]
        let lr = try attached.schedule.stepMetric(metric, currentLR: candidate[.lr])
        try candidate.setScheduledLR(lr)
        candidate.schedule = attached
        groups[group] = candidate
        return lr
    }

    // MARK: Called by step(grads:) and stepTensors (nil: every group)

    /// Start of a step: lr = the schedule's value at the counter, for each
    /// group with a schedule. Checks every group before it changes any.
    /// Allocates nothing.
    func applySchedules(group: Int?) throws {
        let range = group.map { $0..<($0 + 1) } ?? groups.indices
        for g in range {
            guard let attached = groups[g].schedule, attached.schedule.kind != .reduceLROnPlateau else { continue }
            _ = try scheduledLR(attached, group: g)
        }
        for g in range {
            guard let attached = groups[g].schedule, attached.schedule.kind != .reduceLROnPlateau,
                  let lr = try? scheduledLR(attached, group: g) else { continue }
            try? groups[g].setScheduledLR(lr)
        }
    }

    /// End of a step: advance the counter and set lr to the next step's value
    /// (left as it is when there is none; the next step then fails in
    /// `applySchedules`).
    func advanceSchedules(group: Int?) {
        let range = group.map { $0..<($0 + 1) } ?? groups.indices
        for g in range where groups[g].schedule != nil {
            let step = groups[g].schedule!.step
            groups[g].schedule!.step = step == .max ? step : step + 1
            let attached = groups[g].schedule!
            guard attached.schedule.kind != .reduceLROnPlateau,
                  let lr = try? scheduledLR(attached, group: g) else { continue }
            try? groups[g].setScheduledLR(lr)
        }
    }

    /// The attached schedule's lr at its counter, checked against lr's bounds.
    private func scheduledLR(_ attached: ScheduleAttachment, group: Int) throws -> Double {
        let lr = try attached.schedule.learningRate(baseLR: attached.baseLR, step: attached.step)
        guard lr >= 0 else {
            throw OptimizerError(.outOfBounds, "the schedule of group \(group) gives lr \(lr) < 0 at step \(attached.step)")
        }
        return lr
    }
}
