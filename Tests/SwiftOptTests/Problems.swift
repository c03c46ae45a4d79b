#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SwiftOpt

/// A test objective with an analytic gradient, evaluated in the parameters' dtype.
enum Problem: String, Sendable, CaseIterable, CustomStringConvertible {
    /// f(x) = 1/2 Σ c_i x_i², c_i = 10^(3i/15), i = 0..<16: condition number 1e3.
    case quadratic
    /// Chained Rosenbrock in 8 dimensions:
    /// f(x) = Σ_{i<7} 100 (x_{i+1} − x_i²)² + (1 − x_i)², minimum at (1, …, 1).
    case rosenbrock

    var description: String { rawValue }

    var dimension: Int {
        switch self {
        case .quadratic: return 16
        case .rosenbrock: return 8
        }
    }

    /// The starting point (in Double; rounded once to the dtype).
    var start: [Double] {
        switch self {
        case .quadratic:
            return (0..<dimension).map { i -> Double in
                let sign: Double = i % 2 == 0 ? 1 : -0.75
                return sign * (1 + Double(i) / 16)
            }
        case .rosenbrock:
            return (0..<dimension).map { i -> Double in i % 2 == 0 ? -1.2 : 1.0 }
        }
    }

    /// The quadratic's curvatures.
    static let curvatures: [Double] = (0..<16).map { i in pow(10, 3 * Double(i) / 15) }

    func value<T: TestScalar>(_ x: [T]) -> Double {
        let x = x.map(Double.init)
        switch self {
        case .quadratic:
            return (0..<dimension).reduce(0) { $0 + 0.5 * Problem.curvatures[$1] * x[$1] * x[$1] }
        case .rosenbrock:
            return (0..<dimension - 1).reduce(0) { s, i in
                let a = x[i + 1] - x[i] * x[i], b = 1 - x[i]
                return s + 100 * a * a + b * b
            }
        }
    }

    /// ∇f(x), computed in T.
    func gradient<T: TestScalar>(_ x: [T]) -> [T] {
        var g = [T](repeating: 0, count: dimension)
        switch self {
        case .quadratic:
            for i in 0..<dimension { g[i] = T(Problem.curvatures[i]) * x[i] }
        case .rosenbrock:
            for i in 0..<dimension - 1 {
                let a = x[i + 1] - x[i] * x[i]
                g[i] = g[i] - 400 * x[i] * a - 2 * (1 - x[i])
                g[i + 1] = g[i + 1] + 200 * a
            }
        }
        return g
    }
}
