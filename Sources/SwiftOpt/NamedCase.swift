/// An enum whose every case has one name, the same in C, Swift and Python
/// ("adam", "weight_decay", "exp_avg", "StepLR").
public protocol NamedCase: CaseIterable, Sendable {
    var name: String { get }
    /// The case with this name: exact by default, ignoring ASCII case for
    /// Algorithm and ScheduleKind.
    init?(name: String)
}

extension NamedCase {
    /// The case with exactly this name.
    public init?(name: String) {
        guard let found = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = found
    }

    /// The case whose name equals `name` ignoring ASCII case ("Adam", "ADAMW").
    public init?(nameIgnoringCase name: String) {
        func lowered(_ s: String) -> [UInt8] { s.utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 } }
        let key = lowered(name)
        guard let found = Self.allCases.first(where: { lowered($0.name) == key }) else { return nil }
        self = found
    }
}
