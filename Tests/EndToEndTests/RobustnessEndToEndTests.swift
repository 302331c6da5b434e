import Core
import Foundation
import FuzzSupport
import Testing

/// Adversarial use of the binary: kill -9 in the middle of saves, and a seeded fuzz of every
/// file qscope reads. Every outcome must be a clean exit 0, 1 or 2 with at most one line on
/// stderr, never a signal; a checkpoint is always the old one or the new one.
@Suite("Robustness end to end", .serialized)
struct RobustnessEndToEndTests {
    /// 24 runs saving a checkpoint at every step, each killed with SIGKILL at a random moment:
    /// the checkpoint at the path always loads, and once a run finishes no temporary file is left.
    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func killDuringSavesLeavesOldOrNewCheckpoint() throws {
        let dir = try CLIEndToEndTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = try CLIEndToEndTests.corpus(in: dir)
        let save = dir.appendingPathComponent("ckpt.safetensors").path
        let arguments = ["train", "--steps", "40", "--eval-every", "1", "--eval-batches", "1", "--snapshot-evals",
                         "--stats-every", "0", "--threads", "1", "--corpus", corpus, "--save", save]
        var generator = SystemRandomNumberGenerator()
        var valid = 0
        for trial in 0..<24 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: QScopeBinary.path)
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: Double.random(in: 0.05...0.9, using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            guard FileManager.default.fileExists(atPath: save) else { continue }
            let check = try QScopeBinary.run(["ptq", save, "--eval-batches", "1", "--corpus", corpus, "--json"])
            #expect(check.status == 0, "trial \(trial): \(check.stderr)")
            valid += check.status == 0 ? 1 : 0
        }
        print("kill -9 during saves: the checkpoint loaded after \(valid) of 24 kills")
        #expect(valid >= 12)
        #expect(try QScopeBinary.run(arguments).status == 0)
        let temporary = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp-") }
        #expect(temporary.isEmpty, "left behind: \(temporary)")
    }

    /// Seeded mutations of run files, study specs, themes, replay cases, checkpoints and metrics
    /// logs, each fed to the command that reads it.
    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func fuzzedInputsExitCleanly() throws {
        let dir = try CLIEndToEndTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = try CLIEndToEndTests.corpus(in: dir)
        let checkpoint = dir.appendingPathComponent("seed.safetensors").path
        #expect(try QScopeBinary.run(["train", "--steps", "2", "--corpus", corpus, "--save", checkpoint,
                                      "--stats-every", "0", "--batch", "2", "--seq", "16"]).status == 0)
        let seeds: [(String, Data, (String) -> [String])] = [
            ("run.toml", Data("optimizer = \"muon\"\nsteps = 1\nbatch = 2\nseq = 16\n[hyper]\nmomentum = 0.9\n[qat]\nmethod = \"ste\"\n".utf8),
             { ["train", "--config", $0, "--corpus", corpus, "--stats-every", "0"] }),
            ("study.toml", Data("name = \"f\"\nsizes = [{ width = 12, layers = 1 }]\nseeds = [1]\noptimizers = [\"adamw\"]\ntokens_per_parameter = 0.1\n[lr]\npoints = 1\n".utf8),
             { ["study", "--spec", $0, "--dir", dir.appendingPathComponent("s-\(UUID().uuidString)").path] }),
            ("case.json", Data(#"{"optimizer": "adamw", "hyper": {"lr": 0.1}, "param": [[1, 2], [3, 4]], "grads": [[[0.5, -1], [2, 0]]]}"#.utf8),
             { ["optim-replay", $0] }),
            ("quant.json", Data(#"{"method": "rtn", "bits": 4, "weight": [[1, -2, 3.5], [0.25, 8, -1]]}"#.utf8),
             { ["quant-replay", $0] }),
            ("x.theme", Data("main_bg = \"#000000\"\nmain_fg = \"#ffffff\"\n".utf8),
             // Parsed while the dashboard is built, before it finds there is no terminal.
             { ["dashboard", "--theme", $0, "--steps", "1", "--corpus", corpus] }),
            ("c.safetensors", try Data(contentsOf: URL(fileURLWithPath: checkpoint)),
             { ["ptq", $0, "--eval-batches", "1", "--corpus", corpus] }),
        ]
        var rng = RNG(seed: 20261206)
        var cases = 0, outcomes: [Int32: Int] = [:]
        for (name, seed, command) in seeds {
            var mine: [Int32: Int] = [:]
            defer { print("fuzz \(name): 40 cases, exits \(mine.sorted { $0.key < $1.key })") }
            for round in 0..<40 {
                let path = dir.appendingPathComponent("\(round)-\(name)").path
                try Fuzz.mutate(seed, using: &rng).write(to: URL(fileURLWithPath: path))
                let arguments = command(path)
                let result = try QScopeBinary.run(arguments)
                cases += 1
                outcomes[result.status, default: 0] += 1
                mine[result.status, default: 0] += 1
                #expect([0, 1, 2].contains(result.status), "\(arguments): exit \(result.status) \(result.stderr)")
                #expect(result.stderr.split(separator: "\n").count <= 1, "\(arguments): \(result.stderr)")
            }
        }
        print("fuzz: \(cases) cases, exits \(outcomes.sorted { $0.key < $1.key })")
    }
}
