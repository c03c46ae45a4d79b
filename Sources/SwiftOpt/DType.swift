/// The element type of parameters, gradients and state tensors.
///
/// Raw values are the C codes `SWIFTOPT_DTYPE_*`.
public enum DType: Int32, NamedCase {
    /// IEEE-754 binary32 (`Float`); C `SWIFTOPT_DTYPE_FLOAT32`.
    case float32 = 1
    /// IEEE-754 binary64 (`Double`); C `SWIFTOPT_DTYPE_FLOAT64`.
    case float64 = 2

    /// Size of one element in bytes.
    public var size: Int {
        switch self {
        case .float32: return MemoryLayout<Float>.size
        case .float64: return MemoryLayout<Double>.size
        }
    }

    /// The name used in messages: "float32" or "float64".
    public var name: String {
        switch self {
        case .float32: return "float32"
        case .float64: return "float64"
        }
    }
}
