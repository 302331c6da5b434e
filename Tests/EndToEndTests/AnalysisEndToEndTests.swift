import Foundation
import Testing

/// The study's analysis commands on real checkpoints: ptq with GPTQ, analyze, predict.
@Suite("Analysis commands end to end")
struct AnalysisEndToEndTests {
    static func records(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func analyzeAndPredictAcrossOptimizers() throws {
        let dir = try CLIEndToEndTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let corpus = try CLIEndToEndTests.corpus(in: dir)
        let train = try QScopeBinary.run(["train", "--optimizer", "all", "--model", "tiny", "--steps", "20", "--corpus", corpus,
                                          "--save", dir.path, "--stats-every", "10", "--json"])
        #expect(train.status == 0, "\(train.stderr)")
        // The live probe's last measurement reaches the final records.
        let finals = Self.records(train.stdout).filter { $0["final"] as? Bool == true }
        #expect(finals.count == 6 && finals.allSatisfy { ($0["r_l"] as? Double ?? 0) > 0 && $0["ptq_rtn_increase"] is Double })
        let checkpoints = ["adamw", "muon", "shampoo", "soap", "scion", "psgd"].map {
            dir.appendingPathComponent("\($0)-tiny.safetensors").path
        }

        let analyze = try QScopeBinary.run(["analyze", checkpoints[0], "--corpus", corpus, "--json"])
        #expect(analyze.status == 0, "\(analyze.stderr)")
        let rows = Self.records(analyze.stdout)
        let modules = rows.filter { $0["module"] != nil }
        #expect(modules.count == 2 * 16 + 2)
        for m in modules {
            let r = m["r"] as! Double, sum = (m["a"] as! Double) + (m["b"] as! Double) + (m["c"] as! Double)
            #expect(abs(r - sum) <= 1e-6 * max(r, 1e-12), "\(m["module"]!)")
        }
        let summary = try #require(rows.last)
        #expect(summary["summary"] as? Bool == true && (summary["r_l"] as? Double ?? 0) > 0)

        let predict = try QScopeBinary.run(["predict"] + checkpoints + ["--corpus", corpus, "--eval-batches", "2", "--json"])
        #expect(predict.status == 0, "\(predict.stderr)")
        let results = Self.records(predict.stdout)
        #expect(results.filter { $0["checkpoint"] != nil }.count == 6)
        let metrics = results.filter { $0["metric"] != nil }
        #expect(metrics.compactMap { $0["metric"] as? String } == ["mmr", "kurtosis", "rms_kurtosis", "r_l", "r_final", "kl"])
        let rl = try #require(metrics[3]["pearson"] as? Double)
        #expect(abs(rl) <= 1)

        let gptq = try QScopeBinary.run(["ptq", checkpoints[1], "--method", "gptq", "--corpus", corpus,
                                         "--eval-batches", "2", "--calibration-batches", "2", "--head", "--json"])
        #expect(gptq.status == 0, "\(gptq.stderr)")
        let gptqSummary = try #require(Self.records(gptq.stdout).last)
        #expect(gptqSummary["quantization"] as? String == "W4A4 gptq row +head")
        #expect(gptqSummary["val_loss_head_only"] is Double)
    }

    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func scalingFitsEachOptimizerFromTrainRecords() throws {
        let dir = try CLIEndToEndTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        // Final records of a known law, L = e^8/(N·ρ)^0.35 + 1.5 with ρ = 0.8 for QAT, plus noise-free
        // progress records and an unfinished run, which the fit must skip.
        var lines = [#"{"step":10,"loss":3.0}"#, #"{"final":true,"status":"stopped","optimizer":"muon","val_loss":9,"params":1,"params_non_embedding":1}"#]
        for n in [5e4, 3e5, 9e5, 5.4e6] {
            for qat in [false, true] {
                let loss = Foundation.exp(8) * Foundation.pow(n * (qat ? 0.8 : 1), -0.35) + 1.5
                lines.append(#"{"final":true,"status":"finished","optimizer":"soap","val_loss":\#(loss),"params":\#(Int(n) + 1000),"params_non_embedding":\#(Int(n))"#
                             + (qat ? #","qat":"quest"}"# : "}"))
            }
        }
        let file = dir.appendingPathComponent("runs.jsonl")
        try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        let result = try QScopeBinary.run(["scaling", file.path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let fit = try #require(Self.records(result.stdout).first)
        #expect(fit["optimizer"] as? String == "soap" && fit["runs"] as? Int == 8)
        #expect(abs((fit["rho_qat"] as? Double ?? 0) - 0.8) < 1e-3)
        #expect(abs((fit["e"] as? Double ?? 0) - 1.5) < 1e-3)
    }

    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func badAnalysisInputIsOneLineAndExitTwo() throws {
        let dir = try CLIEndToEndTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let missing = dir.appendingPathComponent("missing.safetensors").path
        for arguments in [["analyze", missing], ["predict", missing], ["ptq", missing, "--method", "awq"],
                          ["analyze", missing, "--bits", "0", "--act-bits", "0"], ["scaling", missing],
                          ["scaling", missing, "--count", "embedding"]] {
            let result = try QScopeBinary.run(arguments)
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
        }
    }
}
