import Foundation
import Testing

/// The study as a user runs it: a CI-sized spec through the whole protocol to a report, a study
/// killed with SIGKILL and started again ending with the same tables, and bad specs refused.
@Suite("Study end to end", .serialized)
struct StudyEndToEndTests {
    /// Two sizes, three optimizers, a 2-point sweep, two seeds, QAT: every stage, in seconds.
    static func spec(corpus: String) -> String {
        """
        name = "ci"
        optimizers = ["adamw", "muon", "shampoo"]
        seeds = [1, 2]
        tokens_per_parameter = 2
        batch = 4
        seq = 32
        eval_points = 4
        eval_batches = 2
        corpus = "\(corpus)"
        sizes = [{ width = 12, layers = 1 }, { width = 24, layers = 1 }]
        [lr]
        points = 2
        low = 0.5
        high = 2
        [ptq]
        eval_batches = 2
        calibration_batches = 1
        propagation_batches = 1
        """
    }

    static func study(_ dir: URL, name: String) throws -> (spec: String, out: String) {
        let spec = dir.appendingPathComponent("\(name).toml")
        try Self.spec(corpus: try CLIEndToEndTests.corpus(in: dir)).write(to: spec, atomically: true, encoding: .utf8)
        return (spec.path, dir.appendingPathComponent(name).path)
    }

    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func ciSizedStudyRunsToAReport() throws {
        let dir = try CLIEndToEndTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (spec, out) = try Self.study(dir, name: "ci")
        let result = try QScopeBinary.run(["study", "--spec", spec, "--dir", out, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let records = AnalysisEndToEndTests.records(result.stdout)
        #expect(records.compactMap { $0["stage"] as? String } == ["sweep", "seeds", "qat", "measure"])
        #expect(records.filter { $0["run"] != nil }.count == 12 + 6 + 12)
        let report = URL(fileURLWithPath: out).appendingPathComponent("report")
        let files = try FileManager.default.contentsOfDirectory(atPath: report.path)
        for file in ["report.md", "results.json", "cells.csv", "correlations.csv", "fits.csv", "rates.csv",
                     "fig1-r-l.svg", "fig2-lr-vs-mmr.svg", "fig3-abc-muon.svg", "fig4-g2.svg", "fig-scaling.svg",
                     "fig-allocation.svg"] {
            #expect(files.contains(file), "\(file) missing from \(files)")
        }
        let markdown = try String(contentsOf: report.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(markdown.contains("## 3. W4A4 RTN loss increase at the common loss") && markdown.contains(" ± "))
        let results = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: report.appendingPathComponent("results.json"))) as? [String: Any])
        #expect((results["cells"] as? [Any])?.count == 6 && (results["fits"] as? [Any])?.count == 3)
        #expect((results["correlations"] as? [Any])?.count == 3 * 6)
        // Uniform against allocated bits on each optimizer's w24l1 model, one point per budget.
        let allocation = try #require(results["allocation"] as? [[String: Any]])
        #expect(allocation.map { $0["optimizer"] as? String } == ["adamw", "muon", "shampoo"])
        #expect(allocation.allSatisfy { ($0["points"] as? [Any])?.count == 5 && $0["size"] as? String == "w24l1" })
        #expect(markdown.contains("## 16. Bits allocated per layer against uniform bits") && markdown.contains("| shampoo | "))
        let svg = try String(contentsOf: report.appendingPathComponent("fig1-r-l.svg"), encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))

        // Run again: everything is in the store, nothing trains.
        let again = try QScopeBinary.run(["study", "--spec", spec, "--dir", out, "--json"])
        #expect(again.status == 0 && AnalysisEndToEndTests.records(again.stdout).filter { $0["run"] != nil }.isEmpty)
        let rewritten = try QScopeBinary.run(["report", out, "--out", dir.appendingPathComponent("r2").path])
        #expect(rewritten.status == 0, "\(rewritten.stderr)")
        #expect(try Data(contentsOf: dir.appendingPathComponent("r2/results.json"))
            == Data(contentsOf: report.appendingPathComponent("results.json")))
    }

    /// Killed with SIGKILL mid-study (twice), then started again with the same spec, a study
    /// ends with exactly the tables of one never interrupted.
    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func killedStudyResumesToTheSameTables() throws {
        let dir = try CLIEndToEndTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (spec, straight) = try Self.study(dir, name: "straight")
        #expect(try QScopeBinary.run(["study", "--spec", spec, "--dir", straight]).status == 0)
        let killed = dir.appendingPathComponent("killed").path
        for delay in [0.8, 1.6] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: QScopeBinary.path)
            process.arguments = ["study", "--spec", spec, "--dir", killed, "--json"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        let resumed = try QScopeBinary.run(["study", "--spec", spec, "--dir", killed, "--json"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let skipped = AnalysisEndToEndTests.records(resumed.stdout).compactMap { $0["done"] as? Int }.reduce(0, +)
        print("after two kills, the resumed study found \(skipped) runs already done")
        #expect(skipped > 0)
        for file in ["results.json", "cells.csv", "correlations.csv", "fits.csv"] {
            let a = try Data(contentsOf: URL(fileURLWithPath: straight).appendingPathComponent("report/\(file)"))
            let b = try Data(contentsOf: URL(fileURLWithPath: killed).appendingPathComponent("report/\(file)"))
            #expect(a == b, "\(file) differs after the kills")
        }
    }

    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func badSpecsAreOneLineAndExitTwo() throws {
        let dir = try CLIEndToEndTests.scratch()
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases = [
            ("name = \"x\"\nsizes = [\"tiny\"]\noptimizers = [\"adamw\", \"sgd\"]\n", "unknown optimizer 'sgd'"),
            ("name = \"x\"\nsizes = [\"tiny\"]\nstepz = 3\n", "bad.toml:3: unknown key 'stepz'"),
            ("name = \"x\"\nsizes = [{ width = 50, layers = 1 }]\n", "width 50 must split into 6 heads"),
            ("name = \"x\"\nsizes = [\"huge\"]\n", "unknown model size 'huge'"),
            ("name = \"x\"\nsizes = [\"tiny\"]\n[lr]\npoints = 0\n", "lr.points must be positive"),
            ("name = \"x\"\nsizes = [\"tiny\"]\n[lr]\npoints = \"many\"\n", "bad.toml:4: lr.points must be an integer"),
            ("sizes = [\"tiny\"]\n", "name must be present"),
        ]
        for (text, expected) in cases {
            let bad = dir.appendingPathComponent("bad.toml")
            try text.write(to: bad, atomically: true, encoding: .utf8)
            let result = try QScopeBinary.run(["study", "--spec", bad.path, "--dir", dir.appendingPathComponent("s").path])
            #expect(result.status == 2 && result.stderr.split(separator: "\n").count == 1, "\(text): \(result.stderr)")
            #expect(result.stderr.contains(expected), "\(text): \(result.stderr)")
        }
        #expect(try QScopeBinary.run(["study", "--preset", "huge"]).stderr.contains("unknown preset 'huge'"))
    }
}
