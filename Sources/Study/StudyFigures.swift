import Analysis
import Core
import Foundation

/// The study's figures as SVG documents, by file name: the paper's Fig. 1–4, the scaling laws,
/// the learning-rate sweeps and, when measured, the bit allocations, drawn from `StudyResults`.
enum StudyFigures {
    static func all(_ results: StudyResults) -> [(file: String, svg: String)] {
        var figures = predictors(results)
        figures.append(("fig2-lr-vs-mmr.svg", learningRateVersusMMR(results)))
        figures.append(contentsOf: propagation(results))
        figures.append(("fig-scaling.svg", scaling(results)))
        figures.append(contentsOf: sweeps(results))
        if let curves = results.allocation { figures.append(("fig-allocation.svg", allocation(curves))) }
        return figures
    }

    static func style(_ optimizer: OptimizerKind) -> SVGChart.Style {
        SVGChart.style(OptimizerKind.allCases.firstIndex(of: optimizer) ?? 0)
    }

    static let predictorTitles = [
        "mmr": "mean input MMR", "kurtosis": "mean input kurtosis", "rms_kurtosis": "mean RMS kurtosis",
        "r_l": "R at the logits", "r_final": "R at the final hidden state", "kl": "output KL (nats/token)",
    ]

    /// Fig. 1: each predictor against the PTQ damage, one point per run, with r and its interval.
    static func predictors(_ results: StudyResults) -> [(String, String)] {
        ["mmr", "kurtosis", "rms_kurtosis", "r_l", "r_final", "kl"].map { predictor in
            let row = results.correlations.first { $0.scope == "pooled" && $0.predictor == predictor }
            var chart = SVGChart(title: "PTQ damage against \(predictorTitles[predictor]!)",
                                 xLabel: predictorTitles[predictor]! + (predictor == "mmr" || predictor.hasPrefix("r") ? " (log)" : ""),
                                 yLabel: "RTN loss increase at the common loss (nats)")
            chart.xLog = predictor == "mmr" || predictor == "r_l" || predictor == "r_final" || predictor == "kl"
            chart.notes = ["pooled over sizes and seeds: Pearson " + StudyReport.estimate(row?.pearson)
                           + ", Spearman " + StudyReport.estimate(row?.spearman) + " (95% bootstrap)"]
            chart.series = results.optimizers.map { optimizer in
                SVGChart.Series(name: optimizer.rawValue, style: style(optimizer), points: results.samples
                    .filter { $0.optimizer == optimizer }
                    .compactMap { s in s.predictors[predictor].map { (x: $0, y: s.rtnIncrease) } })
            }
            return ("fig1-\(predictor.replacingOccurrences(of: "_", with: "-")).svg", chart.document())
        }
    }

    /// Fig. 2: learning rate against MMR per optimizer, from the sweep (the largest size).
    static func learningRateVersusMMR(_ results: StudyResults) -> String {
        let size = results.sizes.last?.name ?? ""
        var chart = SVGChart(title: "Learning rate against MMR (\(size), end of training)", xLabel: "peak learning rate (log)",
                             yLabel: "mean input MMR")
        chart.xLog = true
        chart.series = results.optimizers.map { optimizer in
            var series = SVGChart.Series(name: optimizer.rawValue, style: style(optimizer), points: results.sweep
                .filter { $0.size == size && $0.optimizer == optimizer }
                .compactMap { p in p.mmr.map { (x: p.learningRate, y: $0) } }.sorted { $0.x < $1.x })
            series.line = true
            return series
        }
        return chart.document()
    }

    /// Fig. 3 and 4: R per module as stacked A, B, C, and the linear modules' gains, per optimizer.
    static func propagation(_ results: StudyResults) -> [(String, String)] {
        var figures: [(String, String)] = []
        for profile in results.propagation {
            let modules = profile.modules
            var chart = SVGChart(title: "R = A + B + C per module: \(profile.optimizer) (\(profile.size), common loss)",
                                 xLabel: "module, in forward order", yLabel: "relative squared error")
            (chart.width, chart.height) = (900, 500)
            chart.bars = SVGChart.Bars(categories: modules.map(\.name), components: [
                ("A propagated", SVGChart.Style(color: "#0072B2", marker: .square, dash: nil), modules.map(\.a)),
                ("B local", SVGChart.Style(color: "#E69F00", marker: .square, dash: nil), modules.map(\.b)),
                ("C interaction", SVGChart.Style(color: "#999999", marker: .square, dash: "x"), modules.map(\.c)),
            ])
            figures.append(("fig3-abc-\(profile.optimizer).svg", chart.document()))
        }
        let linears = results.propagation.first?.modules.filter { $0.kind == .linear }.map(\.name) ?? []
        for (title, value) in [("G = A / R_in", { (m: ModuleError) in m.gain }), ("G1 spectral ratio", { $0.spectralRatio }),
                               ("G2 alignment ratio", { $0.alignmentRatio })] as [(String, (ModuleError) -> Double?)] {
            var chart = SVGChart(title: "\(title) per linear module (\(results.sizes.last?.name ?? ""), common loss)",
                                 xLabel: "linear module, in forward order (index)", yLabel: title)
            chart.series = results.propagation.map { profile in
                let values = profile.modules.filter { $0.kind == .linear }
                var series = SVGChart.Series(name: profile.optimizer.rawValue, style: style(profile.optimizer),
                                             points: values.enumerated().compactMap { i, m in value(m).map { (Double(i), $0) } })
                series.line = true
                return series
            }
            chart.notes = linears.isEmpty ? [] : ["modules: \(linears.first!) … \(linears.last!)"]
            let key = title.split(separator: " ").first!.lowercased()
            figures.append(("fig4-\(key).svg", chart.document()))
        }
        return figures
    }

    /// Loss against N per optimizer with the fitted laws, full precision and QAT.
    static func scaling(_ results: StudyResults) -> String {
        let total = results.scalingParameters == .total
        var chart = SVGChart(title: "Scaling: validation loss against \(total ? "all" : "non-embedding") parameters",
                             xLabel: "\(total ? "" : "non-embedding ")parameters N (log)", yLabel: "final validation loss (nats/byte)")
        chart.xLog = true
        chart.notes = ["filled: full precision, outlined: QuEST W4A4 QAT; solid and dashed: the fitted L = A/(N·ρ)^α + E"]
        func n(_ p: StudyResults.ScalingPoint) -> Double { Double(total ? p.parameters : p.nonEmbeddingParameters) }
        let sizes = Set(results.scaling.map(n)).sorted()
        for optimizer in results.optimizers {
            let mine = results.scaling.filter { $0.optimizer == optimizer }
            chart.series.append(SVGChart.Series(name: optimizer.rawValue, style: style(optimizer), points: mine
                .filter { !$0.quantized }.map { (x: n($0), y: $0.loss) }))
            var qat = SVGChart.Series(name: "", style: style(optimizer), points: mine
                .filter(\.quantized).map { (x: n($0), y: $0.loss) })
            qat.hollow = true
            chart.series.append(qat)
            guard let fit = results.fits.first(where: { $0.optimizer == optimizer }), let a = fit.a, let alpha = fit.alpha?.value,
                  let e = fit.irreducible?.value, let lo = sizes.first, let hi = sizes.last else { continue }
            let grid = (0...24).map { lo * Foundation.pow(hi / lo, Double($0) / 24) }
            for (quantized, rho) in [(false, 1.0), (true, fit.efficiency?.value ?? 1)] where !quantized || fit.efficiency != nil {
                var style = self.style(optimizer)
                style.dash = quantized ? "5,3" : nil
                var curve = SVGChart.Series(name: "", style: style, points: grid.map { (x: $0, y: a * Foundation.pow($0 * rho, -alpha) + e) })
                (curve.line, curve.markers) = (true, false)
                chart.series.append(curve)
            }
        }
        chart.series = chart.series.filter { !$0.name.isEmpty } + chart.series.filter { $0.name.isEmpty }
        return chart.document()
    }

    /// The learning-rate sweep curves: final validation loss against rate, one figure per size.
    static func sweeps(_ results: StudyResults) -> [(String, String)] {
        results.sizes.map { size in
            var chart = SVGChart(title: "Learning-rate sweep: \(size.name) (\(size.parameters) parameters, seed 1)",
                                 xLabel: "peak learning rate (log)", yLabel: "final validation loss (nats/byte)")
            chart.xLog = true
            chart.series = results.optimizers.map { optimizer in
                var series = SVGChart.Series(name: optimizer.rawValue, style: style(optimizer), points: results.sweep
                    .filter { $0.size == size.name && $0.optimizer == optimizer }
                    .compactMap { p in p.valLoss.map { (x: p.learningRate, y: $0) } }.sorted { $0.x < $1.x })
                series.line = true
                return series
            }
            return ("fig-sweep-\(size.name).svg", chart.document())
        }
    }

    /// Loss increase against average bits per optimizer: solid the best allocated plan at each
    /// budget, dashed (hollow markers) the uniform plan; a log y axis when the increases span decades.
    static func allocation(_ curves: [StudyResults.AllocationCurve]) -> String {
        let first = curves.first
        let increases = curves.flatMap { $0.points.flatMap { [$0.uniformIncrease, $0.bestIncrease] } }
        let positive = increases.filter { $0 > 0 }
        let log = (positive.max() ?? 0) >= 100 * (positive.min() ?? .infinity)
        var chart = SVGChart(title: "Loss increase against average bits (\(first?.size ?? ""), seed \(first?.seed ?? 0), common loss)",
                             xLabel: "average weight bits of the plan (W_bA_b RTN per layer)",
                             yLabel: "validation loss increase (nats)" + (log ? " (log)" : ""))
        chart.yLog = log
        let strategies = first?.strategies.map(\.rawValue).joined(separator: ", ") ?? ""
        chart.notes = ["solid: best allocated plan (lowest loss of \(strategies)); dashed, hollow: uniform"]
        if log, positive.count < increases.count {
            chart.notes.append("\(increases.count - positive.count) plans with no loss increase are not drawn on the log axis")
        }
        var uniforms: [SVGChart.Series] = []
        for curve in curves {
            var style = self.style(curve.optimizer)
            style.dash = nil
            var best = SVGChart.Series(name: curve.optimizer.rawValue, style: style,
                                       points: curve.points.map { (x: $0.bestBits, y: $0.bestIncrease) }.sorted { $0.x < $1.x })
            best.line = true
            chart.series.append(best)
            style.dash = "5,3"
            // Budgets between two menu widths give the same uniform plan: one point each.
            var seen: Set<Double> = []
            var uniform = SVGChart.Series(name: "", style: style, points: curve.points
                .filter { seen.insert($0.uniformBits).inserted }.map { (x: $0.uniformBits, y: $0.uniformIncrease) }
                .sorted { $0.x < $1.x })
            (uniform.line, uniform.hollow) = (true, true)
            uniforms.append(uniform)
        }
        chart.series += uniforms
        return chart.document()
    }
}
