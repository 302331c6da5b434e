import Analysis
import Core
import Foundation
import TUI

/// The dashboard's runs: those started at launch and those the user starts or restarts
/// later, each a `RunSession`, saved when it ends and all joined at exit.
///
/// Used on the UI thread only (the dashboard calls its launcher there), so it needs no lock.
final class DashboardRuns {
    private let prepared: PreparedRuns
    /// The command line's overrides, under which the form's runs are started.
    private let overrides: RunOverrides
    private let defaults: RunDefaults
    private let board: RunBoard
    private var sessions: [RunSession] = []

    init(prepared: PreparedRuns, overrides: RunOverrides, defaults: RunDefaults, board: RunBoard) {
        self.prepared = prepared
        self.overrides = overrides
        self.defaults = defaults
        self.board = board
    }

    /// Starts the runs named on the command line (ids 0, 1, …) and returns their controls.
    func startInitial() throws -> [Int: RunControl] {
        for index in prepared.specs.indices {
            sessions.append(try prepared.start(index, id: index, board: board))
        }
        return Dictionary(uniqueKeysWithValues: sessions.map { ($0.id, $0.control) })
    }

    var launcher: RunLauncher {
        RunLauncher(start: { request in
            try self.launch(try self.spec(for: request))
        }, restart: { id in
            guard let session = self.sessions.first(where: { $0.id == id }) else {
                throw QScopeError.badInput("run \(id) cannot be restarted")
            }
            return try self.launch(session.spec)
        })
    }

    /// The run the form asks for: its fields over the command line's, on one core (`--threads`
    /// if given), since it joins runs that already have theirs.
    func spec(for request: RunOverrides) throws -> RunSpec {
        var layered = request.overriding(overrides)
        layered.save = nil
        var defaults = self.defaults
        defaults.cores = 1
        guard let spec = try layered.specs(defaults).first else { throw QScopeError.badInput("the form names no run") }
        return spec
    }

    /// Starts `spec` from scratch as the next run id, saved beside the launch runs with the run
    /// id in its name, so a restart never overwrites the run it replaces.
    private func launch(_ spec: RunSpec) throws -> LaunchedRun {
        let id = (sessions.map(\.id).max() ?? -1) + 1
        var spec = spec
        spec.save = RunPaths.checkpoint(in: directory, for: spec, runID: id)
        let session = try RunSession.start(id: id, spec: spec, corpus: prepared.corpus, board: board,
                                           probe: StudyProbe.factory)
        sessions.append(session)
        return LaunchedRun(id: id, control: session.control)
    }

    /// Where the launch runs are saved: the folder of a lone run's file, else `runs/`.
    private var directory: String {
        guard let first = prepared.specs.first?.save else { return defaults.saveDirectory ?? "runs" }
        let folder = (first as NSString).deletingLastPathComponent
        return folder.isEmpty ? "." : folder
    }

    /// Asks every run to stop, waits for each to finish saving, and returns one line per run.
    func stopAndJoin() -> [String] {
        sessions.forEach { $0.requestStop() }
        return sessions.map { session in
            session.wait()
            let end = session.end(on: board)
            var line = "\(session.spec.name): \(end.status.rawValue) at step \(end.step)"
            if let val = end.valLoss { line += ", val loss \(String(format: "%.4f", val))" }
            switch session.outcome?.saved {
            case .success(let path?): line += "; saved \(path)"
            case .failure(let error): line += "; could not save: \(error)"
            default: break
            }
            return line
        }
    }
}
