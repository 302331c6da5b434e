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

        public var model: ModelConfig { spec.model }
        public var tokensPerSecond: Double { Double(spec.batch * spec.seq) / (stepMs / 1000) }
        public var stateBytesPerParameter: Double { Double(optimizerStateBytes) / Double(model.parameterCount) }
        /// Model FLOP/s (training FLOPs per token × tokens/s), in GFLOP/s.
        public var gflops: Double { model.trainingFLOPsPerToken(seq: spec.seq) * tokensPerSecond / 1e9 }
    }

    /// Runs `warmup` untimed steps, then times steps until `minSteps` are done and at least
    /// `minSeconds` have passed. Data are random bytes: speed does not depend on the text.
    /// Steps use `spec`'s peak learning rate, unscheduled.
    public static func run(_ spec: RunSpec, warmup: Int = 3, minSteps: Int = 10, minSeconds: Double = 2) throws -> Result {
        let config = spec.model
        let model = try DataParallelModel(config: config, batch: spec.batch, seq: spec.seq, shardCount: spec.threads)
        try model.setQAT(spec.qat.map(QATPlan.init))
        let optimizer = try spec.optimizer.make(layout: model.layout, hyper: spec.hyper)
        optimizer.threads = spec.threads
        var rng = RNG(seed: 42)
        model.initialize(rng: &rng)
        var fwd: [Double] = [], bwd: [Double] = [], opt: [Double] = [], total: [Double] = []
        let start = Trainer.now()
        var step = 0
        // Twenty timed steps at least, so refreshes every 10 or 20 steps are part of the mean.
        while step < warmup + Swift.max(minSteps, 20) || Trainer.now() - start < minSeconds + 0.5 {
            for i in 0..<model.tokens.count {
                model.tokens[i] = Int32(rng.nextInt(below: config.vocab))
                model.targets[i] = Int32(rng.nextInt(below: config.vocab))
            }
            let t0 = Trainer.now()
            model.forward()
            let t1 = Trainer.now()
            model.backward()
            let t2 = Trainer.now()
            optimizer.step(parameters: model.parameters, gradients: model.gradients, baseLR: spec.learningRate, factor: 1)
            let t3 = Trainer.now()
            if step >= warmup {
                fwd.append(t1 - t0); bwd.append(t2 - t1); opt.append(t3 - t2); total.append(t3 - t0)
            }
            step += 1
        }
        func medianMs(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] * 1000 }
        var timed = spec
        timed.threads = model.shardCount
        return Result(spec: timed, forwardMs: medianMs(fwd), backwardMs: medianMs(bwd), optimizerMs: medianMs(opt),
                      optimizerMeanMs: opt.reduce(0, +) / Double(opt.count) * 1000,
                      stepMs: medianMs(total), optimizerStateBytes: optimizer.stateByteCount)
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
        BLAS.matmulAB(a.data, b.data, c.data, m: n, n: n, k: n)
        var best = Double.infinity
        for _ in 0..<repeats {
            let t0 = Trainer.now()
            BLAS.matmulAB(a.data, b.data, c.data, m: n, n: n, k: n)
            best = min(best, Trainer.now() - t0)
        }
        return 2 * Double(n * n * n) / best / 1e9
    }
}
