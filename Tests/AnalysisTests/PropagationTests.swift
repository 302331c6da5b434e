import Analysis
import Core
import Foundation
import Testing

/// The ABC decomposition (docs/analysis.md §3) on a trained tiny model: identities that must hold to
/// rounding, and the chain agreeing with the fused forward pass.
@Suite("Propagation")
struct PropagationTests {
    static let batch = 4, seq = 32

    /// The trained model's parameters and its first validation batch.
    static func model() throws -> (Transformer, BatchSampler) {
        let t = TrainedModel.tiny
        let config = try Checkpoint.spec(of: t.file, path: t.path)
        let model = try Transformer(config: config.model, batch: batch, seq: seq)
        try Checkpoint.loadParameters(t.file, path: t.path, layout: model.layout, into: model.parameters)
        let sampler = try BatchSampler(corpus: t.corpus, batch: batch, seq: seq, seed: 1)
        sampler.fillValidation(index: 0, of: 2, tokens: model.tokens, targets: model.targets)
        return (model, sampler)
    }

    static func report(weightBits: Int?, inputBits: Int?, quantizeHead: Bool = false) throws -> PropagationReport {
        let (model, sampler) = try model()
        let analyzer = try PropagationAnalyzer(
            config: model.config, parameters: model.parameters, batch: batch, seq: seq,
            weight: try weightBits.map { try RoundToNearest(bits: $0) },
            input: try inputBits.map { try RoundToNearest(bits: $0) }, quantizeHead: quantizeHead)
        for i in 0..<2 {
            sampler.fillValidation(index: i, of: 2, tokens: model.tokens, targets: model.targets)
            analyzer.accumulate(tokens: model.tokens.baseAddress!)
        }
        return analyzer.report(step: 0)
    }

    @Test func chainComputesTheSameLossAsTheModel() throws {
        let (model, _) = try Self.model()
        let expected = model.forward()
        let chain = ModuleChain(config: model.config, parameters: model.parameters, batch: Self.batch,
                                seq: Self.seq, weight: nil, input: nil)
        var slots = chain.slotWidths.map { Tensor(shape: [chain.rows, $0]) }
        chain.embed(tokens: model.tokens.baseAddress!, into: slots[0].data)
        for (i, module) in chain.modules.enumerated() {
            chain.evaluate(i, inputs: module.inputs.map { UnsafePointer(slots[$0].data) }, quantized: false,
                           into: slots[module.output].data)
        }
        let losses = Tensor(shape: [chain.rows])
        let loss = CrossEntropy.forward(logits: slots[slots.count - 1].data, losses: losses.data,
                                        targets: model.targets.baseAddress!, n: chain.rows, v: model.config.vocab)
        slots.removeAll()
        print("chain loss \(loss) model \(expected) diff \(abs(loss - expected))")
        #expect(abs(loss - expected) < 1e-5)
    }

    @Test func nothingQuantizedMeansNoError() throws {
        let r = try Self.report(weightBits: nil, inputBits: nil)
        #expect(r.modules.count == 2 * 12 + 2)  // 12 modules a block, then norm and head
        #expect(r.modules.allSatisfy { $0.r == 0 && $0.a == 0 && $0.b == 0 && $0.c == 0 })
        #expect(r.outputError == 0)
    }

    @Test func errorSplitsIntoABC() throws {
        let r = try Self.report(weightBits: 4, inputBits: 4)
        var worst = 0.0
        for m in r.modules {
            let rel = abs(m.r - (m.a + m.b + m.c)) / max(m.r, 1e-30)
            worst = max(worst, rel)
            #expect(rel < 1e-4, "\(m.name): R \(m.r) vs A+B+C \(m.a + m.b + m.c)")
        }
        print("modules \(r.modules.count), R_L \(r.outputError), worst |R − (A+B+C)|/R \(worst)")
        #expect(r.outputError > 0)
        // Functions that quantization leaves alone add no local error.
        for m in r.modules where [.attention, .norm, .activation, .residual, .head].contains(m.kind) {
            #expect(m.b == 0 && m.c == 0, "\(m.name)")
        }
    }

    @Test func linearGainFactorsIntoSpectralAndAlignmentRatios() throws {
        let r = try Self.report(weightBits: 4, inputBits: 4)
        let linears = r.modules.filter { $0.kind == .linear }
        #expect(linears.count == 12)
        var worst = 0.0
        for m in linears {
            let g1 = try #require(m.spectralRatio), g2 = try #require(m.alignmentRatio)
            let predicted = g1 * g2 * m.inputError
            let rel = abs(predicted - m.a) / m.a
            worst = max(worst, rel)
            #expect(rel < 1e-4, "\(m.name): A \(m.a) vs G1·G2·R_in \(predicted)")
            #expect(abs(g1 - 1) < 0.2, "\(m.name): G1 \(g1)")
        }
        print("first linear: A \(linears[0].a) G1 \(linears[0].spectralRatio!) G2 \(linears[0].alignmentRatio!) "
              + "R_in \(linears[0].inputError); worst relative error \(worst)")
    }

    @Test func weightOnlyQuantizationHasNoInputQuantizers() throws {
        let r = try Self.report(weightBits: 4, inputBits: nil)
        #expect(!r.modules.contains { $0.kind == .inputQuant })
        // The first projections see the exact embedding: all their error is local.
        let q = try #require(r.modules.first { $0.name == "blocks.0.attn.q" })
        #expect(q.inputError == 0 && q.a == 0 && q.r > 0)
        #expect(abs(q.r - q.b) / q.r < 1e-5)
    }

    @Test func quantizingTheHeadAddsLocalErrorAtTheLogits() throws {
        let plain = try Self.report(weightBits: 4, inputBits: 4)
        let head = try Self.report(weightBits: 4, inputBits: 4, quantizeHead: true)
        #expect(plain.modules.last!.b == 0)
        #expect(head.modules.last!.b > 0)
    }
}
