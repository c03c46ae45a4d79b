import CSwiftOpt
import SwiftOpt

// Checkpoints: the optimizer's whole state as bytes, and back
// (Optimizer+Checkpoint.swift in the core).

@c @implementation
public func swiftopt_optimizer_checkpoint_size(_ optimizer: OpaquePointer?,
                                               _ outSize: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded("swiftopt_optimizer_checkpoint_size") {
        try withOptimizer(optimizer) { opt in
            try required(outSize, "out_size").pointee = Int64(opt.checkpointSize)
        }
    }
}

@c @implementation
public func swiftopt_optimizer_save(_ optimizer: OpaquePointer?, _ buffer: UnsafeMutableRawPointer?,
                                    _ capacity: Int64, _ outSize: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded("swiftopt_optimizer_save") {
        try withOptimizer(optimizer) { opt in
            guard capacity >= 0 else {
                throw ABIError(SWIFTOPT_ERROR_INVALID_ARGUMENT, "capacity must be >= 0, got \(capacity)")
            }
            guard capacity == 0 || buffer != nil else { throw ABIError.null("buffer") }
            let size = opt.checkpointSize
            guard capacity >= Int64(size) else {
                outSize?.pointee = Int64(size)
                throw ABIError(SWIFTOPT_ERROR_BUFFER_TOO_SMALL,
                               "the checkpoint needs \(size) bytes, capacity is \(capacity)")
            }
            try opt.checkpoint(into: UnsafeMutableRawBufferPointer(start: buffer, count: size))
            outSize?.pointee = Int64(size)
        }
    }
}

@c @implementation
public func swiftopt_optimizer_load(_ optimizer: OpaquePointer?, _ data: UnsafeRawPointer?,
                                    _ size: Int64) -> Int32 {
    guarded("swiftopt_optimizer_load") {
        try withOptimizer(optimizer) { opt in
            guard let data else { throw ABIError.null("data") }
            guard size >= 0 else {
                throw ABIError(SWIFTOPT_ERROR_INVALID_ARGUMENT, "size must be >= 0, got \(size)")
            }
            try opt.restore(from: UnsafeRawBufferPointer(start: data, count: int(size)))
        }
    }
}
