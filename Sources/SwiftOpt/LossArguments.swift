/// Argument checks shared by the loss and penalty functions. Each throws an
/// `OptimizerError` before anything is written; none can trap.
enum LossArguments {
    /// A positive element count whose bytes fit the address space.
    static func count(_ count: Int, _ dtype: DType, _ what: String) throws {
        guard count > 0 else {
            throw OptimizerError(.invalidArgument, "\(what) must be > 0, got \(count)")
        }
        guard count <= Int.max / dtype.size else {
            throw OptimizerError(.invalidArgument, "\(what) \(count) overflows the address space")
        }
    }

    /// The element count n * c of an (n, c) matrix, checked for overflow.
    static func matrix(_ n: Int, _ c: Int, _ dtype: DType, rows: String, columns: String) throws -> Int {
        try count(n, dtype, rows)
        try count(c, dtype, columns)
        let (total, overflow) = n.multipliedReportingOverflow(by: c)
        guard !overflow, total <= Int.max / dtype.size else {
            throw OptimizerError(.invalidArgument, "\(rows) * \(columns) = \(n) * \(c) overflows the address space")
        }
        return total
    }

    /// A buffer aligned to its element size.
    static func aligned(_ pointer: UnsafeRawPointer?, _ size: Int, _ what: String) throws {
        guard let pointer else { return }
        guard Int(bitPattern: pointer) % size == 0 else {
            throw OptimizerError(.invalidArgument, "\(what) is not aligned to \(size) bytes")
        }
    }

    static func aligned(_ pointer: UnsafeMutableRawPointer?, _ size: Int, _ what: String) throws {
        try aligned(pointer.map { UnsafeRawPointer($0) }, size, what)
    }

    /// A finite option value within [lower, upper] (lower excluded when
    /// `lowerExclusive`).
    static func bounded(_ value: Double, _ name: String, _ lower: Double, _ upper: Double = .infinity,
                        lowerExclusive: Bool = false) throws {
        let aboveLower = lowerExclusive ? value > lower : value >= lower
        guard value.isFinite, aboveLower, value <= upper else {
            let range = (lowerExclusive ? "(" : "[") + "\(lower), "
                + (upper.isFinite ? "\(upper)]" : "inf)")
            throw OptimizerError(.outOfBounds, "\(name) must be finite and in \(range), got \(value)")
        }
    }

    /// Class-index targets: each is `ignoreIndex` or in [0, classes).
    /// Returns the mean's denominator: the sum over non-ignored targets of
    /// their class weight (1 without weights).
    static func classTargets<T: BinaryFloatingPoint>(
        _ target: UnsafePointer<Int64>, _ n: Int, _ classes: Int, _ ignoreIndex: Int64,
        _ weight: UnsafePointer<T>?
    ) throws -> Double {
        var total = CompensatedSum()
        for i in 0..<n {
            let t = target[i]
            if t == ignoreIndex { continue }
            guard t >= 0, t < Int64(classes) else {
                throw OptimizerError(.indexOutOfRange,
                                     "target[\(i)] = \(t) is not a class in [0, \(classes)) nor ignore_index (\(ignoreIndex))")
            }
            total.add(weight.map { Double($0[Int(t)]) } ?? 1)
        }
        return total.value
    }
}

/// A sum of Doubles with Neumaier's compensation: the result is as if summed
/// in about twice Double's precision, whatever the order or the number of
/// terms. Infinities and NaNs propagate as in a plain sum.
struct CompensatedSum {
    private var sum = 0.0
    private var compensation = 0.0

    @inline(__always)
    mutating func add(_ x: Double) {
        let t = sum + x
        if Swift.abs(sum) >= Swift.abs(x) {
            compensation += (sum - t) + x
        } else {
            compensation += (x - t) + sum
        }
        sum = t
    }

    var value: Double { sum.isFinite ? sum + compensation : sum }
}
