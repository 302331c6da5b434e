import Core
import Testing
@testable import TUI

/// The Quantize view's keys fed to the pure state: plan edits per layer, per kind and for
/// every layer, method cycling, bit bounds, the budget's bounds, and the effects of allocate
/// and write.
@Suite("Quantize keys and plan edits")
struct QuantizeStateTests {
    static let config = QuantizeFixtures.config
    static let context = DashboardContext(runs: QuantizeFixtures.runs,
                                          rowCount: QuantizeTarget.all(in: config).count)
    static let down1 = LinearID(layer: 1, kind: .down)

    /// The quantize view on run 0 with `row` selected.
    static func state(row: Int) -> DashboardState {
        DashboardState(page: .quantize, selectedRun: 0, selectedRow: row)
    }

    static func layer(_ state: DashboardState, _ id: LinearID) -> LayerQuantization {
        state.quantize.plan(run: 0, config: config).layers[id]!
    }

    static func key(_ character: Character, _ state: inout DashboardState) -> DashboardEffect? {
        let action = KeyMap.dashboard.action(for: .character(character), state: state)!
        return state.apply(action, context: context)
    }

    @Test func rowsAreTheBlockLinearsThenTheHead() {
        let targets = QuantizeTarget.all(in: Self.config)
        #expect(targets.count == 13)
        #expect(targets[11] == .linear(Self.down1))
        #expect(targets.last == .head)
        #expect(QuantizePage.rowCount(runs: QuantizeFixtures.runs, selectedRun: 0) == 13)
    }

    @Test func bitsChangeOneLayerWithinTheirBounds() throws {
        var state = Self.state(row: 11)
        _ = Self.key("l", &state)
        #expect(Self.layer(state, Self.down1) == (try! LayerQuantization(method: .rtn, weightBits: 5, activationBits: 4)))
        #expect(Self.layer(state, LinearID(layer: 0, kind: .down)) == .defaultQuantized)
        for _ in 0..<5 { _ = Self.key("l", &state) }
        #expect(Self.layer(state, Self.down1).weightBits == 8)
        #expect(state.notice == "1.down: weights take 2 to 8 bits (c: full precision)")
        for _ in 0..<9 { _ = Self.key("h", &state) }
        #expect(Self.layer(state, Self.down1).weightBits == 2)
        // Input bits: up past 8 leaves the input exact, down from exact gives 8.
        for _ in 0..<5 { _ = Self.key("L", &state) }
        #expect(Self.layer(state, Self.down1).activationBits == nil)
        #expect(Self.layer(state, Self.down1).description == "W2A16 rtn")
        _ = Self.key("L", &state)
        #expect(state.notice == "1.down: the input is exact already")
        _ = Self.key("H", &state)
        #expect(Self.layer(state, Self.down1).activationBits == 8)
    }

    @Test func methodCyclesRtnGptqFullAndTheHeadSkipsGptq() throws {
        var state = Self.state(row: 11)
        _ = Self.key("c", &state)
        #expect(Self.layer(state, Self.down1).method == .gptq)
        _ = Self.key("c", &state)
        #expect(Self.layer(state, Self.down1) == .full)
        _ = Self.key("H", &state)
        #expect(state.notice == "1.down: full precision: c picks a method first")
        _ = Self.key("h", &state)
        #expect(Self.layer(state, Self.down1) == (try! LayerQuantization(method: .rtn, weightBits: 8, activationBits: 8)))
        _ = Self.key("c", &state)
        _ = Self.key("c", &state)
        _ = Self.key("c", &state)
        #expect(Self.layer(state, Self.down1) == .defaultQuantized)

        var head = Self.state(row: 12)
        #expect(head.quantize.plan(run: 0, config: Self.config).head == .full)
        _ = Self.key("c", &head)
        #expect(head.quantize.plan(run: 0, config: Self.config).head == .defaultQuantized)
        _ = Self.key("c", &head)
        #expect(head.quantize.plan(run: 0, config: Self.config).head == .full)
    }

    @Test func scopeKindAndAllSpreadTheSelectedLayersSetting() throws {
        var state = Self.state(row: 11)
        _ = Self.key("g", &state)
        #expect(state.quantize.scope == .kind)
        _ = Self.key("c", &state)
        let gptq = try LayerQuantization(method: .gptq, weightBits: 4, activationBits: 4)
        #expect(Self.layer(state, LinearID(layer: 0, kind: .down)) == gptq)
        #expect(Self.layer(state, Self.down1) == gptq)
        #expect(Self.layer(state, LinearID(layer: 0, kind: .up)) == .defaultQuantized)
        _ = Self.key("g", &state)
        #expect(state.quantize.scope == .all)
        _ = Self.key("h", &state)
        let plan = state.quantize.plan(run: 0, config: Self.config)
        #expect(plan.layers.values.allSatisfy { $0 == (try! LayerQuantization(method: .gptq, weightBits: 3)) })
        #expect(plan.head == .full)
        // The head is edited alone whatever the scope.
        state.selectedRow = 12
        _ = Self.key("c", &state)
        #expect(state.quantize.plan(run: 0, config: Self.config).head == .defaultQuantized)
        #expect(Self.layer(state, Self.down1).method == .gptq)
        _ = Self.key("g", &state)
        #expect(state.quantize.scope == .layer)
        // Plans are per run; u resets this one.
        #expect(state.quantize.plans[1] == nil)
        _ = Self.key("u", &state)
        #expect(state.quantize.plans[0] == nil)
    }

    @Test func budgetStaysBetweenTwoAndEightBits() {
        var state = Self.state(row: 0)
        #expect(state.quantize.budget == 4)
        _ = Self.key("[", &state)
        #expect(state.quantize.budget == 3.5)
        for _ in 0..<10 { _ = Self.key("[", &state) }
        #expect(state.quantize.budget == 2)
        for _ in 0..<20 { _ = Self.key("]", &state) }
        #expect(state.quantize.budget == 8)
        #expect(state.notice == "allocation budget 8 bits (a allocates)")
    }

    @Test func allocateWriteAndRefreshAreEffectsOnTheSelectedRun() {
        var state = Self.state(row: 11)
        _ = Self.key("]", &state)
        #expect(Self.key("a", &state) == .allocatePlan(runID: 0, bits: 4.5, method: .rtn))
        _ = Self.key("c", &state)
        #expect(Self.key("a", &state) == .allocatePlan(runID: 0, bits: 4.5, method: .gptq))
        let plan = state.quantize.plan(run: 0, config: Self.config)
        #expect(Self.key("w", &state) == .writePlan(runID: 0, plan: plan))
        _ = Self.key("f", &state)
        #expect(state.quantize.refresh == 1)
        // `>` moves to the other run, whose plan is still the default.
        _ = Self.key(">", &state)
        #expect(state.selectedRun == 1)
        #expect(Self.key("w", &state) == .writePlan(runID: 1, plan: QuantizeState.defaultPlan(for: Self.config)))
        var empty = DashboardState(page: .quantize)
        #expect(empty.apply(.quantize(.allocate), context: .empty) == nil)
        #expect(empty.notice == "no run to quantize")
    }

    @Test func keysOfTheViewAndTheRunKeysStillWork() {
        let keys = KeyMap.dashboard, state = Self.state(row: 0)
        #expect(keys.action(for: .right, state: state) == .quantize(.edit(.weightBits(1))))
        #expect(keys.action(for: .down, state: state) == .selectNextRow)
        #expect(keys.action(for: .character("s"), state: state) == .stopRun)
        #expect(keys.action(for: .character("5")) == .showPage(.quantize))
        // Elsewhere the same letters keep their meaning.
        #expect(keys.action(for: .character("a"), state: DashboardState(page: .layers)) == .toggleSideBySide)
        #expect(keys.action(for: .character("w"), state: DashboardState()) == .toggleSmoothing)
    }
}
