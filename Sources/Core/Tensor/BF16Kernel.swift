import CKernels
import Foundation
import Synchronization

/// The kernel that multiplies a model's products at bf16 precision (`MatmulPrecision.bf16`).
///
/// Every kernel computes the same function (operands rounded to bf16, fp32 accumulation, fp32
/// result) up to the fp32 summation order; they differ in speed and in what the CPU must have.
/// docs/platform.md §5.2–5.3 has the layouts and the measurements.
public enum BF16Kernel: String, NamedChoice {
    /// AMX-BF16 tiles (`tdpbf16ps`): Sapphire Rapids and later, with the OS's permission.
    case amx
    /// `vdpbf16ps` register tiles: CPUs with AVX512-BF16 (Zen 4 and later, Cooper Lake,
    /// Sapphire Rapids and later).
    case avx512bf16
    /// Operands rounded into fp32 copies, then OpenBLAS sgemm: any CPU.
    case emulated
    /// The AMX kernel with its tile instructions computed in software: slow, for the tests that
    /// check its packing and blocking on CPUs without AMX.
    case amxSoftware = "amx-software"

    public static let noun = "bf16 kernel"

    var c: ckernels_bf16_kernel {
        switch self {
        case .amx: CKERNELS_BF16_AMX
        case .avx512bf16: CKERNELS_BF16_AVX512
        case .emulated: CKERNELS_BF16_EMULATED
        case .amxSoftware: CKERNELS_BF16_AMX_SOFTWARE
        }
    }

    /// True when this process can run the kernel (CPU features; for `.amx` also Linux's
    /// permission, asked for here).
    public var isAvailable: Bool { ckernels_bf16_kernel_available(c) != 0 }

    /// How `doctor`, `bench` and the dashboard name it.
    public var displayName: String {
        switch self {
        case .amx: "AMX-BF16 tiles (tdpbf16ps)"
        case .avx512bf16: "AVX512-BF16 (vdpbf16ps)"
        case .emulated: "fp32 emulation (OpenBLAS on rounded operands)"
        case .amxSoftware: "AMX layout, tiles computed in software"
        }
    }

    /// A few characters for the dashboard's status line.
    public var shortName: String {
        switch self {
        case .amx: "AMX-BF16"
        case .avx512bf16: "AVX512-BF16"
        case .emulated: "emulated"
        case .amxSoftware: "AMX in software"
        }
    }

    /// The kernel this process uses (`BF16KernelSelection.current`).
    public static var best: BF16Kernel { BF16KernelSelection.current.kernel }
}

/// Which bf16 kernel this process uses, and why: the fastest the CPU has that proved itself.
///
/// The AMX kernel is only trusted after `ckernels_probe_sgemm_bf16` ran it in a child process
/// and every entry matched exact sums within the fp32 bound (no machine the code was written
/// on had AMX; a kernel that computes wrong results, or faults, must never run). It is then
/// timed against the AVX512-BF16 kernel on a training-sized product and kept only if faster.
public struct BF16KernelSelection: Sendable, Equatable {
    public let kernel: BF16Kernel
    /// One line on how it was chosen, e.g. `AMX-BF16 failed its check (killed by signal 4)`.
    public let reason: String

    /// What the child-process check of the AMX kernel found.
    enum Probe: Equatable {
        /// Worst error as a fraction of the fp32 summation bound (≤ 1).
        case passed(worst: Double)
        case wrong(worst: Double?)
        case crashed(signal: Int)
        case couldNotRun
    }

    /// Whether this process may use the AMX tiles.
    enum AMXAccess: Equatable {
        /// The CPU (or the OS's XCR0) has no AMX-BF16.
        case absent
        /// The CPU has it, but Linux refused the tile state (arch_prctl; Linux 5.16+ grants it).
        case refused
        case granted
    }

    /// Milliseconds per product of the timing race, fastest of a few.
    struct Race: Equatable {
        var amx: Double
        var avx512: Double
    }

    /// The choice, as a pure function of the facts (tested without AMX hardware). `probe` and
    /// `race` run only when their answer matters.
    static func decide(amx: AMXAccess, avx512Available: Bool, probe: () -> Probe,
                       race: () -> Race) -> BF16KernelSelection {
        let fallback: BF16Kernel = avx512Available ? .avx512bf16 : .emulated
        func otherwise(_ reason: String) -> BF16KernelSelection { BF16KernelSelection(kernel: fallback, reason: reason) }
        switch amx {
        case .absent:
            return otherwise(avx512Available ? "no AMX-BF16 on this CPU" : "no AVX512-BF16 or AMX-BF16 on this CPU")
        case .refused:
            return otherwise("AMX-BF16 present, but Linux refused the tile state (arch_prctl ARCH_REQ_XCOMP_PERM)")
        case .granted:
            break
        }
        let outcome = probe(), checked = summary(outcome)
        guard case .passed = outcome else { return otherwise(checked) }
        guard avx512Available else { return BF16KernelSelection(kernel: .amx, reason: checked) }
        let times = race()
        let timing = String(format: "%.2f ms vs %.2f ms with AVX512-BF16 on 1024×1152×288", times.amx, times.avx512)
        return times.amx <= times.avx512 ? BF16KernelSelection(kernel: .amx, reason: "\(checked); \(timing)")
                                         : otherwise("\(checked) but was slower; \(timing)")
    }

    /// The check's outcome in words; every outcome but `.passed` ends "not used".
    static func summary(_ probe: Probe) -> String {
        switch probe {
        case .passed(let worst):
            return String(format: "AMX-BF16 passed its check (worst error %.3f of the fp32 bound)", worst)
        case .wrong(let worst):
            let by = worst.map { String(format: " (error %.3g times the fp32 bound)", $0) } ?? ""
            return "AMX-BF16 computed wrong products\(by); not used"
        case .crashed(let signal):
            return "AMX-BF16 check was killed by signal \(signal); not used"
        case .couldNotRun:
            return "AMX-BF16 check could not run (fork failed); not used"
        }
    }

    /// Runs `kernel` through the child-process check.
    static func probe(_ kernel: BF16Kernel) -> Probe {
        var worst = Double.nan
        let status = ckernels_probe_sgemm_bf16(kernel.c, &worst)
        switch status {
        case 0: return .passed(worst: worst)
        case 1: return .wrong(worst: worst.isNaN ? nil : worst)
        case 128...: return .crashed(signal: Int(status) - 128)
        default: return .couldNotRun
        }
    }

    /// Times AMX against AVX512-BF16 on the forward product of an `m`-size MLP up-projection
    /// for one data-parallel shard (1024 rows): the fastest of three after a warm-up, in ms.
    static func race() -> Race {
        let (m, n, k) = (1024, 1152, 288)
        let a = [Float](repeating: 0.5, count: m * k), b = [Float](repeating: 0.25, count: n * k)
        var c = [Float](repeating: 0, count: m * n)
        let bytes = Int(ckernels_sgemm_bf16_workspace_size(Int32(m), Int32(n), Int32(k)))
        let workspace = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        defer { workspace.deallocate() }
        func time(_ kernel: BF16Kernel) -> Double {
            var best = Double.infinity
            for round in 0..<4 {
                let start = DispatchTime.now().uptimeNanoseconds
                ckernels_sgemm_bf16(kernel.c, 0, 1, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(k), 0, &c,
                                    Int32(n), workspace)
                let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                if round > 0 { best = min(best, ms) }
            }
            return best
        }
        return Race(amx: time(.amx), avx512: time(.avx512bf16))
    }

    private static let selected = Mutex<BF16KernelSelection?>(nil)

    /// Makes `kernel` this process's bf16 kernel (`bench --bf16-kernel`, to time the kernels
    /// against each other): call before any model multiplies in bf16. The AMX kernel must still
    /// pass its check; a kernel this CPU cannot run is bad input.
    @discardableResult
    public static func force(_ kernel: BF16Kernel) throws -> BF16KernelSelection {
        guard kernel.isAvailable else {
            let choices = BF16Kernel.allCases.filter(\.isAvailable).map(\.rawValue).joined(separator: ", ")
            throw QScopeError.badInput("this CPU cannot run the \(kernel.rawValue) bf16 kernel; it has: \(choices)")
        }
        if kernel == .amx {
            let outcome = probe(.amx)
            guard case .passed = outcome else { throw QScopeError.runtime(summary(outcome)) }
        }
        let chosen = BF16KernelSelection(kernel: kernel, reason: "chosen by --bf16-kernel")
        selected.withLock { $0 = chosen }
        return chosen
    }

    /// The selection, made on first use (~30 ms on an AMX machine: one fork, one race).
    public static var current: BF16KernelSelection {
        selected.withLock { chosen in
            if let chosen { return chosen }
            let access: AMXAccess = !CPUFeatures.current.contains(.amxBF16) ? .absent
                : BF16Kernel.amx.isAvailable ? .granted : .refused
            let made = decide(amx: access,
                              avx512Available: BF16Kernel.avx512bf16.isAvailable, probe: { probe(.amx) }, race: race)
            chosen = made
            return made
        }
    }
}
