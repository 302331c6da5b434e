import Core
import Foundation
@testable import TUI

/// Deterministic runs for frame snapshots: fixed curves, no clocks, no randomness.
enum Fixtures {
    /// Run ids start at 0, as the trainers number them.
    ///
    /// A run that has trained `steps` steps of a smooth, slightly wavy loss curve, with a
    /// validation point every 20 steps.
    static func run(id: Int, name: String, optimizer: OptimizerKind?, steps: Int = 120, total: Int = 2000,
                    floor: Double = 2.0, decay: Double = 40, status: RunStatus = .running) -> RunSnapshot {
        var run = RunSnapshot(id: id, name: name, optimizer: optimizer, model: "tiny", totalSteps: total,
                              parameterCount: 1_234_567)
        for step in stride(from: 1, through: steps, by: 1) {
            let loss = trainLoss(step: step, floor: floor, decay: decay)
            run.trainHistory.append(step: step, tokens: step * 4096, time: Double(step) * 0.5, value: loss)
            if step % 20 == 0 {
                run.valHistory.append(step: step, tokens: step * 4096, time: Double(step) * 0.5,
                                      value: loss + 0.12)
            }
        }
        run.status = status
        run.step = steps
        run.tokens = steps * 4096
        run.trainLoss = run.trainHistory.last?.value
        run.valLoss = run.valHistory.last?.value
        run.learningRate = 3e-4
        run.gradNorm = 0.532
        run.tokensPerSecond = 12_345
        run.elapsed = 65
        run.optimizerStateBytes = 2 * 4 * 1_234_567
        return run
    }

    static func trainLoss(step: Int, floor: Double, decay: Double) -> Double {
        let s = Double(step)
        return 3.5 * exp(-s / decay) + floor + 0.04 * sin(s * 0.7)
    }

    static let single = [run(id: 0, name: "adamw/tiny", optimizer: .adamw)]

    static let several = [
        run(id: 0, name: "adamw/tiny", optimizer: .adamw),
        run(id: 1, name: "muon/tiny", optimizer: .muon, floor: 1.8, decay: 30),
        run(id: 2, name: "scion/tiny", optimizer: .scion, steps: 90, floor: 1.9, decay: 25,
            status: .paused),
    ]

    static func view(glyphs: GlyphSet = .braille, colorMode: ColorMode = .truecolor) -> DashboardView {
        DashboardView(theme: .builtIn, glyphs: glyphs, colorMode: colorMode)
    }
}

/// SplitMix64: a tiny seeded generator, so property tests see the same shapes on every run.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension RunOverrides {
    /// What the new-run form submits for these fields.
    static func form(_ optimizer: OptimizerKind, _ model: String, lr: Float? = nil, qat: QATMethod? = nil,
                     bits: Int = 4, precision: MatmulPrecision = .fp32) -> RunOverrides {
        var request = RunOverrides()
        request.precision = precision
        request.optimizer = .one(optimizer)
        request.model = model
        request.learningRate = lr
        request.qat = qat.map { QATOverrides(method: $0, bits: bits, actBits: bits) } ?? QATOverrides.none
        return request
    }
}
