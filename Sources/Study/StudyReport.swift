import Analysis
import Core
import Foundation

/// Writes a study's report: `report.md` with the paper's tables at this scale (every cell a
/// mean with its 95% interval over seeds), the same tables as CSV and all results as JSON, and
/// the SVG figures, into one directory.
public enum StudyReport {
    /// Writes everything into `directory` (created), each file through a temporary file and a rename.
    public static func write(_ results: StudyResults, to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        func put(_ name: String, _ text: String) throws {
            try AtomicFile.write(Data(text.utf8), to: (directory as NSString).appendingPathComponent(name))
        }
        try put("report.md", markdown(results))
        for (name, csv) in tables(results) { try put(name, csv) }
        try put("results.json", String(decoding: try JSONEncoder.sorted.encode(results), as: UTF8.self) + "\n")
        for (name, svg) in StudyFigures.all(results) { try put(name, svg) }
    }

    /// `1.234 ± 0.056`, `1.234` without an interval, `n/a` without a value.
    static func estimate(_ e: Intervals.Estimate?, _ format: String = "%.3f") -> String {
        guard let e else { return "n/a" }
        let value = String(format: format, e.value)
        guard let lower = e.lower, let upper = e.upper else { return value }
        if abs((upper - e.value) - (e.value - lower)) < 1e-12 * max(1, abs(e.value)) {
            return value + " ± " + String(format: format, upper - e.value)
        }
        return value + " [" + String(format: format, lower) + ", " + String(format: format, upper) + "]"
    }

    /// The tables as CSV files: one row per cell, each estimate as value, lower, upper.
    static func tables(_ results: StudyResults) -> [(String, String)] {
        let columns = StudyResults.cellColumns.map(\.key)
        var cells = "size,optimizer," + columns.flatMap { [$0, "\($0)_lower", "\($0)_upper", "\($0)_n"] }.joined(separator: ",") + "\n"
        for cell in results.cells {
            cells += "\(cell.size),\(cell.optimizer)," + columns.flatMap { key -> [String] in
                guard let e = cell.values[key] else { return ["", "", "", "0"] }
                return [csv(e.value), csv(e.lower), csv(e.upper), "\(e.count)"]
            }.joined(separator: ",") + "\n"
        }
        var correlations = "scope,predictor,pearson,pearson_lower,pearson_upper,spearman,spearman_lower,spearman_upper,n\n"
        for row in results.correlations {
            correlations += "\(row.scope),\(row.predictor),\(csv(row.pearson?.value)),\(csv(row.pearson?.lower)),"
                + "\(csv(row.pearson?.upper)),\(csv(row.spearman?.value)),\(csv(row.spearman?.lower)),"
                + "\(csv(row.spearman?.upper)),\(row.pearson?.count ?? row.spearman?.count ?? 0)\n"
        }
        var fits = "optimizer,points,a,alpha,alpha_lower,alpha_upper,e,e_lower,e_upper,rho,rho_lower,rho_upper,error\n"
        for fit in results.fits {
            fits += "\(fit.optimizer),\(fit.points),\(csv(fit.a)),\(csv(fit.alpha?.value)),\(csv(fit.alpha?.lower)),"
                + "\(csv(fit.alpha?.upper)),\(csv(fit.irreducible?.value)),\(csv(fit.irreducible?.lower)),"
                + "\(csv(fit.irreducible?.upper)),\(csv(fit.efficiency?.value)),\(csv(fit.efficiency?.lower)),"
                + "\(csv(fit.efficiency?.upper)),\"\(fit.error ?? "")\"\n"
        }
        var rates = "size,optimizer,lr,val_loss,note\n"
        for r in results.rates {
            rates += "\(r.size),\(r.optimizer),\(csv(r.learningRate.map(Double.init))),\(csv(r.valLoss)),\"\(r.note ?? "")\"\n"
        }
        return [("cells.csv", cells), ("correlations.csv", correlations), ("fits.csv", fits), ("rates.csv", rates)]
    }

    private static func csv(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "" }
        return String(value)
    }
}
