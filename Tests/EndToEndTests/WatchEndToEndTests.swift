import Foundation
import Testing

/// `qscope train --save` writes a metrics log; `qscope watch` shows it, keeps up as logs grow,
/// and in a non-UTF-8 locale draws in ASCII only.
@Suite("qscope watch end to end in tmux", .serialized)
struct WatchEndToEndTests {
    /// A fresh directory holding one finished 20-step run, trained headless.
    static func trainedRunDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qscope-watch-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let result = try QScopeBinary.run(["train", "--model", "tiny", "--steps", "20",
                                           "--save", directory.appendingPathComponent("x.safetensors").path])
        #expect(result.status == 0, "train failed: \(result.stderr)")
        return directory
    }

    /// Runs `body` with a trained-run directory and a private tmux server, removing both after.
    static func withRunDirectoryAndTmux(_ body: (URL, Tmux) throws -> Void) throws {
        let directory = try trainedRunDirectory()
        let tmux = Tmux(session: "qscope-watch-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer {
            tmux.killServer()
            try? FileManager.default.removeItem(at: directory)
        }
        try body(directory, tmux)
    }

    static func shellQuoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    @Test func trainWritesAMetricsLogBesideTheCheckpoint() throws {
        let directory = try Self.trainedRunDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let log = try String(contentsOf: directory.appendingPathComponent("x.metrics.jsonl"), encoding: .utf8)
        let lines = log.split(separator: "\n")
        let header = try #require(lines.first.flatMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        })
        #expect(header["run"] as? String == "adamw/tiny" && header["total_steps"] as? Int == 20 && header["format"] as? Int == 2)
        #expect((header["spec"] as? [String: Any])?["optimizer"] as? String == "adamw")
        #expect(lines.count == 7)  // header, state size, steps 0, 10, 20, the probe's last measurement, final
        #expect(lines.contains { $0.hasPrefix(#"{"state_bytes":"#) })
        #expect(lines.contains { $0.hasPrefix(#"{"probe":{"#) && $0.contains(#""gptq""#) })
        #expect(lines.last?.contains(#""final":true"#) == true && lines.last?.contains(#""status":"finished""#) == true)
    }

    @Test func missingDirectoryIsOneLineAndExitTwo() throws {
        let result = try QScopeBinary.run(["watch", "/no/such/qscope/dir"])
        #expect(result.status == 2)
        #expect(result.stderr == "qscope: no such directory: /no/such/qscope/dir\n")
    }

    @Test(.enabled(if: DashboardEndToEndTests.canRun, "needs tmux and a release build of qscope"), .timeLimit(.minutes(2)))
    func watchShowsTheRunsAndFollowsAGrowingLog() throws {
        try Self.withRunDirectoryAndTmux { directory, tmux in
            // Started from the (theme-less) run directory: the named theme must come compiled in.
            let script = """
                \(Self.shellQuoted(QScopeBinary.path)) watch . --theme colorblind
                echo EXITED:$?
                sleep 5
                """
            try tmux.start(width: 120, height: 40, directory: directory.path, command: ["bash", "-c", script])
            let first = try tmux.waitFor("the trained run", timeout: 20) { $0.contains("adamw/tiny") && $0.contains("finished") }
            #expect(!first.contains("no theme named"))
            // The headless run's last probe measurement reaches the study's views.
            try tmux.sendKeys("2")
            try tmux.waitFor("the run's layer statistics", timeout: 5) { $0.contains("layers · adamw/tiny · step 20") }
            try tmux.sendKeys("3")
            try tmux.waitFor("its error propagation", timeout: 5) { $0.contains("R_L") && $0.contains("0.qkv.in") }
            try tmux.sendKeys("1")

            // A second run, still training: its log grows while the dashboard watches.
            let growing = directory.appendingPathComponent("live.metrics.jsonl")
            let header = #"{"run":"muon/tiny","optimizer":"muon","model":"tiny","total_steps":50,"params":61692}"#
            func record(_ step: Int) -> String {
                #"{"step":\#(step),"tokens":\#(step * 2048),"loss":\#(4.0 - Double(step) / 100),"val_loss":null,"#
                    + #""lr":0.003,"grad_norm":0.5,"tokens_per_s":1000.0,"elapsed_s":\#(Double(step))}"#
            }
            try (header + "\n" + record(5) + "\n").write(to: growing, atomically: false, encoding: .utf8)
            try tmux.waitFor("the live run", timeout: 10) { $0.contains("muon/tiny") && $0.contains("5/50") }
            let handle = try FileHandle(forWritingTo: growing)
            try handle.seekToEnd()
            try handle.write(contentsOf: Data((record(17) + "\n" + String(record(18).prefix(20))).utf8))
            try handle.close()
            try tmux.waitFor("the live run to grow", timeout: 10) { $0.contains("17/50") }

            try tmux.sendKeys("p")
            try tmux.waitFor("the refusal to pause", timeout: 5) { $0.contains("pausing is unavailable") }
            try tmux.sendKeys("t")
            try tmux.waitFor("the next theme", timeout: 5) { $0.contains("theme default") }
            try tmux.sendKeys("q")
            let screen = try tmux.waitFor("qscope to exit", timeout: 10) { $0.contains("EXITED:") }
            #expect(screen.contains("EXITED:0"), "qscope watch did not exit cleanly:\n\(screen)")
        }
    }

    @Test(.enabled(if: DashboardEndToEndTests.canRun, "needs tmux and a release build of qscope"), .timeLimit(.minutes(2)))
    func nonUTF8LocaleDrawsOnlyASCII() throws {
        try Self.withRunDirectoryAndTmux { directory, tmux in
            try tmux.start(width: 120, height: 40, directory: directory.path, command: [
                "env", "LANG=C", "LC_ALL=POSIX", QScopeBinary.path, "watch", ".",
            ])
            var screen = try tmux.waitFor("the run", timeout: 20) { $0.contains("adamw/tiny") && $0.contains("finished") }
            try tmux.sendKeys("?")
            screen += try tmux.waitFor("the help overlay", timeout: 5) { $0.contains("Ctrl-C too") }
            let nonASCII = screen.unicodeScalars.filter { !$0.isASCII }
            #expect(nonASCII.isEmpty, "non-ASCII on screen:\n\(screen)")
            #expect(screen.contains("ascii |"))
            try tmux.sendKeys("q")
        }
    }
}
