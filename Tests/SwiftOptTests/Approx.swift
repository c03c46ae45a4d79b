import SwiftOpt

// The one approximate-equality measure of the test suite (STYLE.md: tolerances
// go through one helper, never ad-hoc epsilons).
//
// Element i of `actual` is compared with element i of `expected` relative to
//
//     scale_i = max(|expected_i|, floorFraction · max_j |expected_j|)
//
// i.e. relatively, except that elements far below the tensor's own magnitude
// are measured against a floor of `floorFraction` times that magnitude (an
// element that decayed to 1e-300, or underflowed, is not compared to 16
// digits). A NaN or an infinity on either side is an infinite error.

/// The floor used everywhere: elements are compared relative to at least
/// 1e-6 of their tensor's largest magnitude.
let relativeFloorFraction = 1e-6

/// The worst element of a comparison: its relative error, index and values.
struct Deviation: Sendable, CustomStringConvertible {
    var error: Double = 0
    var index: Int = -1
    var actual: Double = 0
    var expected: Double = 0

    var description: String {
        index < 0 ? "rel. error 0"
            : "rel. error \(error) at [\(index)]: got \(actual), expected \(expected)"
    }
}

/// The relative deviation of `actual` from `expected` (see the file comment).
func relativeDeviation<A: BinaryFloatingPoint, E: BinaryFloatingPoint>(
    _ actual: [A], _ expected: [E], floorFraction: Double = relativeFloorFraction
) -> Deviation {
    guard actual.count == expected.count else {
        return Deviation(error: .infinity, index: min(actual.count, expected.count), actual: .nan, expected: .nan)
    }
    let magnitude = expected.reduce(0.0) { max($0, abs(Double($1))) }
    let floor = max(floorFraction * magnitude, Double.leastNormalMagnitude)
    var worst = Deviation()
    for i in actual.indices {
        let a = Double(actual[i]), e = Double(expected[i])
        let error: Double
        if !a.isFinite || !e.isFinite {
            error = a == e ? 0 : .infinity   // NaN != NaN: infinite
        } else {
            error = abs(a - e) / max(abs(e), floor)
        }
        if error > worst.error || (worst.index < 0 && error.isNaN) {
            worst = Deviation(error: error, index: i, actual: a, expected: e)
        }
    }
    return worst
}
