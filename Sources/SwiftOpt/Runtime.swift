#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import _SwiftOptSupport
import _SwiftOptKernelsBase
import _SwiftOptKernelsV3
import _SwiftOptKernelsV4

/// The instruction-set level the update kernels are compiled for. The library
/// carries the kernels at every level and runs the best one the CPU supports,
/// chosen once at load (on first use), unless `SWIFTOPT_CPU_LEVEL` or
/// `Runtime.setCPULevel` asks for a lower one.
///
/// Raw values are the C codes `SWIFTOPT_CPU_LEVEL_*`. Every level rounds the
/// same way (no FMA contraction), so results do not depend on the level.
public enum CPULevel: Int32, NamedCase, Comparable {
    /// The toolchain's baseline for the architecture (x86-64: SSE2).
    case baseline = 1
    /// x86-64-v3: AVX2, FMA, BMI2 (256-bit vectors).
    case x86_64_v3 = 2
    /// x86-64-v4: AVX-512 F/BW/DQ/VL (512-bit vectors).
    case x86_64_v4 = 3

    /// "baseline", "x86-64-v3" or "x86-64-v4".
    public var name: String {
        switch self {
        case .baseline: return "baseline"
        case .x86_64_v3: return "x86-64-v3"
        case .x86_64_v4: return "x86-64-v4"
        }
    }

    /// Looks a level up by name: "baseline", "x86-64-v3" (or "v3", "avx2"),
    /// "x86-64-v4" (or "v4", "avx512"); ASCII case ignored.
    public init?(name: String) {
        switch name.lowercased() {
        case "baseline", "x86-64", "x86-64-v1", "v1", "generic": self = .baseline
        case "x86-64-v3", "v3", "avx2": self = .x86_64_v3
        case "x86-64-v4", "v4", "avx512": self = .x86_64_v4
        default: return nil
        }
    }

    public static func < (a: CPULevel, b: CPULevel) -> Bool { a.rawValue < b.rawValue }
}

/// Process-wide run-time settings: the kernels' CPU level and the thread pool.
///
/// Change them between steps, not while another thread is stepping.
public enum Runtime {
    /// The best level this CPU supports.
    public static let supportedCPULevel: CPULevel = CPULevel(rawValue: Int32(so_cpu_best_level())) ?? .baseline

    /// The level the kernels run at.
    public static var cpuLevel: CPULevel { activeLevel }

    /// Runs the kernels at `level` (nil: the default, `SWIFTOPT_CPU_LEVEL` if
    /// set and supported, else the best supported level). Throws
    /// `.invalidArgument` for a level this CPU cannot run.
    public static func setCPULevel(_ level: CPULevel?) throws {
        guard let level else {
            activeLevel = defaultLevel()
            return
        }
        guard level <= supportedCPULevel else {
            throw OptimizerError(.invalidArgument,
                                 "CPU level \(level.name) is not supported by this CPU (best: \(supportedCPULevel.name))")
        }
        activeLevel = level
    }

    /// The number of threads a step may use (the caller's thread included).
    public static var threadCount: Int { ThreadPool.shared.size }

    /// Sets the number of threads steps may use, the calling thread included
    /// (nil or 0: the default, `SWIFTOPT_NUM_THREADS` if set, else the number
    /// of online cores). Throws `.outOfBounds` outside [0, 1024].
    public static func setThreadCount(_ count: Int?) throws {
        let n = count ?? 0
        guard n >= 0 && n <= 1024 else {
            throw OptimizerError(.outOfBounds, "thread count must be in [0, 1024], got \(n)")
        }
        ThreadPool.shared.resize(n == 0 ? ThreadPool.defaultSize() : n)
    }

    nonisolated(unsafe) static var activeLevel: CPULevel = defaultLevel()

    /// SWIFTOPT_CPU_LEVEL when it names a supported level, else the best one.
    static func defaultLevel() -> CPULevel {
        if let raw = getenv("SWIFTOPT_CPU_LEVEL"), let level = CPULevel(name: String(cString: raw)),
           level <= supportedCPULevel {
            return level
        }
        return supportedCPULevel
    }

    /// Updates elements [start, end) of one tensor with the active level's kernels.
    @inline(__always)
    static func runKernel(_ update: UnsafePointer<so_update>, _ start: Int, _ end: Int) {
        switch activeLevel {
        case .x86_64_v4: _SwiftOptKernelsV4.Kernels.apply(update, start: start, end: end)
        case .x86_64_v3: _SwiftOptKernelsV3.Kernels.apply(update, start: start, end: end)
        case .baseline: _SwiftOptKernelsBase.Kernels.apply(update, start: start, end: end)
        }
    }

    /// Whether elements [start, end) of one tensor's gradient hold a NaN or an
    /// infinity, with the active level's kernels.
    @inline(__always)
    static func runNonfiniteCheck(_ update: UnsafePointer<so_update>, _ start: Int, _ end: Int) -> Bool {
        switch activeLevel {
        case .x86_64_v4: return _SwiftOptKernelsV4.Kernels.hasNonfinite(update, start: start, end: end)
        case .x86_64_v3: return _SwiftOptKernelsV3.Kernels.hasNonfinite(update, start: start, end: end)
        case .baseline: return _SwiftOptKernelsBase.Kernels.hasNonfinite(update, start: start, end: end)
        }
    }
}
