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

/// A core enum whose raw values are the codes of one C enum.
protocol CEnum: NamedCase, RawRepresentable where RawValue == Int32 {
    /// What it is called in messages ("algorithm", "dtype").
    static var what: String { get }
    /// The status of an unknown code or name.
    static var unknownStatus: Int { get }
}

extension CEnum {
    /// The case of a C code; an unknown code throws `unknownStatus` with a
    /// message listing the valid codes.
    static func decode(_ code: Int32) throws -> Self {
        guard let value = Self(rawValue: code) else {
            let known = allCases.map { "\($0.name) = \($0.rawValue)" }.joined(separator: ", ")
            throw ABIError(unknownStatus, "unknown \(what) code \(code) (\(known))")
        }
        return value
    }

    /// A `*_from_name` entry point: finds the case named `name` and stores
    /// its code in `out`.
    static func lookup(_ name: UnsafePointer<CChar>?, into out: UnsafeMutablePointer<Int32>?, _ outName: String) throws {
        let text = try requiredString(name, "name")
        let destination = try required(out, outName)
        guard let found = Self(name: text) else {
            throw ABIError(unknownStatus, "unknown \(what) \"\(text)\" "
                           + "(known: \(allCases.map(\.name).joined(separator: ", ")))")
        }
        destination.pointee = found.rawValue
    }

    /// Static NUL-terminated copies of every case's name, by code.
    static func cNames() -> CNames<Int32> { CNames(allCases.map { ($0.rawValue, $0.name) }) }
}

extension Algorithm: CEnum {
    static let what = "algorithm"
    static let unknownStatus = SWIFTOPT_ERROR_UNKNOWN_ALGORITHM
}
extension Hyperparameter: CEnum {
    static let what = "hyperparameter"
    static let unknownStatus = SWIFTOPT_ERROR_UNKNOWN_HYPERPARAMETER
}
extension DType: CEnum {
    static let what = "dtype"
    static let unknownStatus = SWIFTOPT_ERROR_DTYPE_MISMATCH
}
extension Reduction: CEnum {
    static let what = "reduction"
    static let unknownStatus = SWIFTOPT_ERROR_INVALID_ARGUMENT
}
extension StateKind: CEnum {
    static let what = "state"
    static let unknownStatus = SWIFTOPT_ERROR_UNKNOWN_STATE
}
extension ScheduleKind: CEnum {
    static let what = "schedule kind"
    static let unknownStatus = SWIFTOPT_ERROR_UNKNOWN_ALGORITHM
}
extension ScheduleParameter: CEnum {
    static let what = "schedule parameter"
    static let unknownStatus = SWIFTOPT_ERROR_UNKNOWN_HYPERPARAMETER
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

let algorithmNames = Algorithm.cNames()
let hyperparameterNames = Hyperparameter.cNames()
let stateNames = StateKind.cNames()
let scheduleKindNames = ScheduleKind.cNames()
let scheduleParameterNames = ScheduleParameter.cNames()
let versionString = CNames([(0, Version.string)])
