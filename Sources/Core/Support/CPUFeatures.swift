import CKernels

/// The vector instruction sets this process may use: the CPU has them and the OS saves their
/// registers. Kernels are chosen from these at run time, never from a table of CPU models.
public struct CPUFeatures: OptionSet, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let sse3 = CPUFeatures(rawValue: UInt32(CKERNELS_CPU_SSE3))
    public static let avx = CPUFeatures(rawValue: UInt32(CKERNELS_CPU_AVX))
    /// AVX2 with FMA3.
    public static let avx2 = CPUFeatures(rawValue: UInt32(CKERNELS_CPU_AVX2_FMA))
    /// AVX-512 F, CD, DQ, BW and VL.
    public static let avx512 = CPUFeatures(rawValue: UInt32(CKERNELS_CPU_AVX512))
    public static let avx512bf16 = CPUFeatures(rawValue: UInt32(CKERNELS_CPU_AVX512_BF16))
    /// AMX tiles with bf16 (the OS must still grant the tile state per process).
    public static let amxBF16 = CPUFeatures(rawValue: UInt32(CKERNELS_CPU_AMX_BF16))

    /// This machine's features.
    public static var current: CPUFeatures { CPUFeatures(rawValue: UInt32(ckernels_cpu_features())) }

    private static let names: [(CPUFeatures, String)] = [
        (.sse3, "sse3"), (.avx, "avx"), (.avx2, "avx2+fma"), (.avx512, "avx512"),
        (.avx512bf16, "avx512-bf16"), (.amxBF16, "amx-bf16"),
    ]

    /// The features by name, e.g. `sse3 avx avx2+fma avx512 avx512-bf16`.
    public var description: String {
        let present = Self.names.filter { contains($0.0) }.map(\.1)
        return present.isEmpty ? "none" : present.joined(separator: " ")
    }
}

extension CPU {
    /// The CPUID display family and model (Emerald Rapids: 6, 207), nil off x86-64.
    public static var signature: (family: Int, model: Int)? {
        var family: Int32 = 0, model: Int32 = 0
        return ckernels_cpu_signature(&family, &model) != 0 ? (Int(family), Int(model)) : nil
    }

    /// Denormal floats read and written as zero on the calling thread (FTZ and DAZ), as
    /// `torch.set_flush_denormal(True)`. Training wants it: values decaying towards zero (an
    /// optimizer's momentum, tiny gradients) otherwise take a microcode assist per operation on
    /// many CPUs. Threads inherit the setting from the thread that creates them.
    public static func flushDenormals(_ on: Bool = true) { ckernels_flush_denormals(on ? 1 : 0) }

    /// Whether the calling thread flushes denormals.
    public static var flushingDenormals: Bool { ckernels_flushing_denormals() != 0 }
}
