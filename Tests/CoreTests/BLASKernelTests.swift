@testable import Core
import Testing

/// Choosing OpenBLAS kernels by CPU features: the decision as a pure function of the facts, and
/// the correctness check on the kernels this machine loaded.
@Suite("BLAS kernel selection")
struct BLASKernelTests {
    let emeraldRapids: CPUFeatures = [.sse3, .avx, .avx2, .avx512, .avx512bf16, .amxBF16]
    let haswell: CPUFeatures = [.sse3, .avx, .avx2]

    @Test func aLowerTierThanTheFeaturesAllowIsReplaced() {
        // Debian's OpenBLAS 0.3.21 on Emerald Rapids: Prescott, though the CPU has AVX-512.
        #expect(BLASKernel.decide(loaded: "Prescott", checkPassed: true, features: emeraldRapids, environment: [:])
                == .reexec(coreType: "Cooperlake", environment: ["QSCOPE_BLAS_REPLACED": "Prescott"]))
        #expect(BLASKernel.decide(loaded: "Sandybridge", checkPassed: true, features: haswell, environment: [:])
                == .reexec(coreType: "Haswell", environment: ["QSCOPE_BLAS_REPLACED": "Sandybridge"]))
    }

    @Test func theLibrarysChoiceStaysWhenItIsTheBestTier() {
        for loaded in ["Cooperlake", "SkylakeX", "SapphireRapids", "SomeFutureCore"] {
            #expect(BLASKernel.decide(loaded: loaded, checkPassed: true, features: emeraldRapids, environment: [:]) == .keep(.library))
        }
        #expect(BLASKernel.decide(loaded: "Zen", checkPassed: true, features: haswell, environment: [:]) == .keep(.library))
    }

    @Test func theUsersCoreTypeWinsUnlessItComputesWrong() {
        let user = ["OPENBLAS_CORETYPE": "Prescott"]
        #expect(BLASKernel.decide(loaded: "Prescott", checkPassed: true, features: emeraldRapids, environment: user) == .keep(.user))
        #expect(BLASKernel.decide(loaded: "Prescott", checkPassed: false, features: emeraldRapids, environment: user)
                == .reexec(coreType: "Cooperlake", environment: ["QSCOPE_BLAS_FAILED": "Prescott"]))
    }

    @Test func theReexecutedProgramKeepsQscopesChoice() {
        let env = ["OPENBLAS_CORETYPE": "Cooperlake", "QSCOPE_BLAS_CORETYPE": "Cooperlake", "QSCOPE_BLAS_REPLACED": "Prescott"]
        #expect(BLASKernel.decide(loaded: "Cooperlake", checkPassed: true, features: emeraldRapids, environment: env)
                == .keep(.features(replacing: "Prescott")))
    }

    @Test func wrongKernelsFallBackTierByTierAndFinallyFail() {
        var env: [String: String] = [:]
        var loaded = "Cooperlake"
        var tried: [String] = []
        while case .reexec(let next, let extra) = BLASKernel.decide(loaded: loaded, checkPassed: false, features: emeraldRapids,
                                                                    environment: env) {
            tried.append(next)
            env.merge(extra) { $1 }
            (env["OPENBLAS_CORETYPE"], env["QSCOPE_BLAS_CORETYPE"], loaded) = (next, next, next)
            #expect(tried.count < 10, "the fallback must end")
            if tried.count >= 10 { return }
        }
        #expect(tried == ["SkylakeX", "Haswell", "Sandybridge", "Prescott"])
        guard case .fail(let message) = BLASKernel.decide(loaded: loaded, checkPassed: false, features: emeraldRapids,
                                                          environment: env) else {
            Issue.record("expected a failure once every kernel set failed")
            return
        }
        #expect(message.contains("Cooperlake, SkylakeX, Haswell, Sandybridge, Prescott"))
        // A kernel set that passes after a fallback says which ones failed.
        env["QSCOPE_BLAS_FAILED"] = "Cooperlake"
        (env["OPENBLAS_CORETYPE"], env["QSCOPE_BLAS_CORETYPE"]) = ("SkylakeX", "SkylakeX")
        #expect(BLASKernel.decide(loaded: "SkylakeX", checkPassed: true, features: emeraldRapids, environment: env)
                == .keep(.fallback(failed: ["Cooperlake"])))
    }

    @Test func candidatesFollowTheFeatures() {
        #expect(BLASKernel.candidates(for: emeraldRapids) == ["Cooperlake", "SkylakeX", "Haswell", "Sandybridge", "Prescott"])
        #expect(BLASKernel.candidates(for: [.sse3, .avx, .avx2, .avx512]) == ["SkylakeX", "Haswell", "Sandybridge", "Prescott"])
        #expect(BLASKernel.candidates(for: []) == ["Prescott"])
    }

    @Test func theLoadedKernelsPassTheCheck() {
        let kernel = BLASKernel.current
        print("BLAS: \(kernel.summary); check \(kernel.checkError) of the bound; CPU features: \(CPUFeatures.current)")
        #expect(kernel.checkError <= 1 && kernel.checkError > 0)
    }

    @Test func denormalsFlushOnlyWhenAsked() {
        let tiny = Float.leastNormalMagnitude
        func half(_ x: Float) -> Float { x / 2 }
        CPU.flushDenormals(false)
        #expect(!CPU.flushingDenormals && half(tiny) > 0)
        CPU.flushDenormals()
        defer { CPU.flushDenormals(false) }
        #expect(CPU.flushingDenormals && half(tiny) == 0)
    }
}
