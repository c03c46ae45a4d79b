import Testing
import SwiftOpt

// The run-time settings change speed, never results: the parity table passes
// at every CPU level this machine runs, with the same deviations bit for bit,
// and a step gives the same bits whatever the number of threads.
//
// Both settings are process-wide; tests running beside these ones may run at
// the level or thread count set here, which is harmless by the same property.

@Suite("Runtime: CPU levels and threads", .serialized)
struct RuntimeTests {
    @Test("the parity table passes at every supported CPU level, with identical deviations")
    func parityAtEveryLevel() throws {
        let levels = CPULevel.allCases.filter { $0 <= Runtime.supportedCPULevel }
        var first: [String: [Double]] = [:]
        defer { try? Runtime.setCPULevel(nil) }
        for level in levels {
            try Runtime.setCPULevel(level)
            #expect(Runtime.cpuLevel == level)
            for row in parityTable {
                let outcome = row.dtype == .float64 ? measure(row, as: Double.self) : measure(row, as: Float.self)
                for failure in outcome.failures { Issue.record("\(level.name) \(row.testDescription): \(failure)") }
                for check in outcome.checks {
                    #expect(check.deviation.error <= check.bound,
                            "\(level.name) \(row.testDescription): \(check.what): \(check.deviation)")
                }
                let errors = outcome.checks.map(\.deviation.error)
                if let known = first[row.testDescription] {
                    #expect(known == errors, "\(level.name) \(row.testDescription): results differ from \(levels[0].name)")
                } else {
                    first[row.testDescription] = errors
                }
            }
        }
    }

    @Test("a level above the CPU's is refused; names round-trip")
    func levels() throws {
        for level in CPULevel.allCases { #expect(CPULevel(name: level.name) == level) }
        #expect(CPULevel(name: "avx512") == .x86_64_v4)
        #expect(CPULevel(name: "AVX2") == .x86_64_v3)
        #expect(CPULevel(name: "sse9") == nil)
        if let above = CPULevel(rawValue: Runtime.supportedCPULevel.rawValue + 1) {
            #expect(throws: OptimizerError.self) { try Runtime.setCPULevel(above) }
        }
        #expect(Runtime.cpuLevel <= Runtime.supportedCPULevel)
        #expect(throws: OptimizerError.self) { try Runtime.setThreadCount(-1) }
    }

    /// Steps Adam (every option that reads the whole group: norm clipping,
    /// decay, L1) on one tensor large enough to be split in chunks and many
    /// small ones, library-owned, and returns the parameters.
    func stepped(threads: Int, dtype: DType) throws -> [[UInt64]] {
        try Runtime.setThreadCount(threads)
        let sizes = [700_001] + Array(repeating: 50_000, count: 12) + [3]
        let opt = Optimizer(algorithm: .adamw)
        try opt.set(.lr, 1e-2)
        try opt.set(.maxGradNorm, 0.5)
        try opt.set(.weightDecay, 1e-2)
        try opt.set(.l1, 1e-4)
        var params = sizes.enumerated().map { t, n in (0..<n).map { Double(($0 * 7 + t) % 13) / 13 - 0.4 } }
        var params32 = params.map { $0.map(Float.init) }
        let grads = sizes.enumerated().map { t, n in (0..<n).map { Double(($0 * 5 + t * 3) % 11) / 11 - 0.5 } }
        let grads32 = grads.map { $0.map(Float.init) }
        for t in sizes.indices {
            if dtype == .float64 {
                try params[t].withUnsafeMutableBytes { _ = try opt.addParam($0.baseAddress!, count: sizes[t], dtype: dtype) }
            } else {
                try params32[t].withUnsafeMutableBytes { _ = try opt.addParam($0.baseAddress!, count: sizes[t], dtype: dtype) }
            }
        }
        for _ in 0..<3 {
            let pointers: [UnsafeRawPointer?] = dtype == .float64
                ? grads.map { $0.withUnsafeBytes { UnsafeRawPointer($0.baseAddress!) } }
                : grads32.map { $0.withUnsafeBytes { UnsafeRawPointer($0.baseAddress!) } }
            try opt.step(grads: pointers)
        }
        return dtype == .float64 ? params.map { $0.map(\.bitPattern) } : params32.map { $0.map { UInt64($0.bitPattern) } }
    }

    @Test("steps are bit-identical with 1, 2 and 3 threads", arguments: [DType.float32, .float64])
    func threadsDoNotChangeResults(_ dtype: DType) throws {
        defer { try? Runtime.setThreadCount(nil) }
        let one = try stepped(threads: 1, dtype: dtype)
        #expect(try stepped(threads: 2, dtype: dtype) == one)
        #expect(try stepped(threads: 3, dtype: dtype) == one)
        #expect(Runtime.threadCount == 3)
    }
}
