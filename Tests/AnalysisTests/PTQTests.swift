import Analysis
import Core
import Foundation
import Testing

/// Post-training quantization through the forward hook, on a briefly trained tiny model.
@Suite("PTQ")
struct PTQTests {
    static var trained: (file: Safetensors.File, path: String, corpus: Corpus) { TrainedModel.tiny }

    func report(_ bits: Int?, _ actBits: Int?) throws -> PTQ.Report {
        let t = Self.trained
        return try PTQ.run(file: t.file, path: t.path, corpus: t.corpus,
                           weight: try bits.map { try RoundToNearest(bits: $0) },
                           input: try actBits.map { try RoundToNearest(bits: $0) }, evalBatches: 4, perLayer: true)
    }

    @Test func fullPrecisionPlanChangesNothing() throws {
        let r = try report(nil, nil)
        print("fp \(r.fullPrecisionLoss) quantized \(r.quantizedLoss)")
        #expect(r.quantizedLoss == r.fullPrecisionLoss)
        #expect(r.perLayer.allSatisfy { $0.loss == r.fullPrecisionLoss })
        #expect(r.perLayer.count == 12)
    }

    @Test func fewerBitsHurtMore() throws {
        let w8a8 = try report(8, 8), w4a4 = try report(4, 4), w2a2 = try report(2, 2)
        print("increase W8A8 \(w8a8.increase) W4A4 \(w4a4.increase) W2A2 \(w2a2.increase)")
        #expect(abs(w8a8.increase) < 0.01)
        #expect(w4a4.increase > w8a8.increase)
        #expect(w2a2.increase > w4a4.increase && w2a2.increase > 0.1)
        // One layer at a time never costs more than all of them together at 2 bits.
        #expect(w2a2.perLayer.allSatisfy { $0.loss <= w2a2.quantizedLoss + 1e-6 })
    }

    @Test func gptqLosesLessThanRoundToNearest() throws {
        let t = Self.trained
        func increase(_ weights: PTQ.WeightQuantization) throws -> PTQ.Report {
            try PTQ.run(file: t.file, path: t.path, corpus: t.corpus, weights: weights, input: nil, evalBatches: 4,
                        perLayer: false)
        }
        // The same grid for both, so only GPTQ's error feedback differs; 3 bits makes the gap clear.
        let rtn = try increase(.rtn(try RoundToNearest(bits: 3, grid: .gptq)))
        let gptq = try increase(.gptq(try GPTQ(bits: 3, symmetric: true), calibrationBatches: 4))
        print("W3A16 increase: RTN \(rtn.increase), GPTQ \(gptq.increase)")
        #expect(gptq.fullPrecisionLoss == rtn.fullPrecisionLoss)
        #expect(gptq.increase > 0 && gptq.increase < rtn.increase)
    }

    @Test func quantizingTheHeadCostsMoreAndLeavesTheEmbeddingExact() throws {
        let t = Self.trained
        let rtn = try RoundToNearest(bits: 3)
        let blocks = try PTQ.run(file: t.file, path: t.path, corpus: t.corpus, weights: .rtn(rtn), input: nil,
                                 evalBatches: 4, perLayer: false)
        let withHead = try PTQ.run(file: t.file, path: t.path, corpus: t.corpus, weights: .rtn(rtn), input: nil,
                                   quantizeHead: true, evalBatches: 4, perLayer: false)
        let headOnly = try #require(withHead.headOnlyLoss)
        print("W3: blocks \(blocks.quantizedLoss), blocks + head \(withHead.quantizedLoss), head alone \(headOnly)")
        #expect(blocks.headOnlyLoss == nil)
        #expect(headOnly > withHead.fullPrecisionLoss && withHead.quantizedLoss != blocks.quantizedLoss)
        // The head's quantized table is a copy: the embedding lookup (and the next plan) sees the exact one.
        let config = try Checkpoint.spec(of: t.file, path: t.path)
        let model = try Transformer(config: config.model, batch: 2, seq: 8)
        try Checkpoint.loadParameters(t.file, path: t.path, layout: model.layout, into: model.parameters)
        let before = model.parameters.array
        model.setQuantPlan(QuantPlan().withHead(weight: rtn, input: nil))
        model.forward()
        #expect(model.parameters.array == before)
    }

    @Test func clearingThePlanRestoresFullPrecision() throws {
        let config = ModelConfig(name: "c", width: 24, layers: 1, heads: 6, kvHeads: 2)
        let model = try Transformer(config: config, batch: 2, seq: 8)
        var rng = RNG(seed: 2)
        model.initialize(rng: &rng)
        for i in 0..<model.tokens.count {
            model.tokens[i] = Int32(rng.nextInt(below: 256))
            model.targets[i] = Int32(rng.nextInt(below: 256))
        }
        let before = model.forward()
        model.setQuantPlan(.uniform(LinearID.all(in: config), weight: try RoundToNearest(bits: 2), input: nil))
        let quantized = model.forward()
        model.setQuantPlan(nil)
        #expect(quantized != before)
        #expect(model.forward() == before)
    }
}
