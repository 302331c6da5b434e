import Core
import Foundation
import Testing

/// The bf16 GEMM of `CKernels` on both paths (AVX512-BF16 when this CPU has it, and the
/// fp32-BLAS emulation, forced), against a reference that sums the exact products in Double.
@Suite("bfloat16 kernels")
struct BFloat16Tests {
    /// Every path this machine can run; the emulation always.
    static let paths: [BFloat16.Path] = {
        print("bf16 paths: AVX512-BF16 \(BFloat16.Path.nativeAvailable ? "available, tested" : "not on this CPU, skipped"); emulated tested")
        return BFloat16.Path.nativeAvailable ? [.avx512bf16, .emulated] : [.emulated]
    }()

    static func randomBF16(_ count: Int, _ rng: inout RNG) -> [UInt16] {
        (0..<count).map { _ in BFloat16.round(Float(rng.nextGaussian())) }
    }

    @Test func roundingIsNearestEven() {
        let f = BFloat16.float, r = BFloat16.round
        #expect(f(r(1 + 0x1p-8)) == 1)                  // tie between 1 and 1 + 2⁻⁷: to even (1)
        #expect(f(r(1 + 3 * 0x1p-8)) == 1 + 0x1p-6)     // tie between 1 + 2⁻⁷ and 1 + 2⁻⁶: to even
        #expect(f(r(1 + 0x1p-8 + 0x1p-20)) == 1 + 0x1p-7)
        #expect(f(r(-2.5)) == -2.5 && f(r(0x1p-130)) == 0x1p-130)  // exact values stay, subnormals too
        #expect(f(r(.greatestFiniteMagnitude)) == .infinity && f(r(-.infinity)) == -.infinity)
        #expect(f(r(.nan)).isNaN && f(r(Float(bitPattern: 0x7F80_0001))).isNaN)  // low-half payload
    }

    /// m×n×k, the product, and padding added to every leading dimension (0: packed).
    static let cases: [(m: Int, n: Int, k: Int, product: BFloat16.Product, pad: Int)] = [
        (1, 1, 1, .ab, 0), (1, 1, 1, .abt, 0), (1, 1, 1, .aat, 0),
        (7, 5, 13, .ab, 0), (7, 5, 13, .abt, 3), (7, 7, 13, .aat, 2),
        (144, 576, 144, .ab, 0), (144, 144, 576, .abt, 0), (144, 144, 576, .aat, 0),
        (17, 33, 9, .ab, 5), (50, 70, 31, .abt, 0), (50, 50, 31, .aat, 1), (9, 49, 2, .ab, 0),
        (1, 1, 1, .ata, 0), (7, 7, 13, .ata, 2), (144, 144, 576, .ata, 0), (50, 50, 31, .ata, 1),
        (576, 144, 144, .ab, 0),
    ]

    @Test(arguments: [Float(0), 0.75])
    func gemmMatchesExactProductsRoundedOnce(beta: Float) throws {
        var rng = RNG(seed: 21)
        for path in Self.paths {
            var total = 0, equal = 0
            for (m, n, k, product, pad) in Self.cases {
                let lda = (product == .ata ? m : k) + pad, ldb = (product == .ab ? n : k) + pad, ldc = n + pad
                let a = Self.randomBF16((product == .ata ? k : m) * lda, &rng)
                let b = Self.randomBF16((product == .ab ? k : n) * ldb, &rng)
                var d = Self.randomBF16(m * ldc, &rng)
                if product == .aat || product == .ata {
                    for i in 0..<m { for j in 0..<i { d[i * ldc + j] = d[j * ldc + i] } }
                }
                let alpha: Float = -1.25
                let sentinel: UInt16 = 0x7FC1  // a NaN no result produces: the padding must keep it
                var c = [UInt16](repeating: sentinel, count: m * ldc)
                let workspace = UnsafeMutableRawPointer.allocate(byteCount: BFloat16.workspaceBytes(m: m, n: n, k: k),
                                                                 alignment: 64)
                defer { workspace.deallocate() }
                BFloat16.gemm(path: path, product, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                              beta: beta, d: d, ldd: ldc, c: &c, ldc: ldc, workspace: workspace)
                func aElement(_ i: Int, _ p: Int) -> UInt16 { product == .ata ? a[p * lda + i] : a[i * lda + p] }
                func bElement(_ p: Int, _ j: Int) -> UInt16 {
                    switch product {
                    case .ab: b[p * ldb + j]
                    case .abt: b[j * ldb + p]
                    case .aat, .ata: aElement(j, p)
                    }
                }
                var worst = 0.0
                for i in 0..<m {
                    for j in 0..<ldc {
                        let got = c[i * ldc + j]
                        guard j < n else {
                            #expect(got == sentinel, "\(path) \(m)×\(n)×\(k): padding written at (\(i), \(j))")
                            continue
                        }
                        var exact = 0.0, size = 0.0, float32: Float = 0
                        for p in 0..<k {
                            let x = Double(BFloat16.float(aElement(i, p))) * Double(BFloat16.float(bElement(p, j)))
                            exact += x
                            size += abs(x)
                            float32 += Float(x)  // products of bf16 values are exact in Float
                        }
                        let dij = Double(BFloat16.float(d[i * ldc + j]))
                        let reference = Double(alpha) * exact + Double(beta) * dij
                        // One bf16 rounding (unit roundoff 2⁻⁸, 8 significant bits) on top of the
                        // fp32 summation error, at most (k + 2)·2⁻²⁴ of the absolute terms; both
                        // doubled for margin.
                        let terms = Double(abs(alpha)) * size + Double(beta) * abs(dij)
                        let bound = 0x1p-7 * abs(reference) + Double(k + 2) * 0x1p-23 * terms
                        let error = abs(Double(BFloat16.float(got)) - reference)
                        worst = max(worst, error / max(bound, .leastNormalMagnitude))
                        #expect(error <= bound, "\(path) \(product) \(m)×\(n)×\(k) at (\(i), \(j)): \(error) > \(bound)")
                        total += 1
                        if got == BFloat16.round(alpha * float32 + beta * Float(dij)) { equal += 1 }
                    }
                }
                print("bf16 gemm \(path) \(product) \(m)×\(n)×\(k) beta \(beta): worst error / bound \(String(format: "%.2f", worst))")
            }
            // The fp32 summation order differs from the sequential reference's; it flips a bf16
            // rounding only for values within an fp32 error of a rounding boundary.
            print("bf16 gemm \(path) beta \(beta): \(equal) of \(total) bit-equal to the sequential fp32 sum rounded")
            #expect(Double(equal) >= 0.99 * Double(total))
        }
    }
}
