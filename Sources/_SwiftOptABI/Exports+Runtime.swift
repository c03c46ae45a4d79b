import CSwiftOpt
import SwiftOpt

// Runtime: CPU level and threads (include/swiftopt.h).

extension CPULevel: CEnum {
    static let what = "CPU level"
    static let unknownStatus = SWIFTOPT_ERROR_INVALID_ARGUMENT
}

let cpuLevelNames = CPULevel.cNames()

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
        try Runtime.setCPULevel(level == 0 ? nil : try CPULevel.decode(level))
    }
}

@c @implementation
public func swiftopt_cpu_level_name(_ level: Int32) -> UnsafePointer<CChar>? {
    cpuLevelNames[level]
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
