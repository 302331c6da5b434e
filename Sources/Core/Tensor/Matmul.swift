import CKernels

/// The arithmetic of a model's matrix products.
public enum MatmulPrecision: String, NamedChoice {
    /// fp32 operands and accumulation (OpenBLAS sgemm): the default, and what the golden tests pin.
    case fp32
    /// Mixed precision as the paper trains (PyTorch bf16 autocast): the operands of every matrix
    /// product of forward and backward are rounded to bfloat16 (nearest, ties to even) and the
    /// products accumulated in fp32 into an fp32 result. Master weights, gradients, optimizer
    /// states, norms, softmax and the loss stay fp32. Unlike autocast, results are not rounded
    /// to bf16 again before the next fp32 operation (docs/model.md §Precision).
    case bf16

    public static let noun = "precision"

    /// How this machine computes products at this precision, e.g. `AVX512-BF16 (vdpbf16ps)`.
    public var kernelName: String {
        switch self {
        case .fp32: "OpenBLAS sgemm, \(BLASKernel.current.coreName) kernels"
        case .bf16: BF16Kernel.best.displayName
        }
    }
}

/// Matrix products at one precision. A bf16 `Matmul` borrows the packing scratch of the
/// `BF16Scratch` that made it; it is used by one product at a time, so it must not be shared
/// between threads (each data-parallel shard has its own).
public struct Matmul {
    public let precision: MatmulPrecision
    /// The bf16 kernel (tests compare them; models use `BF16Kernel.best`).
    public let kernel: BF16Kernel
    private let workspace: UnsafeMutableRawPointer?
    private let workspaceBytes: Int

    /// fp32 products; no scratch.
    public static var fp32: Matmul { Matmul(precision: .fp32, kernel: .emulated, workspace: nil, bytes: 0) }

    fileprivate init(precision: MatmulPrecision, kernel: BF16Kernel, workspace: UnsafeMutableRawPointer?, bytes: Int) {
        (self.precision, self.kernel, self.workspace, self.workspaceBytes) = (precision, kernel, workspace, bytes)
    }

    /// Scratch bytes for products up to `rows`×`cols` with inner dimension up to `inner`.
    static func workspaceBytes(rows: Int, cols: Int, inner: Int) -> Int {
        Int(ckernels_sgemm_bf16_workspace_size(Int32(rows), Int32(cols), Int32(inner)))
    }

    /// C (m, n) = alpha · op(A) · op(B) + beta · C, op(A) (m, k) and op(B) (k, n), row-major.
    @inline(__always)
    public func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
                     a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                     beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        guard precision == .bf16, let workspace else {
            return BLAS.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
                             b: b, ldb: ldb, beta: beta, c: c, ldc: ldc)
        }
        assert(Self.workspaceBytes(rows: m, cols: n, inner: k) <= workspaceBytes, "bf16 workspace too small")
        ckernels_sgemm_bf16(kernel.c, transA ? 1 : 0, transB ? 1 : 0, Int32(m), Int32(n), Int32(k),
                            alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc), workspace)
    }

    /// out (m, n) (+)= x (m, k) · wᵀ, with w (n, k): a linear layer's forward pass.
    @inline(__always)
    public func abt(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                    m: Int, n: Int, k: Int, accumulate: Bool = false) {
        gemm(transA: false, transB: true, m: m, n: n, k: k, a: x, lda: k, b: w, ldb: k,
             beta: accumulate ? 1 : 0, c: out, ldc: n)
    }

    /// out (m, n) (+)= a (m, k) · b (k, n).
    @inline(__always)
    public func ab(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                   m: Int, n: Int, k: Int, accumulate: Bool = false) {
        gemm(transA: false, transB: false, m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n,
             beta: accumulate ? 1 : 0, c: out, ldc: n)
    }

    /// out (m, n) (+)= aᵀ · b, with a (k, m) and b (k, n): a weight gradient summed over k rows.
    @inline(__always)
    public func atb(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>,
                    m: Int, n: Int, k: Int, accumulate: Bool = false) {
        gemm(transA: true, transB: false, m: m, n: n, k: k, a: a, lda: m, b: b, ldb: n,
             beta: accumulate ? 1 : 0, c: out, ldc: n)
    }
}

/// The packing scratch of the bf16 kernels, owned, and the `Matmul` that uses it: alive as long
/// as this object is.
public final class BF16Scratch {
    public let matmul: Matmul
    private let memory: UnsafeMutableRawPointer

    /// Scratch for bf16 products up to `rows`×`cols` with inner dimension up to `inner`, for
    /// `kernel` (the fastest this process has unless a test picks one).
    public init(kernel: BF16Kernel = .best, rows: Int, cols: Int, inner: Int) {
        precondition(kernel.isAvailable, "this CPU cannot run the \(kernel.displayName) kernel")
        let bytes = Matmul.workspaceBytes(rows: rows, cols: cols, inner: inner)
        memory = .allocate(byteCount: bytes, alignment: 64)
        matmul = Matmul(precision: .bf16, kernel: kernel, workspace: memory, bytes: bytes)
    }

    deinit { memory.deallocate() }
}
