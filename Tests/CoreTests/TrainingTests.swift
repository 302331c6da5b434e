import Core
import Foundation
import Testing

@Suite("Training runs")
struct TrainingTests {
    static let corpus: Corpus = {
        let words = ["the", "lord", "said", "unto", "moses", "and", "he", "went", "up", "into", "mount"]
        var rng = RNG(seed: 5)
        var text = ""
        while text.utf8.count < 60_000 { text += words[rng.nextInt(below: words.count)] + (rng.nextInt(below: 9) == 0 ? ".\n" : " ") }
        return try! Corpus(name: "synthetic", text: Array(text.utf8))
    }()

    static func config(steps: Int, threads: Int = 1) -> RunSpec {
        var c = RunSpec(model: ModelConfig(name: "micro", width: 24, layers: 1, heads: 6, kvHeads: 2))
        c.batch = 4
        c.seq = 32
        c.steps = steps
        c.evalEvery = 5
        c.evalBatches = 2
        c.logEvery = 1
        c.threads = threads
        return c
    }

    static func losses(_ config: RunSpec, resume: StoredRun? = nil, save: String? = nil) throws -> [Double] {
        let trainer = try Trainer(spec: config, corpus: corpus, runID: 0, board: RunBoard(), control: RunControl(),
                                  resumeFrom: resume)
        var out: [Double] = []
        trainer.run { if let loss = $0.loss { out.append(loss) } }
        if let save { try trainer.save(to: save) }
        return out
    }

    @Test func sameSeedSameLosses() throws {
        let a = try Self.losses(Self.config(steps: 8)), b = try Self.losses(Self.config(steps: 8))
        #expect(a == b)
        #expect(a.count == 8)
        var other = Self.config(steps: 8)
        other.seed = 2
        #expect(try Self.losses(other) != a)
    }

    @Test func trainingLowersTheLoss() throws {
        var c = Self.config(steps: 60)
        c.learningRate = 1e-2
        let board = RunBoard()
        let trainer = try Trainer(spec: c, corpus: Self.corpus, runID: 3, board: board, control: RunControl())
        #expect(trainer.run() == .finished)
        let snap = try #require(board.snapshot(id: 3))
        #expect(snap.status == .finished && snap.step == 60)
        let first = try #require(snap.valHistory.points.first?.value), last = try #require(snap.valLoss)
        print("val loss \(first) -> \(last)")
        #expect(abs(first - Foundation.log(256)) < 0.1)
        #expect(last < first - 1)
    }

    @Test func resumeContinuesTheSameCurve() throws {
        let path = NSTemporaryDirectory() + "qscope-resume-\(UUID().uuidString).safetensors"
        let straight = try Self.losses(Self.config(steps: 12))
        var firstHalf = Self.config(steps: 12)
        let control = RunControl()
        let trainer = try Trainer(spec: firstHalf, corpus: Self.corpus, runID: 0, board: RunBoard(), control: control)
        var head: [Double] = []
        trainer.run { log in
            if let loss = log.loss { head.append(loss) }
            if log.step == 6 { control.requestStop() }
        }
        try trainer.save(to: path)
        firstHalf.steps = 12
        let stored = try StoredRun(path: path)
        #expect(stored.spec == firstHalf)
        let tail = try Self.losses(firstHalf, resume: stored)
        print("straight \(straight.map { String(format: "%.4f", $0) })")
        print("resumed  \((head + tail).map { String(format: "%.4f", $0) })")
        #expect(head + tail == straight)
    }

    /// One step of the same batch of 5 rows on one shard and on three (with `qat`, if given):
    /// the losses and gradients must agree to fp32 rounding.
    static func expectShardsAgree(_ config: ModelConfig, qat: QATPlan? = nil, seed: UInt64) throws {
        let one = try DataParallelModel(config: config, batch: 5, seq: 8, shardCount: 1)
        let three = try DataParallelModel(config: config, batch: 5, seq: 8, shardCount: 3)
        try one.setQAT(qat)
        try three.setQAT(qat)
        var rng = RNG(seed: seed)
        one.initialize(rng: &rng)
        three.parameters.copy(from: one.parameters)
        for i in 0..<one.tokens.count {
            one.tokens[i] = Int32(rng.nextInt(below: 256)); three.tokens[i] = one.tokens[i]
            one.targets[i] = Int32(rng.nextInt(below: 256)); three.targets[i] = one.targets[i]
        }
        let l1 = one.forward(), l3 = three.forward()
        one.backward(); three.backward()
        #expect(abs(l1 - l3) < 1e-6)
        let a = one.gradients.array.map(Double.init), b = three.gradients.array.map(Double.init)
        GradientCheck.report("1 vs 3 shards\(qat == nil ? "" : ", QAT")", analytic: b, numeric: a)
        #expect(GradientCheck.relativeError(a, b) < 1e-5)
    }

    @Test func shardedGradientsMatchOneShard() throws {
        try Self.expectShardsAgree(ModelConfig(name: "dp", width: 24, layers: 2, heads: 6, kvHeads: 2), seed: 11)
    }

    @Test func divergenceStopsTheRunWithFiniteWeights() throws {
        var c = Self.config(steps: 200)
        c.learningRate = 1e6
        c.schedule = .constant
        let board = RunBoard()
        let trainer = try Trainer(spec: c, corpus: Self.corpus, runID: 1, board: board, control: RunControl())
        let status = trainer.run()
        let snap = try #require(board.snapshot(id: 1))
        print("diverged run: \(status) at step \(snap.step): \(snap.message ?? "")")
        #expect(status == .diverged && snap.status == .diverged)
        #expect(snap.step < 200)
        #expect(snap.message?.contains("diverged") == true)
        #expect(Kernels.allFinite(trainer.model.parameters.data, count: trainer.model.parameters.count))
    }

    @Test func commonLossCheckpointIsTheFirstBelowTheTarget() throws {
        var c = Self.config(steps: 40)
        c.learningRate = 1e-2
        c.evalEvery = 5
        c.saveAtLoss = 4.0
        let board = RunBoard()
        c.save = NSTemporaryDirectory() + "qscope-cl-\(UUID().uuidString).safetensors"
        let path = try #require(c.paths?.commonLoss)
        let trainer = try Trainer(spec: c, corpus: Self.corpus, runID: 0, board: board, control: RunControl())
        trainer.run()
        let history = try #require(board.snapshot(id: 0)).valHistory.points
        let first = try #require(history.first { $0.value < 4.0 })
        let file = try Safetensors.read(path: path)
        print("common loss 4.0 first reached at step \(first.step) (val \(first.value))")
        #expect(file.metadata["qscope.step"] == String(first.step))
    }

    @Test func checkpointRoundTripsAndRejectsGarbage() throws {
        let path = NSTemporaryDirectory() + "qscope-ckpt-\(UUID().uuidString).safetensors"
        _ = try Self.losses(Self.config(steps: 3), save: path)
        let file = try Safetensors.read(path: path)
        #expect(file.metadata["qscope.step"] == "3")
        #expect(file.tensors["wte"]?.shape == [256, 24])
        #expect(file.tensors["optim.wte.exp_avg"]?.shape == [256, 24])
        let garbage = try DataTests.tempFile(Array("not a checkpoint at all".utf8))
        #expect(throws: QScopeError.self) { try Safetensors.read(path: garbage) }
        #expect(throws: QScopeError.self) { try Safetensors.read(path: "/nonexistent.safetensors") }
    }
}

extension TrainingTests {
    /// A run re-created from the RunSpec its checkpoint stores (as `train --spec-from` does)
    /// reproduces its loss curve bit for bit.
    @Test func runRecreatedFromItsCheckpointRepeatsItsCurve() throws {
        let path = NSTemporaryDirectory() + "qscope-spec-\(UUID().uuidString).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        var spec = Self.config(steps: 10, threads: 2)
        spec.optimizer = .psgd
        spec.hyper = OptimizerKind.psgd.hyper(Hyper(["momentum": .number(0.8)]), runSeed: spec.seed)
        spec.schedule = .cosine
        let original = try Self.losses(spec, save: path)
        let stored = try StoredRun(path: path).spec
        #expect(stored == spec)
        let again = try Self.losses(try RunOverrides().respecify(stored))
        print("original \(original.prefix(4)) … again \(again.prefix(4))")
        #expect(again == original)
    }
}
