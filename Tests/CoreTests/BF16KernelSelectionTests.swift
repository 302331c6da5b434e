import CKernels
@testable import Core
import Testing

/// How the bf16 kernel is chosen: the decision as a pure function of the facts, and the
/// child-process check on real kernels (the AMX tiles where the CPU has them; elsewhere, an
/// illegal instruction that must stay in the child).
@Suite("bf16 kernel selection")
struct BF16KernelSelectionTests {
    typealias Selection = BF16KernelSelection

    @Test func withoutAMXNeitherProbeNorRaceRuns() {
        for avx512 in [true, false] {
            for access in [Selection.AMXAccess.absent, .refused] {
                let chosen = Selection.decide(amx: access, avx512Available: avx512,
                                              probe: { Issue.record("probed"); return .couldNotRun },
                                              race: { Issue.record("raced"); return .init(amx: 0, avx512: 0) })
                #expect(chosen.kernel == (avx512 ? .avx512bf16 : .emulated), "\(chosen.reason)")
                #expect(chosen.reason.contains("refused") == (access == .refused), "\(chosen.reason)")
            }
        }
    }

    @Test func amxIsUsedOnlyWhenItPassesAndIsFaster() {
        let faster = Selection.decide(amx: .granted, avx512Available: true, probe: { .passed(worst: 0.1) },
                                      race: { .init(amx: 1.0, avx512: 3.0) })
        #expect(faster.kernel == .amx && faster.reason.contains("1.00 ms vs 3.00 ms"), "\(faster.reason)")
        let slower = Selection.decide(amx: .granted, avx512Available: true, probe: { .passed(worst: 0.1) },
                                      race: { .init(amx: 4.0, avx512: 3.0) })
        #expect(slower.kernel == .avx512bf16 && slower.reason.contains("slower"), "\(slower.reason)")
        let alone = Selection.decide(
            amx: .granted, avx512Available: false, probe: { .passed(worst: 0.1) },
            race: { Issue.record("raced without a rival"); return .init(amx: 0, avx512: 0) })
        #expect(alone.kernel == .amx)
    }

    @Test func aFailedCheckFallsBackAndSaysWhy() {
        let cases: [(Selection.Probe, String)] = [
            (.wrong(worst: 7.5), "wrong products (error 7.5 times"), (.wrong(worst: nil), "wrong products; not used"),
            (.crashed(signal: 4), "killed by signal 4"), (.couldNotRun, "could not run"),
        ]
        for (probe, words) in cases {
            let chosen = Selection.decide(amx: .granted, avx512Available: true, probe: { probe },
                                          race: { Issue.record("raced a failed kernel"); return .init(amx: 0, avx512: 0) })
            #expect(chosen.kernel == .avx512bf16 && chosen.reason.contains(words), "\(chosen.reason)")
        }
    }

    /// The AMX kernel's packing, blocking and epilogue, with software tiles, checked in a child
    /// process exactly as the hardware kernel is on first use.
    @Test func softwareTilesPassTheChildProcessCheck() {
        guard BF16Kernel.amxSoftware.isAvailable else { return print("no AVX512-BF16: AMX layout not tested") }
        let probe = Selection.probe(.amxSoftware)
        print("AMX layout in software: \(probe)")
        guard case .passed(let worst) = probe else { return #expect(Bool(false), "\(probe)") }
        #expect(worst <= 1 && worst > 0)
    }

    /// Where the CPU has no AMX, running the tile kernel is an illegal instruction: the check
    /// must report it from the child, and this process must go on. On AMX hardware the same call
    /// is the real check of the tiles.
    @Test func theTileKernelIsCheckedInAChildProcess() {
        let probe = Selection.probe(.amx)
        print("AMX tiles: \(probe) (available: \(BF16Kernel.amx.isAvailable))")
        if BF16Kernel.amx.isAvailable {
            guard case .passed = probe else { return #expect(Bool(false), "AMX tiles failed: \(probe)") }
        } else {
            #expect(probe == .crashed(signal: 4), "expected SIGILL without AMX, got \(probe)")
        }
    }

    @Test func theProcessSelectionIsAvailableAndNamed() {
        let current = Selection.current
        print("bf16 kernel: \(current.kernel.displayName) (\(current.reason))")
        #expect(current.kernel.isAvailable && current.kernel != .amxSoftware)
        #expect(MatmulPrecision.bf16.kernelName == current.kernel.displayName)
    }
}
