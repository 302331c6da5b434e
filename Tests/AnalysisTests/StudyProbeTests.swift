import Analysis
import Core
import Foundation
import Testing

/// The live probe inside a real trainer: what it publishes, when, and on request.
@Suite("Study probe")
struct StudyProbeTests {
    static func trainer(steps: Int, interval: Int, board: RunBoard, control: RunControl,
                        precision: MatmulPrecision = .fp32, qat: QATConfig? = nil) throws -> Trainer {
        var config = RunSpec(model: ModelConfig(name: "p", width: 48, layers: 2))
        (config.precision, config.qat) = (precision, qat)
        config.batch = 4
        config.seq = 32
        config.steps = steps
        config.learningRate = 1e-2
        config.evalEvery = 0
        config.statsEvery = interval
        let corpus = TrainedModel.tiny.corpus
        let trainer = try Trainer(spec: config, corpus: corpus, runID: 0, board: board, control: control)
        trainer.probe = try StudyProbe(config: config, parameters: trainer.model.parameters, corpus: corpus,
                                       sequences: 2, evalBatches: 2)
        return trainer
    }

    @Test func publishesEveryIntervalAndAtTheEnd() throws {
        let board = RunBoard()
        try Self.trainer(steps: 25, interval: 10, board: board, control: RunControl()).run()
        let run = try #require(board.snapshot(id: 0))
        #expect(run.layerHistory.map(\.step) == [10, 20, 25])
        let layers = try #require(run.layers)
        #expect(layers.layers.count == 12 && layers.layers.first == "blocks.0.attn.q")
        for metric in LayerMetric.allCases where metric != .mmr {
            #expect((0..<12).allSatisfy { layers.value(metric, layer: $0).isFinite }, "\(metric)")
        }
        #expect((0..<12).allSatisfy { layers.value(.quantError, layer: $0) > 0 })
        let propagation = try #require(run.propagation)
        #expect(propagation.outputError > 0 && propagation.modules.last?.kind == .head)
        let ptq = try #require(run.ptq)
        #expect(ptq.step == 25 && ptq.rtn > ptq.fullPrecision)
        // The last measurement is thorough: it adds GPTQ, which at 4 bits loses less than RTN.
        let gptq = try #require(ptq.gptq)
        #expect(gptq > ptq.fullPrecision - 0.05 && gptq.isFinite)
        #expect(run.layerHistory.count == 3)
        #expect(run.probeSeconds > 0 && run.activity == nil)
        print("probe: \(run.probeSeconds) s of \(run.elapsed) s; R_L \(propagation.outputError); "
              + "PTQ \(ptq.fullPrecision) → \(ptq.rtn)")
    }

    /// QAT and the probe on a bf16-trained model: the run learns, and every measurement exists
    /// and is finite (the probe itself measures in fp32).
    @Test func probesABF16QATRun() throws {
        let board = RunBoard()
        let trainer = try Self.trainer(steps: 30, interval: 15, board: board, control: RunControl(), precision: .bf16,
                                       qat: QATConfig(method: .quest))
        #expect(trainer.run() == .finished)
        let run = try #require(board.snapshot(id: 0))
        let first = try #require(run.trainHistory.points.first?.value), last = try #require(run.trainLoss)
        let layers = try #require(run.layers), ptq = try #require(run.ptq)
        print("bf16 QuEST: train loss \(first) → \(last); PTQ \(ptq.fullPrecision) → RTN \(ptq.rtn)")
        #expect(last < first - 0.5)
        #expect((0..<12).allSatisfy { layers.value(.quantError, layer: $0) > 0 && layers.value(.kurtosis, layer: $0).isFinite })
        #expect(ptq.fullPrecision.isFinite && ptq.rtn.isFinite && run.propagation?.outputError.isFinite == true)
    }

    @Test func measuresOnRequestWhilePaused() throws {
        let board = RunBoard(), control = RunControl()
        control.pause()
        let thread = try TrainerThread.start(control: control, savePath: nil) {
            try Self.trainer(steps: 1000, interval: 1000, board: board, control: control)
        }
        control.requestMeasurement()
        var measured: RunSnapshot?
        for _ in 0..<500 where measured == nil {
            Thread.sleep(forTimeInterval: 0.01)
            measured = board.snapshot(id: 0).flatMap { $0.layers == nil ? nil : $0 }
        }
        control.requestStop()
        thread.wait()
        let run = try #require(measured)
        #expect(run.step == 0 && run.layers?.step == 0 && run.ptq?.gptq != nil)
        #expect(!control.isMeasurementRequested)
    }
}
