import Foundation

/// Replays an optimizer on one matrix, step by step: the engine of `qscope optim-replay` and of
/// the golden-vector tests.
///
/// Input: `{"optimizer": NAME, "hyper": {...}, "param": [[...]], "grads": [[[...]], ...]}`; the
/// parameter is treated as a hidden matrix. Output: the parameter after each step.
public struct OptimizerReplay: Sendable, Decodable {
    public let optimizer: OptimizerKind
    public let hyper: Hyper
    public let param: [[Double]]
    public let grads: [[[Double]]]

    private enum CodingKeys: String, CodingKey { case optimizer, hyper, param, grads }

    /// `hyper` may be left out (every key then takes the reference default).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        optimizer = try c.decode(OptimizerKind.self, forKey: .optimizer)
        hyper = try c.decodeIfPresent(Hyper.self, forKey: .hyper) ?? Hyper()
        param = try c.decode([[Double]].self, forKey: .param)
        grads = try c.decode([[[Double]]].self, forKey: .grads)
    }

    public init(optimizer: OptimizerKind, hyper: Hyper, param: [[Double]], grads: [[[Double]]]) {
        self.optimizer = optimizer
        self.hyper = hyper
        self.param = param
        self.grads = grads
    }

    /// Parses a replay file; malformed JSON or shapes are `badInput`.
    public static func load(path: String) throws -> OptimizerReplay {
        let data = try TextFile.read(path, limit: 1 << 28, what: "replay file")
        do {
            return try JSONDecoder().decode(OptimizerReplay.self, from: data)
        } catch {
            throw QScopeError.badInput("\(path) is not a valid replay file: \(Self.describe(error))")
        }
    }

    private static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted(let context): return context.debugDescription
        case let error as QScopeError: return error.description
        default: return "\(error)"
        }
    }

    /// The parameter after each step, as rows.
    public func run() throws -> [[[Double]]] {
        let rows = param.count, cols = param.first?.count ?? 0
        guard rows > 0, cols > 0, param.allSatisfy({ $0.count == cols }) else {
            throw QScopeError.badInput("param must be a non-empty matrix with rows of equal length")
        }
        for (i, g) in grads.enumerated() where g.count != rows || !g.allSatisfy({ $0.count == cols }) {
            throw QScopeError.badInput("grads[\(i)] must have the shape of param (\(rows)×\(cols))")
        }
        let layout = ParameterLayout(tensors: [(name: "param", role: .hidden, shape: [rows, cols])])
        let opt = try optimizer.make(layout: layout, hyper: hyper)
        let lr = try hyper.float("lr", default: optimizer.referenceLearningRate)
        let p = Tensor(shape: [rows, cols], values: param.flatMap { $0.map(Float.init) })
        let g = Tensor(shape: [rows, cols])
        var out: [[[Double]]] = []
        for grad in grads {
            for (i, v) in grad.joined().enumerated() { g[i] = Float(v) }
            opt.step(parameters: p, gradients: g, baseLR: lr, factor: 1)
            out.append((0..<rows).map { r in (0..<cols).map { Double(p[r * cols + $0]) } })
        }
        return out
    }
}
