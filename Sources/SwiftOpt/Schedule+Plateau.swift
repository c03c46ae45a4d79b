/// ReduceLROnPlateau's state, as torch keeps it.
public struct PlateauState: Sendable, Equatable {
    /// The best metric seen; nil before the first metric (torch's `mode_worse`:
    /// +inf in min mode, −inf in max mode).
    public var best: Double?
    /// Metrics in a row that did not improve on `best` (outside cooldown).
    public var numBadEpochs: Int64 = 0
    /// Steps of cooldown left after a reduction.
    public var cooldownCounter: Int64 = 0
    /// Metrics seen (torch's `last_epoch`).
    public var lastEpoch: Int64 = 0

    public init(best: Double? = nil, numBadEpochs: Int64 = 0, cooldownCounter: Int64 = 0, lastEpoch: Int64 = 0) {
        self.best = best
        self.numBadEpochs = numBadEpochs
        self.cooldownCounter = cooldownCounter
        self.lastEpoch = lastEpoch
    }
}

extension Schedule {
    /// The best metric as torch reports it: `plateau.best`, or ±infinity
    /// before the first metric.
    public var plateauBest: Double {
        if let best = plateau.best { return best }
        return plateauMode == .min ? .infinity : -.infinity
    }

    private var plateauMode: PlateauMode {
        PlateauMode(rawValue: Int32(i(.mode))) ?? .min
    }

    /// Replaces ReduceLROnPlateau's state (to restore a checkpoint). `best`
    /// may be ±infinity, not NaN; counters must be ≥ 0.
    public mutating func setPlateauState(_ state: PlateauState) throws {
        try requirePlateau()
        if let best = state.best, best.isNaN {
            throw OptimizerError(.outOfBounds, "ReduceLROnPlateau best must not be NaN")
        }
        guard state.numBadEpochs >= 0, state.cooldownCounter >= 0, state.lastEpoch >= 0 else {
            throw OptimizerError(.outOfBounds, "ReduceLROnPlateau num_bad_epochs, cooldown_counter and "
                                 + "last_epoch must be >= 0")
        }
        plateau = state
    }

    /// One ReduceLROnPlateau step (torch's `scheduler.step(metrics)`) for a
    /// scheduler over one group with lr `currentLR`: records `metric` and
    /// returns the lr to use from now on. See `stepMetric(_:currentLRs:minLRs:)`.
    public mutating func stepMetric(_ metric: Double, currentLR: Double) throws -> Double {
        try stepMetric(metric, currentLRs: [currentLR])[0]
    }

    /// One ReduceLROnPlateau step (torch's `scheduler.step(metrics)`) for a
    /// scheduler over groups whose lrs are `currentLRs`: records `metric` once
    /// and returns each group's lr to use from now on. `minLRs` (one per
    /// group, torch's list `min_lr`) replaces the `min_lr` parameter.
    ///
    /// As torch: an improvement is `metric < best·(1 − threshold)` (min, rel),
    /// `metric < best − threshold` (min, abs), `metric > best·(1 + threshold)`
    /// (max, rel) or `metric > best + threshold` (max, abs); cooldown steps
    /// count no bad epochs; after more than `patience` bad epochs each lr
    /// becomes max(lr·factor, min_lr) if that lowers it by more than eps. A
    /// NaN metric is never an improvement (as in torch).
    ///
    /// Throws `.invalidArgument` (not ReduceLROnPlateau; no lrs),
    /// `.sizeMismatch` (minLRs count), `.outOfBounds` (an lr or min lr
    /// negative or not finite); nothing changes on error.
    public mutating func stepMetric(_ metric: Double, currentLRs: [Double], minLRs: [Double]? = nil) throws -> [Double] {
        try requirePlateau()
        guard !currentLRs.isEmpty else {
            throw OptimizerError(.invalidArgument, "ReduceLROnPlateau needs at least one lr")
        }
        for (n, lr) in currentLRs.enumerated() where !(lr.isFinite && lr >= 0) {
            throw OptimizerError(.outOfBounds, "current lr \(n) must be finite and >= 0, got \(lr)")
        }
        if let minLRs {
            guard minLRs.count == currentLRs.count else {
                throw OptimizerError(.sizeMismatch, "got \(minLRs.count) min lrs for \(currentLRs.count) lrs")
            }
            for (n, lr) in minLRs.enumerated() where !(lr.isFinite && lr >= 0) {
                throw OptimizerError(.outOfBounds, "min lr \(n) must be finite and >= 0, got \(lr)")
            }
        }
        let threshold = p(.threshold)
        let relative = ThresholdMode(rawValue: Int32(p(.thresholdMode))) == .rel
        let best = plateauBest
        let better: Bool
        switch (plateauMode, relative) {
        case (.min, true): better = metric < best * (1.0 - threshold)
        case (.min, false): better = metric < best - threshold
        case (.max, true): better = metric > best * (threshold + 1.0)
        case (.max, false): better = metric > best + threshold
        }
        var state = plateau
        state.lastEpoch &+= 1
        if better {
            state.best = metric
            state.numBadEpochs = 0
        } else {
            state.numBadEpochs &+= 1
        }
        if state.cooldownCounter > 0 {
            state.cooldownCounter -= 1
            state.numBadEpochs = 0
        }
        var lrs = currentLRs
        if state.numBadEpochs > Int64(p(.patience)) {
            for n in lrs.indices {
                let reduced = Swift.max(lrs[n] * p(.factor), minLRs?[n] ?? p(.minLR))
                if lrs[n] - reduced > p(.eps) { lrs[n] = reduced }
            }
            state.cooldownCounter = Int64(p(.cooldown))
            state.numBadEpochs = 0
        }
        plateau = state
        return lrs
    }

    private func requirePlateau() throws {
        guard kind == .reduceLROnPlateau else {
            throw OptimizerError(.invalidArgument, "\(kind.name) is not driven by metrics (only ReduceLROnPlateau is)")
        }
    }
}
