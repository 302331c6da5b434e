import ArgumentParser
import Core
import Foundation

/// qscope: train small LMs with the study's optimizers and watch how they take quantization.
@main
struct QScope: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qscope",
        abstract: "A terminal workbench for how optimizers change a language model's robustness to quantization.",
        subcommands: [DashboardCommand.self, TrainCommand.self, WatchCommand.self, SweepLRCommand.self, BenchCommand.self,
                      ModelsCommand.self, OptimReplayCommand.self, QuantReplayCommand.self, PTQCommand.self,
                      AnalyzeCommand.self, QuantizeCommand.self, AllocateCommand.self, PredictCommand.self, ScalingCommand.self, StudyCommand.self,
                      ReportCommand.self, DoctorCommand.self],
        defaultSubcommand: DashboardCommand.self)

    /// The release, and (for `--version`) the kernels this machine runs.
    static let version = "0.12.0"

    /// Answers `--version` with the kernels in use, which a static version string cannot.
    private static func printVersionIfAsked() {
        guard CommandLine.arguments.dropFirst().first.map({ $0 == "--version" }) ?? false else { return }
        print("qscope \(version)\n\(CPU.modelName): \(BLASKernel.current.summary)\nbf16 products: \(MatmulPrecision.bf16.kernelName)")
        Foundation.exit(0)
    }

    /// Parses and runs, mapping every failure to one line on stderr: exit 2 for bad input
    /// (including unknown flags and bad numbers), 1 for runtime failures.
    static func main() {
        do {
            // Before any thread starts: may run the program again with better BLAS kernels.
            try BLASKernel.select()
            CPU.flushDenormals()
            printVersionIfAsked()
            var command = try parseAsRoot()
            try command.run()
        } catch let error as QScopeError {
            fail(error.description, code: error.exitCode)
        } catch let error as RunSpecError {
            fail(error.message(naming: RunOptions.flag(for: error.field)), code: 2)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            let message = self.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            fail("\(message) (see qscope --help)", code: 2)
        }
    }

    static func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("qscope: \(message)\n".utf8))
        Foundation.exit(code)
    }
}
