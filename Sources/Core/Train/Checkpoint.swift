import Foundation

/// A saved run: parameters, optimizer state, and where training stood.
///
/// Stored as safetensors: parameters under their layout names, optimizer state under
/// `optim.<parameter>.<slot>`, and the run in `__metadata__` (`qscope.config`: its `RunSpec` as
/// JSON; `qscope.step`, `qscope.tokens`, `qscope.elapsed`).
public enum Checkpoint {
    public struct Position: Sendable, Equatable {
        public var step: Int
        public var tokens: Int
        public var elapsed: Double
    }

    /// Writes the run at `position` to `path` atomically; without `optimizer`, parameters only
    /// (a snapshot to evaluate, not to resume).
    public static func save(path: String, spec: RunSpec, layout: ParameterLayout, parameters: Tensor,
                            optimizer: Optimizer?, position: Position) throws {
        var entries = layout.parameters.map {
            Safetensors.Entry(name: $0.name, shape: $0.shape,
                              values: UnsafeBufferPointer(start: parameters.data + $0.offset, count: $0.count))
        }
        for (name, tensor) in optimizer?.namedStateTensors ?? [] {
            entries.append(Safetensors.Entry(name: name, shape: tensor.shape, values: UnsafeBufferPointer(tensor.buffer)))
        }
        let metadata = [
            "format": "pt", "qscope.config": try spec.json(), "qscope.step": String(position.step),
            "qscope.tokens": String(position.tokens), "qscope.elapsed": String(position.elapsed),
        ]
        try Safetensors.write(entries, metadata: metadata, to: path)
    }

    /// The run specification stored in a checkpoint, validated: a crafted one (a 2-token
    /// vocabulary, a batch of 10⁹) is refused before anything is allocated for it.
    public static func spec(of file: Safetensors.File, path: String) throws -> RunSpec {
        guard let json = file.metadata["qscope.config"] else {
            throw QScopeError.badInput("\(path) has no qscope run configuration; was it written by qscope?")
        }
        let spec = try RunSpec.decode(json: json, source: path)
        do {
            try spec.validate()
        } catch let error as RunSpecError {
            throw QScopeError.badInput("\(path): the stored run is impossible: \(error.description)")
        }
        return spec
    }

    /// Copies the parameters in `layout` from `file`; every tensor must be present with its shape.
    public static func loadParameters(_ file: Safetensors.File, path: String, layout: ParameterLayout,
                                      into parameters: Tensor) throws {
        for p in layout.parameters {
            try copy(file, path: path, p.name, shape: p.shape, into: parameters.data + p.offset)
        }
        guard Kernels.allFinite(parameters.data, count: parameters.count) else {
            throw QScopeError.badInput(
                "\(path) holds non-finite parameters (a diverged run?); nothing can be measured or continued from it")
        }
    }

    private static func copy(_ file: Safetensors.File, path: String, _ name: String, shape: [Int],
                             into destination: UnsafeMutablePointer<Float>) throws {
        guard let entry = file.tensors[name] else {
            throw QScopeError.badInput("\(path) lacks tensor \(name)")
        }
        guard entry.shape == shape else {
            throw QScopeError.badInput("\(path): \(name) has shape \(entry.shape), expected \(shape)")
        }
        entry.values.withUnsafeBufferPointer { destination.update(from: $0.baseAddress!, count: $0.count) }
    }

    /// Copies parameters and optimizer state from `file` into `parameters` and `optimizer`; every
    /// tensor must be present with the right shape.
    public static func restore(_ file: Safetensors.File, path: String, layout: ParameterLayout,
                               parameters: Tensor, optimizer: Optimizer) throws -> Position {
        try loadParameters(file, path: path, layout: layout, into: parameters)
        for (name, tensor) in optimizer.namedStateTensors {
            try copy(file, path: path, name, shape: tensor.shape, into: tensor.data)
        }
        let step = Int(file.metadata["qscope.step"] ?? "") ?? 0
        let tokens = Int(file.metadata["qscope.tokens"] ?? "") ?? 0
        let elapsed = Double(file.metadata["qscope.elapsed"] ?? "") ?? 0
        guard (0...(1 << 40)).contains(step), tokens >= 0, elapsed.isFinite, elapsed >= 0 else {
            throw QScopeError.badInput(
                "\(path): the stored position (step \(step), tokens \(tokens), \(elapsed) s) is not possible")
        }
        optimizer.setStepCount(step)
        return Position(step: step, tokens: tokens, elapsed: elapsed)
    }
}

/// A checkpoint opened for resuming or re-creating its run: the file and the run it stores.
public struct StoredRun: Sendable {
    public let path: String
    public let file: Safetensors.File
    public let spec: RunSpec

    /// Reads the checkpoint at `path` and its run specification.
    public init(path: String) throws {
        self.path = path
        file = try Safetensors.read(path: path)
        spec = try Checkpoint.spec(of: file, path: path)
    }
}
