/// A row-wise quantize–dequantize with the gradient quantization-aware training gives it.
///
/// Rows are per output channel for a weight (out, in) and per token for a layer input (N, in).
/// Implementations must be safe to call from several shards at once (they are immutable values).
public protocol FakeQuantizer: Sendable {
    /// True if `qatForward` writes a mask that `qatBackward` needs; false: no mask is kept.
    var usesMask: Bool { get }

    /// Throws unless rows `cols` wide can be quantized; a model checks each width once, up front.
    func check(cols: Int) throws

    /// y (rows, cols) = fake-quantized x; mask (rows, cols) when `usesMask`. y may be x.
    func qatForward(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
                    mask: UnsafeMutablePointer<Float>?, rows: Int, cols: Int)

    /// d (rows, cols) ← ∂loss/∂x, in place, from d = ∂loss/∂y and the mask of the forward pass.
    func qatBackward(_ d: UnsafeMutablePointer<Float>, mask: UnsafePointer<Float>?, rows: Int, cols: Int)
}

/// QuEST in the Hadamard domain (the study's `HalfHadamardTrustQuantizer`): the output stays
/// rotated, so a layer must rotate both operands with the same H, i.e. quantize both W and x with
/// QuEST, to compute (xH)(WH)ᵀ = xWᵀ. The default block rule depends only on the width, so two
/// QuEST quantizers of any bits rotate the in-features of W and x alike.
extension QuEST: FakeQuantizer {
    public var usesMask: Bool { true }

    public func check(cols: Int) throws { _ = try hadamard(cols: cols) }

    public func qatForward(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
                           mask: UnsafeMutablePointer<Float>?, rows: Int, cols: Int) {
        forward(x, into: y, mask: mask!, rows: rows, cols: cols, domain: .hadamard, h: transform(cols: cols))
    }

    public func qatBackward(_ d: UnsafeMutablePointer<Float>, mask: UnsafePointer<Float>?, rows: Int, cols: Int) {
        backward(d, mask: mask!, into: d, rows: rows, cols: cols, domain: .hadamard, h: transform(cols: cols))
    }
}

/// Round-to-nearest with the identity gradient: no mask, and backward leaves d as it is.
extension StraightThrough: FakeQuantizer {
    public var usesMask: Bool { false }

    public func check(cols: Int) throws {}

    public func qatForward(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
                           mask: UnsafeMutablePointer<Float>?, rows: Int, cols: Int) {
        forward(x, into: y, rows: rows, cols: cols)
    }

    public func qatBackward(_ d: UnsafeMutablePointer<Float>, mask: UnsafePointer<Float>?, rows: Int, cols: Int) {}
}

/// The quantizer family of quantization-aware training.
public enum QATMethod: String, NamedChoice {
    /// QuEST: block Hadamard, MSE-optimal Gaussian clip, trust-masked gradient (docs/quantization.md §5).
    case quest
    /// Round-to-nearest, absmax scale per row, identity straight-through gradient (docs/quantization.md §6).
    case ste

    public static let noun = "QAT method"
}

/// Quantization-aware training as a run asks for it; part of `RunSpec`, so checkpoints keep it.
public struct QATConfig: Sendable, Codable, Equatable {
    public var method: QATMethod
    /// Bits of every block linear's weight, per output row.
    public var weightBits: Int
    /// Bits of every block linear's input, per token.
    public var inputBits: Int

    /// `method` at `weightBits` for weights and `inputBits` (default: the same) for inputs;
    /// `validate()` checks the bits.
    public init(method: QATMethod, weightBits: Int = 4, inputBits: Int? = nil) {
        self.method = method
        self.weightBits = weightBits
        self.inputBits = inputBits ?? weightBits
    }

    enum CodingKeys: String, CodingKey {
        case method
        case weightBits = "weight_bits", inputBits = "input_bits"
    }

    /// Both widths must be 2 to 8 bits.
    public func validate() throws {
        for (bits, field) in [(weightBits, RunField.qatBits), (inputBits, .qatActBits)] where !(2...8).contains(bits) {
            throw RunSpecError(field: field, problem: "must be 2 to 8 (got \(bits))")
        }
    }

    /// `quest w4a4`: method, weight bits, input bits.
    public var label: String { "\(method.rawValue) w\(weightBits)a\(inputBits)" }
}

/// What QAT does to every block linear (q, k, v, o, up, down): fake-quantize its weight per
/// output row and its input per token. The embedding and the tied head stay full precision, as in
/// the study (docs/quantization.md §7.2).
public struct QATPlan: Sendable {
    public var weights: any FakeQuantizer
    public var inputs: any FakeQuantizer

    public init(weights: any FakeQuantizer, inputs: any FakeQuantizer) {
        self.weights = weights
        self.inputs = inputs
    }

    /// The configured method at its bits: QuEST on both sides, or RTN (absmax per row) with STE.
    public init(_ config: QATConfig) throws {
        try config.validate()
        switch config.method {
        case .quest:
            self.init(weights: try QuEST(bits: config.weightBits), inputs: try QuEST(bits: config.inputBits))
        case .ste:
            self.init(weights: StraightThrough(try RoundToNearest(bits: config.weightBits, granularity: .row)),
                      inputs: StraightThrough(try RoundToNearest(bits: config.inputBits, granularity: .row)))
        }
    }

    /// Throws unless both quantizers take every in-features width of `model`'s block linears.
    public func check(_ model: ModelConfig) throws {
        for cols in Set([model.width, model.heads * model.headDim, model.mlpWidth]) {
            try weights.check(cols: cols)
            try inputs.check(cols: cols)
        }
    }
}
