import ArgumentParser
import Core
import TUI

/// `qscope models`: the named sizes and their parameter counts.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models", abstract: "List the model sizes and their parameter counts.")

    @Flag(help: "One JSON object per size.")
    var json = false

    func run() throws {
        if !json {
            Output.line("name   width  layers  heads  kv  params              non-embedding")
        }
        for m in ModelConfig.sizes {
            if json {
                Output.line(JSONLine.encode([
                    ("name", .string(m.name)), ("width", .int(m.width)), ("layers", .int(m.layers)),
                    ("heads", .int(m.heads)), ("kv_heads", .int(m.kvHeads)), ("params", .int(m.parameterCount)),
                    ("params_non_embedding", .int(m.nonEmbeddingParameterCount)),
                ]))
            } else {
                let params = "\(m.parameterCount) (\(Format.count(Double(m.parameterCount))))"
                let nonEmbedding = "\(m.nonEmbeddingParameterCount) (\(Format.count(Double(m.nonEmbeddingParameterCount))))"
                Output.line([Format.pad(m.name, to: 6), Format.pad(String(m.width), to: 6),
                             Format.pad(String(m.layers), to: 7), Format.pad(String(m.heads), to: 6),
                             Format.pad(String(m.kvHeads), to: 3), Format.pad(params, to: 19), nonEmbedding]
                    .joined(separator: " "))
            }
        }
    }
}
