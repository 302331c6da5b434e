import Dispatch

/// The model for one training step, with its batch split across cores.
///
/// Each shard is a `Transformer` over some of the batch's rows, reading the one shared parameter
/// tensor and writing its own gradients; shards run concurrently with single-threaded BLAS, and
/// their gradients are averaged (weighted by rows) into `gradients`. On two cores this beats
/// multi-threaded BLAS on the whole batch, because the elementwise work is split too and no BLAS
/// thread spins between calls. The result depends on the shard count, never on timing.
public final class DataParallelModel {
    public let config: ModelConfig
    public let batch: Int
    public let seq: Int
    public let parameters: Tensor
    /// Row-weighted mean of the shards' gradients after `backward()`.
    public let gradients: Tensor
    /// The whole batch's tokens (B, T); copied into the shards by `forward()`.
    public let tokens: UnsafeMutableBufferPointer<Int32>
    public let targets: UnsafeMutableBufferPointer<Int32>
    private let shards: [Transformer]
    private let rowStart: [Int]
    /// Each shard's share of the batch's rows: its weight in the mean loss and gradient.
    private let shardWeights: [Float]
    /// QAT's fake-quantized weights, shared by the shards and refreshed by `forward()`.
    private var qatWeights: QATWeights?

    /// `shardCount` is capped at the batch size; 1 runs everything on the calling thread.
    public init(config: ModelConfig, batch: Int, seq: Int, shardCount: Int) throws {
        let count = max(1, min(shardCount, batch))
        self.config = config
        self.batch = batch
        self.seq = seq
        let first = try Transformer(config: config, batch: (batch + count - 1) / count, seq: seq)
        parameters = first.parameters
        var shards = [first]
        var starts = [0]
        var start = first.batch
        for r in 1..<count {
            let rows = (batch - start) / (count - r)
            shards.append(try Transformer(config: config, batch: rows, seq: seq, sharing: parameters))
            starts.append(start)
            start += rows
        }
        self.shards = shards
        rowStart = starts
        shardWeights = shards.map { Float($0.batch) / Float(batch) }
        gradients = count == 1 ? first.gradients : Tensor(shape: [first.layout.totalCount])
        tokens = .allocate(capacity: batch * seq)
        targets = .allocate(capacity: batch * seq)
        tokens.initialize(repeating: 0)
        targets.initialize(repeating: 0)
    }

    deinit {
        tokens.deallocate()
        targets.deallocate()
    }

    public var layout: ParameterLayout { shards[0].layout }
    public var shardCount: Int { shards.count }

    public func initialize(rng: inout RNG) { shards[0].initialize(rng: &rng) }

    /// Trains with `plan` (see `Transformer.setQAT`); nil: full precision.
    public func setQAT(_ plan: QATPlan?) throws {
        qatWeights = try plan.map { try QATWeights(plan: $0, config: config) }
        for shard in shards { shard.setQAT(qatWeights, refreshes: false) }
    }

    /// Multiplies at `precision` in every shard (see `Transformer.setPrecision`).
    public func setPrecision(_ precision: MatmulPrecision, kernel: BF16Kernel = .best) {
        for shard in shards { shard.setPrecision(precision, kernel: kernel) }
    }

    /// Mean loss over the whole batch.
    @discardableResult
    public func forward() -> Double {
        if let qatWeights {
            // Once per step for all shards, each quantizing a share of the weights.
            let parts = shards.count
            parallel { r in qatWeights.refresh(from: self.parameters, part: r, of: parts) }
        }
        var losses = [Double](repeating: 0, count: shards.count)
        losses.withUnsafeMutableBufferPointer { out in
            parallel { r in
                let shard = self.shards[r]
                let offset = self.rowStart[r] * self.seq, count = shard.batch * self.seq
                shard.tokens.baseAddress!.update(from: self.tokens.baseAddress! + offset, count: count)
                shard.targets.baseAddress!.update(from: self.targets.baseAddress! + offset, count: count)
                out[r] = shard.forward()
            }
        }
        return zip(shards, losses).reduce(0) { $0 + Double($1.0.batch) * $1.1 } / Double(batch)
    }

    /// Fills `gradients` for the last `forward()`.
    public func backward() {
        parallel { r in self.shards[r].backward() }
        guard shards.count > 1 else { return }
        let total = gradients.count
        let chunk = (total + shards.count - 1) / shards.count
        let weights = shardWeights
        parallel { part in
            let lo = part * chunk, hi = min(total, lo + chunk)
            guard lo < hi else { return }
            let out = self.gradients.data
            let g0 = self.shards[0].gradients.data
            for i in lo..<hi { out[i] = weights[0] * g0[i] }
            for (shard, w) in zip(self.shards.dropFirst(), weights.dropFirst()) {
                let g = shard.gradients.data
                for i in lo..<hi { out[i] += w * g[i] }
            }
        }
    }

    /// Runs `body(0..<shardCount)` concurrently, or inline for one shard.
    private func parallel(_ body: (Int) -> Void) {
        if shards.count == 1 {
            body(0)
            return
        }
        withoutActuallyEscaping(body) { body in
            let shared = ShardWork(body: body)
            // Dispatch's worker threads do not inherit the trainer's MXCSR: flush denormals on each.
            DispatchQueue.concurrentPerform(iterations: shards.count) {
                CPU.flushDenormals()
                CPU.applyTrainingPriority()
                shared.body($0)
            }
        }
    }
}

/// A shard loop body handed to `concurrentPerform`.
///
/// Safe to share: iteration r touches only shard r's own buffers and token rows, reads the shared
/// parameters and QAT weights (which nothing writes during forward or backward), and the QAT
/// weight refresh and the gradient reduction write disjoint ranges; `concurrentPerform` returns only after every iteration has finished,
/// so nothing outlives the call.
private struct ShardWork: @unchecked Sendable {
    let body: (Int) -> Void
}
