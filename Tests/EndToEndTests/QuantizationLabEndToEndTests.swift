import Foundation
import Testing

/// `qscope quantize` and `qscope allocate` on a real checkpoint (docs/quantization.md §10–§11):
/// plans agree with `ptq`, saved models load everywhere, allocations keep their budget, and bad
/// plan files are one line and exit 2.
@Suite("Quantization lab end to end")
struct QuantizationLabEndToEndTests {
    static func summary(_ text: String) throws -> [String: Any] {
        try #require(AnalysisEndToEndTests.records(text).last { $0["summary"] as? Bool == true })
    }

    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func plansAgreeWithPTQAndSavedModelsLoad() throws {
        let dir = try CLIEndToEndTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = try CLIEndToEndTests.corpus(in: dir)
        let checkpoint = dir.appendingPathComponent("adamw-tiny.safetensors").path
        let train = try QScopeBinary.run(["train", "--model", "tiny", "--steps", "30", "--corpus", corpus,
                                          "--save", checkpoint, "--stats-every", "0"])
        #expect(train.status == 0, "\(train.stderr)")
        let common = ["--corpus", corpus, "--eval-batches", "2", "--batches", "1", "--json"]

        let uniform = dir.appendingPathComponent("uniform.toml").path
        try "# W4A4 RTN everywhere, the study's PTQ\n[default]\nmethod = \"rtn\"\n".write(toFile: uniform, atomically: true, encoding: .utf8)
        let planned = try QScopeBinary.run(["quantize", checkpoint, "--plan", uniform] + common)
        #expect(planned.status == 0, "\(planned.stderr)")
        let ptq = try QScopeBinary.run(["ptq", checkpoint, "--corpus", corpus, "--eval-batches", "2", "--json"])
        let plan = try Self.summary(planned.stdout), reference = try Self.summary(ptq.stdout)
        #expect(plan["val_loss_quantized"] as? Double == reference["val_loss_quantized"] as? Double)
        #expect(plan["average_weight_bits"] as? Double == 4)

        let mixed = dir.appendingPathComponent("mixed.toml").path
        try """
        [kind.down]
        weight_bits = 8
        activation_bits = "full"

        [layer."blocks.1.mlp.up"]
        method = "gptq"
        weight_bits = 3
        """.write(toFile: mixed, atomically: true, encoding: .utf8)
        let saved = dir.appendingPathComponent("quantized.safetensors").path
        let quantized = try QScopeBinary.run(["quantize", checkpoint, "--plan", mixed, "--save", saved,
                                              "--calibration-batches", "2"] + common)
        #expect(quantized.status == 0, "\(quantized.stderr)")
        let mixedSummary = try Self.summary(quantized.stdout)
        #expect((mixedSummary["r_logits"] as? Double ?? 0) > 0 && (mixedSummary["output_kl"] as? Double ?? 0) > 0)
        #expect((mixedSummary["model_bytes"] as? Int ?? .max) < (mixedSummary["full_precision_bytes"] as? Int ?? 0))
        // The saved model: its weights are already on the grid, it carries its plan, and it loads.
        for arguments in [["ptq", saved, "--corpus", corpus, "--eval-batches", "1"], ["analyze", saved, "--corpus", corpus, "--batches", "1"],
                          ["train", "--resume", saved, "--steps", "32", "--corpus", corpus, "--stats-every", "0"]] {
            let result = try QScopeBinary.run(arguments)
            #expect(result.status == 0, "\(arguments[0]): \(result.stderr)")
        }
        let header = try String(decoding: FileHandle(forReadingFrom: URL(fileURLWithPath: saved)).readData(ofLength: 1 << 16), as: UTF8.self)
        #expect(header.contains("qscope.quant_plan") && header.contains("gptq"))
    }

    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func allocationKeepsItsBudgetAndWritesALoadablePlan() throws {
        let dir = try CLIEndToEndTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = try CLIEndToEndTests.corpus(in: dir)
        let checkpoint = dir.appendingPathComponent("muon-tiny.safetensors").path
        let train = try QScopeBinary.run(["train", "--optimizer", "muon", "--model", "tiny", "--steps", "30",
                                          "--corpus", corpus, "--save", checkpoint, "--stats-every", "0"])
        #expect(train.status == 0, "\(train.stderr)")
        let out = dir.appendingPathComponent("best.toml").path
        let result = try QScopeBinary.run(["allocate", checkpoint, "--avg-bits", "3.5", "--budgets", "3,3.5", "--menu", "2,4,8",
                                           "--out", out, "--corpus", corpus, "--eval-batches", "1", "--batches", "1", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = AnalysisEndToEndTests.records(result.stdout).filter { $0["strategy"] != nil }
        #expect(rows.count == 8)
        for row in rows {
            let budget = row["budget"] as! Double, bits = row["average_weight_bits"] as! Double
            #expect(bits <= budget, "\(row["strategy"]!) at \(budget): \(bits) bits")
        }
        let summary = try Self.summary(result.stdout)
        let best = rows.filter { $0["budget"] as? Double == 3.5 }.map { $0["increase"] as! Double }.min()!
        #expect(summary["increase"] as? Double == best)
        let replay = try QScopeBinary.run(["quantize", checkpoint, "--plan", out, "--corpus", corpus, "--eval-batches", "1",
                                           "--batches", "1", "--json"])
        #expect(replay.status == 0, "\(replay.stderr)")
        #expect(try Self.summary(replay.stdout)["increase"] as? Double == best)
    }

    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func badPlansAreOneLineAndExitTwo() throws {
        let dir = try CLIEndToEndTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = try CLIEndToEndTests.corpus(in: dir)
        let checkpoint = dir.appendingPathComponent("tiny.safetensors").path
        let train = try QScopeBinary.run(["train", "--model", "tiny", "--steps", "2", "--corpus", corpus, "--save", checkpoint,
                                          "--stats-every", "0"])
        #expect(train.status == 0, "\(train.stderr)")
        let cases = [
            "[layer.\"blocks.9.mlp.up\"]\nweight_bits = 4\n": "unknown layer",
            "[default]\nweight_bits = 9\n": "2 to 8",
            "[kind.up]\nactivation_bits = 1\n": "2 to 8",
            "[default]\nmethod = \"awq\"\n": "unknown quantization method",
            "[kind.gate]\nweight_bits = 4\n": "unknown layer kind",
            "[default]\ngranularity = \"column\"\n": "granularity",
            "[default]\nbits = 4\n": "unknown key",
            "[kind.head]\nmethod = \"gptq\"\n": "head",
            "[default\n": "plan.toml:1",
        ]
        let plan = dir.appendingPathComponent("plan.toml").path
        for (text, expected) in cases {
            try text.write(toFile: plan, atomically: true, encoding: .utf8)
            let result = try QScopeBinary.run(["quantize", checkpoint, "--plan", plan, "--corpus", corpus])
            #expect(result.status == 2 && result.stderr.contains(expected), "\(text): exit \(result.status): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(text): \(result.stderr)")
        }
        for arguments in [["allocate", checkpoint, "--avg-bits", "1.5"], ["allocate", checkpoint, "--avg-bits", "4", "--menu", "4,16"],
                          ["allocate", checkpoint, "--avg-bits", "4", "--method", "full"],
                          ["allocate", checkpoint, "--avg-bits", "4", "--strategies", "random"],
                          ["quantize", checkpoint, "--plan", dir.appendingPathComponent("missing.toml").path]] {
            let result = try QScopeBinary.run(arguments + ["--corpus", corpus])
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
        }
    }
}
