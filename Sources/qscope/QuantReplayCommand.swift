import ArgumentParser
import Core

/// `qscope quant-replay FILE.json`: runs one quantizer on one matrix, so anyone can check it
/// against their own reference.
struct QuantReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quant-replay",
        abstract: "Quantize and dequantize a matrix with RTN, GPTQ or QuEST and print the result.",
        discussion: """
            FILE holds {"method": "rtn"|"gptq"|"quest", "bits": B, "granularity": "row"|"tensor"|"group:G", \
            "symmetric": bool, "grid": "absmax"|"gptq", "weight": [[...]]}, plus for GPTQ "calib" (rows are \
            input samples), "percdamp", "blocksize", "groupsize", "act_order", and for QuEST \
            "hadamard_block" and "domain" ("hadamard"|"original"). Prints {"dequantized": [[...]]}.
            """)

    @Argument(help: "The replay file (JSON).")
    var file: String

    func run() throws {
        let rows = try QuantReplay.load(path: file).run()
        Output.line("{\"dequantized\":[" + rows.map { "[" + $0.map(JSONLine.number).joined(separator: ",") + "]" }
            .joined(separator: ",") + "]}")
    }
}
