// swift-tools-version: 6.2
//
// swiftopt: an embeddable optimizer runtime.
//
//   products   SwiftOpt   the pure-Swift core, for Swift callers
//              swiftopt   libswiftopt.so, the C ABI declared in include/swiftopt.h
//   targets    SwiftOpt       optimizers, kernels, hyperparameter tables (no C types)
//              _SwiftOptABI   the C entry points: validation, handles, status codes
//              CSwiftOpt      the public header, imported so that every export is
//                             checked against its prototype (@c @implementation)
import PackageDescription

/// Kernels must vectorise `sqrt`: without -fno-math-errno each lane calls sqrtf.
let numericSettings: [SwiftSetting] = [
    .unsafeFlags(["-Xcc", "-fno-math-errno"]),
]

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
            swiftSettings: numericSettings
        ),
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
