import CBLAS
import Foundation

/// Which OpenBLAS kernels run, why, and proof that they compute right.
///
/// Debian's OpenBLAS picks its kernels from the CPU's family and model when it loads, and falls
/// back to its SSE3 (Prescott) kernels on a CPU it does not know, such as Emerald Rapids under
/// 0.3.21: 3–5× slower, silently. `BLASKernel.select()` therefore compares what loaded with what
/// the CPU's features allow and, when the library chose a lower tier, runs the program again
/// with `OPENBLAS_CORETYPE` set (the library reads it only when it loads). Whatever runs must
/// first pass `BLASKernel.check`: some OpenBLAS builds' AVX-512 kernels computed wrong results
/// on some CPUs, and a wrong kernel is never used. A user's own `OPENBLAS_CORETYPE` wins unless
/// it fails the check. docs/platform.md §BLAS kernels has the measurements behind the choice.
public struct BLASKernel: Sendable, Equatable {
    /// How the running kernel set came to be chosen.
    public enum Choice: Sendable, Equatable {
        /// OpenBLAS's own detection, already the best tier for this CPU.
        case library
        /// Chosen from the CPU's features, replacing the library's own pick.
        case features(replacing: String)
        /// The user's `OPENBLAS_CORETYPE`.
        case user
        /// Kernel sets that failed the correctness check were skipped.
        case fallback(failed: [String])
    }

    /// The kernel set OpenBLAS reports, e.g. `Cooperlake`.
    public let coreName: String
    public let choice: Choice
    /// The check's worst error as a fraction of its rounding bound (≤ 1 passes).
    public let checkError: Double
    /// Set when the re-execution to better kernels failed, saying why.
    public let note: String?

    /// `OpenBLAS 0.3.21` (the version from the library's build configuration).
    public static var library: String {
        let config = String(cString: openblas_get_config())
        let words = config.split(separator: " ")
        return words.count >= 2 ? "\(words[0]) \(words[1])" : config
    }

    /// One line for `--version`, `doctor` and the dashboard, e.g.
    /// `OpenBLAS 0.3.21, Cooperlake kernels (CPU features; library chose Prescott)`.
    public var summary: String {
        let why = switch choice {
        case .library: "library's choice"
        case .features(let replaced): "by CPU features; library chose \(replaced)"
        case .user: "OPENBLAS_CORETYPE"
        case .fallback(let failed): "after \(failed.joined(separator: ", ")) failed the check"
        }
        return "\(Self.library), \(coreName) kernels (\(why))" + (note.map { "; \($0)" } ?? "")
    }
}

extension BLASKernel {
    /// Environment variables the selection reads and writes.
    enum Variable {
        static let coreType = "OPENBLAS_CORETYPE"
        /// Set to the same value as `OPENBLAS_CORETYPE` when qscope chose it, so the re-executed
        /// program (and its children) can tell qscope's choice from the user's.
        static let chosen = "QSCOPE_BLAS_CORETYPE"
        /// What the library picked before qscope re-executed.
        static let replaced = "QSCOPE_BLAS_REPLACED"
        /// Comma-separated kernel sets that failed the check.
        static let failed = "QSCOPE_BLAS_FAILED"
        /// Comma-separated kernel sets to treat as failing the check (tests of the fallback).
        static let fault = "QSCOPE_BLAS_FAULT"
    }

    /// What `select` does with the kernels that loaded.
    enum Decision: Equatable {
        case keep(Choice)
        /// Run again with this core type (and the variables to set).
        case reexec(coreType: String, environment: [String: String])
        case fail(String)
    }

    /// The vector tier of OpenBLAS's x86-64 kernel sets; nil for names it does not list (newer
    /// libraries' sets are trusted as they are).
    enum Tier: Int, Comparable {
        case sse, avx, avx2, avx512
        static func < (a: Tier, b: Tier) -> Bool { a.rawValue < b.rawValue }

        init?(coreName: String) {
            switch coreName.lowercased() {
            case "skylakex", "cooperlake", "sapphirerapids": self = .avx512
            case "haswell", "zen", "excavator": self = .avx2
            case "sandybridge", "bulldozer", "piledriver", "steamroller": self = .avx
            case "prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "opteron", "opteron(sse3)",
                 "barcelona", "nano", "bobcat", "katmai", "coppermine", "northwood", "banias", "athlon":
                self = .sse
            default: return nil
            }
        }
    }

    /// Kernel sets for a CPU, best first: each tier the features allow, down to SSE3.
    static func candidates(for features: CPUFeatures) -> [String] {
        var names: [String] = []
        if features.contains(.avx512) { names += features.contains(.avx512bf16) ? ["Cooperlake", "SkylakeX"] : ["SkylakeX"] }
        if features.contains(.avx2) { names.append("Haswell") }
        if features.contains(.avx) { names.append("Sandybridge") }
        return names + ["Prescott"]
    }

    /// The decision, as a pure function of the process's facts (tested without re-executing).
    static func decide(loaded: String, checkPassed: Bool, features: CPUFeatures,
                       environment: [String: String]) -> Decision {
        let requested = environment[Variable.coreType]
        let ours = requested != nil && requested == environment[Variable.chosen]
        let failed = environment[Variable.failed].map { $0.split(separator: ",").map(String.init) } ?? []
        guard checkPassed else {
            let nowFailed = failed + [requested ?? loaded]
            let known = Set(nowFailed.map { $0.lowercased() } + [loaded.lowercased()])
            guard let next = candidates(for: features).first(where: { !known.contains($0.lowercased()) }) else {
                return .fail("no OpenBLAS kernel set computed sgemm correctly (tried \(nowFailed.joined(separator: ", "))); "
                             + "install another BLAS build or set OPENBLAS_CORETYPE")
            }
            return .reexec(coreType: next, environment: [Variable.failed: nowFailed.joined(separator: ",")])
        }
        if !failed.isEmpty && ours { return .keep(.fallback(failed: failed)) }
        if ours { return .keep(environment[Variable.replaced].map { .features(replacing: $0) } ?? .library) }
        if requested != nil { return .keep(.user) }
        guard let best = candidates(for: features).first, let bestTier = Tier(coreName: best),
              let loadedTier = Tier(coreName: loaded), loadedTier < bestTier else { return .keep(.library) }
        return .reexec(coreType: best, environment: [Variable.replaced: loaded])
    }
}
