import Foundation

/// Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON header
/// naming each tensor's dtype, shape and byte range, then the raw little-endian data.
///
/// Only F32 tensors are written; the header's `__metadata__` holds string key–values (config,
/// step, optimizer). Files load with PyTorch's `safetensors.torch.load_file`.
public enum Safetensors {
    public struct Entry {
        public let name: String
        public let shape: [Int]
        public let values: UnsafeBufferPointer<Float>

        public init(name: String, shape: [Int], values: UnsafeBufferPointer<Float>) {
            self.name = name
            self.shape = shape
            self.values = values
        }
    }

    /// A loaded file: tensors by name (as arrays) and the metadata.
    public struct File: Sendable {
        public let tensors: [String: (shape: [Int], values: [Float])]
        public let metadata: [String: String]
    }

    /// Serialises `entries` in order, atomically replacing `path`.
    public static func write(_ entries: [Entry], metadata: [String: String], to path: String) throws {
        var header: [String: Any] = ["__metadata__": metadata]
        var offset = 0
        for e in entries {
            let bytes = e.values.count * 4
            header[e.name] = ["dtype": "F32", "shape": e.shape, "data_offsets": [offset, offset + bytes]]
            offset += bytes
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad with spaces so the data starts 8-byte aligned, as the reference writer does.
        while (json.count + 8) % 8 != 0 { json.append(UInt8(ascii: " ")) }
        var data = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for e in entries {
            e.values.withMemoryRebound(to: UInt8.self) { raw in
                data.append(raw.baseAddress!, count: e.values.count * 4)
            }
        }
        try AtomicFile.write(data, to: path)
    }

    public static func read(path: String) throws -> File {
        let data = try TextFile.read(path, limit: Int(min(ProcessInfo.processInfo.physicalMemory / 2, 1 << 40)),
                                     what: "checkpoint")
        func bad(_ why: String) -> QScopeError { .badInput("\(path) is not a valid safetensors file: \(why)") }
        guard data.count >= 8 else { throw bad("too short") }
        let headerLength = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard headerLength <= UInt64(data.count - 8) else { throw bad("header length \(headerLength) exceeds the file") }
        let headerData = data.subdata(in: 8..<(8 + Int(headerLength)))
        guard let header = try? JSONSerialization.jsonObject(with: headerData) as? [String: Any] else {
            throw bad("header is not a JSON object")
        }
        let base = 8 + Int(headerLength)
        var tensors: [String: (shape: [Int], values: [Float])] = [:]
        for (name, value) in header where name != "__metadata__" {
            guard let info = value as? [String: Any], info["dtype"] as? String == "F32",
                  let shape = info["shape"] as? [Int], let range = info["data_offsets"] as? [Int],
                  let count = elementCount(shape, limit: (data.count - base) / 4),
                  range.count == 2, range[0] >= 0, range[0] <= range[1], range[1] <= data.count - base,
                  range[1] - range[0] == count * 4
            else { throw bad("entry \(name) is malformed or not F32") }
            var values = [Float](repeating: 0, count: count)
            values.withUnsafeMutableBytes { dst in
                data.copyBytes(to: dst.bindMemory(to: UInt8.self), from: (base + range[0])..<(base + range[1]))
            }
            tensors[name] = (shape, values)
        }
        let metadata = header["__metadata__"] as? [String: String] ?? [:]
        return File(tensors: tensors, metadata: metadata)
    }

    /// The element count of `shape`, nil for a negative dimension or a count past `limit`
    /// (checked at every factor, so a crafted shape cannot overflow).
    static func elementCount(_ shape: [Int], limit: Int) -> Int? {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow, product <= limit else { return nil }
            count = product
        }
        return count
    }
}
