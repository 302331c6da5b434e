import Analysis
import Core
@testable import Study
import Testing
@testable import TUI

/// The Study view: progress, the loss table and the two braille plots of a followed study; and
/// no Study tab when there is no study.
@Suite("Study page")
struct StudyPageTests {
    /// Two sizes, three optimizers: the sweep done, the seeds under way, measurements taken.
    static var status: StudyStatus {
        let optimizers: [OptimizerKind] = [.adamw, .muon, .shampoo]
        var cells: [StudyResults.Cell] = [], samples: [StudyResults.Sample] = [], scaling: [StudyResults.ScalingPoint] = []
        for (s, size) in ["w12l1", "w24l1"].enumerated() {
            for (o, optimizer) in optimizers.enumerated() {
                let loss = 2.9 - 0.5 * Double(s) - 0.05 * Double(o)
                cells.append(StudyResults.Cell(size: size, optimizer: optimizer, values: [
                    "fp_loss": Intervals.Estimate(value: loss, lower: loss - 0.02, upper: loss + 0.02, count: 2),
                ]))
                for seed in [1, 2] as [UInt64] {
                    let r = 1e-4 * Double(1 + o * 3 + s) * Double(seed)
                    samples.append(StudyResults.Sample(size: size, optimizer: optimizer, seed: seed,
                                                       rtnIncrease: 0.01 + 20 * r, predictors: ["r_l": r]))
                    for quantized in [false, true] {
                        scaling.append(StudyResults.ScalingPoint(optimizer: optimizer, nonEmbeddingParameters: 1578 * (1 + 3 * s),
                                                                 parameters: 4650 * (1 + 2 * s), quantized: quantized,
                                                                 loss: loss + (quantized ? 0.03 : 0)))
                    }
                }
            }
        }
        let results = StudyResults(
            name: "fixture", sizes: [StudyResults.Size(name: "w12l1", parameters: 4650, nonEmbeddingParameters: 1578, steps: 73),
                                     StudyResults.Size(name: "w24l1", parameters: 12366, nonEmbeddingParameters: 6222, steps: 194)],
            optimizers: optimizers, seeds: 2, rates: [], commonLoss: [], cells: cells,
            correlations: StudyResults.correlations(samples, sizes: ["w12l1", "w24l1"]), fits: [], samples: samples,
            sweep: [], propagation: [], scaling: scaling)
        return StudyStatus(name: "fixture", stages: [.init(name: "sweep", done: 12, total: 12), .init(name: "seeds", done: 4, total: 6),
                                                     .init(name: "qat", done: 0, total: 12)],
                           eta: 95, running: ["w24l1 muon seed 2"], results: results)
    }

    @Test func followsAStudy() {
        var state = DashboardState(page: .study)
        state.pages = DashboardPage.allCases
        let frame = Fixtures.view().render(snapshots: [], size: Size(width: 100, height: 36), state: state, study: Self.status)
        assertSnapshot(frame.snapshotDump, named: "study-100x36")
        #expect(frame.row(0).contains("7 Study"))
        #expect(frame.text.contains("study fixture  ·  16/30 runs  ·  eta 0:01:35"))
        #expect(frame.text.contains("seeds    ████████████████████░░░░░░░░░░ 4/6"))
        #expect(frame.text.contains("w24l1        2.400±0.020"))
        #expect(frame.text.contains("RTN damage against R_L  ·  r +1.00"))
        // The scatter and scaling plots have dots in them.
        #expect(frame.text.unicodeScalars.contains { (0x2801...0x28FF).contains($0.value) })
    }

    @Test func withoutAStudyThereIsNoStudyTab() {
        var state = DashboardState()
        #expect(!state.pages.contains(.study))
        _ = state.apply(.showPage(.study))
        #expect(state.page == .training)
        _ = state.apply(.previousPage)
        #expect(state.page == .help)
        let frame = Fixtures.view().render(snapshots: Fixtures.six, size: Size(width: 100, height: 30), state: DashboardState())
        #expect(!frame.row(0).contains("Study"))
        let empty = Fixtures.view().render(snapshots: [], size: Size(width: 100, height: 30),
                                           state: DashboardState(page: .study), study: nil)
        #expect(empty.text.contains("no study"))
    }
}
