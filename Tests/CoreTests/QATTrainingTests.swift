import Core
import Foundation
import Testing

/// Training runs with quantization-aware training on.
@Suite("QAT training runs")
struct QATTrainingTests {
    static func questConfig(steps: Int) throws -> RunSpec {
        var c = TrainingTests.config(steps: steps)
        c.model = ModelConfig(name: "micro", width: 32, layers: 1, heads: 4, kvHeads: 2)
        c.qat = try QATConfig(method: .quest)
        return c
    }

    @Test func sameSeedSameLossesAndQuantizationChangesThem() throws {
        let config = try Self.questConfig(steps: 6)
        let a = try TrainingTests.losses(config), b = try TrainingTests.losses(config)
        #expect(a == b)
        var full = config
        full.qat = nil
        #expect(try TrainingTests.losses(full) != a)
    }

    /// `qat` is optional in the stored specification: checkpoints from before QAT still load,
    /// and so do those written before the RunSpec (a TrainConfig without corpus, save or
    /// stats_every, as this literal was stored).
    @Test func runSpecKeepsQATAndLoadsOldConfigs() throws {
        var config = RunSpec(model: QATTests.config)
        config.qat = QATConfig(method: .quest, weightBits: 4, inputBits: 8)
        let json = try config.json()
        #expect(json.contains(#""qat":{"input_bits":8,"method":"quest","weight_bits":4}"#))
        #expect(try RunSpec.decode(json: json, source: "test") == config)
        let old = #"{"batch":16,"eval_batches":8,"eval_every":50,"hyper":{"seed":1},"learning_rate":0.004,"log_every":10,"#
            + #""model":{"heads":6,"kv_heads":2,"layers":2,"name":"tiny","norm_eps":1e-06,"rope_base":1024,"vocab":256,"#
            + #""width":48},"optimizer":"psgd","schedule":"trapezoidal","seed":1,"seq":128,"steps":500,"threads":2}"#
        let decoded = try RunSpec.decode(json: old, source: "old")
        #expect(decoded.optimizer == .psgd && decoded.learningRate == 0.004 && decoded.qat == nil)
        #expect(decoded.model == (try ModelConfig.named("tiny")) && decoded.steps == 500 && decoded.threads == 2)
        #expect(decoded.statsEvery == 100 && decoded.corpus == nil && decoded.save == nil)
        #expect(throws: QScopeError.self) {
            try RunSpec.decode(json: old.replacingOccurrences(of: "psgd", with: "sgd"), source: "old")
        }
    }

    /// The checkpoint stores the QAT setting; resuming from it continues the quantized curve.
    @Test func resumeKeepsQAT() throws {
        let path = NSTemporaryDirectory() + "qscope-qat-resume-\(UUID().uuidString).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let config = try Self.questConfig(steps: 10)
        let straight = try TrainingTests.losses(config)
        let control = RunControl()
        let board = RunBoard()
        let trainer = try Trainer(spec: config, corpus: TrainingTests.corpus, runID: 0, board: board, control: control)
        #expect(board.snapshot(id: 0)?.qat == "quest w4a4")
        var head: [Double] = []
        trainer.run { log in
            if let loss = log.loss { head.append(loss) }
            if log.step == 5 { control.requestStop() }
        }
        try trainer.save(to: path)
        let stored = try StoredRun(path: path)
        #expect(stored.spec.qat == config.qat)
        let tail = try TrainingTests.losses(stored.spec, resume: stored)
        #expect(head + tail == straight)
    }

    /// The issue's check, scaled to a debug build: the tiny model trained with QuEST W4A4 on the
    /// default corpus (AdamW at its default rate, the study's schedule) gets its quantized
    /// validation loss below 3.0 nats per byte. Batches of 8×64 tokens for 120 steps keep it
    /// near 15 s in a debug build; it reaches ~2.64 there, so the margin is far above the
    /// run-to-run noise of one seed. The full-size figure (16×128, 500 steps: ~1.77) is the
    /// release binary's, in the README.
    @Test func questW4A4TinyLearnsTheDefaultCorpus() throws {
        var c = RunSpec(model: try ModelConfig.named("tiny"))
        c.learningRate = OptimizerKind.adamw.defaultPeakLearningRate
        c.batch = 8
        c.seq = 64
        c.steps = 120
        c.evalEvery = 0
        c.qat = try QATConfig(method: .quest)
        let board = RunBoard()
        let trainer = try Trainer(spec: c, corpus: try DefaultCorpus.load(), runID: 0, board: board, control: RunControl())
        #expect(trainer.run() == .finished)
        let val = try #require(board.snapshot(id: 0)?.valLoss)
        print("QuEST w4a4 tiny: val loss \(val) after \(c.steps) steps of \(c.batch)×\(c.seq)")
        #expect(val < 3.0)
    }
}
