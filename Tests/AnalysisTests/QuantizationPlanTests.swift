import Analysis
import Core
import Foundation
import Testing

/// Per-layer quantization plans (docs/quantization.md §10): the evaluator agrees exactly with the
/// full-precision model and with `qscope ptq`'s uniform path, the chain under a mixed plan agrees
/// with the fused forward pass, and plans resolve and cost what they should.
@Suite("Quantization plans")
struct QuantizationPlanTests {
    static func evaluator(evalBatches: Int = 2) throws -> PlanEvaluator {
        let t = TrainedModel.tiny
        return try PlanEvaluator(file: t.file, path: t.path, corpus: t.corpus, evalBatches: evalBatches,
                                 propagationBatches: 1, calibrationBatches: 2)
    }

    static var config: ModelConfig { try! Checkpoint.spec(of: TrainedModel.tiny.file, path: TrainedModel.tiny.path).model }

    @Test func fullPrecisionPlanGivesExactlyTheFullPrecisionLoss() throws {
        let plan = try QuantizationPlan(defaults: .init(method: .full)).resolve(for: Self.config)
        #expect(plan.runtimePlan.isEmpty)
        let result = try Self.evaluator().evaluate(plan)
        let t = TrainedModel.tiny
        let ptq = try PTQ.run(file: t.file, path: t.path, corpus: t.corpus, weight: nil, input: nil, evalBatches: 2,
                              perLayer: false)
        print("fp plan \(result.quantizedLoss) fp \(result.fullPrecisionLoss) ptq fp \(ptq.fullPrecisionLoss)")
        #expect(result.quantizedLoss == result.fullPrecisionLoss)
        #expect(result.quantizedLoss == ptq.fullPrecisionLoss)
        #expect(result.propagation.outputError == 0)
        #expect(result.footprint.averageWeightBits == 16)
    }

    /// A one-batch evaluator reading the probe's batch (0 of 4) measures both losses there.
    @Test func fullPrecisionLossReadsTheSameSplitAsThePlans() throws {
        let t = TrainedModel.tiny
        let spec = try Checkpoint.spec(of: t.file, path: t.path)
        let layout = ParameterLayout(config: spec.model)
        let parameters = Tensor(shape: [layout.totalCount])
        try Checkpoint.loadParameters(t.file, path: t.path, layout: layout, into: parameters)
        let sampler = try BatchSampler(corpus: t.corpus, batch: 4, seq: spec.seq, seed: spec.seed)
        let evaluator = try PlanEvaluator(config: spec.model, parameters: parameters, batch: 4, seq: spec.seq,
                                          sampler: sampler, evalBatches: 1, propagationBatches: 1, validationSplit: 4)
        let full = ResolvedQuantization.uniform(.full, config: spec.model)
        #expect(try evaluator.evaluate(full).increase == 0)
        let probe = try Transformer(config: spec.model, batch: 4, seq: spec.seq)
        probe.parameters.copy(from: parameters)
        sampler.fillValidation(index: 0, of: 4, tokens: probe.tokens, targets: probe.targets)
        #expect(evaluator.fullPrecisionLoss == probe.forward())
    }

    @Test func uniformW4A4PlanGivesExactlyPTQsNumber() throws {
        let plan = try QuantizationPlan().resolve(for: Self.config)
        let t = TrainedModel.tiny
        let ptq = try PTQ.run(file: t.file, path: t.path, corpus: t.corpus, weight: try RoundToNearest(bits: 4),
                              input: try RoundToNearest(bits: 4), evalBatches: 2, perLayer: false)
        let result = try Self.evaluator().evaluate(plan)
        print("plan \(result.quantizedLoss) ptq \(ptq.quantizedLoss) diff \(result.quantizedLoss - ptq.quantizedLoss)")
        #expect(result.quantizedLoss == ptq.quantizedLoss)
        #expect(result.increase > 0)
    }

    @Test func uniformGPTQPlanGivesExactlyPTQsNumber() throws {
        let plan = try QuantizationPlan(defaults: .init(method: .gptq)).resolve(for: Self.config)
        let t = TrainedModel.tiny
        let ptq = try PTQ.run(file: t.file, path: t.path, corpus: t.corpus,
                              weights: .gptq(try GPTQ(bits: 4, symmetric: true), calibrationBatches: 2),
                              input: try RoundToNearest(bits: 4), evalBatches: 2, perLayer: false)
        let result = try Self.evaluator().evaluate(plan)
        print("gptq plan \(result.quantizedLoss) ptq \(ptq.quantizedLoss)")
        #expect(result.quantizedLoss == ptq.quantizedLoss)
    }

    /// A plan mixing methods, widths, a full-precision layer, separate q/k/v inputs and a
    /// quantized head: the chain's quantized track reproduces the model's loss under it.
    @Test func chainUnderAMixedPlanMatchesTheForwardPass() throws {
        var plan = QuantizationPlan(defaults: .init(method: .rtn, weightBits: 6, activationBits: 8))
        plan.kinds[.k] = .init(activationBits: 3)
        plan.kinds[.head] = .init(method: .rtn, weightBits: 8)
        plan.layers["blocks.0.mlp.up"] = .init(method: .gptq, weightBits: 3)
        plan.layers["blocks.1.attn.o"] = .init(method: .full)
        plan.layers["blocks.1.mlp.down"] = .init(granularity: .group(16))
        let resolved = try plan.resolve(for: Self.config)
        #expect(resolved.layers[LinearID(layer: 0, kind: .k)]?.activationBits == 3)
        #expect(resolved.layers[LinearID(layer: 1, kind: .o)] == .full)
        let evaluator = try Self.evaluator(evalBatches: 1)
        let prequantized = try evaluator.prequantizedParameters(resolved)
        let loss = evaluator.loss(resolved, prequantized: prequantized)
        let analyzer = try evaluator.propagation(resolved, prequantized: prequantized)
        let names = analyzer.chain.modules.map(\.name)
        #expect(names.contains("blocks.0.attn.k.input_quant") && !names.contains("blocks.0.attn.qkv.input_quant"))
        #expect(!names.contains("blocks.1.attn.o.input_quant") && names.contains("head.input_quant"))
        let up = analyzer.chain.modules.first { $0.name == "blocks.0.mlp.up" }!
        #expect(up.isQuantized && !analyzer.chain.modules.first { $0.name == "blocks.1.attn.o" }!.isQuantized)
        let report = analyzer.report(step: 0)
        for m in report.modules { #expect(abs(m.r - (m.a + m.b + m.c)) <= 1e-6 * max(1, m.r)) }
        let chainLoss = try Self.chainLoss(analyzer.chain, evaluator: evaluator)
        print("mixed plan: model loss \(loss) chain loss \(chainLoss) diff \(abs(loss - chainLoss))")
        #expect(abs(loss - chainLoss) < 1e-5)
    }

    /// The quantized track's loss on validation batch 0 of 1, module by module.
    static func chainLoss(_ chain: ModuleChain, evaluator: PlanEvaluator) throws -> Double {
        let t = TrainedModel.tiny
        let spec = try Checkpoint.spec(of: t.file, path: t.path)
        let sampler = try BatchSampler(corpus: t.corpus, batch: spec.batch, seq: spec.seq, seed: spec.seed)
        let n = chain.rows
        let tokens = UnsafeMutableBufferPointer<Int32>.allocate(capacity: n)
        let targets = UnsafeMutableBufferPointer<Int32>.allocate(capacity: n)
        defer {
            tokens.deallocate()
            targets.deallocate()
        }
        sampler.fillValidation(index: 0, of: 1, tokens: tokens, targets: targets)
        var slots = chain.slotWidths.map { Tensor(shape: [n, $0]) }
        chain.embed(tokens: tokens.baseAddress!, into: slots[0].data)
        for (i, module) in chain.modules.enumerated() {
            chain.evaluate(i, inputs: module.inputs.map { UnsafePointer(slots[$0].data) }, quantized: true,
                           into: slots[module.output].data)
        }
        let losses = Tensor(shape: [n])
        let loss = CrossEntropy.forward(logits: slots[slots.count - 1].data, losses: losses.data,
                                        targets: targets.baseAddress!, n: n, v: chain.config.vocab)
        slots.removeAll()
        return loss
    }

    @Test func moreSpecificTablesWin() throws {
        var plan = QuantizationPlan(defaults: .init(weightBits: 3))
        plan.kinds[.down] = .init(weightBits: 8, activationBits: .some(nil))
        plan.layers["blocks.1.mlp.down"] = .init(method: .gptq, weightBits: 5)
        let r = try plan.resolve(for: Self.config)
        #expect(r.layers[LinearID(layer: 0, kind: .q)]!.description == "W3A4 rtn")
        #expect(r.layers[LinearID(layer: 0, kind: .down)]!.description == "W8A16 rtn")
        #expect(r.layers[LinearID(layer: 1, kind: .down)]!.description == "W5A16 gptq")
        #expect(r.head == .full)
    }

    @Test func badPlansAreBadInput() throws {
        func message(_ plan: QuantizationPlan) -> String? {
            do {
                _ = try plan.resolve(for: Self.config)
                return nil
            } catch let error as QScopeError {
                guard case .badInput(let text) = error else { return "not bad input" }
                return text
            } catch { return "\(error)" }
        }
        #expect(message(QuantizationPlan(layers: ["blocks.7.mlp.up": .init(weightBits: 4)]))?.contains("unknown layer") == true)
        #expect(message(QuantizationPlan(defaults: .init(weightBits: 9)))?.contains("2 to 8") == true)
        #expect(message(QuantizationPlan(defaults: .init(activationBits: 1)))?.contains("2 to 8") == true)
        #expect(message(QuantizationPlan(kinds: [.head: .init(method: .gptq)]))?.contains("head") == true)
        #expect(message(QuantizationPlan(defaults: .init(method: .gptq, granularity: .tensor)))?.contains("GPTQ") == true)
        #expect(throws: QScopeError.self) { try QuantMethod(named: "awq") }
    }

    @Test func footprintCountsCodesAndScales() throws {
        let layout = ParameterLayout(config: Self.config)
        let w4 = ResolvedQuantization.uniform(.defaultQuantized, config: Self.config).footprint(layout: layout)
        let ids = LinearID.all(in: Self.config)
        let shapes = ids.map { layout.info(named: $0.parameterName)!.shape }
        let count = shapes.reduce(0) { $0 + $1[0] * $1[1] }, rows = shapes.reduce(0) { $0 + $1[0] }
        #expect(w4.averageWeightBits == 4 && w4.averageActivationBits == 4)
        #expect(abs(w4.bitsPerWeight - (4 + 16 * Double(rows) / Double(count))) < 1e-12)
        #expect(w4.fullPrecisionBytes == 2 * layout.totalCount)
        #expect(w4.modelBytes == (16 * (layout.totalCount - count) + 4 * count + 16 * rows + 7) / 8)
    }
}
