import Analysis
import Core
import Foundation
@testable import Study
import Synchronization
import Testing

/// Held by every test that runs a study: BLAS's thread count is process-wide (measurements use
/// every core, training one), and a spectral norm's dsyrk sums in an order that depends on it, so
/// two studies in parallel tests would not reproduce each other's tables to the last bit.
enum StudyRuns {
    static let lock = Mutex(())
}

/// The study's bit-allocation measurement: taken on the compared runs, resumable, read back by
/// the report (table and figure), and absent with a note when a store predates it.
@Suite("Study: uniform against allocated bits")
struct AllocationStudyTests {
    /// One small size, two optimizers, one seed, no QAT: the allocation on two runs.
    static var spec: StudySpec {
        var spec = StudyPreset.smoke.spec
        spec.name = "allocation"
        spec.sizes = [spec.sizes[0]]
        spec.optimizers = [.adamw, .muon]
        spec.seeds = [1]
        spec.qat.enabled = false
        return spec
    }

    static func plan(_ strategy: AllocationStrategy, _ budget: Double, bits: Double, _ increase: Double)
        -> AllocationMeasurement.Plan {
        AllocationMeasurement.Plan(strategy: strategy, budget: budget, averageBits: bits, increase: increase)
    }

    static func curve(_ optimizer: OptimizerKind, scale: Double) -> StudyResults.AllocationCurve {
        let points = [(3.0, 3.0, 2.96), (4, 4, 3.98), (4.5, 4, 4.49), (5, 4, 4.97), (6, 6, 5.9)].map { budget, uniform, best in
            StudyResults.AllocationPoint(budget: budget, uniformBits: uniform, uniformIncrease: scale * Foundation.pow(4, -uniform),
                                         bestStrategy: .abc, bestBits: best, bestIncrease: scale * Foundation.pow(5, -best))
        }
        return StudyResults.AllocationCurve(optimizer: optimizer, size: "w12l1", seed: 1, step: 40,
                                            strategies: [.measured, .abc, .hawq], points: points)
    }

    static func results(allocation: [StudyResults.AllocationCurve]?) -> StudyResults {
        var results = StudyResults(name: "fixture", sizes: [], optimizers: [.adamw, .muon], seeds: 1, rates: [],
                                   commonLoss: [], cells: [], correlations: [], fits: [], samples: [], sweep: [],
                                   propagation: [], scaling: [])
        results.allocation = allocation
        return results
    }

    @Test func theBestPlanIsTheLowestGreedyOneAndTiesGoToTheEarlierStrategy() {
        let measured = AllocationMeasurement(step: 7, fullPrecisionLoss: 2, strategies: [.measured, .abc, .hawq], plans: [
            Self.plan(.uniform, 3, bits: 3, 0.9), Self.plan(.uniform, 4.5, bits: 4, 0.3),
            Self.plan(.measured, 3, bits: 2.99, 0.5), Self.plan(.measured, 4.5, bits: 4.5, 0.1),
            Self.plan(.abc, 3, bits: 2.98, 0.4), Self.plan(.abc, 4.5, bits: 4.49, 0.1),
            // Worse than uniform: the best allocated plan may lose to uniform, and is still reported.
            Self.plan(.hawq, 3, bits: 3, 0.95), Self.plan(.hawq, 4.5, bits: 4.4, 0.2),
        ])
        let points = StudyResults.allocationPoints(measured)
        #expect(points.map(\.budget) == [3, 4.5])
        #expect(points[0].bestStrategy == .abc && points[0].bestIncrease == 0.4 && points[0].bestBits == 2.98)
        #expect(points[0].uniformIncrease == 0.9 && points[0].uniformBits == 3)
        #expect(points[1].bestStrategy == .measured && points[1].uniformBits == 4)
    }

    @Test func theFigureDrawsBestSolidAndUniformDashedPerOptimizer() {
        let svg = StudyFigures.allocation([Self.curve(.adamw, scale: 50), Self.curve(.muon, scale: 5)])
        let lines = svg.split(separator: "\n").filter { $0.hasPrefix("<polyline") }
        #expect(lines.count == 4)
        let adamw = StudyFigures.style(.adamw).color, muon = StudyFigures.style(.muon).color
        for color in [adamw, muon] {
            #expect(lines.filter { $0.contains(color) && !$0.contains("dasharray") }.count == 1, "\(color) solid")
            #expect(lines.filter { $0.contains(color) && $0.contains("stroke-dasharray=\"5,3\"") }.count == 1, "\(color) dashed")
        }
        // Budgets 4, 4.5 and 5 are all the 4-bit uniform plan: three uniform points, five best.
        let dashed = lines.first { $0.contains(adamw) && $0.contains("dasharray") }!
        let solid = lines.first { $0.contains(adamw) && !$0.contains("dasharray") }!
        func vertices(_ polyline: Substring) -> Int { polyline.split(separator: "\"")[1].split(separator: " ").count }
        #expect(vertices(dashed) == 3 && vertices(solid) == 5)
        // 5⁻⁶ to 50·4⁻³: four decades, so the y axis is logarithmic; a narrow range stays linear.
        #expect(svg.contains("validation loss increase (nats) (log)"))
        var flat = Self.curve(.adamw, scale: 1)
        flat.points = flat.points.map { p in
            var p = p
            (p.uniformIncrease, p.bestIncrease) = (0.2, 0.1)
            return p
        }
        #expect(!StudyFigures.allocation([flat]).contains("(log)"))
    }

    @Test func theReportTablesTheCurvesOrSaysTheyAreAbsent() throws {
        let with = Self.results(allocation: [Self.curve(.adamw, scale: 50), Self.curve(.muon, scale: 5)])
        let markdown = StudyReport.markdown(with)
        #expect(markdown.contains("## 16. Bits allocated per layer against uniform bits"))
        #expect(markdown.contains("| optimizer | 3 bits | 4 bits | 4.5 bits | 5 bits | 6 bits |"))
        let row = try #require(markdown.split(separator: "\n").first { $0.hasPrefix("| muon |") })
        #expect(row.contains(String(format: "%.4f → %.4f abc", 5 * Foundation.pow(4.0, -3.0), 5 * Foundation.pow(5.0, -2.96))))
        #expect(markdown.contains("![fig-allocation.svg](fig-allocation.svg)"))
        #expect(StudyFigures.all(with).contains { $0.file == "fig-allocation.svg" })

        let without = Self.results(allocation: nil)
        #expect(StudyReport.markdown(without).contains("Not measured: the spec turns it off"))
        #expect(!StudyFigures.all(without).contains { $0.file == "fig-allocation.svg" })
        // Results written before the measurement existed still decode, without it.
        var json = try #require(try JSONSerialization.jsonObject(with: try JSONEncoder().encode(with)) as? [String: Any])
        json["allocation"] = nil
        let old = try JSONDecoder().decode(StudyResults.self, from: try JSONSerialization.data(withJSONObject: json))
        #expect(old.allocation == nil)
    }

    @Test func specsReadTheAllocationTableAndRefuseBadOnes() throws {
        func decode(_ allocation: String) throws -> StudySpec {
            let json = "{\"name\": \"x\", \"sizes\": [\"tiny\"]" + (allocation.isEmpty ? "" : ", \"allocation\": \(allocation)") + "}"
            return try JSONDecoder().decode(StudySpec.self, from: Data(json.utf8))
        }
        #expect(try decode("").allocation == StudySpec.AllocationSetting())
        let spec = try decode("{\"budgets\": [3, 4.5], \"strategies\": [\"abc\", \"measured\"], \"measured_max_parameters\": 1000}")
        #expect(spec.allocation.budgets == [3, 4.5] && spec.allocation.strategies == [.abc, .measured])
        #expect(spec.allocation.strategies(parameters: 1000) == [.abc, .measured])
        #expect(spec.allocation.strategies(parameters: 1001) == [.abc])
        #expect(throws: DecodingError.self) { try decode("{\"budget\": [3]}") }
        for bad in ["{\"strategies\": [\"uniform\"]}", "{\"budgets\": [1.5]}", "{\"budgets\": []}", "{\"menu\": [1, 4]}",
                    "{\"strategies\": [\"abc\", \"abc\"]}"] {
            #expect(throws: QScopeError.self, "\(bad)") { try decode(bad).validate() }
        }
        #expect(throws: Never.self) { try decode("{\"enabled\": false, \"budgets\": []}").validate() }
    }

    @Test func aStudyMeasuresTheComparedRunsAndAnOldStoreGainsThemOnResume() throws {
        try StudyRuns.lock.withLock { _ in try resumeAnOldStore() }
    }

    /// A study without the measurement, then the same study with it.
    private func resumeAnOldStore() throws {
        let directory = NSTemporaryDirectory() + "qscope-allocation-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try RunStore(path: directory + "/study.sqlite")
        // First as a store written before the measurement existed: the report says so.
        var off = Self.spec
        off.allocation.enabled = false
        #expect(try StudyRunner(plan: StudyPlan(spec: off, directory: directory), store: store, parallel: 2).run())
        let before = try #require(try StudyResults.load(from: store))
        #expect(before.allocation == nil && StudyReport.markdown(before).contains("Not measured"))

        // Run again with it on: only the allocations are taken, nothing trains.
        var trained = 0
        #expect(try StudyRunner(plan: StudyPlan(spec: Self.spec, directory: directory), store: store, parallel: 2,
                                onEvent: { if case .run = $0 { trained += 1 } }).run())
        #expect(trained == 0)
        let results = try #require(try StudyResults.load(from: store))
        let curves = try #require(results.allocation)
        #expect(curves.map(\.optimizer) == [.adamw, .muon] && curves.allSatisfy { $0.size == "w12l1" && $0.seed == 1 })
        #expect(curves.allSatisfy { $0.points.map(\.budget) == Self.spec.allocation.budgets })
        #expect(curves.allSatisfy { $0.strategies == [.measured, .abc, .hawq] })
        for curve in curves {
            for point in curve.points {
                #expect(point.uniformBits == [3, 4, 4, 4, 6][Self.spec.allocation.budgets.firstIndex(of: point.budget)!])
                #expect(point.bestBits <= point.budget + 1e-9 && point.bestIncrease.isFinite)
            }
            // The 4-bit uniform plan is the study's W4A4 RTN measurement of the same model at the same step.
            let cell = try #require(results.cells.first { $0.size == curve.size && $0.optimizer == curve.optimizer })
            let rtn = try #require(cell.values["rtn_increase"]?.value)
            let uniform4 = try #require(curve.points.first { $0.budget == 4 }?.uniformIncrease)
            #expect(abs(uniform4 - rtn) <= 1e-6 * max(1, abs(rtn)), "uniform W4A4 \(uniform4) against RTN \(rtn)")
        }
        // Recomputing from the store reproduces the tables.
        #expect(try StudyResults.compute(from: store, spec: Self.spec) == results)
        // Other settings are another measurement: absent until taken.
        var other = Self.spec
        other.allocation.budgets = [4]
        #expect(try StudyResults.compute(from: store, spec: other).allocation == nil)
    }
}
