import Core
import Foundation

/// The UI thread's side of the Quantize view: submits the plan on screen to the
/// `QuantizeWorker` whenever it is not the one last submitted, and takes finished allocations
/// into the state. Used on the UI thread only; it talks to the worker through `submit` and
/// copies of its `status`, so nothing here blocks on a measurement.
struct QuantizeLink {
    let worker = QuantizeWorker()

    /// What was last asked of the worker for the view on screen.
    private struct Request: Equatable {
        var runID: Int
        var plan: ResolvedQuantization
        var refresh: Int
    }

    private var submitted: Request?
    private var generation = -1
    /// The serial of the last measurement looked at for an allocation to adopt.
    private var adopted = 0
    private var wasOnPage = false

    /// Takes new results into `state` and submits the plan on screen if it changed (or the
    /// view was just opened: it then measures the current weights); true when the frame must
    /// be redrawn.
    mutating func sync(state: inout DashboardState, runs: [RunSnapshot], controls: [Int: RunControl]) -> Bool {
        var redraw = false
        let current = worker.generation
        if current != generation {
            generation = current
            redraw = true
            adoptAllocations(into: &state)
        }
        let onPage = state.page == .quantize
        defer { wasOnPage = onPage }
        guard onPage, let run = state.selectedRun(in: runs), let config = QuantizeState.config(of: run) else {
            return redraw
        }
        let request = Request(runID: run.id, plan: state.quantize.plan(run: run.id, config: config),
                              refresh: state.quantize.refresh)
        if request != submitted || !wasOnPage {
            submitted = request
            worker.submit(QuantizeJob(runID: run.id, task: .evaluate(request.plan), weights: controls[run.id]?.weights,
                                      runEnded: run.status.isTerminal, refresh: request.refresh))
        }
        return redraw
    }

    /// Asks the worker to allocate `bits` over run `runID`'s layers; the plan it finds replaces
    /// the run's plan when it arrives.
    func allocate(runID: Int, bits: Double, method: QuantMethod, state: DashboardState, runs: [RunSnapshot],
                  controls: [Int: RunControl]) {
        let ended = runs.first { $0.id == runID }?.status.isTerminal ?? true
        worker.submit(QuantizeJob(runID: runID, task: .allocate(bits: bits, method: method),
                                  weights: controls[runID]?.weights, runEnded: ended, refresh: state.quantize.refresh))
    }

    /// Makes each newly finished allocation the plan of its run; its plan is then the one
    /// measured, so it is not submitted again.
    private mutating func adoptAllocations(into state: inout DashboardState) {
        let measurements = worker.status.measurements.values.filter { $0.serial > adopted }
        adopted = max(adopted, measurements.map(\.serial).max() ?? 0)
        for measurement in measurements {
            guard let bits = measurement.allocatedBits else { continue }
            state.quantize.plans[measurement.runID] = measurement.plan
            if submitted?.runID == measurement.runID { submitted?.plan = measurement.plan }
            state.notice = "allocated \(Format.fit(bits, width: 4)) bits: "
                + String(format: "%.2f", measurement.footprint.averageWeightBits) + " bits per weight on average"
        }
    }

    /// Stops the worker thread (after the job in hand).
    func stop() { worker.stop() }
}

/// The TOML file the Quantize view's `w` writes: the plan, each layer listed, readable by
/// `qscope quantize --plan`, headed by what it was measured to do.
enum QuantizePlanFile {
    /// `runs/muon-tiny.plan.toml` beside the run's checkpoint, or `muon-tiny.plan.toml` here for
    /// a run that is not saved.
    static func path(for run: RunSnapshot) -> String {
        let checkpoint = run.spec.map { $0.paths?.checkpoint ?? RunPaths.checkpoint(in: ".", for: $0) }
            ?? run.name.replacingOccurrences(of: "/", with: "-") + ".safetensors"
        let stem = checkpoint.hasSuffix(".safetensors") ? String(checkpoint.dropLast(".safetensors".count)) : checkpoint
        return stem + ".plan.toml"
    }

    /// The file's text: a comment header, then the plan.
    static func text(plan: ResolvedQuantization, run: RunSnapshot, measurement: QuantizeMeasurement?) -> String {
        var header = ["Quantization plan for \(run.name), from the qscope dashboard's Quantize view."]
        if let m = measurement, m.runID == run.id, m.plan == plan {
            let kl = m.propagation.outputKL.map { ", output KL " + Format.fit($0, width: 7) } ?? ""
            header.append("Measured on the weights of step \(m.weightsStep): loss \(Format.metric(m.fullPrecisionLoss)) -> "
                          + "\(Format.metric(m.quantizedLoss)) (\(QuantizeSummary.signed(m.increase))), "
                          + "R at the logits \(Format.shortScientific(m.propagation.outputError))\(kl).")
            header.append(String(format: "Average weight bits %.2f, %.2f stored bits per weight, ",
                                 m.footprint.averageWeightBits, m.footprint.bitsPerWeight)
                          + Format.bytes(m.footprint.modelBytes) + ".")
        }
        return plan.plan.tomlText(header: header)
    }

    /// Writes run `run`'s `plan` atomically and returns where.
    static func write(plan: ResolvedQuantization, run: RunSnapshot, measurement: QuantizeMeasurement?) throws -> String {
        let path = path(for: run)
        try AtomicFile.write(Data(text(plan: plan, run: run, measurement: measurement).utf8), to: path)
        return path
    }
}
