import CSwiftOpt
import SwiftOpt
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// The one place that turns Swift errors into C status codes and per-thread
// error messages. Nothing here may trap: a trap kills the host process.

/// An error detected by the ABI layer itself (NULL pointers, handles, codes).
struct ABIError: Error {
    let status: Int32
    let message: String

    init(_ status: Int, _ message: String) {
        self.status = Int32(status)
        self.message = message
    }

    static func null(_ name: String) -> ABIError {
        ABIError(SWIFTOPT_ERROR_NULL_POINTER, "\(name) is NULL")
    }
}

/// The C status code of each core error kind.
func statusCode(_ kind: OptimizerError.Kind) -> Int32 {
    let code: Int
    switch kind {
    case .invalidArgument: code = SWIFTOPT_ERROR_INVALID_ARGUMENT
    case .nullPointer: code = SWIFTOPT_ERROR_NULL_POINTER
    case .unknownHyperparameter: code = SWIFTOPT_ERROR_UNKNOWN_HYPERPARAMETER
    case .outOfBounds: code = SWIFTOPT_ERROR_OUT_OF_BOUNDS
    case .incompatibleOptions: code = SWIFTOPT_ERROR_INCOMPATIBLE_OPTIONS
    case .dtypeMismatch: code = SWIFTOPT_ERROR_DTYPE_MISMATCH
    case .sizeMismatch: code = SWIFTOPT_ERROR_SIZE_MISMATCH
    case .indexOutOfRange: code = SWIFTOPT_ERROR_INDEX_OUT_OF_RANGE
    case .noParameters: code = SWIFTOPT_ERROR_NO_PARAMETERS
    case .unknownState: code = SWIFTOPT_ERROR_UNKNOWN_STATE
    case .outOfMemory: code = SWIFTOPT_ERROR_OUT_OF_MEMORY
    case .corruptData: code = SWIFTOPT_ERROR_CORRUPT_DATA
    }
    return Int32(code)
}

/// Names of the status codes, indexed by code.
let statusNames: [StaticString] = [
    "SWIFTOPT_OK",
    "SWIFTOPT_ERROR_NULL_POINTER",
    "SWIFTOPT_ERROR_INVALID_HANDLE",
    "SWIFTOPT_ERROR_INVALID_ARGUMENT",
    "SWIFTOPT_ERROR_UNKNOWN_ALGORITHM",
    "SWIFTOPT_ERROR_UNKNOWN_HYPERPARAMETER",
    "SWIFTOPT_ERROR_OUT_OF_BOUNDS",
    "SWIFTOPT_ERROR_INCOMPATIBLE_OPTIONS",
    "SWIFTOPT_ERROR_DTYPE_MISMATCH",
    "SWIFTOPT_ERROR_SIZE_MISMATCH",
    "SWIFTOPT_ERROR_INDEX_OUT_OF_RANGE",
    "SWIFTOPT_ERROR_NO_PARAMETERS",
    "SWIFTOPT_ERROR_UNKNOWN_STATE",
    "SWIFTOPT_ERROR_BUFFER_TOO_SMALL",
    "SWIFTOPT_ERROR_OUT_OF_MEMORY",
    "SWIFTOPT_ERROR_INTERNAL",
    "SWIFTOPT_ERROR_CORRUPT_DATA",
]

// MARK: Per-thread last error message

/// Capacity of each thread's message buffer, NUL included.
private let messageCapacity = 1024

/// Each thread's message: a malloc'd buffer freed by the key's destructor
/// when the thread exits.
private let messageKey: pthread_key_t? = {
    var key = pthread_key_t()
    guard pthread_key_create(&key, { free($0) }) == 0 else { return nil }
    return key
}()

/// The calling thread's message buffer (NUL-terminated), created on first use.
private func threadMessageBuffer(create: Bool) -> UnsafeMutablePointer<CChar>? {
    guard let key = messageKey else { return nil }
    if let existing = pthread_getspecific(key) {
        return existing.assumingMemoryBound(to: CChar.self)
    }
    guard create, let raw = calloc(messageCapacity, 1) else { return nil }
    guard pthread_setspecific(key, raw) == 0 else {
        free(raw)
        return nil
    }
    return raw.assumingMemoryBound(to: CChar.self)
}

/// Records `message` as the calling thread's last error; returns `status`.
func fail(_ status: Int32, _ message: String) -> Int32 {
    guard let buffer = threadMessageBuffer(create: true) else { return status }
    // Truncate at a character boundary so that the copy stays valid UTF-8.
    var length = 0
    for scalar in message.unicodeScalars {
        let bytes = UTF8.encode(scalar)!
        guard length + bytes.count <= messageCapacity - 1 else { break }
        for byte in bytes {
            buffer[length] = CChar(bitPattern: byte)
            length += 1
        }
    }
    buffer[length] = 0
    return status
}

/// Copies the calling thread's last message (snprintf semantics).
/// `capacity` is a C size_t: read its bits as unsigned, so that a capacity
/// above Int.max (e.g. SIZE_MAX) still copies.
func copyLastMessage(_ out: UnsafeMutablePointer<CChar>?, _ capacity: Int) -> Int {
    let message = threadMessageBuffer(create: false)
    let length = message.map { strlen($0) } ?? 0
    let capacity = UInt(bitPattern: capacity)
    guard let out, capacity > 0 else { return length }
    let n = Int(Swift.min(UInt(length), capacity - 1))
    if let message, n > 0 { out.update(from: message, count: n) }
    out[n] = 0
    return length
}

/// Runs an entry point's body, turning every thrown error into a status code
/// and a message prefixed with the function's name.
@inline(__always)
func guarded(_ function: StaticString, _ body: () throws -> Void) -> Int32 {
    do {
        try body()
        return Int32(SWIFTOPT_OK)
    } catch let error as ABIError {
        return fail(error.status, "\(function): \(error.message)")
    } catch let error as OptimizerError {
        return fail(statusCode(error.kind), "\(function): \(error.message)")
    } catch {
        return fail(Int32(SWIFTOPT_ERROR_INTERNAL), "\(function): unexpected error \(error)")
    }
}
