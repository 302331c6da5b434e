/// Times training steps of one model size, split into forward, backward and optimizer.
public enum Benchmark {
    public struct Result: Sendable {
        /// The run timed (model, optimizer, batch shape, threads, QAT).
        public let spec: RunSpec
        /// Median milliseconds per phase over the timed steps.
        public let forwardMs: Double
        public let backwardMs: Double
        public let optimizerMs: Double
        /// Mean optimizer milliseconds: includes the amortised preconditioner refreshes a median
        /// would hide.
        public let optimizerMeanMs: Double
        public let stepMs: Double
        public let optimizerStateBytes: Int
        /// The step where the late window started, and its median milliseconds per step.
        public let lateStep: Int?
        public let lateStepMs: Double?

        public var model: ModelConfig { spec.model }
        public var tokensPerSecond: Double { Double(spec.batch * spec.seq) / (stepMs / 1000) }
        /// Tokens/s in the late window, nil without one.
        public var lateTokensPerSecond: Double? { lateStepMs.map { Double(spec.batch * spec.seq) / ($0 / 1000) } }
        public var stateBytesPerParameter: Double { Double(optimizerStateBytes) / Double(model.parameterCount) }
        /// Model FLOP/s (training FLOPs per token × tokens/s), in GFLOP/s.
        public var gflops: Double { model.trainingFLOPsPerToken(seq: spec.seq) * tokensPerSecond / 1e9 }
    }

    /// Runs `warmup` untimed steps, then times steps until `minSteps` (at least 20, so refreshes
    /// every 10 or 20 steps are part of the mean) are done and `minSeconds` have passed. With
    /// `lateStep` > 0 it goes on training, untimed, to that step and times 20 steps more there:
    /// a slowdown that sets in part-way through training (denormals in an optimizer's state, for
    /// one) shows only then. Batches come from the run's corpus (the built-in one by default):
    /// the speed of the arithmetic does not depend on the text, but what training does to the
    /// numbers does. Steps use `spec`'s peak learning rate, unscheduled.
    public static func run(_ spec: RunSpec, warmup: Int = 3, minSteps: Int = 10, minSeconds: Double = 2,
                           lateStep: Int = 0) throws -> Result {
        let config = spec.model
        let model = try DataParallelModel(config: config, batch: spec.batch, seq: spec.seq, shardCount: spec.threads)
        try model.setQAT(spec.qat.map(QATPlan.init))
        model.setPrecision(spec.precision)
        let optimizer = try spec.optimizer.make(layout: model.layout, hyper: spec.hyper)
        optimizer.threads = spec.threads
        let sampler = try BatchSampler(corpus: try Corpus.named(spec.corpus), batch: spec.batch, seq: spec.seq, seed: spec.seed)
        var rng = RNG(seed: 42)
        model.initialize(rng: &rng)
        var step = 0
        func timedStep() -> (forward: Double, backward: Double, optimizer: Double) {
            sampler.fillTraining(step: step, tokens: model.tokens, targets: model.targets)
            let t0 = Trainer.now()
            model.forward()
            let t1 = Trainer.now()
            model.backward()
            let t2 = Trainer.now()
            optimizer.step(parameters: model.parameters, gradients: model.gradients, baseLR: spec.learningRate, factor: 1)
            step += 1
            return (t1 - t0, t2 - t1, Trainer.now() - t2)
        }
        var early = PhaseTimes(), late = PhaseTimes()
        for _ in 0..<warmup { _ = timedStep() }
        let start = Trainer.now()
        while early.count < Swift.max(minSteps, 20) || Trainer.now() - start < minSeconds { early.add(timedStep()) }
        if lateStep > step {
            while step < lateStep { _ = timedStep() }
            while late.count < 20 { late.add(timedStep()) }
        }
        var timed = spec
        timed.threads = model.shardCount
        return Result(spec: timed, forwardMs: early.median(\.forward), backwardMs: early.median(\.backward),
                      optimizerMs: early.median(\.optimizer), optimizerMeanMs: early.meanOptimizerMs,
                      stepMs: early.median(\.total), optimizerStateBytes: optimizer.stateByteCount,
                      lateStep: late.count > 0 ? lateStep : nil, lateStepMs: late.count > 0 ? late.median(\.total) : nil)
    }

    /// Per-step phase times of one timed window, in seconds.
    private struct PhaseTimes {
        struct Step { let forward, backward, optimizer: Double; var total: Double { forward + backward + optimizer } }
        var steps: [Step] = []
        var count: Int { steps.count }
        mutating func add(_ t: (forward: Double, backward: Double, optimizer: Double)) {
            steps.append(Step(forward: t.forward, backward: t.backward, optimizer: t.optimizer))
        }
        func median(_ phase: KeyPath<Step, Double>) -> Double { steps.map { $0[keyPath: phase] }.sorted()[count / 2] * 1000 }
        var meanOptimizerMs: Double { steps.map(\.optimizer).reduce(0, +) / Double(count) * 1000 }
    }

    /// One thread's matrix-product rate at `precision` in GFLOP/s, on the shape of the m model's
    /// MLP up-projection per shard (1024 rows, 288 → 1152), operands starting as fp32.
    public static func matmulPeak(precision: MatmulPrecision, repeats: Int = 8) -> Double {
        let (m, n, k) = (1024, 1152, 288)
        let x = Tensor(shape: [m, k]), w = Tensor(shape: [n, k]), out = Tensor(shape: [m, n])
        var rng = RNG(seed: 3)
        rng.fillGaussian(x.buffer, std: 1)
        rng.fillGaussian(w.buffer, std: 1)
        let scratch = precision == .bf16 ? BF16Scratch(rows: m, cols: n, inner: k) : nil
        let matmul = scratch?.matmul ?? .fp32
        defer { withExtendedLifetime(scratch) {} }  // `matmul` borrows its memory
        let saved = BLAS.threads
        BLAS.threads = 1
        defer { BLAS.threads = saved }
        var best = Double.infinity
        for _ in 0...repeats {
            let t0 = Trainer.now()
            matmul.abt(x.data, w.data, out.data, m: m, n: n, k: k)
            best = min(best, Trainer.now() - t0)
        }
        return 2 * Double(m * n * k) / best / 1e9
    }

    /// The machine's sgemm rate in GFLOP/s on an n×n×n product with `threads` BLAS threads:
    /// the ceiling that model FLOP/s are compared with. Leaves BLAS single-threaded, as the
    /// data-parallel trainers want it.
    public static func sgemmPeak(threads: Int, n: Int = 1024, repeats: Int = 8) -> Double {
        BLAS.threads = threads
        defer { BLAS.threads = 1 }
        let a = Tensor(shape: [n, n]), b = Tensor(shape: [n, n]), c = Tensor(shape: [n, n])
        var rng = RNG(seed: 3)
        rng.fillGaussian(a.buffer, std: 1)
        rng.fillGaussian(b.buffer, std: 1)
        Matmul.fp32.ab(a.data, b.data, c.data, m: n, n: n, k: n)
        var best = Double.infinity
        for _ in 0..<repeats {
            let t0 = Trainer.now()
            Matmul.fp32.ab(a.data, b.data, c.data, m: n, n: n, k: n)
            best = min(best, Trainer.now() - t0)
        }
        return 2 * Double(n * n * n) / best / 1e9
    }
}
