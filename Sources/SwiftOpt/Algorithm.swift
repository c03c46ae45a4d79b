/// An optimization algorithm, with torch.optim's semantics.
///
/// Raw values are the C codes `SWIFTOPT_ALGORITHM_*`.
public enum Algorithm: Int32, NamedCase {
    /// Stochastic gradient descent with optional momentum, dampening, Nesterov
    /// momentum and coupled weight decay (`torch.optim.SGD`).
    ///
    ///     g ← ±∇ + λθ;  b ← g (first step) or μb + (1−τ)g;  g ← g + μb (Nesterov) or b
    ///     θ ← θ − γg
    ///
    /// Plain gradient descent is momentum 0. Full-batch, mini-batch and
    /// stochastic gradient descent differ only in the gradient passed in.
    case sgd = 1
    /// Adagrad (`torch.optim.Adagrad`):
    ///
    ///     γ_t = γ / (1 + (t−1)·lr_decay);  s ← s + g²;  θ ← θ − γ_t · g / (√s + ε)
    case adagrad = 2
    /// RMSprop (`torch.optim.RMSprop`):
    ///
    ///     v ← αv + (1−α)g²;  (centered) ḡ ← lerp(ḡ, g, 1−α), v̂ = v − ḡ²
    ///     d = √v̂ + ε;  b ← μb + g/d, θ ← θ − γb  (momentum)  or  θ ← θ − γ g/d
    case rmsprop = 3
    /// Adam (`torch.optim.Adam`), with coupled L2 weight decay:
    ///
    ///     m ← lerp(m, g, 1−β₁);  v ← β₂v + (1−β₂)g²;  (amsgrad) v̂ ← max(v̂, v)
    ///     θ ← θ − γ/(1−β₁ᵗ) · m / (√v / √(1−β₂ᵗ) + ε)
    case adam = 4
    /// AdamW (`torch.optim.AdamW`): Adam with decoupled weight decay
    /// θ ← θ(1 − γλ) before the update.
    case adamw = 5

    /// The lower-case name: "sgd", "adagrad", "rmsprop", "adam", "adamw".
    public var name: String {
        switch self {
        case .sgd: return "sgd"
        case .adagrad: return "adagrad"
        case .rmsprop: return "rmsprop"
        case .adam: return "adam"
        case .adamw: return "adamw"
        }
    }

    /// Looks an algorithm up by name, ignoring ASCII case ("Adam", "adamw", "SGD").
    public init?(name: String) { self.init(nameIgnoringCase: name) }

    /// The hyperparameters this algorithm uses, in their documented order.
    public var hyperparameters: [Hyperparameter] {
        specs.map(\.hyperparameter)
    }

    /// The specification (default, bounds) of one of its hyperparameters, or
    /// nil when the algorithm does not use it.
    public func spec(_ hyperparameter: Hyperparameter) -> HyperparameterSpec? {
        specs.first { $0.hyperparameter == hyperparameter }
    }

    /// The hyperparameter table of this algorithm (torch.optim's defaults).
    public var specs: [HyperparameterSpec] {
        switch self {
        case .sgd: return HyperparameterSpec.sgd
        case .adagrad: return HyperparameterSpec.adagrad
        case .rmsprop: return HyperparameterSpec.rmsprop
        case .adam: return HyperparameterSpec.adam
        case .adamw: return HyperparameterSpec.adamw
        }
    }
}
