import CSwiftOpt
import SwiftOpt
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A pthread mutex at a stable address.
final class Lock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init() { pthread_mutex_init(mutex, nil) }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    @inline(__always)
    func withLock<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

/// An object behind a C handle, with the lock that serializes calls on it.
final class OptimizerBox: @unchecked Sendable {
    let optimizer: Optimizer
    let lock = Lock()

    init(_ optimizer: Optimizer) { self.optimizer = optimizer }
}

/// The table of live handles. A handle is an opaque token, not an address:
/// a never-reused id mixed with a per-process random salt and shifted so
/// that it looks like an aligned pointer. A freed or forged handle is found
/// missing from the table instead of being dereferenced, and the salt makes
/// it unlikely that a made-up value names a live object.
final class HandleTable: @unchecked Sendable {
    private let lock = Lock()
    private var objects: [UInt: AnyObject] = [:]
    private var nextID: UInt = 1
    /// Ids are below 2^48 in practice; the salt keeps the token below 2^60 so
    /// that the shift by 4 loses nothing.
    private let salt = UInt.random(in: 0..<(1 << 56))

    static let shared = HandleTable()

    func insert(_ object: AnyObject) -> OpaquePointer? {
        lock.withLock {
            var id = nextID
            nextID &+= 1
            if id ^ salt == 0 {   // that id would be the NULL handle
                id = nextID
                nextID &+= 1
            }
            objects[id] = object
            return OpaquePointer(bitPattern: ((id ^ salt) & ((1 << 60) - 1)) << 4)
        }
    }

    func lookup(_ handle: OpaquePointer) -> AnyObject? {
        let bits = UInt(bitPattern: handle)
        guard bits & 0xF == 0 else { return nil }
        return lock.withLock { objects[(bits >> 4) ^ salt] }
    }

    /// Removes and returns the object behind `handle` if it is a `T`; a
    /// handle of another kind stays in the table.
    func remove<T: AnyObject>(_ handle: OpaquePointer, as type: T.Type) -> T? {
        let bits = UInt(bitPattern: handle)
        guard bits & 0xF == 0 else { return nil }
        return lock.withLock {
            let id = (bits >> 4) ^ salt
            guard let object = objects[id] as? T else { return nil }
            objects.removeValue(forKey: id)
            return object
        }
    }
}

/// Finds the optimizer behind `handle` and runs `body` holding its lock.
func withOptimizer<R>(_ handle: OpaquePointer?, _ body: (Optimizer) throws -> R) throws -> R {
    guard let handle else { throw ABIError.null("optimizer") }
    guard let box = HandleTable.shared.lookup(handle) as? OptimizerBox else {
        throw ABIError(SWIFTOPT_ERROR_INVALID_HANDLE, "optimizer handle is invalid (freed, never created, or of another kind)")
    }
    return try box.lock.withLock { try body(box.optimizer) }
}

/// A schedule behind a C handle, with the lock that serializes calls on it.
final class ScheduleBox: @unchecked Sendable {
    var schedule: Schedule
    let lock = Lock()

    init(_ schedule: Schedule) { self.schedule = schedule }
}

/// Finds the schedule behind `handle` and runs `body` holding its lock.
func withSchedule<R>(_ handle: OpaquePointer?, _ name: String = "schedule",
                     _ body: (inout Schedule) throws -> R) throws -> R {
    guard let handle else { throw ABIError.null(name) }
    guard let box = HandleTable.shared.lookup(handle) as? ScheduleBox else {
        throw ABIError(SWIFTOPT_ERROR_INVALID_HANDLE, "\(name) handle is invalid (freed, never created, or of another kind)")
    }
    return try box.lock.withLock { try body(&box.schedule) }
}
