/// Times training steps of one model size, split into forward, backward and optimizer.
public enum Benchmark {
    public struct Result: Sendable {
        public let model: ModelConfig
        public let optimizer: String
        public let batch: Int
        public let seq: Int
        public let threads: Int
        /// Quantization-aware training, if timed with it.
        public let qat: QATConfig?
        /// Median milliseconds per phase over the timed steps.
        public let forwardMs: Double
        public let backwardMs: Double
        public let optimizerMs: Double
        /// Mean optimizer milliseconds: includes the amortised preconditioner refreshes a median
        /// would hide.
        public let optimizerMeanMs: Double
        public let stepMs: Double
        public let optimizerStateBytes: Int

        public var tokensPerSecond: Double { Double(batch * seq) / (stepMs / 1000) }
        public var stateBytesPerParameter: Double { Double(optimizerStateBytes) / Double(model.parameterCount) }
        /// Model FLOP/s (training FLOPs per token × tokens/s), in GFLOP/s.
        public var gflops: Double { model.trainingFLOPsPerToken(seq: seq) * tokensPerSecond / 1e9 }
    }

    /// Runs `warmup` untimed steps, then times steps until `minSteps` are done and at least
    /// `minSeconds` have passed. Data are random bytes: speed does not depend on the text.
    /// `hyper` overrides the optimizer's defaults (e.g. `ns_dtype`).
    public static func run(model config: ModelConfig, optimizer name: String = "adamw", hyper: Hyper = Hyper(),
                           batch: Int, seq: Int, threads: Int, qat: QATConfig? = nil, warmup: Int = 3,
                           minSteps: Int = 10, minSeconds: Double = 2) throws -> Result {
        let model = try DataParallelModel(config: config, batch: batch, seq: seq, shardCount: threads)
        try model.setQAT(qat.map(QATPlan.init))
        let optimizer = try OptimizerFactory.make(name, layout: model.layout, hyper: hyper)
        optimizer.threads = threads
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
            optimizer.step(parameters: model.parameters, gradients: model.gradients, baseLR: 1e-4, factor: 1)
            let t3 = Trainer.now()
            if step >= warmup {
                fwd.append(t1 - t0); bwd.append(t2 - t1); opt.append(t3 - t2); total.append(t3 - t0)
            }
            step += 1
        }
        func medianMs(_ xs: [Double]) -> Double { xs.sorted()[xs.count / 2] * 1000 }
        return Result(model: config, optimizer: name, batch: batch, seq: seq, threads: model.shardCount, qat: qat,
                      forwardMs: medianMs(fwd), backwardMs: medianMs(bwd), optimizerMs: medianMs(opt),
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
