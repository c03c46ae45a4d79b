import CSwiftOpt
import SwiftOpt

// Runtime: CPU level and threads (include/swiftopt.h).

@c @implementation
public func swiftopt_cpu_level() -> Int32 {
    Runtime.cpuLevel.rawValue
}

@c @implementation
public func swiftopt_cpu_level_supported() -> Int32 {
    Runtime.supportedCPULevel.rawValue
}

@c @implementation
public func swiftopt_set_cpu_level(_ level: Int32) -> Int32 {
    guarded("swiftopt_set_cpu_level") {
        if level == 0 { return try Runtime.setCPULevel(nil) }
        guard let known = CPULevel(rawValue: level) else {
            throw ABIError(SWIFTOPT_ERROR_INVALID_ARGUMENT, "unknown CPU level \(level)")
        }
        try Runtime.setCPULevel(known)
    }
}

@c @implementation
public func swiftopt_cpu_level_name(_ level: Int32) -> UnsafePointer<CChar>? {
    let name: StaticString
    switch CPULevel(rawValue: level) {
    case .baseline: name = "baseline"
    case .x86_64_v3: name = "x86-64-v3"
    case .x86_64_v4: name = "x86-64-v4"
    case nil: return nil
    }
    return UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self)
}

@c @implementation
public func swiftopt_num_threads() -> Int32 {
    Int32(Runtime.threadCount)
}

@c @implementation
public func swiftopt_set_num_threads(_ count: Int32) -> Int32 {
    guarded("swiftopt_set_num_threads") {
        try Runtime.setThreadCount(Int(count))
    }
}
