/// How a loss function combines its per-element (or per-sample) losses, as
/// torch.nn.functional's `reduction` argument.
///
/// Raw values are the C codes `SWIFTOPT_REDUCTION_*`.
public enum Reduction: Int32, NamedCase {
    /// One loss per element (per sample for cross_entropy and nll_loss).
    /// The gradient is that of the sum of those losses (torch's convention
    /// for a backward pass through `loss.sum()`, or with a gradient of ones).
    case none = 1
    /// The mean of the losses (a weighted mean for cross_entropy and
    /// nll_loss with class weights); torch's default.
    case mean = 2
    /// The sum of the losses.
    case sum = 3

    /// torch's name: "none", "mean" or "sum".
    public var name: String {
        switch self {
        case .none: return "none"
        case .mean: return "mean"
        case .sum: return "sum"
        }
    }
}
