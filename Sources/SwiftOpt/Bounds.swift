/// The admissible values of a hyperparameter or a schedule parameter: an
/// interval with open or closed ends, optionally whole numbers or booleans.
struct Bounds {
    var lower: Double
    var upper: Double
    var lowerExclusive = false
    var upperExclusive = false
    var integer = false
    var boolean = false

    /// Throws `.outOfBounds` unless `value` is finite, within the interval, a
    /// whole number where one is expected, and 0 or 1 for a boolean.
    func validate(_ value: Double, name: String) throws {
        guard value.isFinite else {
            throw OptimizerError(.outOfBounds, "\(name) must be finite, got \(value)")
        }
        if boolean {
            guard value == 0 || value == 1 else {
                throw OptimizerError(.outOfBounds, "\(name) is a boolean and must be 0 or 1, got \(value)")
            }
            return
        }
        if integer && value != value.rounded(.towardZero) {
            throw OptimizerError(.outOfBounds, "\(name) must be a whole number, got \(value)")
        }
        let lowOK = lowerExclusive ? value > lower : value >= lower
        let highOK = upperExclusive ? value < upper : value <= upper
        guard lowOK && highOK else {
            throw OptimizerError(.outOfBounds, "\(name) must be in \(interval), got \(value)")
        }
    }

    /// The interval as text, e.g. "[0, 1)", "(0, inf)", "[1, 2^53]".
    var interval: String {
        func text(_ x: Double) -> String {
            if x == .infinity { return "inf" }
            if x == 9_007_199_254_740_992 { return "2^53" }
            if x == x.rounded() && abs(x) < 1e15 { return String(Int64(x)) }
            return "\(x)"
        }
        return (lowerExclusive ? "(" : "[") + text(lower) + ", " + text(upper)
            + (upperExclusive || upper == .infinity ? ")" : "]")
    }
}
