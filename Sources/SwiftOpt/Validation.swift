// Argument checks shared by the optimizer and the standalone functions.

/// Throws unless `count` is > 0 and its byte size fits in an Int.
func checkCount(_ count: Int64, _ dtype: DType, _ what: String) throws {
    guard count > 0 else {
        throw OptimizerError(.invalidArgument, "\(what): element count must be > 0, got \(count)")
    }
    guard count <= Int64(Int.max / dtype.size) else {
        throw OptimizerError(.invalidArgument, "\(what): element count \(count) overflows the address space")
    }
}

/// Throws unless `pointer` is aligned to the element size of `dtype`.
func checkAligned(_ pointer: UnsafeRawPointer, _ dtype: DType, _ what: String) throws {
    guard Int(bitPattern: pointer) % dtype.size == 0 else {
        throw OptimizerError(.invalidArgument, "\(what) is not aligned to \(dtype.size) bytes (\(dtype.name))")
    }
}
