import Foundation
import Testing
@testable import Core

@Suite("Metrics logs: parsing, tailing, following a directory")
struct MetricsLogTests {
    static let header = #"{"run":"muon/tiny","optimizer":"muon","model":"tiny","total_steps":20,"params":123456}"#
    static let initial = #"{"step":0,"tokens":0,"loss":null,"val_loss":5.55,"lr":0.0,"grad_norm":0.0,"tokens_per_s":0.0,"elapsed_s":0.0}"#
    static func record(_ step: Int, loss: Double, val: Double? = nil) -> String {
        #"{"step":\#(step),"tokens":\#(step * 4096),"loss":\#(loss),"val_loss":\#(val.map { String($0) } ?? "null"),"#
            + #""lr":0.003,"grad_norm":0.5,"tokens_per_s":12345.5,"elapsed_s":\#(Double(step) * 0.25)}"#
    }
    static let final = #"{"final":true,"status":"finished","optimizer":"muon","model":"tiny","step":20,"tokens":81920,"loss":2.1,"val_loss":2.2,"params":123456,"params_non_embedding":100000,"elapsed_s":2.0,"saved":"x.safetensors","message":null}"#

    static let log = ([header, initial] + (1...20).map { record($0, loss: 5 - Double($0) * 0.1, val: $0 % 10 == 0 ? 4.0 : nil) }
                      + [final]).map { $0 + "\n" }.joined()

    @Test func parsesTheThreeKindsOfLine() {
        guard case .header(let header)? = MetricsLogLine(json: Substring(Self.header)) else {
            Issue.record("the header did not parse")
            return
        }
        #expect(header.format == 1 && header.run == "muon/tiny" && header.optimizer == .muon && header.model == "tiny")
        #expect(header.totalSteps == 20 && header.parameterCount == 123456 && header.spec == nil)
        #expect(MetricsLogLine(json: Substring(Self.record(3, loss: 4.5))) == .record(TrainLog(
            step: 3, tokens: 12288, loss: 4.5, valLoss: nil, learningRate: 0.003, gradNorm: 0.5,
            tokensPerSecond: 12345.5, elapsed: 0.75)))
        guard case .end(let end)? = MetricsLogLine(json: Substring(Self.final)) else {
            Issue.record("the final line did not parse")
            return
        }
        #expect(end.status == .finished && end.step == 20 && end.message == nil && end.valLoss == 2.2)
        for bad in ["", "{", "[1,2]", #"{"step":"three"}"#, #"{"final":true,"status":"exploded","step":3}"#,
                    #"{"run":"x"}"#, #"{"step":1.5,"tokens":1,"lr":0,"grad_norm":0,"tokens_per_s":0,"elapsed_s":0}"#] {
            #expect(MetricsLogLine(json: Substring(bad)) == nil, "\(bad)")
        }
    }

    /// A probe line as the writer makes it: the report round-trips, unbounded MMRs included.
    @Test func probeLinesCarryTheMeasurements() throws {
        let layers = LayerReport(step: 10, layers: ["blocks.0.attn.q", "blocks.0.mlp.down"], columns: [
            .mmr: [3.5, .infinity], .kurtosis: [12, 40], .rmsKurtosis: [0.4, 2], .rms: [1.1, 0.3], .absmax: [7.5, 9],
            .quantError: [0.01, 0.05],
        ])
        let module = ModuleError(name: "blocks.0.attn.q", kind: .linear, layer: 0, r: 3e-3, a: 2e-3, b: 9e-4, c: 1e-4,
                                 inputError: 2e-3, spectralRatio: 1.002, alignmentRatio: 0.99)
        let report = ProbeReport(layers: layers, propagation: PropagationReport(step: 10, modules: [module]),
                                 ptq: PTQSummary(step: 10, fullPrecision: 2.1, rtn: 2.2, gptq: 2.15))
        let line = MetricsLogLine.probe(report).json
        // Metrics are keyed by name, so a reordered or extended LayerMetric never relabels a log.
        #expect(!line.contains("\n") && line.contains("\"rms_kurtosis\":[0.4,2]") && line.contains("\"alignment_ratio\""))
        #expect(MetricsLogLine(json: Substring(line)) == .probe(report))
        var run = MetricsLogRun(id: 0, fileName: "r.metrics.jsonl")
        run.consume(Data((Self.header + "\n" + Self.record(10, loss: 4) + "\n" + line + "\n").utf8))
        #expect(run.snapshot.layers == layers && run.snapshot.layerHistory.count == 1)
        #expect(run.snapshot.propagation?.outputError == 3e-3 && run.snapshot.ptq?.gptq == 2.15)
        #expect(run.malformedLines == 0)
    }

    @Test func aLongSilentUnfinishedRunIsFlagged() {
        var run = MetricsLogRun(id: 0, fileName: "r.metrics.jsonl")
        run.consume(Data((Self.header + "\n" + Self.record(3, loss: 4) + "\n").utf8))
        #expect(run.snapshot(quietFor: 30).message == nil)
        #expect(run.snapshot(quietFor: 300).message == "no new record for over 2 min: stopped elsewhere?")
        run.consume(Data((Self.final + "\n").utf8))
        #expect(run.snapshot(quietFor: 3000).message == nil)  // it ended: silence is expected
    }

    @Test func optimizerStateLineSetsTheStateSize() {
        var run = MetricsLogRun(id: 0, fileName: "r.metrics.jsonl")
        run.consume(Data((Self.header + "\n" + #"{"state_bytes":493536}"# + "\n").utf8))
        #expect(run.snapshot.optimizerStateBytes == 493_536 && run.malformedLines == 0)
    }

    @Test func headerCarriesTheQATSetting() {
        let line = #"{"run":"adamw/tiny","optimizer":"adamw","model":"tiny","total_steps":5,"params":1,"qat":"quest w4a4"}"#
        var run = MetricsLogRun(id: 0, fileName: "q.metrics.jsonl")
        run.consume(Data((line + "\n").utf8))
        #expect(run.snapshot.qat == "quest w4a4")
    }

    @Test func wholeLogBuildsTheRun() {
        var run = MetricsLogRun(id: 4, fileName: "muon-tiny.metrics.jsonl")
        #expect(run.snapshot.name == "muon-tiny")
        let consumed = run.consume(Data(Self.log.utf8))
        #expect(consumed)
        let snapshot = run.snapshot
        #expect(snapshot.id == 4 && snapshot.name == "muon/tiny" && snapshot.optimizer == .muon)
        #expect(snapshot.model == "tiny" && snapshot.totalSteps == 20 && snapshot.parameterCount == 123456)
        #expect(snapshot.status == .finished && snapshot.step == 20 && snapshot.tokens == 20 * 4096)
        #expect(snapshot.trainHistory.count == 20)  // the initial evaluation has no training loss
        #expect(snapshot.valHistory.points.map(\.step) == [0, 10, 20])
        #expect(snapshot.trainLoss == 3.0 && snapshot.valLoss == 4.0)
        #expect(snapshot.tokensPerSecond == 12345.5 && snapshot.gradNorm == 0.5 && snapshot.learningRate == 0.003)
        #expect(run.offset == Self.log.utf8.count && run.malformedLines == 0 && snapshot.message == nil)
    }

    @Test func logWrittenInPiecesGivesTheSameRun() {
        var whole = MetricsLogRun(id: 0, fileName: "r.metrics.jsonl")
        whole.consume(Data(Self.log.utf8))
        let bytes = Array(Self.log.utf8)
        for pieceSize in [1, 7, 64, 333] {
            // The file as a watcher sees it: each pass reads from its offset to the current end.
            var tailed = MetricsLogRun(id: 0, fileName: "r.metrics.jsonl")
            var written = 0
            while written < bytes.count {
                written = min(written + pieceSize, bytes.count)
                tailed.consume(Data(bytes[tailed.offset..<written]))
                #expect(tailed.offset <= written)
                #expect(tailed.offset == 0 || bytes[tailed.offset - 1] == UInt8(ascii: "\n"))
            }
            #expect(tailed.snapshot == whole.snapshot, "pieces of \(pieceSize) bytes")
            #expect(tailed.offset == bytes.count)
        }
    }

    @Test func partialLastLineWaitsForItsNewline() {
        var run = MetricsLogRun(id: 0, fileName: "r.metrics.jsonl")
        let firstTwo = Self.header + "\n" + Self.record(1, loss: 4.9) + "\n"
        let half = String(Self.record(2, loss: 4.8).prefix(30))
        let tookTwo = run.consume(Data((firstTwo + half).utf8))
        #expect(tookTwo)
        #expect(run.offset == firstTwo.utf8.count)
        #expect(run.snapshot.step == 1 && run.malformedLines == 0)
        let tookHalf = run.consume(Data(half.utf8))
        #expect(!tookHalf)  // nothing new: still no newline
        let rest = Self.record(2, loss: 4.8) + "\n"
        let tookRest = run.consume(Data(rest.utf8))
        #expect(tookRest)
        #expect(run.snapshot.step == 2 && run.snapshot.status == .running)
    }

    @Test func malformedLinesAreSkippedAndCounted() {
        var run = MetricsLogRun(id: 0, fileName: "r.metrics.jsonl")
        run.consume(Data((Self.header + "\nnot json\n\n" + Self.record(1, loss: 4.9) + "\n{\"step\":\n").utf8))
        #expect(run.malformedLines == 2)
        #expect(run.snapshot.step == 1)
        #expect(run.snapshot.message == "2 malformed log lines skipped")
        run.consume(Data(#"{"final":true,"status":"diverged","step":1,"message":"diverged at step 2: loss nan"}"#.utf8
                         + [UInt8(ascii: "\n")]))
        #expect(run.snapshot.status == .diverged)
        #expect(run.snapshot.message == "diverged at step 2: loss nan; 2 malformed log lines skipped")
    }

    @Test func resumedRunAppendsAHeaderAndCarriesOn() {
        var run = MetricsLogRun(id: 0, fileName: "r.metrics.jsonl")
        let resumed = Self.header.replacingOccurrences(of: "\"total_steps\":20", with: "\"total_steps\":40")
        run.consume(Data((Self.log + resumed + "\n" + Self.record(21, loss: 2.0) + "\n").utf8))
        #expect(run.snapshot.totalSteps == 40 && run.snapshot.status == .running && run.snapshot.step == 21)
        #expect(run.snapshot.trainHistory.count == 21)
    }

    /// A log written by qscope before format 2 (no version, no spec, layer metrics as a
    /// row-major array in the enum's order of the time), committed as it was written: it still
    /// reads, every metric under its name.
    @Test func formatOneLogsStillRead() throws {
        let url = try #require(Bundle.module.url(forResource: "Golden/logs/format1-muon-tiny.metrics", withExtension: "jsonl"))
        var run = MetricsLogRun(id: 0, fileName: url.lastPathComponent)
        run.consume(try Data(contentsOf: url))
        let snapshot = run.snapshot
        #expect(run.malformedLines == 0)
        #expect(snapshot.status == .finished && snapshot.step == 10 && snapshot.optimizer == .muon)
        #expect(snapshot.optimizerStateBytes == 296_928 && snapshot.layerHistory.map(\.step) == [5, 10])
        let layers = try #require(snapshot.layers)
        #expect(layers.layers.count == 12 && Set(layers.columns.keys) == Set(LayerMetric.allCases))
        // Row 0 (blocks.0.attn.q) as the old writer put it: mmr, kurtosis, rms_kurtosis, rms, absmax, quant_error.
        let q = LayerMetric.allCases.map { layers.value($0, layer: 0) }
        print("format 1, blocks.0.attn.q at step 10: \(zip(LayerMetric.allCases.map(\.rawValue), q).map { "\($0)=\($1)" })")
        #expect(layers.value(.mmr, layer: 0) > 1 && layers.value(.rms, layer: 0) > 0 && layers.value(.quantError, layer: 0) < 1)
        #expect(snapshot.propagation != nil && snapshot.ptq != nil)
    }

    @Test func checkpointPathGivesTheLogPath() {
        #expect(RunPaths(checkpoint: "runs/x.safetensors").metricsLog == "runs/x.metrics.jsonl")
        #expect(RunPaths(checkpoint: "model.bin").metricsLog == "model.bin.metrics.jsonl")
        #expect(RunPaths(checkpoint: "runs/x.safetensors", saveAtLoss: 1.8).commonLoss == "runs/x.at-1.8.safetensors")
    }

    @Test func directoryFollowerPublishesGrowingAndRewrittenLogs() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qscope-watch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let board = RunBoard()
        let follower = MetricsLogDirectory(path: directory.path, board: board)
        follower.poll()
        #expect(board.snapshots().isEmpty)

        let b = directory.appendingPathComponent("b.metrics.jsonl")
        try (Self.header + "\n" + Self.record(1, loss: 4.9) + "\n").write(to: b, atomically: false, encoding: .utf8)
        try Self.log.write(to: directory.appendingPathComponent("a.metrics.jsonl"), atomically: false, encoding: .utf8)
        try "ignored".write(to: directory.appendingPathComponent("a.safetensors"), atomically: false, encoding: .utf8)
        follower.poll()
        #expect(board.snapshots().map(\.id) == [0, 1])
        #expect(board.snapshot(id: 0)?.status == .finished)  // a.metrics.jsonl sorts first
        #expect(board.snapshot(id: 1)?.step == 1)

        let handle = try FileHandle(forWritingTo: b)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((Self.record(2, loss: 4.8) + "\n").utf8))
        try handle.close()
        let generation = board.generation
        follower.poll()
        #expect(board.snapshot(id: 1)?.step == 2)
        follower.poll()
        #expect(board.generation == generation + 1)  // nothing new, nothing published

        try (Self.header + "\n").write(to: b, atomically: false, encoding: .utf8)  // a new run, same file
        follower.poll()
        #expect(board.snapshot(id: 1)?.step == 0)
        #expect(board.snapshot(id: 1)?.status == .starting)
    }
}

extension MetricsLogTests {
    /// `watch` reads only regular files in its directory: a FIFO (which would block), a symlink
    /// to /dev/zero (which never ends) and one leading out of the directory are passed over, and
    /// a line longer than a whole read is skipped as malformed.
    @Test func followerReadsOnlyRegularFilesAndBoundsLines() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qscope-watch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(mkfifo(directory.appendingPathComponent("fifo.metrics.jsonl").path, 0o644) == 0)
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("zero.metrics.jsonl").path,
                                                   withDestinationPath: "/dev/zero")
        try FileManager.default.createSymbolicLink(atPath: directory.appendingPathComponent("out.metrics.jsonl").path,
                                                   withDestinationPath: "/etc/passwd")
        let long = String(repeating: "x", count: MetricsLogDirectory.readLimit + 10) + "\n"
        try (Self.header + "\n" + long + Self.record(1, loss: 4) + "\n")
            .write(to: directory.appendingPathComponent("real.metrics.jsonl"), atomically: true, encoding: .utf8)
        let board = RunBoard()
        let follower = MetricsLogDirectory(path: directory.path, board: board)
        for _ in 0..<4 { follower.poll() }  // catches up over several reads
        let runs = board.snapshots()
        #expect(runs.count == 1 && runs[0].step == 1, "\(runs.map(\.name))")
        #expect(runs.first?.message?.contains("malformed") == true)
    }
}
