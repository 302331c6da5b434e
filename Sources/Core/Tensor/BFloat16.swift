import CKernels

/// bfloat16 numbers and matrix products, for the reference-precision Newton–Schulz.
///
/// A bf16 value is a `UInt16` holding the upper half of a Float32 bit pattern (8 exponent bits,
/// 7 stored mantissa bits), so widening to Float is exact and rounding keeps the range. Products
/// go through `CKernels` with PyTorch's CPU bf16 matmul numerics: bf16 operands, fp32
/// accumulation, the epilogue alpha·acc + beta·D in fp32, one rounding to bf16 at the end
/// (checked against torch 2.13's `mm`/`addmm`: identical up to the fp32 summation order).
public enum BFloat16 {
    /// Which implementation multiplies; both compute the same function up to the fp32
    /// summation order (and denormals, which the AVX512-BF16 instructions flush to zero).
    public enum Path: String, Sendable, CaseIterable {
        /// `vdpbf16ps` kernels (x86-64 with AVX512-BF16), about 3× OpenBLAS sgemm on Zen 5.
        case avx512bf16
        /// Operands widened to Float32 and multiplied by OpenBLAS, results rounded: any CPU.
        case emulated

        /// True when this CPU (and OS) can run `.avx512bf16`.
        public static var nativeAvailable: Bool { ckernels_has_avx512bf16() != 0 }

        /// The fastest path this machine runs.
        public static var best: Path { nativeAvailable ? .avx512bf16 : .emulated }
    }

    /// The product `gemm` computes from A (m×k unless stated) and its second operand.
    public enum Product: Sendable {
        /// A·B with B k×n.
        case ab
        /// A·Bᵀ with B n×k.
        case abt
        /// A·Aᵀ (n = m, no B): half the multiplications; D must be symmetric.
        case aat
        /// Aᵀ·A with A stored k×m (lda ≥ m; n = m, no B); symmetric like `aat`.
        case ata

        var c: ckernels_product {
            switch self {
            case .ab: CKERNELS_PRODUCT_AB
            case .abt: CKERNELS_PRODUCT_ABT
            case .aat: CKERNELS_PRODUCT_AAT
            case .ata: CKERNELS_PRODUCT_ATA
            }
        }
    }

    /// `x` rounded to the nearest bf16, ties to even (torch's `c10::BFloat16`); NaN stays NaN.
    @inline(__always)
    public static func round(_ x: Float) -> UInt16 {
        let bits = x.bitPattern
        let rounded = (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) >> 16
        // A NaN whose payload sits in the low half would round to Inf; keep it a quiet NaN. A
        // select rather than an early return, so loops of roundings vectorise.
        return UInt16(truncatingIfNeeded: x.isNaN ? (bits >> 16) | 0x40 : rounded)
    }

    /// The Float a bf16 value stands for (exact).
    @inline(__always)
    public static func float(_ bits: UInt16) -> Float { Float(bitPattern: UInt32(bits) << 16) }

    /// Bytes of scratch `gemm` needs for an m×n result with inner dimension k (either path).
    public static func workspaceBytes(m: Int, n: Int, k: Int) -> Int {
        ckernels_bf16_gemm_workspace_size(Int32(m), Int32(n), Int32(k))
    }

    /// c (m×n) = bf16(alpha·A·op(B) + beta·D), fp32 accumulation. Row-major, leading dimensions
    /// in elements; `d` is read only when beta ≠ 0; c must not overlap a, b or d. `workspace`
    /// holds `workspaceBytes(m:n:k:)` bytes. `.avx512bf16` requires `Path.nativeAvailable`.
    public static func gemm(path: Path, _ product: Product, m: Int, n: Int, k: Int, alpha: Float,
                            a: UnsafePointer<UInt16>, lda: Int, b: UnsafePointer<UInt16>? = nil, ldb: Int = 0,
                            beta: Float = 0, d: UnsafePointer<UInt16>? = nil, ldd: Int = 0,
                            c: UnsafeMutablePointer<UInt16>, ldc: Int, workspace: UnsafeMutableRawPointer) {
        precondition(m >= 1 && n >= 1 && k >= 1, "bf16 gemm needs positive sizes, got \(m)×\(n)×\(k)")
        precondition(path == .emulated || Path.nativeAvailable, "this CPU has no AVX512-BF16")
        let symmetric = product == .aat || product == .ata
        precondition(symmetric ? n == m : b != nil, "A·Aᵀ and Aᵀ·A are square; the other products need B")
        precondition(beta == 0 || d != nil, "beta ≠ 0 needs D")
        ckernels_bf16_gemm(path == .emulated ? 1 : 0, product.c, Int32(m), Int32(n), Int32(k), alpha,
                           a, Int32(lda), b, Int32(ldb), beta, d, Int32(ldd), c, Int32(ldc), workspace)
    }
}
