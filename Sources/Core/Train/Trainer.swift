import Foundation

/// Trains one run: owns its model, optimizer and data, steps until done, stopped or diverged,
/// and publishes snapshots to a `RunBoard`.
///
/// A `Trainer` is confined to the thread that created it (it holds raw buffers); other threads
/// talk to it only through its `RunControl` and read it only through the board. `RunSession`
/// builds and drives it.
public final class Trainer {
    public let spec: RunSpec
    public let model: DataParallelModel
    public let optimizer: Optimizer
    private let sampler: BatchSampler
    private let schedule: LRSchedule
    private let board: RunBoard
    private let control: RunControl
    private var snapshot: RunSnapshot
    private var position: Checkpoint.Position
    private var lastPublish: Double = 0
    private var savedAtCommonLoss = false
    /// Tokens and seconds of training since the last log record, for its throughput.
    private var window = (tokens: 0, compute: 0.0)
    /// Measures the model every `probe.interval` steps and at the end (see `TrainingProbe`).
    public var probe: TrainingProbe?

    /// Builds the run of `spec` (already validated); with `resumeFrom`, parameters, optimizer
    /// state and position come from that checkpoint.
    public init(spec: RunSpec, corpus: Corpus, runID: Int, board: RunBoard, control: RunControl,
                resumeFrom: StoredRun? = nil) throws {
        self.spec = spec
        model = try DataParallelModel(config: spec.model, batch: spec.batch, seq: spec.seq, shardCount: spec.threads)
        optimizer = try spec.optimizer.make(layout: model.layout, hyper: spec.hyper)
        optimizer.threads = spec.threads
        try model.setQAT(spec.qat.map(QATPlan.init))
        model.setPrecision(spec.precision)
        sampler = try BatchSampler(corpus: corpus, batch: spec.batch, seq: spec.seq, seed: spec.seed)
        schedule = spec.schedule.schedule
        self.board = board
        self.control = control
        if let stored = resumeFrom {
            position = try Checkpoint.restore(stored.file, path: stored.path, layout: model.layout,
                                              parameters: model.parameters, optimizer: optimizer)
        } else {
            var rng = RNG(seed: spec.seed, stream: 1)
            model.initialize(rng: &rng)
            position = Checkpoint.Position(step: 0, tokens: 0, elapsed: 0)
        }
        snapshot = RunSnapshot(id: runID, name: spec.name, optimizer: spec.optimizer, model: spec.model.name,
                               totalSteps: spec.steps, parameterCount: model.layout.totalCount)
        snapshot.spec = spec
        snapshot.optimizerStateBytes = optimizer.stateByteCount
        snapshot.qat = spec.qat?.label
        snapshot.step = position.step
        snapshot.tokens = position.tokens
        snapshot.elapsed = position.elapsed
        board.publish(snapshot)
    }

    /// Mean validation loss over the fixed validation batches (of the fake-quantized model under QAT).
    public func evaluate() -> Double {
        model.validationLoss(sampler, batches: spec.evalBatches)
    }

    /// Runs until `spec.steps`, a stop request or divergence; `onLog` sees every log record
    /// (on this thread). Returns the final status.
    @discardableResult
    public func run(onLog: (TrainLog) -> Void = { _ in }) -> RunStatus {
        setStatus(.running)
        if position.step == 0 {
            let initial = evaluate()
            recordValidation(initial)
            onLog(TrainLog(step: 0, tokens: 0, loss: nil, valLoss: initial, learningRate: 0, gradNorm: 0,
                           tokensPerSecond: 0, elapsed: 0))
        }
        if position.step >= spec.steps && snapshot.valLoss == nil {
            // Resumed from its final checkpoint (killed before it could report): its last word.
            recordValidation(evaluate())
        }
        var clock = (start: Self.now(), base: position.elapsed)
        while position.step < spec.steps {
            serveWeights()
            if control.isStopRequested { return finish(.stopped) }
            if control.isPaused {
                clock.base += Self.now() - clock.start
                waitWhilePaused()
                clock.start = Self.now()
                continue
            }
            let t0 = Self.now()
            let step = position.step
            let factor = Float(schedule.factor(step: step, total: spec.steps))
            sampler.fillTraining(step: step, tokens: model.tokens, targets: model.targets)
            let loss = model.forward()
            model.backward()
            let gradNorm = Kernels.sumOfSquares(model.gradients.data, count: model.gradients.count).squareRoot()
            guard loss.isFinite, gradNorm.isFinite else {
                return finish(.diverged, message: "diverged at step \(step + 1): loss \(loss), gradient norm \(gradNorm)")
            }
            optimizer.step(parameters: model.parameters, gradients: model.gradients, baseLR: spec.learningRate,
                           factor: factor)
            position.step += 1
            position.tokens += spec.batch * spec.seq
            window.tokens += spec.batch * spec.seq
            window.compute += Self.now() - t0
            position.elapsed = clock.base + (Self.now() - clock.start)
            afterStep(loss: loss, gradNorm: gradNorm, learningRate: Double(spec.learningRate * factor), onLog: onLog)
        }
        return finish(.finished)
    }

    /// Idles while paused, measuring when asked; the throughput window starts afresh after.
    private func waitWhilePaused() {
        setStatus(.paused)
        while control.isPaused && !control.isStopRequested {
            if control.takeMeasurementRequest() { measureNow(thorough: true) }
            serveWeights()
            Thread.sleep(forTimeInterval: 0.02)
        }
        setStatus(.running)
        window = (0, 0)
    }

    /// Publishes the step, evaluates, probes and logs when their intervals come round.
    private func afterStep(loss: Double, gradNorm: Double, learningRate: Double, onLog: (TrainLog) -> Void) {
        snapshot.step = position.step
        snapshot.tokens = position.tokens
        snapshot.trainLoss = loss
        snapshot.learningRate = learningRate
        snapshot.gradNorm = gradNorm
        snapshot.elapsed = position.elapsed
        snapshot.trainHistory.append(step: position.step, tokens: position.tokens, time: position.elapsed, value: loss)

        let isLast = position.step == spec.steps
        var valLoss: Double?
        if isLast || (spec.evalEvery > 0 && position.step % spec.evalEvery == 0) {
            valLoss = evaluate()
            recordValidation(valLoss!)
        }
        // Throughput counts training time only, so evaluations do not make it jump.
        if window.compute > 0 { snapshot.tokensPerSecond = Double(window.tokens) / window.compute }
        let probed = runProbe(isLast: isLast)
        if isLast || position.step % spec.logEvery == 0 || valLoss != nil || probed != nil {
            onLog(TrainLog(step: position.step, tokens: position.tokens, loss: loss, valLoss: valLoss,
                           learningRate: learningRate, gradNorm: gradNorm, tokensPerSecond: snapshot.tokensPerSecond,
                           elapsed: position.elapsed, probe: probed))
            window = (0, 0)
        }
        publishThrottled(force: valLoss != nil || probed != nil)
    }

    /// Runs the probe when its interval comes round, at the last step, or when asked; returns
    /// what it measured, nil when it did not run.
    private func runProbe(isLast: Bool) -> ProbeReport? {
        guard let probe else { return nil }
        let requested = control.takeMeasurementRequest()
        guard requested || isLast || position.step % max(1, probe.interval) == 0 else { return nil }
        return measureNow(thorough: requested || isLast)
    }

    @discardableResult
    private func measureNow(thorough: Bool) -> ProbeReport? {
        guard let probe else { return nil }
        let t0 = Self.now()
        snapshot.activity = "measuring"
        board.publish(snapshot)
        let report = probe.measure(step: position.step, thorough: thorough)
        snapshot.record(report)
        snapshot.activity = nil
        snapshot.probeSeconds += Self.now() - t0
        board.publish(snapshot)
        lastPublish = Self.now()
        return report
    }

    /// Writes a checkpoint of the current state (atomically).
    public func save(to path: String) throws {
        try Checkpoint.save(path: path, spec: spec, layout: model.layout, parameters: model.parameters,
                            optimizer: optimizer, position: position)
    }

    public var currentPosition: Checkpoint.Position { position }

    private func recordValidation(_ loss: Double) {
        snapshot.valLoss = loss
        snapshot.valHistory.append(step: position.step, tokens: position.tokens, time: position.elapsed, value: loss)
        saveAtCommonLoss(loss)
        snapshotEval()
        publishThrottled(force: true)
    }

    /// With `spec.snapshotEvals`: the parameters at this evaluation, and the full checkpoint so a
    /// killed run resumes from here. A failed write is reported, not fatal: training goes on.
    private func snapshotEval() {
        guard spec.snapshotEvals, let paths = spec.paths else { return }
        do {
            try Checkpoint.save(path: paths.evalSnapshot(step: position.step), spec: spec, layout: model.layout,
                                parameters: model.parameters, optimizer: nil, position: position)
            try save(to: paths.checkpoint)
        } catch {
            snapshot.message = "could not save the evaluation snapshot: \(error)"
        }
    }

    /// The study's common-loss protocol (docs/analysis.md): keep the first checkpoint that
    /// reaches the target, so PTQ compares optimizers at equal quality.
    private func saveAtCommonLoss(_ loss: Double) {
        guard let target = spec.saveAtLoss, let path = spec.paths?.commonLoss, !savedAtCommonLoss, loss < target else {
            return
        }
        savedAtCommonLoss = true
        do {
            try save(to: path)
            snapshot.message = "val loss \(String(format: "%.4f", loss)) < \(target) at step \(position.step): saved \(path)"
        } catch {
            snapshot.message = "could not save the common-loss checkpoint: \(error)"
        }
    }

    private func setStatus(_ status: RunStatus, message: String? = nil) {
        snapshot.status = status
        if let message { snapshot.message = message }
        board.publish(snapshot)
        lastPublish = Self.now()
    }

    private func finish(_ status: RunStatus, message: String? = nil) -> RunStatus {
        if control.weights.keepFinal { shareWeights() }
        setStatus(status, message: message)
        return status
    }

    /// Copies the parameters for a reader that asked (`WeightShare`); here, between steps, on
    /// the one thread that writes them, so the copy is a whole step.
    private func serveWeights() {
        if control.weights.takeRequest() { shareWeights() }
    }

    private func shareWeights() {
        control.weights.deposit(step: position.step, spec: spec, corpus: sampler.corpus,
                                values: Array(model.parameters.buffer))
    }

    /// Publishes at most ~20 times a second: each publish makes the next history append copy
    /// the (shared, copy-on-write) history, so publishing every step would waste time.
    private func publishThrottled(force: Bool) {
        let now = Self.now()
        guard force || now - lastPublish >= 0.05 else { return }
        board.publish(snapshot)
        lastPublish = now
    }

    /// Seconds on a monotonic clock.
    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
