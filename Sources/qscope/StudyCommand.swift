import Analysis
import ArgumentParser
import Core
import Foundation
import TUI

/// `qscope study`: the whole study headless, in one table, at laptop scale (docs/quantization.md
/// §8–§9, docs/analysis.md).
///
/// Trains every optimizer on the same data and seed (with `--save-at-loss`, PTQ then uses the
/// first checkpoint below the common loss, as the study does), optionally the same runs with
/// QuEST W4A4 QAT, then measures each full-precision model: W4A4 RTN and GPTQ loss increases,
/// mean input MMR and kurtoses, R_L; and correlates each metric with the RTN increase.
struct StudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "Run the study headless: train every optimizer (and QuEST W4A4 QAT with --with-qat), then PTQ, outlier metrics, R_L and the predictors.")

    @OptionGroup var options: RunOptions

    @Flag(name: .customLong("with-qat"), help: "Also train each optimizer with QuEST W4A4 QAT from scratch and report the gap.")
    var withQAT = false

    @Option(name: .customLong("ptq-batches"), help: "Validation batches for the PTQ losses.")
    var ptqBatches = 16

    @Flag(help: "JSON lines: the training records, then one object per optimizer and one per metric.")
    var json = false

    func run() throws {
        guard options.qat.qat == nil else {
            throw QScopeError.badInput("study trains full precision first; use --with-qat for the QAT runs, not --qat")
        }
        guard ptqBatches > 0 else { throw QScopeError.badInput("--ptq-batches must be positive") }
        let directory = options.save ?? "study"
        let full = try options.prepare(RunDefaults(optimizer: .all, steps: 1000, saveDirectory: directory,
                                                   cores: ProcessInfo.processInfo.activeProcessorCount))
        let reporting: HeadlessTraining.Reporting = json ? .json : .lines
        let trained = try HeadlessTraining(runs: full, reporting: reporting).run()
        var qatLoss: [OptimizerKind: Double] = [:]
        if withQAT {
            let specs = full.specs.map { spec -> RunSpec in
                var qat = spec
                qat.qat = QATConfig(method: .quest, weightBits: 4, inputBits: 4)
                qat.saveAtLoss = nil
                qat.save = RunPaths.checkpoint(in: directory, for: qat)
                return qat
            }
            let runs = PreparedRuns(specs: specs, corpus: full.corpus, resume: nil)
            for result in try HeadlessTraining(runs: runs, reporting: reporting).run() {
                if let loss = result.end.valLoss { qatLoss[result.spec.optimizer] = loss }
            }
        }
        BLAS.useEveryCore()
        var rows: [StudyRow] = []
        for result in trained where result.end.status == .finished || result.end.status == .stopped {
            guard let final = result.end.saved else { continue }
            let common = result.spec.paths?.commonLoss
            let checkpoint = common.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil } ?? final
            let file = try Safetensors.read(path: checkpoint)
            let measured = try Predictors.measure(name: result.spec.optimizer.rawValue, file: file, path: checkpoint,
                                                  corpus: full.corpus, evalBatches: ptqBatches, propagationBatches: 4)
            let gptq = try PTQ.run(file: file, path: checkpoint, corpus: full.corpus,
                                   weights: .gptq(try GPTQ(bits: 4, symmetric: true), calibrationBatches: 8),
                                   input: try RoundToNearest(bits: 4), evalBatches: ptqBatches, perLayer: false)
            rows.append(StudyRow(measured: measured, checkpoint: checkpoint, gptqIncrease: gptq.increase,
                                 qatLoss: qatLoss[result.spec.optimizer]))
        }
        StudyReport(rows: rows, correlations: Predictors.correlations(rows.map(\.measured))).print(json: json)
    }
}

/// One optimizer's line of the study.
struct StudyRow {
    let measured: Predictors.Measurement
    let checkpoint: String
    let gptqIncrease: Double
    let qatLoss: Double?

    var qatGap: Double? { qatLoss.map { $0 - measured.fullPrecisionLoss } }
}

/// The study's table and predictor correlations, as text or JSON lines.
struct StudyReport {
    let rows: [StudyRow]
    let correlations: [Predictors.Correlations]

    func print(json: Bool) {
        if json {
            for r in rows {
                let m = r.measured
                Output.line(JSONLine.encode([
                    ("study", .bool(true)), ("optimizer", .string(m.name)), ("checkpoint", .string(r.checkpoint)),
                    ("val_loss_fp", .double(m.fullPrecisionLoss)), ("rtn_increase", .double(m.ptqIncrease)),
                    ("gptq_increase", .double(r.gptqIncrease)), ("qat_val_loss", .number(r.qatLoss)),
                    ("qat_gap", .number(r.qatGap)), ("mmr", .number(m.mmr)), ("kurtosis", .number(m.kurtosis)),
                    ("rms_kurtosis", .number(m.rmsKurtosis)), ("r_l", .double(m.outputError)),
                ]))
            }
        } else {
            Output.line("")
            Output.line("optimizer   fp loss   +RTN     +GPTQ    QAT loss  QAT gap    MMR   kurt  rms-kurt       R_L")
            for r in rows {
                let m = r.measured
                Output.line(Format.pad(m.name, to: 10) + String(format: " %7.4f  %+7.4f  %+7.4f  ", m.fullPrecisionLoss,
                                                                m.ptqIncrease, r.gptqIncrease)
                    + Format.padLeft(Output.number(r.qatLoss, "%.4f"), to: 8) + "  "
                    + Format.padLeft(Output.number(r.qatGap, "%+.4f"), to: 7) + "  "
                    + Format.padLeft(Output.number(m.mmr, "%.2f"), to: 5) + "  "
                    + Format.padLeft(Output.number(m.kurtosis, "%.1f"), to: 5) + "  "
                    + Format.padLeft(Output.number(m.rmsKurtosis, "%.2f"), to: 8) + String(format: "  %.3e", m.outputError))
            }
        }
        Output.correlations(correlations, json: json, measured: rows.count, units: "optimizers")
    }
}
