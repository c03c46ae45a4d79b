import CSwiftOpt
import SwiftOpt
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Conversions from C arguments to Swift values. Each throws an ABIError with
// the right status instead of trapping on a bad value.

func required<T>(_ pointer: UnsafeMutablePointer<T>?, _ name: String) throws -> UnsafeMutablePointer<T> {
    guard let pointer else { throw ABIError.null(name) }
    return pointer
}

func requiredString(_ pointer: UnsafePointer<CChar>?, _ name: String) throws -> String {
    guard let pointer else { throw ABIError.null(name) }
    return String(cString: pointer)
}

func algorithm(_ code: Int32) throws -> Algorithm {
    guard let value = Algorithm(rawValue: code) else {
        throw ABIError(SWIFTOPT_ERROR_UNKNOWN_ALGORITHM, "unknown algorithm code \(code)")
    }
    return value
}

func hyperparameter(_ code: Int32) throws -> Hyperparameter {
    guard let value = Hyperparameter(rawValue: code) else {
        throw ABIError(SWIFTOPT_ERROR_UNKNOWN_HYPERPARAMETER, "unknown hyperparameter code \(code)")
    }
    return value
}

func dtype(_ code: Int32) throws -> DType {
    guard let value = DType(rawValue: code) else {
        throw ABIError(SWIFTOPT_ERROR_DTYPE_MISMATCH, "unknown dtype code \(code) (float32 = 1, float64 = 2)")
    }
    return value
}

func reduction(_ code: Int32) throws -> Reduction {
    guard let value = Reduction(rawValue: code) else {
        throw ABIError(SWIFTOPT_ERROR_INVALID_ARGUMENT, "unknown reduction code \(code) (none = 1, mean = 2, sum = 3)")
    }
    return value
}

func stateKind(_ code: Int32) throws -> StateKind {
    guard let value = StateKind(rawValue: code) else {
        throw ABIError(SWIFTOPT_ERROR_UNKNOWN_STATE, "unknown state code \(code)")
    }
    return value
}

/// A 64-bit index or count from C as a Swift Int (exact on 64-bit targets;
/// clamped to an invalid value elsewhere so that range checks reject it).
func int(_ value: Int64) -> Int {
    Int(exactly: value) ?? -1
}

/// Validates a capacity and a count-out pointer, writes up to `capacity`
/// items and the total count; BUFFER_TOO_SMALL when they do not all fit.
func writeList<T>(_ items: [T], _ out: UnsafeMutablePointer<T>?, _ capacity: Int64,
                  _ outCount: UnsafeMutablePointer<Int64>?) throws {
    let countOut = try required(outCount, "out_count")
    guard capacity >= 0 else { throw ABIError(SWIFTOPT_ERROR_INVALID_ARGUMENT, "capacity must be >= 0, got \(capacity)") }
    guard capacity == 0 || out != nil else { throw ABIError.null("output array") }
    countOut.pointee = Int64(items.count)
    guard capacity >= Int64(items.count) else {
        throw ABIError(SWIFTOPT_ERROR_BUFFER_TOO_SMALL, "capacity \(capacity) is less than the \(items.count) items")
    }
    for (i, item) in items.enumerated() { out![i] = item }
}

/// NUL-terminated copies of names that live as long as the process, so that
/// functions returning `const char *` can hand out static strings.
struct CNames<Key: Hashable & Sendable>: @unchecked Sendable {
    private let names: [Key: UnsafePointer<CChar>]

    init(_ pairs: [(Key, String)]) {
        var names: [Key: UnsafePointer<CChar>] = [:]
        for (key, name) in pairs { names[key] = strdup(name).map { UnsafePointer($0) } }
        self.names = names
    }

    subscript(_ key: Key) -> UnsafePointer<CChar>? { names[key] }
}

let algorithmNames = CNames(Algorithm.allCases.map { ($0.rawValue, $0.name) })
let hyperparameterNames = CNames(Hyperparameter.allCases.map { ($0.rawValue, $0.name) })
let stateNames = CNames(StateKind.allCases.map { ($0.rawValue, $0.name) })
let versionString = CNames([(0, Version.string)])
