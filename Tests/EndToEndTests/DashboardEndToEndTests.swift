import Foundation
import Testing

/// Drives the real `qscope` binary in tmux the way a person would: watch it train, pause,
/// open and close the help, visit every view, change a layer's bits in the Quantize view and
/// see it measured, switch the chart's axes and smoothing, open and cancel the new-run form,
/// shrink the window, quit, and check the terminal came back.
///
/// Needs tmux and the binary `QScopeBinary` finds (a release build, or `QSCOPE_BIN`);
/// without them the test is skipped, not failed.
@Suite("Dashboard end to end in tmux", .serialized)
struct DashboardEndToEndTests {
    static let canRun: Bool = QScopeBinary.exists && (try? Tmux.run(["-V"], socket: nil)) != nil

    @Test(.enabled(if: canRun, "needs tmux and a release build of qscope (swift build -c release) or QSCOPE_BIN"),
          .timeLimit(.minutes(3)))
    func personDrivesTheDashboard() throws {
        let workDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("qscope-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
        let tmux = Tmux(session: "qscope-e2e-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer {
            tmux.killServer()
            try? FileManager.default.removeItem(at: workDirectory)
        }
        // The pane outlives qscope, so its exit code and the restored terminal modes can be read.
        let script = """
            '\(QScopeBinary.path.replacingOccurrences(of: "'", with: "'\\''"))' --model tiny --steps 3000
            echo EXITED:$?
            echo MODES: $(stty -a | tr ' ;' '\\n\\n' | grep -x -e echo -e -echo -e icanon -e -icanon)
            sleep 5
            """
        try tmux.start(width: 100, height: 30, directory: workDirectory.path, command: ["bash", "-c", script])

        // "242 / 3000" in a lone run's stats, "242/3000" in the six-run table: the first run's step.
        let stepPattern = try Regex(#"(\d+)\s*/\s*3000"#)
        func currentStep(_ screen: String) -> Int? {
            guard let match = screen.firstMatch(of: stepPattern), let digits = match.output[1].substring else {
                return nil
            }
            return Int(digits)
        }
        try tmux.waitFor("a step above zero", timeout: 120) { (currentStep($0) ?? 0) > 0 }

        try tmux.sendKeys("p")
        try tmux.waitFor("the paused status", timeout: 10) { $0.contains("paused") }

        try tmux.sendKeys("?")
        try tmux.waitFor("the help overlay", timeout: 5) { $0.contains("quit (Ctrl-C too)") }
        try tmux.sendKeys("Escape")
        try tmux.waitFor("the help overlay to close", timeout: 5) { !$0.contains("quit (Ctrl-C too)") }

        // Every view by its number, then round the tabs with Tab and back with Shift-Tab.
        func panelTitle(_ screen: String) -> String {
            let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
            return lines.count > 1 ? String(lines[1]) : ""
        }
        let views = [("2", "╭ layers"), ("3", "╭ propagation"), ("4", "╭ compare"), ("5", "╭ quantize"),
                     ("6", "╭ Help"), ("1", "╭ loss")]
        for (key, title) in views {
            try tmux.sendKeys(key)
            try tmux.waitFor("view \(key) (\(title))", timeout: 5) { panelTitle($0).hasPrefix(title) }
        }
        for (key, title) in [("Tab", "╭ layers"), ("Tab", "╭ propagation"), ("BTab", "╭ layers"), ("BTab", "╭ loss")] {
            try tmux.sendKeys(key)
            try tmux.waitFor("\(key) to reach \(title)", timeout: 5) { panelTitle($0).hasPrefix(title) }
        }

        // The Quantize view measures the selected run's weights (a paused trainer hands them over
        // too); a key gives the selected layer 5-bit weights, and the numbers follow.
        func measured(_ screen: String) -> Bool {
            panelTitle(screen).hasPrefix("╭ quantize") && screen.contains("key→numbers") && !screen.contains("computing")
                && !screen.contains("not measured yet")
        }
        try tmux.sendKeys("5")
        try tmux.waitFor("the Quantize view's first measurement", timeout: 60, measured)
        try tmux.sendKeys("l")
        try tmux.waitFor("the plan with 5-bit weights measured", timeout: 30) { $0.contains("W5A4 rtn") && measured($0) }
        try tmux.sendKeys("1")
        try tmux.waitFor("the Training view again", timeout: 5) { panelTitle($0).hasPrefix("╭ loss") }

        // The Training chart: log y on and off, smoothing off and on.
        try tmux.sendKeys("y")
        try tmux.waitFor("a log y axis", timeout: 5) { panelTitle($0).contains("log y") }
        try tmux.sendKeys("y")
        try tmux.waitFor("a linear y axis", timeout: 5) { !panelTitle($0).contains("log y") }
        try tmux.sendKeys("w")
        try tmux.waitFor("raw curves", timeout: 5) { panelTitle($0).contains("raw") }
        try tmux.sendKeys("w")
        try tmux.waitFor("smoothed curves", timeout: 5) { panelTitle($0).contains("smoothing 0.6") }

        // The new-run form opens and Esc cancels it without starting anything.
        try tmux.sendKeys("n")
        try tmux.waitFor("the new-run form", timeout: 5) { $0.contains("╭ new run") && $0.contains("Enter start") }
        try tmux.sendKeys("Escape")
        let afterForm = try tmux.waitFor("the form to close", timeout: 5) { !$0.contains("╭ new run") }
        #expect(!afterForm.contains("started"), "cancelling the form started a run:\n\(afterForm)")

        // Themes cycle live; the status line names the new one.
        try tmux.sendKeys("t")
        try tmux.waitFor("the next theme", timeout: 5) { $0.contains("theme ") && !$0.contains("theme default") }

        try tmux.resize(width: 40, height: 10)
        try tmux.waitFor("the too-small screen", timeout: 5) { $0.contains("too small") }
        try tmux.resize(width: 100, height: 30)
        try tmux.waitFor("the dashboard after growing back", timeout: 5) { currentStep($0) != nil }

        try tmux.sendKeys("q")
        // MODES is echoed after EXITED: waiting for EXITED alone can catch the screen between the two.
        let screen = try tmux.waitFor("qscope to exit", timeout: 20) { $0.contains("MODES:") }
        #expect(screen.contains("EXITED:0"), "qscope did not exit cleanly:\n\(screen)")
        #expect(!screen.contains("p pause all"), "the dashboard is still on screen:\n\(screen)")
        let modes = screen.split(separator: "\n").first { $0.hasPrefix("MODES:") }.map(String.init) ?? ""
        #expect(modes.contains(" echo") && modes.contains(" icanon"),
                "terminal modes were not restored: \(modes)")
        // Nothing trained is lost: every run was saved on the way out, its metrics log beside it.
        let saved = (try? FileManager.default.contentsOfDirectory(atPath: workDirectory.appendingPathComponent("runs").path)) ?? []
        let names = ["adamw", "muon", "shampoo", "soap", "scion", "psgd"]
        #expect(Set(saved) == Set(names.map { "\($0)-tiny.safetensors" } + names.map { "\($0)-tiny.metrics.jsonl" }),
                "saved runs: \(saved)")
    }
}

/// A private tmux server (its own socket) holding one session; never touches the user's.
struct Tmux {
    let session: String
    var socket: String { session }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    func start(width: Int, height: Int, directory: String, command: [String]) throws {
        try Self.run(["new-session", "-d", "-s", session, "-x", "\(width)", "-y", "\(height)",
                      "-c", directory] + command, socket: socket, captureOutput: false)
    }

    func capture() throws -> String {
        try Self.run(["capture-pane", "-p", "-t", session], socket: socket)
    }

    func sendKeys(_ keys: String) throws {
        try Self.run(["send-keys", "-t", session, keys], socket: socket)
    }

    func resize(width: Int, height: Int) throws {
        try Self.run(["resize-window", "-t", session, "-x", "\(width)", "-y", "\(height)"], socket: socket)
    }

    func killServer() {
        _ = try? Self.run(["kill-server"], socket: socket, captureOutput: false)
    }

    /// Polls the pane until `condition` holds, returning that screen; throws with the last
    /// screen when `timeout` seconds pass first.
    @discardableResult
    func waitFor(_ what: String, timeout: Double, _ condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var screen = ""
        while Date() < deadline {
            screen = (try? capture()) ?? screen
            if condition(screen) { return screen }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw Failure(description: "timed out after \(timeout) s waiting for \(what); the screen was:\n\(screen)")
    }

    /// Runs tmux with `arguments`, returning its stdout (when `captureOutput`); throws on a
    /// non-zero exit.
    ///
    /// Spawned with `posix_spawn` rather than `Process`, to give tmux (and through its server,
    /// qscope) an empty signal mask and default signal actions, as a person's shell would:
    /// test threads block nearly every signal, and children inherit that. Commands that may
    /// start the server must not capture, since the daemonized server keeps the client's
    /// stdout open forever.
    @discardableResult
    static func run(_ arguments: [String], socket: String?, captureOutput: Bool = true) throws -> String {
        let argv = ["tmux"] + (socket.map { ["-L", $0] } ?? []) + arguments
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var pipeEnds: [Int32] = [-1, -1]
        if captureOutput {
            guard pipe(&pipeEnds) == 0 else { throw Failure(description: "pipe failed") }
            posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], 1)
            posix_spawn_file_actions_addclose(&actions, pipeEnds[0])
            posix_spawn_file_actions_addclose(&actions, pipeEnds[1])
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)

        let environment = ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup($0) } + [nil]
        defer { (cArguments + cEnvironment).forEach { free($0) } }
        var pid = pid_t()
        let spawned = SpawnAttributes.withCleanSignals { posix_spawnp(&pid, "tmux", &actions, &$0, cArguments, cEnvironment) }
        var data = Data()
        if captureOutput {
            close(pipeEnds[1])
            if spawned == 0 {
                data = FileHandle(fileDescriptor: pipeEnds[0], closeOnDealloc: false).readDataToEndOfFile()
            }
            close(pipeEnds[0])
        }
        guard spawned == 0 else { throw Failure(description: "cannot run tmux (error \(spawned))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        // Exited normally (low 7 bits zero) with code 0 (the next byte).
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw Failure(description: "tmux \(arguments.joined(separator: " ")) failed (wait status \(status))")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
