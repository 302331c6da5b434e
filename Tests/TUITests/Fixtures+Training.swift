import Core
@testable import TUI

extension Fixtures {
    /// All six optimizers, as the dashboard starts them: different speeds and floors, one
    /// QAT run, one being measured, one paused and one finished.
    static let six: [RunSnapshot] = {
        var runs = [
            run(id: 0, name: "adamw/tiny", optimizer: .adamw, floor: 2.0, decay: 40),
            run(id: 1, name: "muon/tiny", optimizer: .muon, floor: 1.8, decay: 30),
            run(id: 2, name: "shampoo/tiny", optimizer: .shampoo, steps: 100, floor: 1.9, decay: 35),
            run(id: 3, name: "soap/tiny", optimizer: .soap, steps: 110, floor: 1.85, decay: 28, status: .paused),
            run(id: 4, name: "scion/tiny", optimizer: .scion, steps: 90, floor: 1.95, decay: 25),
            run(id: 5, name: "psgd/tiny", optimizer: .psgd, steps: 80, total: 80, floor: 2.1, decay: 45,
                status: .finished),
        ]
        runs[1].qat = "quest w4a4"
        runs[2].activity = "measuring"
        for index in runs.indices { runs[index].tokensPerSecond = Double(9_000 + 1_500 * index) }
        return runs
    }()

    /// A frame of `runs` in `state` at `width`×`height`.
    static func frame(_ runs: [RunSnapshot] = six, _ state: DashboardState = DashboardState(), width: Int = 80,
                      height: Int = 24, glyphs: GlyphSet = .braille) -> CellBuffer {
        view(glyphs: glyphs).render(snapshots: runs, size: Size(width: width, height: height), state: state)
    }
}
