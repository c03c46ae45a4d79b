/// A per-parameter state tensor, named as in torch's optimizer `state`.
///
/// Raw values are the C codes `SWIFTOPT_STATE_*`.
public enum StateKind: Int32, NamedCase {
    /// SGD and RMSprop with momentum > 0.
    case momentumBuffer = 1
    /// Adagrad's sum of squared gradients.
    case sum = 2
    /// RMSprop's running average of squared gradients.
    case squareAvg = 3
    /// Centered RMSprop's running average of gradients.
    case gradAvg = 4
    /// Adam's first moment.
    case expAvg = 5
    /// Adam's second moment.
    case expAvgSq = 6
    /// AMSGrad's running maximum of the second moment.
    case maxExpAvgSq = 7

    /// torch's name: "momentum_buffer", "sum", "square_avg", "grad_avg",
    /// "exp_avg", "exp_avg_sq", "max_exp_avg_sq".
    public var name: String {
        switch self {
        case .momentumBuffer: return "momentum_buffer"
        case .sum: return "sum"
        case .squareAvg: return "square_avg"
        case .gradAvg: return "grad_avg"
        case .expAvg: return "exp_avg"
        case .expAvgSq: return "exp_avg_sq"
        case .maxExpAvgSq: return "max_exp_avg_sq"
        }
    }

}
