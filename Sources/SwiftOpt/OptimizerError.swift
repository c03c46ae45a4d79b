/// An error thrown by the swiftopt core. Every failing operation throws one
/// before it changes anything.
public struct OptimizerError: Error, Sendable, CustomStringConvertible {
    /// What went wrong. The C ABI maps each kind to one `SWIFTOPT_ERROR_*` code.
    public enum Kind: Sendable {
        /// A malformed argument: a non-positive count, a misaligned buffer.
        case invalidArgument
        /// A required pointer is nil, e.g. an entry of an array of buffers.
        case nullPointer
        /// A hyperparameter that the algorithm does not use.
        case unknownHyperparameter
        /// A hyperparameter value that is NaN, infinite or outside its bounds.
        case outOfBounds
        /// Hyperparameter values that conflict with each other.
        case incompatibleOptions
        /// A dtype that differs from the one the parameter has.
        case dtypeMismatch
        /// A count or length that differs from the one the optimizer holds.
        case sizeMismatch
        /// A group or parameter index out of range.
        case indexOutOfRange
        /// A step requested before any parameter was registered.
        case noParameters
        /// A state tensor kind that the parameter's group does not use.
        case unknownState
        /// An allocation failed.
        case outOfMemory
        /// Bytes that are not a checkpoint this library can read: a wrong
        /// magic, format version, size or checksum, or invalid contents.
        case corruptData
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
