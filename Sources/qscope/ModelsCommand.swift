import ArgumentParser
import Core

/// `qscope models`: the named sizes and their parameter counts.
struct ModelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models", abstract: "List the model sizes and their parameter counts.")

    @Flag(help: "One JSON object per size.")
    var json = false

    func run() throws {
        if !json {
            Output.line("name   width  layers  heads  kv  params      non-embedding")
        }
        for m in ModelConfig.sizes {
            if json {
                Output.line(JSONLine.encode([
                    ("name", .string(m.name)), ("width", .int(m.width)), ("layers", .int(m.layers)),
                    ("heads", .int(m.heads)), ("kv_heads", .int(m.kvHeads)), ("params", .int(m.parameterCount)),
                    ("params_non_embedding", .int(m.nonEmbeddingParameterCount)),
                ]))
            } else {
                let cols = [m.name.padding(6), String(m.width).padding(6), String(m.layers).padding(7),
                            String(m.heads).padding(6), String(m.kvHeads).padding(3),
                            "\(m.parameterCount) (\(Format.count(m.parameterCount)))".padding(11),
                            "\(m.nonEmbeddingParameterCount) (\(Format.count(m.nonEmbeddingParameterCount)))"]
                Output.line(cols.joined(separator: " "))
            }
        }
    }
}

extension String {
    /// Left-aligned in a field of `width` characters.
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
