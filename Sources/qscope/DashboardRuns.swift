import Core
import Foundation
import TUI

/// The dashboard's runs: those started at launch and those the user starts or restarts
/// later, each saved when it ends and all joined at exit.
///
/// Used on the UI thread only (the dashboard calls its launcher there), so it needs no lock.
final class DashboardRuns {
    private let options: RunOptions
    private let prepared: PreparedRuns
    private let board: RunBoard
    private let defaultSteps: Int
    private var configs: [Int: TrainConfig] = [:]
    private var threads: [(id: Int, thread: TrainerThread)] = []

    init(options: RunOptions, prepared: PreparedRuns, board: RunBoard, defaultSteps: Int) {
        self.options = options
        self.prepared = prepared
        self.board = board
        self.defaultSteps = defaultSteps
    }

    /// Starts the runs named on the command line (ids 0, 1, …) and returns their controls.
    func startInitial() throws -> [Int: RunControl] {
        let count = prepared.configs.count
        let started = try prepared.start(board: board, savePath: {
            self.options.savePath(for: $0, runCount: count, defaultDirectory: "runs")
        })
        for (id, thread) in started.enumerated() {
            configs[id] = prepared.configs[id]
            threads.append((id, thread))
        }
        return Dictionary(uniqueKeysWithValues: threads.map { ($0.id, $0.thread.control) })
    }

    var launcher: RunLauncher {
        RunLauncher(start: { request in
            try self.launch(try self.config(for: request))
        }, restart: { id in
            guard let config = self.configs[id] else { throw QScopeError.badInput("run \(id) cannot be restarted") }
            return try self.launch(config)
        })
    }

    /// The configuration of a run the form asks for: the command line's flags with the form's
    /// optimizer, size, rate and QAT setting (the form's bits go to weights and inputs alike).
    private func config(for request: RunRequest) throws -> TrainConfig {
        var config = try options.config(optimizer: request.optimizer, model: request.model,
                                        learningRate: request.learningRate, defaultSteps: defaultSteps)
        config.qat = try request.qat.map { try QATConfig(method: $0, weightBits: request.bits) }
        try config.validate()
        return config
    }

    /// Starts `config` from scratch as the next run id, saving to a file named after it.
    private func launch(_ config: TrainConfig) throws -> LaunchedRun {
        let id = (threads.map(\.id).max() ?? -1) + 1
        let control = RunControl()
        let thread = try prepared.startRun(id: id, config: config, board: board, control: control,
                                           savePath: savePath(for: config, id: id), resume: false)
        configs[id] = config
        threads.append((id, thread))
        return LaunchedRun(id: id, control: control)
    }

    /// Where a run started during the session is saved: beside the launch runs (in the
    /// `--save` directory, the folder of a lone run's `--save` file, or `runs/`), with the
    /// run id in the name so a restart never overwrites the run it replaces.
    private func savePath(for config: TrainConfig, id: Int) -> String {
        let directory: String
        if let save = options.save {
            directory = prepared.configs.count == 1 ? (save as NSString).deletingLastPathComponent : save
        } else {
            directory = "runs"
        }
        return ((directory.isEmpty ? "." : directory) as NSString)
            .appendingPathComponent("\(config.optimizer)-\(config.model.name)-run\(id).safetensors")
    }

    /// Asks every run to stop, waits for each to finish saving, and returns one line per run.
    func stopAndJoin() -> [String] {
        for (_, thread) in threads {
            thread.control.requestStop()
            thread.control.resume()
        }
        return threads.map { id, thread in
            thread.wait()
            let snapshot = board.snapshot(id: id)
            var line = "\(snapshot?.name ?? "run \(id)"): \(snapshot?.status.rawValue ?? "stopped") at step \(snapshot?.step ?? 0)"
            if let val = snapshot?.valLoss { line += ", val loss \(String(format: "%.4f", val))" }
            switch thread.outcome?.saved {
            case .success(let path?): line += "; saved \(path)"
            case .failure(let error): line += "; could not save: \(error)"
            default: break
            }
            return line
        }
    }
}
