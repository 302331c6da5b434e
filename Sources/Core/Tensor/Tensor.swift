/// Contiguous, 64-byte-aligned Float32 storage with a row-major shape.
///
/// A `Tensor` is a reference: layers and optimizers write into it in place through `data`, so no
/// step allocates. It is deliberately not `Sendable`; every tensor belongs to one trainer thread.
public final class Tensor {
    public let shape: [Int]
    /// Number of elements, the product of `shape`.
    public let count: Int
    public let data: UnsafeMutablePointer<Float>

    /// A zero-filled tensor.
    public init(shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        self.count = shape.reduce(1, *)
        let bytes = Swift.max(count, 1) * MemoryLayout<Float>.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        raw.initializeMemory(as: Float.self, repeating: 0, count: Swift.max(count, 1))
        self.data = raw.assumingMemoryBound(to: Float.self)
    }

    /// A tensor holding a copy of `values`.
    public convenience init(shape: [Int], values: [Float]) {
        self.init(shape: shape)
        precondition(values.count == count, "\(values.count) values for shape \(shape)")
        values.withUnsafeBufferPointer { data.update(from: $0.baseAddress!, count: count) }
    }

    deinit { UnsafeMutableRawPointer(data).deallocate() }

    public var buffer: UnsafeMutableBufferPointer<Float> { .init(start: data, count: count) }

    public subscript(i: Int) -> Float {
        get { data[i] }
        set { data[i] = newValue }
    }

    public func zero() { data.update(repeating: 0, count: count) }

    public func copy(from other: Tensor) {
        precondition(other.count == count, "copying \(other.count) elements into \(count)")
        data.update(from: other.data, count: count)
    }

    /// The elements as an array (for tests, checkpoints and printing; never in a hot loop).
    public var array: [Float] { Array(buffer) }
}
