import Core
import Foundation
@testable import TUI

/// A fixed Quantize-view measurement of a `tiny` run (two blocks) and a run whose probe has
/// measured five times, so the page's numbers, bars and prediction are the same on every
/// machine (a real evaluation's last digits depend on the BLAS kernels).
enum QuantizeFixtures {
    static let config = try! ModelConfig.named("tiny")

    /// muon/tiny with five probe measurements: W4A4 RTN increase 0.5 × output KL exactly, so
    /// the fitted slope is 0.5.
    static var run: RunSnapshot {
        var run = Fixtures.run(id: 0, name: "muon/tiny", optimizer: .muon)
        for (index, kl) in [0.02, 0.05, 0.08, 0.1, 0.12].enumerated() {
            let step = 20 * (index + 1)
            run.record(ProbeReport(propagation: PropagationReport(step: step, modules: chain(scale: kl * 10).modules,
                                                                  outputKL: kl),
                                   ptq: PTQSummary(step: step, fullPrecision: 2.3, rtn: 2.3 + 0.5 * kl)))
        }
        return run
    }

    static var runs: [RunSnapshot] {
        [run, Fixtures.run(id: 1, name: "adamw/tiny", optimizer: .adamw)]
    }

    /// The plan of the fixture measurement: W4A4 RTN, the second block's `down` at W8A8 GPTQ.
    static var plan: ResolvedQuantization {
        var plan = QuantizeState.defaultPlan(for: config)
        plan.layers[LinearID(layer: 1, kind: .down)] = try! LayerQuantization(method: .gptq, weightBits: 8,
                                                                             activationBits: 8)
        return plan
    }

    static var measurement: QuantizeMeasurement {
        QuantizeMeasurement(runID: 0, plan: plan, fullPrecisionLoss: 2.2412, quantizedLoss: 2.3023,
                            propagation: chain(scale: 1, kl: 0.1187), footprint: plan.footprint(
                                layout: ParameterLayout(config: config)),
                            weightsStep: 120, evaluationMs: 23.4, latencyMs: 41.8, allocatedBits: nil, serial: 3)
    }

    static var status: QuantizeStatus { QuantizeStatus(measurements: [0: measurement]) }

    /// `tiny`'s module chain as the analyzer names it (q, k and v share one input quantizer),
    /// with R growing along the chain, dipping at the norms, and C alternating in sign.
    static func chain(scale: Double, kl: Double? = nil) -> PropagationReport {
        var modules: [ModuleError] = []
        var incoming = 0.0
        func add(_ name: String, _ kind: ModuleKind, layer: Int?, gain: Double, local: Double) {
            let a = gain * incoming, b = local * scale
            let c = (modules.count % 2 == 0 ? 1.0 : -1.0) * 0.2 * (a * b).squareRoot()
            modules.append(ModuleError(name: name, kind: kind, layer: layer, r: a + b + c, a: a, b: b, c: c,
                                       inputError: incoming))
            incoming = a + b + c
        }
        for block in 0..<config.layers {
            let p = "blocks.\(block)."
            add(p + "attn.qkv.input_quant", .inputQuant, layer: block, gain: 1, local: 2e-3)
            for kind in ["q", "k", "v"] { add(p + "attn." + kind, .linear, layer: block, gain: 1.1, local: 1e-3) }
            add(p + "attn.core", .attention, layer: block, gain: 0.8, local: 0)
            add(p + "attn.o.input_quant", .inputQuant, layer: block, gain: 1, local: 1e-3)
            add(p + "attn.o", .linear, layer: block, gain: 1.1, local: 1.5e-3)
            add(p + "attn_norm", .norm, layer: block, gain: 0.35, local: 1e-5)
            add(p + "attn_residual", .residual, layer: block, gain: 0.95, local: 0)
            add(p + "mlp.up.input_quant", .inputQuant, layer: block, gain: 1, local: 2e-3)
            add(p + "mlp.up", .linear, layer: block, gain: 1.1, local: 2e-3)
            add(p + "mlp.act", .activation, layer: block, gain: 1.6, local: 0)
            add(p + "mlp.down.input_quant", .inputQuant, layer: block, gain: 1, local: block == 1 ? 2e-4 : 5e-3)
            add(p + "mlp.down", .linear, layer: block, gain: 1.1, local: block == 1 ? 3e-4 : 6e-3)
            add(p + "mlp_norm", .norm, layer: block, gain: 0.3, local: 1e-5)
            add(p + "mlp_residual", .residual, layer: block, gain: 0.97, local: 0)
        }
        add("norm", .norm, layer: nil, gain: 0.5, local: 1e-5)
        add("head", .head, layer: nil, gain: 4.0, local: 0)
        return PropagationReport(step: 0, modules: modules, outputKL: kl)
    }
}
