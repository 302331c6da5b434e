import Core
import Foundation
import Testing
@testable import TUI

/// The loop turning keys into commands on the runs, with a launcher that records what it
/// is asked and publishes a snapshot for each run it "starts".
@Suite("Run control through the loop")
struct RunControlLoopTests {
    final class FakeLauncher {
        let board: RunBoard
        var requests: [RunOverrides] = []
        var restarts: [Int] = []
        var failure: QScopeError?
        var nextID: Int

        init(board: RunBoard, nextID: Int) {
            self.board = board
            self.nextID = nextID
        }

        func start(name: String) throws -> LaunchedRun {
            if let failure { throw failure }
            defer { nextID += 1 }
            board.publish(Fixtures.run(id: nextID, name: name, optimizer: OptimizerKind(rawValue: String(name.prefix { $0 != "/" })), steps: 1))
            return LaunchedRun(id: nextID, control: RunControl())
        }

        var launcher: RunLauncher {
            RunLauncher(start: { request in
                self.requests.append(request)
                return try self.start(name: "\(request.optimizer?.description ?? "?")/\(request.model ?? "?")")
            }, restart: { id in
                self.restarts.append(id)
                return try self.start(name: self.board.snapshot(id: id)?.name ?? "?")
            })
        }
    }

    static func keys(_ text: String) -> [InputEvent] { text.map { .key(.character($0)) } }

    static func run(_ input: [InputEvent], launcher: FakeLauncher? = nil, exports: String = "exports")
        -> (Dashboard, TestBackend, [Int: RunControl]) {
        let board = launcher?.board ?? RunBoard()
        for run in Fixtures.six { board.publish(run) }
        let controls = Dictionary(uniqueKeysWithValues: Fixtures.six.map { ($0.id, RunControl()) })
        let dashboard = Dashboard(board: board, controls: controls, options: DashboardOptions(theme: .builtIn),
                                  launcher: launcher?.launcher, exporter: DashboardExport(directory: exports),
                                  environment: [:])
        var backend = TestBackend(size: Size(width: 100, height: 30), input: input)
        _ = dashboard.loop(backend: &backend, view: dashboard.makeView(glyphs: .braille, colorMode: .palette256),
                           interrupted: { false })
        return (dashboard, backend, controls)
    }

    @Test func pauseStopAndMeasureTheSelectedRun() {
        let (_, backend, controls) = Self.run(Self.keys(" jsxsymq"))
        #expect(controls[0]!.isPaused)
        #expect(!controls[1]!.isPaused)
        #expect(controls[1]!.isStopRequested)  // the first `s` was answered `x`: no
        #expect(controls.values.filter(\.isStopRequested).count == 1)
        #expect(controls[1]!.isMeasurementRequested)
        let texts = backend.frames.map(\.text)
        #expect(texts[3].contains("stop muon/tiny? y/n"))
        #expect(!texts[4].contains("y/n"))
        #expect(texts[7].contains("measuring muon/tiny at its next step"))
    }

    @Test func formStartsARunAndSelectsIt() {
        let board = RunBoard()
        let launcher = FakeLauncher(board: board, nextID: 6)
        let input = Self.keys("n") + [.key(.right), .key(.tab), .key(.tab)] + Self.keys("2e-3") + [.key(.enter)]
            + Self.keys("q")
        let (dashboard, backend, _) = Self.run(input, launcher: launcher)
        #expect(launcher.requests == [.form(.muon, "tiny", lr: 2e-3)])
        #expect(dashboard.controls.keys.sorted() == [0, 1, 2, 3, 4, 5, 6])
        let last = backend.frames[backend.frames.count - 1].text
        #expect(last.contains("started muon/tiny"))
        #expect(!last.contains("new run ─"))
    }

    @Test func failedStartKeepsTheFormOpenWithTheReason() {
        let launcher = FakeLauncher(board: RunBoard(), nextID: 6)
        launcher.failure = .badInput("QAT not available in this build")
        let input = Self.keys("n") + [.key(.down), .key(.down), .key(.down), .key(.right), .key(.enter)]
        let (dashboard, backend, _) = Self.run(input + [.key(.escape)] + Self.keys("q"), launcher: launcher)
        let afterEnter = backend.frames[6].text
        #expect(afterEnter.contains("QAT not available in this build"))
        #expect(afterEnter.contains("new run") && afterEnter.contains("‹ quest ›"))
        #expect(!backend.frames[7].text.contains("‹ quest ›"))  // Esc closed it
        #expect(dashboard.controls.count == 6)
    }

    @Test func restartStopsTheRunAndStartsItAgain() {
        let launcher = FakeLauncher(board: RunBoard(), nextID: 6)
        let (dashboard, backend, controls) = Self.run(Self.keys("jjryq"), launcher: launcher)
        #expect(launcher.restarts == [2])
        #expect(controls[2]!.isStopRequested)
        #expect(dashboard.controls[6] != nil)
        #expect(backend.frames.last!.text.contains("restarted shampoo/tiny"))
    }

    @Test func withoutALauncherStartingSaysSo() {
        let (_, backend, _) = Self.run(Self.keys("n") + [.key(.enter)] + Self.keys("q"))
        #expect(backend.frames.last!.text.contains("this dashboard cannot start runs"))
    }

    @Test func exportWritesTheViewAndNamesTheFiles() throws {
        let directory = try ExportTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (_, backend, _) = Self.run(Self.keys("eq"), exports: directory.path)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(files.count == 3)
        #expect(files.allSatisfy { $0.hasPrefix("qscope-training-") })
        #expect(Set(files.map { ($0 as NSString).pathExtension }) == ["csv", "json", "txt"])
        let screen = try String(contentsOfFile: directory.appendingPathComponent(files[2]).path, encoding: .utf8)
        #expect(screen == backend.frames[0].text + "\n")
        #expect(backend.frames[1].text.contains("exported "))
    }

    @Test func viewsSwitchWithNumbersAndTab() {
        let input = Self.keys("2345") + [.key(.tab), .key(.tab), .key(.backTab)] + Self.keys("q")
        let (_, backend, _) = Self.run(input)
        let titles = backend.frames.dropFirst().map { frame in
            DashboardPage.allCases.first { frame.row(1).lowercased().contains($0.title.lowercased()) }
        }
        #expect(titles == [.layers, .propagation, .compare, .quantize, .help, nil, .help])
    }
}
