import Core
import Foundation
import Testing

/// Training runs with quantization-aware training on.
@Suite("QAT training runs")
struct QATTrainingTests {
    static func questConfig(steps: Int) throws -> TrainConfig {
        var c = TrainingTests.config(steps: steps)
        c.model = ModelConfig(name: "micro", width: 32, layers: 1, heads: 4, kvHeads: 2)
        c.qat = try QATConfig(method: "quest")
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

    /// `qat` is optional in the stored configuration: checkpoints from before QAT still load.
    @Test func trainConfigKeepsQATAndLoadsOldConfigs() throws {
        var config = TrainConfig(model: QATTests.config)
        config.qat = try QATConfig(method: "quest", weightBits: 4, inputBits: 8)
        let encoder = JSONEncoder(), decoder = JSONDecoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let json = try encoder.encode(config)
        #expect(String(decoding: json, as: UTF8.self).contains(#""qat":{"#))
        #expect(try decoder.decode(TrainConfig.self, from: json) == config)
        var object = try #require(try JSONSerialization.jsonObject(with: json) as? [String: Any])
        object["qat"] = nil
        let old = try decoder.decode(TrainConfig.self, from: JSONSerialization.data(withJSONObject: object))
        #expect(old.qat == nil)
    }

    /// The checkpoint stores the QAT setting; resuming from it continues the quantized curve.
    @Test func resumeKeepsQAT() throws {
        let path = NSTemporaryDirectory() + "qscope-qat-resume-\(UUID().uuidString).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let config = try Self.questConfig(steps: 10)
        let straight = try TrainingTests.losses(config)
        let control = RunControl()
        let board = RunBoard()
        let trainer = try Trainer(config: config, corpus: TrainingTests.corpus, runID: 0, board: board, control: control)
        #expect(board.snapshot(id: 0)?.qat == "quest w4a4")
        var head: [Double] = []
        trainer.run { log in
            if let loss = log.loss { head.append(loss) }
            if log.step == 5 { control.requestStop() }
        }
        try trainer.save(to: path)
        let file = try Safetensors.read(path: path)
        let stored = try Checkpoint.config(of: file, path: path)
        #expect(stored.qat == config.qat)
        let tail = try TrainingTests.losses(stored, resume: file)
        #expect(head + tail == straight)
    }

    /// The issue's check, scaled to a debug build: the tiny model trained with QuEST W4A4 on the
    /// default corpus (AdamW at its default rate, the study's schedule) gets its quantized
    /// validation loss below 3.0 nats per byte. Batches of 8×64 tokens for 120 steps keep it
    /// near 15 s in a debug build; it reaches ~2.64 there, so the margin is far above the
    /// run-to-run noise of one seed. The full-size figure (16×128, 500 steps: ~1.77) is the
    /// release binary's, in the README.
    @Test func questW4A4TinyLearnsTheDefaultCorpus() throws {
        var c = TrainConfig(model: try ModelConfig.named("tiny"))
        c.learningRate = OptimizerFactory.defaultPeakLearningRate("adamw")
        c.batch = 8
        c.seq = 64
        c.steps = 120
        c.evalEvery = 0
        c.qat = try QATConfig(method: "quest")
        let board = RunBoard()
        let trainer = try Trainer(config: c, corpus: try DefaultCorpus.load(), runID: 0, board: board, control: RunControl())
        #expect(trainer.run() == .finished)
        let val = try #require(board.snapshot(id: 0)?.valLoss)
        print("QuEST w4a4 tiny: val loss \(val) after \(c.steps) steps of \(c.batch)×\(c.seq)")
        #expect(val < 3.0)
    }
}
