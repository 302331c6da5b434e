import Core
import Testing
@testable import TUI

/// The Quantize view with a fixed measurement: the numbers, the predicted increase from the
/// run's probe history, the layer table with its bars, the module chain on wide screens, and
/// its empty, busy and failed states.
@Suite("Quantize page")
struct QuantizePageTests {
    static func state(row: Int = 11, scope: QuantizeScope = .layer) -> DashboardState {
        var state = DashboardState(page: .quantize, selectedRun: 0, selectedRow: row)
        state.quantize.plans[0] = QuantizeFixtures.plan
        state.quantize.scope = scope
        return state
    }

    static func frame(_ state: DashboardState = state(), status: QuantizeStatus = QuantizeFixtures.status,
                      runs: [RunSnapshot] = QuantizeFixtures.runs, width: Int = 80, height: Int = 24,
                      glyphs: GlyphSet = .braille, colorMode: ColorMode = .truecolor) -> CellBuffer {
        Fixtures.view(glyphs: glyphs, colorMode: colorMode)
            .render(snapshots: runs, size: Size(width: width, height: height), state: state, quantize: status)
    }

    @Test func measuredPlanAt80x24() {
        let frame = Self.frame()
        assertSnapshot(frame.snapshotDump, named: "quantize-80x24")
        #expect(frame.row(0).contains("5 Quantize"))
        #expect(frame.text.contains("loss 2.2412 → 2.3023"))
        #expect(frame.text.contains("measured +0.0611"))
        // 0.5 × the plan's KL of 0.1187, fitted on the run's five probe measurements.
        #expect(frame.text.contains("predicted +0.0593 (0.5×KL, 5 probes)"))
        #expect(frame.text.contains("eval 23 ms"))
        #expect(frame.text.contains("▸1.down"))
        #expect(frame.text.contains("W8A8 gptq"))
    }

    @Test func moduleChainBesideTheTableAt200x60() {
        let frame = Self.frame(width: 200, height: 60)
        assertSnapshot(frame.snapshotDump, named: "quantize-200x60")
        #expect(frame.text.contains("modules · R_L"))
        // The chain selects the selected layer's module.
        #expect(frame.text.contains("▸1.down "))
        #expect(frame.text.contains("blocks.1.mlp.down linear"))
    }

    @Test func asciiMonochromeWithKindScope() {
        let frame = Self.frame(Self.state(row: 11, scope: .kind), glyphs: .ascii, colorMode: .none)
        assertSnapshot(frame.text + "\n", named: "quantize-mono-ascii-80x24")
        #expect(frame.cells.allSatisfy { $0.glyph.isASCII })
        #expect(frame.text.contains(">1.down"))
        #expect(frame.text.contains("*0.down"))
        #expect(frame.text.contains("scope kind"))
    }

    @Test func busyAndFailedStates() {
        var status = QuantizeFixtures.status
        status.busy = "fetching weights"
        status.busyRun = 0
        #expect(Self.frame(status: status).text.contains("computing… fetching weights"))
        var edited = Self.state()
        edited.quantize.plans[0] = nil
        #expect(Self.frame(edited).text.contains("not measured yet"))
        let failed = QuantizeStatus(failures: [0: "this run trains in another process: its weights are not here"])
        let text = Self.frame(status: failed).text
        #expect(text.contains("this run trains in another process"))
        #expect(text.contains("bits W 4.75 A 4.75"))
        #expect(Self.frame(status: QuantizeStatus()).text.contains("no measurement yet"))
        #expect(Self.frame(runs: []).text.contains("waiting for runs"))
    }

    @Test func predictionFitsThroughTheOrigin() throws {
        let history = [ProbePoint(step: 1, increase: 0.1, outputKL: 0.1, outputError: 1),
                       ProbePoint(step: 2, increase: 0.5, outputKL: 0.2, outputError: 2)]
        let fit = try #require(IncreasePrediction(history: history, report: PropagationReport(
            step: 0, modules: [], outputKL: 0.3)))
        // k = Σxy / Σx² = (0.01 + 0.1) / (0.01 + 0.04) = 2.2.
        #expect(abs(fit.slope - 2.2) < 1e-12)
        #expect(abs(fit.predicted - 0.66) < 1e-12)
        #expect(fit.measure == .outputKL && fit.points == 2)
        // Without KL in the history, R at the logits stands in.
        let old = history.map { ProbePoint(step: $0.step, increase: $0.increase, outputKL: nil,
                                           outputError: $0.outputError) }
        let byR = try #require(IncreasePrediction(history: old, report: QuantizeFixtures.chain(scale: 1, kl: 0.3)))
        #expect(byR.measure == .outputError)
        #expect(IncreasePrediction(history: [], report: QuantizeFixtures.chain(scale: 1)) == nil)
    }

    @Test func probeHistoryRecordsOnlyWholeMeasurements() {
        var run = QuantizeFixtures.run
        #expect(run.probeHistory.count == 5)
        run.record(ProbeReport(ptq: PTQSummary(step: 200, fullPrecision: 2, rtn: 2.1)))
        #expect(run.probeHistory.count == 5)
        #expect(abs((run.probeHistory.last?.increase ?? 0) - 0.5 * 0.12) < 1e-12)
    }

    @Test func exportListsEveryLayer() {
        let table = Fixtures.view().exportTable(snapshots: QuantizeFixtures.runs, state: Self.state(),
                                                quantize: QuantizeFixtures.status)
        #expect(table.header == ["run", "layer", "method", "weight_bits", "activation_bits", "r", "b"])
        #expect(table.rows.count == 13)
        #expect(table.rows[11][1...4] == ["blocks.1.mlp.down", "gptq", "8", "8"])
        #expect(table.rows[12][1...4] == ["head", "full", "", ""])
    }

    @Test func planFileNamesTheRunAndListsTheLayers() throws {
        let run = QuantizeFixtures.run
        #expect(QuantizePlanFile.path(for: run) == "muon-tiny.plan.toml")
        let text = QuantizePlanFile.text(plan: QuantizeFixtures.plan, run: run, measurement: QuantizeFixtures.measurement)
        #expect(text.hasPrefix("# Quantization plan for muon/tiny"))
        #expect(text.contains("# Measured on the weights of step 120: loss 2.2412 -> 2.3023 (+0.0611)"))
        #expect(text.contains("[layer.\"blocks.1.mlp.down\"]"))
    }
}
