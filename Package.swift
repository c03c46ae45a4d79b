// swift-tools-version: 6.2
//
// swiftopt: an embeddable optimizer runtime.
//
//   products   SwiftOpt   the pure-Swift core, for Swift callers
//              swiftopt   libswiftopt.so, the C ABI declared in include/swiftopt.h
//   targets    SwiftOpt       optimizers, hyperparameter tables, CPU-level dispatch, thread pool
//              _SwiftOptKernels{Base,V3,V4}
//                             the fused update kernels, one source file compiled for
//                             three CPU levels (V3, V4: symlinks to Base's file)
//              _SwiftOptSupport  internal C: the kernels' update struct, the CPU probe
//              _SwiftOptABI   the C entry points: validation, handles, status codes
//              CSwiftOpt      the public header, imported so that every export is
//                             checked against its prototype (@c @implementation)
import PackageDescription

/// Kernels must vectorise `sqrt`: without -fno-math-errno each lane calls sqrtf.
let numericSettings: [SwiftSetting] = [
    .unsafeFlags(["-Xcc", "-fno-math-errno"]),
]

/// Kernel settings for one CPU level: `-Xcc -march=…` changes Swift's code
/// generation. SwiftPM has no architecture condition and the manifest is
/// compiled for the host, so the x86-only flags are guarded here; on other
/// machines the three kernel modules are the same baseline code.
/// x86-64-v4 alone keeps 256-bit vectors (LLVM's prefer-vector-width); the
/// V4 kernels ask for 512-bit ones.
func kernelSettings(march: String?, vectorWidth: Int? = nil) -> [SwiftSetting] {
    var flags = ["-Xcc", "-fno-math-errno"]
    #if arch(x86_64)
    if let march { flags += ["-Xcc", "-march=\(march)"] }
    if let vectorWidth { flags += ["-Xcc", "-mprefer-vector-width=\(vectorWidth)"] }
    #endif
    return [.unsafeFlags(flags)]
}

/// The release library is self-contained (Swift runtime linked statically),
/// stripped, and exports only the `swiftopt_*` names. Release only: in debug
/// `-static-stdlib` breaks `swift test`'s link.
let abiLinkerSettings: [LinkerSetting] = [
    .unsafeFlags([
        "-static-stdlib",
        "-Xlinker", "--strip-all",
        "-Xlinker", "--version-script=Sources/_SwiftOptABI/exports.map",
    ], .when(configuration: .release)),
]

let package = Package(
    name: "swiftopt",
    products: [
        .library(name: "SwiftOpt", targets: ["SwiftOpt"]),
        .library(name: "swiftopt", type: .dynamic, targets: ["_SwiftOptABI"]),
    ],
    targets: [
        .target(
            name: "SwiftOpt",
            dependencies: ["_SwiftOptSupport", "_SwiftOptKernelsBase", "_SwiftOptKernelsV3", "_SwiftOptKernelsV4"],
            swiftSettings: numericSettings
        ),
        .target(name: "_SwiftOptSupport"),
        .target(name: "_SwiftOptKernelsBase", dependencies: ["_SwiftOptSupport"],
                swiftSettings: kernelSettings(march: nil)),
        .target(name: "_SwiftOptKernelsV3", dependencies: ["_SwiftOptSupport"],
                swiftSettings: kernelSettings(march: "x86-64-v3")),
        .target(name: "_SwiftOptKernelsV4", dependencies: ["_SwiftOptSupport"],
                swiftSettings: kernelSettings(march: "x86-64-v4", vectorWidth: 512)),
        .systemLibrary(name: "CSwiftOpt", path: "include"),
        .target(
            name: "_SwiftOptABI",
            dependencies: ["SwiftOpt", "CSwiftOpt"],
            exclude: ["exports.map"],
            swiftSettings: numericSettings,
            linkerSettings: abiLinkerSettings
        ),
        .testTarget(
            name: "SwiftOptTests",
            dependencies: ["SwiftOpt", "_SwiftOptABI", "CSwiftOpt"],
            swiftSettings: numericSettings
        ),
    ]
)
