import Core
import Foundation
import Study
import TUI

/// How a headless study shows its progress: a bar with an ETA per stage on a terminal (stderr),
/// a line per stage and run otherwise, or JSON lines with `--json`.
final class StudyProgressView {
    private let json: Bool
    private let bar = isatty(STDERR_FILENO) == 1
    private var stageStart = Date()
    private var label = ""

    init(json: Bool) { self.json = json }

    func show(_ event: StudyEvent) {
        switch event {
        case let .stage(stage, runs, done):
            clear()
            stageStart = Date()
            label = stage.rawValue
            emit([("stage", .string(stage.rawValue)), ("runs", .int(runs)), ("done", .int(done))],
                 "stage \(stage.rawValue): \(runs) runs, \(done) already done")
        case let .progress(done, total):
            draw(done: done, total: total)
        case .run(let run):
            clear()
            emit([("run", .string(run.id)), ("size", .string(run.size)), ("optimizer", .string(run.optimizer.rawValue)),
                  ("seed", .int(Int(run.seed))), ("qat", .bool(run.qat)), ("lr", .double(run.learningRate)),
                  ("status", .string(run.status)), ("val_loss", .number(run.valLoss))],
                 "  \(run.size) \(run.optimizer)\(run.qat ? " qat" : "") seed \(run.seed) lr "
                    + String(format: "%.2e", run.learningRate) + ": \(run.status)"
                    + (run.valLoss.map { String(format: ", val %.4f", $0) } ?? ""))
        case .measuring(let runs):
            clear()
            stageStart = Date()
            label = "measure"
            emit([("stage", .string("measure")), ("runs", .int(runs))], "measuring: \(runs) measurements (PTQ, outliers, ABC, bit allocations)")
        case let .measured(done, total):
            draw(done: done, total: total)
        }
    }

    func finish() { clear() }

    private func emit(_ fields: [(String, JSONLine.JSONValue)], _ text: String) {
        Output.line(json ? JSONLine.encode(fields) : text)
    }

    private func draw(done: Int, total: Int) {
        guard bar, !json, total > 0 else { return }
        let fraction = Double(done) / Double(total), elapsed = Date().timeIntervalSince(stageStart)
        let eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0
        let filled = Int(fraction * 30)
        let line = "\r\(label) [" + String(repeating: "#", count: filled) + String(repeating: ".", count: 30 - filled)
            + "] " + String(format: "%3.0f%%", fraction * 100) + "  eta \(Format.duration(eta)) "
        FileHandle.standardError.write(Data(line.utf8))
    }

    private func clear() {
        guard bar, !json else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
