import Analysis
import Core
import Foundation

extension StudyReport {
    /// `report.md`: the setup, then the paper's tables at this scale.
    static func markdown(_ results: StudyResults) -> String {
        var out = "# Study `\(results.name)`: optimizers under quantization\n\n"
        out += "Every cell is a mean over \(results.seeds) seed\(results.seeds == 1 ? "" : "s") with its 95% interval "
            + "(Student's t, so with two seeds an interval is wide: it says how far apart the seeds were). "
            + "Correlations carry 95% stratified-bootstrap intervals over seeds; the scaling-law parameters, "
            + "leave-one-out (jackknife) intervals. Losses are nats per byte on held-out text. "
        out += results.precision == .bf16
            ? "Trained in bf16 mixed precision (`precision = \"bf16\"`: the matrix products' operands rounded to bf16, "
                + "fp32 accumulation, master weights and optimizer states, as the paper trains); PTQ and the analyses "
                + "evaluate the fp32 master weights in fp32.\n\n"
            : "Trained in fp32.\n\n"
        out += "| size | parameters | non-embedding | steps | common loss (bounded by) |\n|---|---:|---:|---:|---|\n"
        for size in results.sizes {
            let common = results.commonLoss.first { $0.size == size.name }
            out += "| \(size.name) | \(size.parameters) | \(size.nonEmbeddingParameters) | \(size.steps) | "
                + (common.map { String(format: "%.4f", $0.loss) + " (\($0.limitedBy))" } ?? "n/a") + " |\n"
        }
        out += "\n## 1. Learning rates chosen by the sweep (seed 1, lowest final validation loss)\n\n"
        out += grid(results) { size, optimizer in
            results.rates.first { $0.size == size && $0.optimizer == optimizer }
                .map { r in r.learningRate.map { String(format: "%.2e", $0) } ?? "diverged" } ?? "n/a"
        }
        let notes = results.rates.compactMap { r in r.note.map { "- \(r.size) \(r.optimizer): \($0)" } }
        if !notes.isEmpty { out += "\n" + notes.joined(separator: "\n") + "\n" }
        let sections: [(String, String, String)] = [
            ("2. Full-precision validation loss", "fp_loss", "%.4f"),
            ("3. W4A4 RTN loss increase at the common loss", "rtn_increase", "%.4f"),
            ("4. W4A4 GPTQ loss increase at the common loss", "gptq_increase", "%.4f"),
            ("5. W4A4 RTN loss increase at the end of training", "rtn_increase_final", "%.4f"),
            ("6. QuEST W4A4 QAT validation loss", "qat_loss", "%.4f"),
            ("7. QAT gap (QAT − full precision, same seed)", "qat_gap", "%.4f"),
            ("8. QAT gap relative to full precision (%)", "qat_gap_relative", "%.2f"),
            ("9. Mean input MMR at the common loss", "mmr", "%.2f"),
            ("10. Mean input kurtosis at the common loss", "kurtosis", "%.2f"),
            ("11. R at the logits (R_L) at the common loss", "r_l", "%.2e"),
            ("12. R at the final hidden state at the common loss", "r_final", "%.2e"),
            ("13. Output KL divergence at the common loss (nats/token)", "kl", "%.2e"),
        ]
        for (title, key, format) in sections { out += table(results, title: title, key: key, format: format) }
        out += correlationSection(results)
        out += scalingSection(results)
        out += allocationSection(results)
        out += "\n## 17. Figures\n\n"
        for (file, _) in StudyFigures.all(results) { out += "![\(file)](\(file))\n" }
        return out
    }

    private static func table(_ results: StudyResults, title: String, key: String, format: String) -> String {
        "\n## \(title)\n\n" + grid(results) { size, optimizer in
            estimate(results.cells.first { $0.size == size && $0.optimizer == optimizer }?.values[key], format)
        }
    }

    /// A table with a row per size and a column per optimizer, `cell` filling each.
    private static func grid(_ results: StudyResults, cell: (String, OptimizerKind) -> String) -> String {
        var out = "| size | " + results.optimizers.map(\.rawValue).joined(separator: " | ") + " |\n"
        out += "|---|" + String(repeating: "---:|", count: results.optimizers.count) + "\n"
        for size in results.sizes {
            out += "| \(size.name) | " + results.optimizers.map { cell(size.name, $0) }.joined(separator: " | ") + " |\n"
        }
        return out
    }

    private static func correlationSection(_ results: StudyResults) -> String {
        var out = "\n## 14. How well each metric predicts the RTN damage (correlation over runs at the common loss)\n\n"
        out += "| scope | predictor | Pearson | Spearman | runs |\n|---|---|---:|---:|---:|\n"
        for row in results.correlations {
            out += "| \(row.scope) | \(StudyFigures.predictorTitles[row.predictor] ?? row.predictor) | "
                + "\(estimate(row.pearson, "%+.2f")) | \(estimate(row.spearman, "%+.2f")) | "
                + "\(row.pearson?.count ?? row.spearman?.count ?? 0) |\n"
        }
        return out
    }

    private static func scalingSection(_ results: StudyResults) -> String {
        let counted = results.scalingParameters == .total ? "all parameters" : "non-embedding"
        var out = "\n## 15. QAT scaling laws L = A/(N·ρ)^α + E (N \(counted); Huber on log residuals)\n\n"
        out += "| optimizer | runs | ρ (4-bit QAT) | E | α | A |\n|---|---:|---:|---:|---:|---:|\n"
        for fit in results.fits {
            if let error = fit.error {
                out += "| \(fit.optimizer) | \(fit.points) | – | – | – | \(error) |\n"
                continue
            }
            out += "| \(fit.optimizer) | \(fit.points) | \(estimate(fit.efficiency)) | \(estimate(fit.irreducible)) | "
                + "\(estimate(fit.alpha)) | \(fit.a.map { String(format: "%.3g", $0) } ?? "n/a") |\n"
        }
        return out
    }

    /// Uniform against allocated bits per optimizer and budget, or why it is absent.
    static func allocationSection(_ results: StudyResults) -> String {
        let out = "\n## 16. Bits allocated per layer against uniform bits\n\n"
        guard let curves = results.allocation, let first = curves.first else {
            return out + "Not measured: the spec turns it off (`[allocation] enabled = false`), or the store predates this "
                + "measurement (running the study again takes it and redoes nothing else).\n"
        }
        let budgets = first.points.map(\.budget)
        func bits(_ value: Double) -> String { String(format: "%g", value) }
        var table = "| optimizer | " + budgets.map { bits($0) + " bits" }.joined(separator: " | ") + " |\n"
        table += "|---|" + String(repeating: "---:|", count: budgets.count) + "\n"
        for curve in curves {
            table += "| \(curve.optimizer) | " + budgets.map { budget in
                guard let p = curve.points.first(where: { $0.budget == budget }) else { return "n/a" }
                return String(format: "%.4f → %.4f ", p.uniformIncrease, p.bestIncrease) + p.bestStrategy.rawValue
            }.joined(separator: " | ") + " |\n"
        }
        return out + "Each optimizer's \(first.size) model (seed \(first.seed), at the common loss: the runs of Fig. 3) "
            + "quantized W_bA_b by RTN per layer under an average-bits budget: uniform puts every block linear at the "
            + "widest menu width within the budget; the greedy allocations (\(first.strategies.map(\.rawValue).joined(separator: ", ")); "
            + "docs/quantization.md §11) choose each layer's width from sensitivities measured on calibration batches, and the "
            + "best is the one with the lowest validation loss. Each cell: uniform → best allocated loss increase (nats), "
            + "and the strategy that won. `fig-allocation.svg` draws both against the plans' average bits (uniform plans "
            + "exist only at the menu widths: its dashed line just joins them).\n\n" + table
    }
}
