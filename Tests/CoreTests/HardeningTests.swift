import Foundation
import Testing
@testable import Core

/// Crafted and out-of-range input: every case is a clean error, never a trap, an allocation of
/// the whole machine, or a write outside where it belongs.
@Suite("Hardening")
struct HardeningTests {
    static func scratch() throws -> String {
        let dir = NSTemporaryDirectory() + "qscope-hard-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A safetensors file whose header is `json`, followed by `payload` bytes.
    static func safetensors(_ json: String, payload: Int = 16) throws -> String {
        var data = Data()
        withUnsafeBytes(of: UInt64(json.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(Data(json.utf8))
        data.append(Data(repeating: 0, count: payload))
        let path = try scratch() + "/x.safetensors"
        try data.write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func craftedSafetensorsHeadersAreBadInput() throws {
        let entries = [
            #"{"w":{"dtype":"F32","shape":[4],"data_offsets":[-49152,0]}}"#,
            #"{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,9223372036854775807]}}"#,
            #"{"w":{"dtype":"F32","shape":[2305843009213693952],"data_offsets":[0,16]}}"#,
            #"{"w":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,16]}}"#,
            #"{"w":{"dtype":"F32","shape":[-4,-1],"data_offsets":[0,16]}}"#,
        ]
        for header in entries {
            #expect(throws: QScopeError.self, "\(header)") { try Safetensors.read(path: try Self.safetensors(header)) }
        }
        let valid = #"{"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}}"#
        #expect(try Safetensors.read(path: try Self.safetensors(valid)).tensors["w"]?.shape == [2, 2])
    }

    @Test func impossibleRunsAreFieldErrors() throws {
        var spec = RunSpec(model: try ModelConfig.named("tiny"))
        func field(_ change: (inout RunSpec) -> Void) -> RunField? {
            var changed = spec
            change(&changed)
            do { try changed.validate() } catch let error as RunSpecError { return error.field } catch { return .model }
            return nil
        }
        #expect(field { $0.model.vocab = 2 } == .model)  // tokens are bytes
        #expect(field { $0.batch = 1_000_000_000 } == .batch)
        #expect(field { $0.batch = Int.max } == .batch)
        #expect(field { $0.seq = 10_000_000 } == .seq)
        #expect(field { $0.steps = Int.max } == .steps)
        #expect(field { $0.model.width = 6 << 40 } == .model)
        #expect(field { $0.model.layers = 1_000_000_000_000 } == .model)
        #expect(field { $0.batch = 100_000; $0.seq = 1024 } == .batch)  // ~100 GB of activations
        #expect(field { $0.hyper["weight_decay"] = .number(.nan) } == .model)
        spec.optimizer = .psgd
        #expect(field { $0.hyper["precond_update_steps"] = .list([.number(1e300), .number(2)]) } == .model)
        #expect(field { $0.hyper["balance_steps"] = .list([.number(.nan), .number(1)]) } == .model)
        #expect(field { _ in } == nil)
    }

    @Test func namesFromFilesStayOnePathComponent() throws {
        var spec = RunSpec(model: try ModelConfig.named("tiny"))
        spec.model.name = "x/../../../../tmp/evil"
        let path = RunPaths.checkpoint(in: "runs", for: spec)
        #expect(path == "runs/adamw-x_.._.._.._.._tmp_evil.safetensors")
        spec.model.name = ".."
        #expect(RunPaths.checkpoint(in: "runs", for: spec) == "runs/adamw-model.safetensors")
    }

    @Test func atomicWritesNeverFollowOrLeaveTemporaryFiles() throws {
        let dir = try Self.scratch()
        let target = dir + "/victim.txt", path = dir + "/out.bin"
        try "keep".write(toFile: target, atomically: false, encoding: .utf8)
        // A symlink planted where the old writer put its temporary file.
        try FileManager.default.createSymbolicLink(atPath: dir + "/.out.bin.tmp-\(getpid())", withDestinationPath: target)
        try AtomicFile.write(Data("new".utf8), to: path)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "new")
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType) == .typeRegular)
        // A failed rename (the path is a directory) leaves the directory as it was.
        try FileManager.default.createDirectory(atPath: dir + "/adir/inner", withIntermediateDirectories: true)
        #expect(throws: QScopeError.self) { try AtomicFile.write(Data("x".utf8), to: dir + "/adir") }
        let left = try FileManager.default.contentsOfDirectory(atPath: dir)
            .filter { $0.contains(".tmp-") && !$0.hasSuffix("\(getpid())") }
        #expect(left.isEmpty, "\(left)")
    }

    @Test func impossibleStoredPositionsAreBadInput() throws {
        let dir = try Self.scratch()
        let spec = TrainingTests.config(steps: 2)
        let path = dir + "/c.safetensors"
        _ = try TrainingTests.losses(spec, save: path)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let length = Int(data.prefix(8).enumerated().reduce(UInt64(0)) {
            $0 | UInt64($1.element) << (8 * UInt64($1.offset))
        })
        let header = try #require(try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as? [String: Any])
        for (key, value) in [("qscope.step", "-5"), ("qscope.step", "9223372036854775807"), ("qscope.elapsed", "nan")] {
            var crafted = header, metadata = header["__metadata__"] as! [String: String]
            metadata[key] = value
            crafted["__metadata__"] = metadata
            let json = try JSONSerialization.data(withJSONObject: crafted)
            var bytes = Data()
            withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes.append(contentsOf: $0) }
            bytes.append(json)
            bytes.append(data.subdata(in: (8 + length)..<data.count))
            let file = dir + "/crafted.safetensors"
            try bytes.write(to: URL(fileURLWithPath: file))
            #expect(throws: QScopeError.self, "\(key)=\(value)") {
                _ = try TrainingTests.losses(spec, resume: try StoredRun(path: file))
            }
        }
    }
}

extension HardeningTests {
    /// A run that fails to start (here: resuming a checkpoint of another model) leaves the
    /// metrics log already at its path as it was, with no stray header.
    @Test func aFailedStartLeavesTheLogAlone() throws {
        let dir = try Self.scratch()
        let other = dir + "/other.safetensors"
        var small = TrainingTests.config(steps: 1)
        _ = try TrainingTests.losses(small, save: other)
        small.model.width = 48
        small.save = dir + "/run.safetensors"
        let log = try #require(small.paths?.metricsLog)
        try "line 1\nline 2\n".write(toFile: log, atomically: true, encoding: .utf8)
        #expect(throws: QScopeError.self) {
            _ = try RunSession.start(id: 0, spec: small, corpus: TrainingTests.corpus, board: RunBoard(),
                                     resume: try StoredRun(path: other))
        }
        #expect(try String(contentsOfFile: log, encoding: .utf8) == "line 1\nline 2\n")
    }
}
