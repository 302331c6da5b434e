import Foundation
import Testing

/// The command line as a user meets it: bad input gets one clear line and exit 2, headless
/// training prints its records, and nothing is left half-written.
@Suite("Command line end to end")
struct CLIEndToEndTests {
    static func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qscope-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func corpus(in dir: URL) throws -> String {
        let text = String(repeating: "And God said, Let there be light: and there was light.\n", count: 300)
        let path = dir.appendingPathComponent("corpus.txt").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The last line of a `--json` run: its final record.
    static func lastRecord(_ result: QScopeBinary.Result) throws -> [String: Any] {
        try #require(result.stdout.split(separator: "\n").last.flatMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        })
    }

    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func badInputIsOneLineAndExitTwo() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let binary = dir.appendingPathComponent("binary.bin").path
        try Data([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x01]).write(to: URL(fileURLWithPath: binary))
        let empty = dir.appendingPathComponent("empty.txt").path
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        let small = dir.appendingPathComponent("small.txt").path
        try "tiny".write(toFile: small, atomically: true, encoding: .utf8)
        let fifo = dir.appendingPathComponent("fifo.txt").path, zero = dir.appendingPathComponent("zero.txt").path
        #expect(mkfifo(fifo, 0o644) == 0)
        try FileManager.default.createSymbolicLink(atPath: zero, withDestinationPath: "/dev/zero")
        let big = dir.appendingPathComponent("big.toml").path
        try ("optimizer = \"" + String(repeating: "x", count: 2 << 20) + "\"\n").write(toFile: big, atomically: true, encoding: .utf8)
        let save = dir.appendingPathComponent("out.safetensors").path
        let cases: [([String], String)] = [
            (["train", "--optimizer", "sgd"], "unknown optimizer"),
            (["train", "--model", "huge"], "unknown model size"),
            (["train", "--steps", "ten"], "invalid"),
            (["train", "--batch", "0"], "--batch"),
            (["train", "--no-such-flag"], "Unknown option"),
            (["train", "--corpus", dir.appendingPathComponent("missing.txt").path, "--save", save], "not found"),
            (["train", "--corpus", binary, "--save", save], "binary"),
            (["train", "--corpus", empty, "--save", save], "empty"),
            (["train", "--corpus", small, "--save", save], "too small"),
            (["train", "--resume", small], "safetensors"),
            (["train", "--qat", "lsq"], "unknown QAT method 'lsq'"),
            (["train", "--bits", "4"], "--bits needs a QAT method"),
            (["train", "--qat", "quest", "--act-bits", "9"], "--act-bits must be 2 to 8"),
            (["bench", "--model", "nope"], "unknown model size"),
            (["bench", "--precision", "bf16", "--bf16-kernel", "tpu"], "unknown bf16 kernel 'tpu'; choose one of: amx,"),
            (["bench", "--bf16-kernel", "emulated"], "--bf16-kernel needs --precision bf16"),
            (["train", "--steps", "-1"], "--steps must be a positive integer"),
            (["train", "--corpus", fifo], "is a FIFO, not a regular file"),
            (["train", "--corpus", zero], "is a device or socket"),
            (["train", "--config", big], "the limit is 1048576"),
            (["train", "--hyper", "momentum=nan"], "momentum must be a number (got nan)"),
            (["train", "--save-at-loss", "nan"], "--save-at-loss must be a finite number"),
        ]
        for (arguments, expected) in cases {
            let result = try QScopeBinary.run(arguments, in: dir)
            let lines = result.stderr.split(separator: "\n")
            #expect(result.status == 2, "\(arguments): exit \(result.status)")
            #expect(lines.count == 1, "\(arguments): \(result.stderr)")
            #expect(result.stderr.contains(expected), "\(arguments): \(result.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: save))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp") }
        #expect(leftovers.isEmpty)
    }

    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func headlessJSONTrainsAndSaves() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = try Self.corpus(in: dir)
        let save = dir.appendingPathComponent("run.safetensors").path
        let result = try QScopeBinary.run(["train", "--model", "tiny", "--steps", "30", "--corpus", corpus,
                                           "--save", save, "--headless", "--json", "--eval-every", "10"])
        #expect(result.status == 0, "\(result.stderr)")
        let records = result.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let last = try #require(records.last)
        #expect(last["final"] as? Bool == true)
        #expect(last["params"] as? Int == 61692)
        #expect(last["saved"] as? String == save)
        let first = try #require(records.first)
        let initialVal = try #require(first["val_loss"] as? Double)
        let finalVal = try #require(last["val_loss"] as? Double)
        #expect(abs(initialVal - Foundation.log(256.0)) < 0.1)
        #expect(finalVal < initialVal - 1)
        for key in ["step", "tokens", "loss", "val_loss", "lr", "grad_norm", "tokens_per_s"] {
            #expect(records[1][key] != nil, "missing \(key)")
        }
        #expect(FileManager.default.fileExists(atPath: save))
        // Resuming continues from the saved step.
        let resumed = try QScopeBinary.run(["train", "--resume", save, "--steps", "40", "--corpus", corpus, "--json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let resumedFinal = try Self.lastRecord(resumed)
        #expect(resumedFinal["step"] as? Int == 40)
    }

    /// QAT from the command line: the final record names it, the checkpoint keeps it, and a
    /// resumed run continues with it (asking for another setting is bad input).
    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func qatTrainsSavesAndResumes() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = try Self.corpus(in: dir)
        let save = dir.appendingPathComponent("qat.safetensors").path
        let result = try QScopeBinary.run(["train", "--model", "tiny", "--steps", "20", "--qat", "quest", "--act-bits", "8",
                                           "--corpus", corpus, "--save", save, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let first = try Self.lastRecord(result)
        #expect(first["qat"] as? String == "quest")
        #expect(first["bits"] as? Int == 4 && first["act_bits"] as? Int == 8)
        #expect((first["val_loss"] as? Double ?? .infinity) < Foundation.log(256.0) - 0.5)
        let changed = try QScopeBinary.run(["train", "--resume", save, "--qat", "ste", "--corpus", corpus])
        #expect(changed.status == 2 && changed.stderr.contains("keeps it"), "\(changed.stderr)")
        let resumed = try QScopeBinary.run(["train", "--resume", save, "--steps", "30", "--corpus", corpus, "--json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let last = try Self.lastRecord(resumed)
        #expect(last["step"] as? Int == 30)
        #expect(last["qat"] as? String == "quest" && last["act_bits"] as? Int == 8)
        let plain = try Self.lastRecord(QScopeBinary.run(["train", "--model", "tiny", "--steps", "2", "--corpus", corpus, "--json"]))
        #expect(plain["qat"] is NSNull && plain["bits"] is NSNull)
    }

    /// A run re-created from its checkpoint or its metrics log (`--spec-from`) repeats its loss
    /// curve bit for bit, and a flag still overrides a field of the stored spec.
    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func specFromRecreatesARunExactly() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = try Self.corpus(in: dir)
        let save = dir.appendingPathComponent("a.safetensors").path
        func losses(_ arguments: [String]) throws -> [Double] {
            let result = try QScopeBinary.run(["train", "--json", "--stats-every", "0"] + arguments)
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            return result.stdout.split(separator: "\n").compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["loss"] as? Double
            }
        }
        let original = try losses(["--optimizer", "soap", "--steps", "12", "--log-every", "1", "--lr", "0.01",
                                    "--hyper", "precondition_frequency=3", "--corpus", corpus, "--save", save])
        let fromCheckpoint = try losses(["--spec-from", save])
        let fromLog = try losses(["--spec-from", dir.appendingPathComponent("a.metrics.jsonl").path])
        #expect(original.count == 13 && fromCheckpoint == original && fromLog == original)
        let shorter = try losses(["--spec-from", save, "--steps", "6"])
        #expect(shorter.count == 7 && shorter.first == original.first)
        let changed = try QScopeBinary.run(["train", "--spec-from", save, "--optimizer", "adamw"])
        #expect(changed.status == 2 && changed.stderr.contains("keeps its optimizer"))
    }

    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func runConfigFileSetsFlagsAndTheCommandLineWins() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = try Self.corpus(in: dir)
        let config = dir.appendingPathComponent("run.toml")
        try """
            # a Muon run with a QAT setting and a hyperparameter
            optimizer = "muon"
            model = "tiny"
            steps = 30
            stats_every = 0
            [hyper]
            momentum = 0.9
            [qat]
            method = "ste"
            bits = 8
            """.write(to: config, atomically: true, encoding: .utf8)
        let result = try QScopeBinary.run(["train", "--config", config.path, "--steps", "4", "--corpus", corpus, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let final = try #require(result.stdout.split(separator: "\n").last.flatMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        })
        #expect(final["optimizer"] as? String == "muon" && final["step"] as? Int == 4)
        #expect(final["qat"] as? String == "ste" && final["bits"] as? Int == 8)

        let cases = [
            ("steps = 10\nstepz = 3\n", "unknown key 'stepz'"),
            ("steps = \n", "bad.toml:1:"),
            ("[hyper]\nbetas = [\"a\"]\n", "betas must be a list of numbers"),
            ("[qat]\nbitz = 4\n", "unknown key 'qat.bitz'"),
        ]
        for (text, expected) in cases {
            let bad = dir.appendingPathComponent("bad.toml")
            try text.write(to: bad, atomically: true, encoding: .utf8)
            let failed = try QScopeBinary.run(["train", "--config", bad.path, "--corpus", corpus])
            #expect(failed.status == 2 && failed.stderr.split(separator: "\n").count == 1, "\(text): \(failed.stderr)")
            #expect(failed.stderr.contains(expected), "\(text): \(failed.stderr)")
        }
    }

    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func modelsListsFiveSizes() throws {
        let result = try QScopeBinary.run(["models", "--json"])
        #expect(result.status == 0)
        let params = result.stdout.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["params"] as? Int
        }
        #expect(params.count >= 5)
        #expect(params.first! < 100_000 && params.last! > 10_000_000)
        #expect(params == params.sorted())
    }
}

/// The study commands around the optimizers: the learning-rate sweep, the optimizer bench, and
/// replay's handling of bad files.
@Suite("Study commands end to end")
struct StudyCommandsEndToEndTests {
    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func sweepReportsTheBestRatePerOptimizer() throws {
        let dir = try CLIEndToEndTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = try CLIEndToEndTests.corpus(in: dir)
        let result = try QScopeBinary.run(["sweep-lr", "--optimizer", "adamw", "--points", "3", "--steps", "20",
                                           "--min", "1e-4", "--max", "1e-2", "--corpus", corpus, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let records = result.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let points = records.filter { $0["best"] == nil }
        #expect(points.compactMap { $0["lr"] as? Double }.map { ($0 * 1e6).rounded() } == [100, 1000, 10000])
        let best = try #require(records.first { $0["best"] as? Bool == true })
        let bestLoss = try #require(best["best_val_loss"] as? Double)
        #expect(points.allSatisfy { ($0["val_loss"] as? Double ?? .infinity) >= bestLoss })
    }

    /// `--bf16-kernel` times the kernel asked for, and refuses one the CPU cannot run.
    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func benchTimesTheBF16KernelAskedFor() throws {
        let result = try QScopeBinary.run(["bench", "--model", "tiny", "--seconds", "0.1", "--late-step", "0",
                                           "--precision", "bf16", "--bf16-kernel", "emulated", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let row = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(row["matmul_kernel"] as? String == "fp32 emulation (OpenBLAS on rounded operands)")
        let amx = try QScopeBinary.run(["bench", "--model", "tiny", "--seconds", "0.1", "--late-step", "0",
                                        "--precision", "bf16", "--bf16-kernel", "amx"])
        if !(try QScopeBinary.run(["doctor", "--json"]).stdout.contains("amx-bf16")) {
            #expect(amx.status == 2 && amx.stderr.hasPrefix("qscope: this CPU cannot run the amx bf16 kernel"), "\(amx.stderr)")
        }
    }

    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func benchReportsEveryOptimizer() throws {
        let result = try QScopeBinary.run(["bench", "--model", "tiny", "--optimizer", "all", "--seconds", "0.1",
                                           "--late-step", "30", "--precision", "bf16", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = result.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(rows.compactMap { $0["optimizer"] as? String } == ["adamw", "muon", "shampoo", "soap", "scion", "psgd"])
        for row in rows {
            #expect((row["tokens_per_s"] as? Double ?? 0) > 0)
            #expect((row["state_bytes_per_param"] as? Double ?? 0) >= 4)
            #expect((row["late_tokens_per_s"] as? Double ?? 0) > 0 && row["late_step"] as? Int == 30)
            #expect(row["precision"] as? String == "bf16" && (row["blas"] as? String ?? "").contains("kernels"))
        }
    }

    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func replayRejectsBadFilesWithExitTwo() throws {
        let cases = [
            #"{"optimizer": "sgd", "param": [[1]], "grads": [[[1]]]}"#: "unknown optimizer",
            #"{"optimizer": "muon", "param": [[1, 2], [3]], "grads": []}"#: "equal length",
            #"{"optimizer": "muon", "param": [[1, 2]], "grads": [[[1]]]}"#: "shape",
            #"{"optimizer": "muon", "hyper": {"bogus": 1}, "param": [[1]], "grads": []}"#: "no hyperparameter",
            #"{"optimizer": "muon"}"#: "missing",
            "not json": "not a valid replay file",
        ]
        for (input, problem) in try QScopeBinary.badInputFailures("optim-replay", cases) {
            Issue.record("\(input): \(problem)")
        }
    }
}

extension CLIEndToEndTests {
    /// Closing the terminal (SIGHUP) stops a headless run the way Ctrl-C does: it saves.
    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func hangupSavesTheRun() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let save = dir.appendingPathComponent("hup.safetensors").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: QScopeBinary.path)
        process.arguments = ["train", "--steps", "100000", "--corpus", try Self.corpus(in: dir), "--save", save,
                             "--stats-every", "0"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: 1.5)
        kill(process.processIdentifier, SIGHUP)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        #expect(FileManager.default.fileExists(atPath: save))
    }
}

extension CLIEndToEndTests {
    /// A replay whose numbers overflow prints valid JSON: non-finite values as null.
    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func replaysPrintValidJSONForNonFiniteValues() throws {
        let dir = try Self.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("huge.json")
        try #"{"optimizer":"adamw","hyper":{"lr":1e308},"param":[[1e308]],"grads":[[[1e308]],[[-1e308]]]}"#
            .write(to: file, atomically: true, encoding: .utf8)
        let result = try QScopeBinary.run(["optim-replay", file.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) is [String: Any], "\(result.stdout)")
        #expect(result.stdout.contains("null"))
    }
}
