import ArgumentParser
import Core
import Foundation
import TUI

/// `qscope doctor`: what this machine gives qscope, the kernels chosen and what they measure.
struct DoctorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doctor",
        abstract: "Show the CPU, the BLAS and bf16 kernels chosen for it (and why), and their measured peaks.")

    @Flag(help: "One JSON object.")
    var json = false

    func run() throws {
        let kernel = BLASKernel.current
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let one = Benchmark.sgemmPeak(threads: 1), all = Benchmark.sgemmPeak(threads: cores)
        let bf16 = MatmulPrecision.bf16.kernelName, bf16Choice = BF16KernelSelection.current.reason
        let bf16Peak = Benchmark.matmulPeak(precision: .bf16)
        let cpuid = CPU.signature
        let signature = cpuid.map { "family \($0.family) model \($0.model)" } ?? "unknown signature"
        if json {
            Output.line(JSONLine.encode([
                ("qscope", .string(QScope.version)), ("cpu", .string(CPU.modelName)),
                ("cpu_family", cpuid.map { .int($0.family) } ?? .null),
                ("cpu_model", cpuid.map { .int($0.model) } ?? .null), ("cores", .int(cores)),
                ("features", .string(CPUFeatures.current.description)), ("blas", .string(BLASKernel.library)),
                ("blas_kernel", .string(kernel.coreName)), ("blas_summary", .string(kernel.summary)),
                ("blas_check_error", .double(kernel.checkError)), ("sgemm_gflops_1_thread", .double(one)),
                ("sgemm_gflops_all_threads", .double(all)), ("bf16_kernel", .string(bf16)),
                ("bf16_kernel_reason", .string(bf16Choice)),
                ("bf16_gflops_1_thread", .double(bf16Peak)),
                ("denormals", .string("flushed in training threads (FTZ+DAZ)")),
            ]))
            return
        }
        let rows: [(String, String)] = [
            ("qscope", QScope.version),
            ("CPU", "\(CPU.modelName) (\(signature)), \(cores) cores"),
            ("features", CPUFeatures.current.description),
            ("BLAS", kernel.summary),
            ("check", kernel.checkError <= 1
                ? "passed: worst sgemm error \(String(format: "%.3f", kernel.checkError)) of the fp32 rounding bound"
                : "FAILED: worst sgemm error \(String(format: "%.3g", kernel.checkError)) times the fp32 rounding bound"),
            ("sgemm", String(format: "%.0f GFLOP/s on 1 thread, %.0f on %d (1024³)", one, all, cores)),
            ("bf16", String(format: "%@, %.0f GFLOP/s on 1 thread (1024×1152×288, operands rounded from fp32)", bf16, bf16Peak)),
            ("bf16 why", bf16Choice),
            ("denormals", "flushed to zero in training threads (FTZ+DAZ)"),
        ]
        for (name, value) in rows { Output.line(Format.pad(name, to: 10) + value) }
    }
}
