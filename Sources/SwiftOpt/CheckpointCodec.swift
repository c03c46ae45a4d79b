// The byte-level pieces of the checkpoint format (Optimizer+Checkpoint.swift):
// a CRC-32, a writer of little-endian fixed-width fields and a reader that
// checks every read against the end of its input, so that truncated or
// corrupted bytes throw instead of trapping.

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320; the CRC of zlib,
/// PNG and gzip), computed eight bytes at a time (slicing-by-8).
enum CRC32 {
    /// Eight tables of 256 entries: table k advances a byte through k + 1 bytes.
    private static let tables: [UInt32] = {
        var t = [UInt32](repeating: 0, count: 8 * 256)
        for n in 0..<256 {
            var c = UInt32(n)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
            t[n] = c
        }
        for k in 1..<8 {
            for n in 0..<256 {
                let previous = t[(k - 1) * 256 + n]
                t[k * 256 + n] = (previous >> 8) ^ t[Int(previous & 0xFF)]
            }
        }
        return t
    }()

    /// The CRC-32 of `bytes` (0 for no bytes; "123456789" gives 0xCBF43926).
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        tables.withUnsafeBufferPointer { t in
            var i = 0
            let n = bytes.count
            while i + 8 <= n {
                let a = crc ^ (UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8
                               | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24)
                crc = t[7 * 256 + Int(a & 0xFF)] ^ t[6 * 256 + Int((a >> 8) & 0xFF)]
                    ^ t[5 * 256 + Int((a >> 16) & 0xFF)] ^ t[4 * 256 + Int(a >> 24)]
                    ^ t[3 * 256 + Int(bytes[i + 4])] ^ t[2 * 256 + Int(bytes[i + 5])]
                    ^ t[1 * 256 + Int(bytes[i + 6])] ^ t[Int(bytes[i + 7])]
                i += 8
            }
            while i < n {
                crc = t[Int((crc ^ UInt32(bytes[i])) & 0xFF)] ^ (crc >> 8)
                i += 1
            }
        }
        return crc ^ 0xFFFF_FFFF
    }
}

/// Writes little-endian fields into a buffer of known size, or only counts
/// the bytes when it has no buffer (to compute a checkpoint's size with the
/// same code that writes it).
struct CheckpointWriter {
    private let base: UnsafeMutableRawPointer?
    private let capacity: Int
    /// Bytes written (or counted) so far.
    private(set) var offset = 0

    /// A writer that only counts.
    init() {
        base = nil
        capacity = 0
    }

    /// A writer into `buffer`, which the caller has sized with a counting pass.
    init(into buffer: UnsafeMutableRawBufferPointer) {
        base = buffer.baseAddress
        capacity = buffer.count
    }

    mutating func u8(_ value: UInt8) { bytes(of: value) }
    mutating func u32(_ value: UInt32) { bytes(of: value.littleEndian) }
    mutating func u64(_ value: UInt64) { bytes(of: value.littleEndian) }
    mutating func i64(_ value: Int64) { bytes(of: value.littleEndian) }
    mutating func f64(_ value: Double) { u64(value.bitPattern) }

    private mutating func bytes<T>(of value: T) {
        withUnsafeBytes(of: value) { raw($0) }
    }

    /// Whether a write went past the buffer (and was dropped). Sizing the
    /// buffer with a counting pass makes this impossible; it is checked
    /// instead of trapping, because a trap would kill the host process.
    private(set) var overran = false

    /// Copies raw bytes as they are.
    mutating func raw(_ bytes: UnsafeRawBufferPointer) {
        if let base, bytes.count > 0 {
            if offset + bytes.count <= capacity {
                (base + offset).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            } else {
                overran = true
            }
        }
        offset += bytes.count
    }

    /// Writes `count` elements of `dtype` from `pointer` as little-endian values.
    mutating func elements(_ pointer: UnsafeRawPointer, count: Int, dtype: DType) {
        #if _endian(little)
        raw(UnsafeRawBufferPointer(start: pointer, count: count * dtype.size))
        #else
        for i in 0..<count {
            switch dtype {
            case .float32: u32(pointer.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
            case .float64: u64(pointer.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))
            }
        }
        #endif
    }

    /// Overwrites 8 bytes at `position` (already written) with `value`.
    mutating func patchU64(_ value: UInt64, at position: Int) {
        guard let base else { return }
        withUnsafeBytes(of: value.littleEndian) { (base + position).copyMemory(from: $0.baseAddress!, byteCount: 8) }
    }

    /// The bytes written so far (only for a writer with a buffer).
    var written: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: base, count: base == nil ? 0 : offset)
    }
}

/// Reads little-endian fields from untrusted bytes. Every read checks the
/// remaining length and throws `.corruptData` when the input ends early.
struct CheckpointReader {
    private let bytes: UnsafeRawBufferPointer
    private(set) var offset = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    /// Throws unless `count` more bytes are available.
    func need(_ count: Int, _ what: @autoclosure () -> String) throws {
        guard count >= 0, count <= remaining else {
            throw OptimizerError(.corruptData, "checkpoint truncated: \(what()) needs \(count) bytes at offset "
                                 + "\(offset), \(Swift.max(remaining, 0)) left")
        }
    }

    private mutating func load<T: FixedWidthInteger>(_ type: T.Type, _ what: @autoclosure () -> String) throws -> T {
        try need(MemoryLayout<T>.size, what())
        let value = bytes.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: value)
    }

    mutating func u8(_ what: @autoclosure () -> String) throws -> UInt8 { try load(UInt8.self, what()) }
    mutating func u32(_ what: @autoclosure () -> String) throws -> UInt32 { try load(UInt32.self, what()) }
    mutating func u64(_ what: @autoclosure () -> String) throws -> UInt64 { try load(UInt64.self, what()) }
    mutating func i64(_ what: @autoclosure () -> String) throws -> Int64 { try load(Int64.self, what()) }
    mutating func f64(_ what: @autoclosure () -> String) throws -> Double {
        Double(bitPattern: try load(UInt64.self, what()))
    }

    /// Skips `count` bytes and returns them (a view into the input).
    mutating func raw(_ count: Int, _ what: @autoclosure () -> String) throws -> UnsafeRawBufferPointer {
        try need(count, what())
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
        offset += count
        return slice
    }
}

/// Copies `count` little-endian elements of `dtype` from `source` (any
/// alignment) to `destination` (aligned, native byte order).
func copyLittleEndianElements(_ source: UnsafeRawBufferPointer, to destination: UnsafeMutableRawPointer,
                              count: Int, dtype: DType) {
    #if _endian(little)
    if count > 0 { destination.copyMemory(from: source.baseAddress!, byteCount: count * dtype.size) }
    #else
    for i in 0..<count {
        switch dtype {
        case .float32:
            let v = UInt32(littleEndian: source.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))
            destination.storeBytes(of: v, toByteOffset: i * 4, as: UInt32.self)
        case .float64:
            let v = UInt64(littleEndian: source.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))
            destination.storeBytes(of: v, toByteOffset: i * 8, as: UInt64.self)
        }
    }
    #endif
}
