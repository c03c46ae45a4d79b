/// Where each state tensor of a group's parameters sits in the per-parameter
/// list of state tensors (the layout of caller-owned state). A value type that
/// allocates nothing, so that steps stay allocation-free.
struct StateLayout {
    /// Number of state tensors per parameter.
    private(set) var count = 0
    /// Slot of each kind, indexed by `StateKind.rawValue`; -1 when absent.
    private var slots: (Int8, Int8, Int8, Int8, Int8, Int8, Int8, Int8) = (-1, -1, -1, -1, -1, -1, -1, -1)

    init(_ group: ParamGroup) {
        switch group.algorithm {
        case .sgd:
            if group[.momentum] != 0 { append(.momentumBuffer) }
        case .adagrad:
            append(.sum)
        case .rmsprop:
            append(.squareAvg)
            if group[.momentum] > 0 { append(.momentumBuffer) }
            if group[.centered] != 0 { append(.gradAvg) }
        case .adam, .adamw:
            append(.expAvg)
            append(.expAvgSq)
            if group[.amsgrad] != 0 { append(.maxExpAvgSq) }
        }
    }

    /// The slot of `kind`, or nil when the group does not use it.
    func slot(_ kind: StateKind) -> Int? {
        let s: Int8
        switch kind {
        case .momentumBuffer: s = slots.1
        case .sum: s = slots.2
        case .squareAvg: s = slots.3
        case .gradAvg: s = slots.4
        case .expAvg: s = slots.5
        case .expAvgSq: s = slots.6
        case .maxExpAvgSq: s = slots.7
        }
        return s < 0 ? nil : Int(s)
    }

    /// The kinds in slot order.
    var kinds: [StateKind] {
        StateKind.allCases.compactMap { kind in slot(kind).map { (kind, $0) } }
            .sorted { $0.1 < $1.1 }.map(\.0)
    }

    private mutating func append(_ kind: StateKind) {
        let s = Int8(count)
        switch kind {
        case .momentumBuffer: slots.1 = s
        case .sum: slots.2 = s
        case .squareAvg: slots.3 = s
        case .gradAvg: slots.4 = s
        case .expAvg: slots.5 = s
        case .expAvgSq: slots.6 = s
        case .maxExpAvgSq: slots.7 = s
        }
        count += 1
    }
}

/// The state tensors of one parameter for one update, by kind.
struct StatePointers {
    var momentumBuffer: UnsafeMutableRawPointer?
    var sum: UnsafeMutableRawPointer?
    var squareAvg: UnsafeMutableRawPointer?
    var gradAvg: UnsafeMutableRawPointer?
    var expAvg: UnsafeMutableRawPointer?
    var expAvgSq: UnsafeMutableRawPointer?
    var maxExpAvgSq: UnsafeMutableRawPointer?

    init() {}

    /// Gathers the pointers of the kinds in `layout` from `lookup(kind, slot)`.
    init(layout: StateLayout, _ lookup: (StateKind, Int) -> UnsafeMutableRawPointer?) {
        func at(_ kind: StateKind) -> UnsafeMutableRawPointer? { layout.slot(kind).flatMap { lookup(kind, $0) } }
        momentumBuffer = at(.momentumBuffer)
        sum = at(.sum)
        squareAvg = at(.squareAvg)
        gradAvg = at(.gradAvg)
        expAvg = at(.expAvg)
        expAvgSq = at(.expAvgSq)
        maxExpAvgSq = at(.maxExpAvgSq)
    }
}
