import Foundation
import Testing

/// The binary's kernel selection as a user meets it: `doctor` and `--version` say which OpenBLAS
/// kernels run and why, a user's OPENBLAS_CORETYPE wins, and a kernel set that fails the check is
/// replaced by running the program again (forced here by the fault-injection variable).
@Suite("Kernel selection, end to end")
struct KernelSelectionEndToEndTests {
    static func doctor(_ extra: [String: String]) throws -> [String: Any] {
        var environment = ProcessInfo.processInfo.environment
        for key in ["OPENBLAS_CORETYPE", "QSCOPE_BLAS_CORETYPE", "QSCOPE_BLAS_REPLACED", "QSCOPE_BLAS_FAILED"] {
            environment[key] = nil
        }
        environment.merge(extra) { $1 }
        let result = try QScopeBinary.run(["doctor", "--json"], environment: environment)
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func doctorReportsTheKernelsAndTheirPeaks() throws {
        let report = try Self.doctor([:])
        print("doctor: \(report["blas_summary"] ?? "?"); sgemm \(report["sgemm_gflops_1_thread"] ?? "?") GFLOP/s; "
              + "bf16 \(report["bf16_kernel"] ?? "?") \(report["bf16_gflops_1_thread"] ?? "?") GFLOP/s")
        #expect((report["blas_check_error"] as? Double ?? 2) <= 1)
        #expect((report["sgemm_gflops_1_thread"] as? Double ?? 0) > 1 && (report["bf16_gflops_1_thread"] as? Double ?? 0) > 1)
        let features = report["features"] as? String ?? ""
        let kernel = report["blas_kernel"] as? String ?? ""
        // On an AVX-512 machine the chosen kernels are an AVX-512 set, whatever the library did.
        if features.contains("avx512") { #expect(["SkylakeX", "Cooperlake", "SapphireRapids"].contains(kernel)) }
        // The bf16 kernel follows the features too, and says why; AMX only after its check.
        let bf16 = report["bf16_kernel"] as? String ?? "", why = report["bf16_kernel_reason"] as? String ?? ""
        print("bf16 kernel: \(bf16) (\(why))")
        if features.contains("amx-bf16") {
            #expect(bf16.hasPrefix("AMX") ? why.contains("passed its check") : why.contains("AMX-BF16"))
        } else if features.contains("avx512-bf16") {
            #expect(bf16.hasPrefix("AVX512-BF16") && why == "no AMX-BF16 on this CPU")
        }
    }

    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func theUsersCoreTypeWins() throws {
        let report = try Self.doctor(["OPENBLAS_CORETYPE": "Prescott"])
        #expect(report["blas_kernel"] as? String == "Prescott")
        #expect((report["blas_summary"] as? String ?? "").contains("(OPENBLAS_CORETYPE)"))
    }

    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func aFailingKernelSetIsReplacedByRunningAgain() throws {
        let report = try Self.doctor(["OPENBLAS_CORETYPE": "Prescott", "QSCOPE_BLAS_FAULT": "Prescott"])
        let summary = report["blas_summary"] as? String ?? ""
        print("after an injected failure: \(summary)")
        #expect(report["blas_kernel"] as? String != "Prescott")
        #expect(summary.contains("after Prescott failed the check"))
    }

    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func noCorrectKernelSetMeansOneLineAndExitOne() throws {
        var environment = ProcessInfo.processInfo.environment
        environment["QSCOPE_BLAS_FAULT"] = "Prescott,Core2,Sandybridge,Haswell,Zen,SkylakeX,Cooperlake,SapphireRapids"
        let result = try QScopeBinary.run(["models"], environment: environment)
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("qscope: no OpenBLAS kernel set computed sgemm correctly"))
        #expect(result.stderr.split(separator: "\n").count == 1 && result.stdout.isEmpty)
    }

    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func versionNamesTheKernels() throws {
        let result = try QScopeBinary.run(["--version"])
        #expect(result.status == 0 && result.stdout.hasPrefix("qscope "))
        #expect(result.stdout.contains("kernels") && result.stdout.contains("bf16 products"))
    }
}
