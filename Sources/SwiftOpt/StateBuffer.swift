#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A state tensor owned by the optimizer: 64-byte aligned memory from
/// `posix_memalign`, so that an allocation failure is an error, not a trap.
final class StateBuffer {
    let pointer: UnsafeMutableRawPointer
    let byteCount: Int
    /// SGD's momentum_buffer is empty until its first step (torch: None).
    var initialized: Bool

    /// Allocates `count` elements of `dtype` filled with `value`; nil when
    /// memory is exhausted.
    init?(count: Int, dtype: DType, value: Double) {
        let (bytes, overflow) = count.multipliedReportingOverflow(by: dtype.size)
        guard !overflow else { return nil }
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, 64, Swift.max(bytes, 1)) == 0, let raw else { return nil }
        pointer = raw
        byteCount = bytes
        initialized = false
        switch dtype {
        case .float32: raw.initializeMemory(as: Float.self, repeating: Float(value), count: count)
        case .float64: raw.initializeMemory(as: Double.self, repeating: value, count: count)
        }
    }

    deinit { free(pointer) }
}
