import ArgumentParser
import Analysis
import Core
import Foundation

/// `qscope allocate CKPT --avg-bits B`: a per-layer bit allocation under an average-bits budget,
/// by four strategies side by side, each plan measured (docs/quantization.md §11).
struct AllocateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allocate",
        abstract: "Choose per-layer bits under an average-bits budget (uniform, measured, abc, hawq) and write the best plan.")

    @Argument(help: "A checkpoint written by qscope (safetensors).")
    var checkpoint: String

    @Option(name: .customLong("avg-bits"), help: "The budget: average bits per weight (and per input) over the block linears.")
    var averageBits: Double

    @Option(help: "Weight method of the allocated layers: rtn or gptq (inputs are always RTN per token).")
    var method = "rtn"

    @Option(help: "Widths a layer may take, comma-separated, 2–8.")
    var menu = "2,3,4,6,8"

    @Option(help: "Budgets for the table, comma-separated (default: --avg-bits ± 0.5 and ± 1 within the menu).")
    var budgets: String?

    @Option(help: "Strategies, comma-separated: uniform, measured, abc, hawq.")
    var strategies = "uniform,measured,abc,hawq"

    @Option(help: "Where the best plan at --avg-bits goes (default: next to the checkpoint, <name>.plan.toml).")
    var out: String?

    @OptionGroup var measurement: PlanMeasurementOptions

    @OptionGroup var data: DataOptions

    @Flag(help: "One JSON object per plan, then a summary with \"summary\": true.")
    var json = false

    func run() throws {
        try measurement.validate()
        let widths = try Self.list(menu, "--menu") { Int($0) }
        let method = try QuantMethod(named: self.method)
        let chosen = try strategies.split(separator: ",").map { try AllocationStrategy(named: String($0)) }
        guard averageBits.isFinite else { throw QScopeError.badInput("--avg-bits must be a number") }
        let file = try Safetensors.read(path: checkpoint)
        let spec = try Checkpoint.spec(of: file, path: checkpoint)
        let allocator = try BitAllocator(menu: widths, method: method, layout: ParameterLayout(config: spec.model),
                                         config: spec.model)
        let table = try tableBudgets(allocator)
        _ = try allocator.allocate(.uniform, averageBits: averageBits, sensitivity: nil)
        BLAS.useEveryCore()
        let evaluator = try measurement.evaluator(file: file, path: checkpoint, corpus: try Corpus.named(data.corpus))
        let start = Date()
        let result = try evaluator.allocationTable(allocator: allocator, budgets: table, strategies: chosen) { message in
            if !json { FileHandle.standardError.write(Data(("  " + message + "\n").utf8)) }
        }
        let best = result.best(at: averageBits)!
        let path = out ?? (checkpoint.hasSuffix(".safetensors") ? String(checkpoint.dropLast(12)) : checkpoint) + ".plan.toml"
        let header = ["qscope allocate \(checkpoint) --avg-bits \(averageBits) --method \(method)",
                      "best of \(chosen.map(\.rawValue).joined(separator: ", ")) at \(averageBits) bits: \(best.strategy)"
                      + String(format: ", val loss %.4f (%+.4f)", best.evaluation.quantizedLoss, best.evaluation.increase)]
        try AtomicFile.write(Data(best.evaluation.plan.plan.tomlText(header: header).utf8), to: path)
        print(result, best: best, path: path, seconds: Date().timeIntervalSince(start))
    }

    /// The table's budgets: the flag's, or --avg-bits and its neighbours within the menu.
    private func tableBudgets(_ allocator: BitAllocator) throws -> [Double] {
        let low = Double(allocator.menu.first!), high = Double(allocator.menu.last!)
        let offsets: [Double] = [-1, -0.5, 0, 0.5, 1]
        let around = offsets.map { averageBits + $0 }.filter { $0 >= low && $0 <= high }
        var list: [Double] = try budgets.map { try Self.list($0, "--budgets") { Double($0) } } ?? around
        list.append(averageBits)
        return Array(Set(list)).sorted()
    }

    private func print(_ table: AllocationTable, best: AllocationTable.Row, path: String, seconds: Double) {
        if json {
            for row in table.rows {
                Output.line(JSONLine.encode([("strategy", .string(row.strategy.rawValue)), ("budget", .double(row.budget))]
                    + PlanReport.fields(row.evaluation)))
            }
            Output.line(JSONLine.encode([
                ("summary", .bool(true)), ("budget", .double(averageBits)), ("best", .string(best.strategy.rawValue)),
                ("increase", .double(best.evaluation.increase)), ("plan", .string(path)), ("seconds", .double(seconds)),
            ]))
            return
        }
        Output.line("budget  strategy   W bits  A bits   val loss   increase   R logits   output KL")
        for row in table.rows.sorted(by: { ($0.budget, $0.strategy.rawValue) < ($1.budget, $1.strategy.rawValue) }) {
            let e = row.evaluation
            Output.line(String(format: "%6.2f  ", row.budget) + row.strategy.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
                        + String(format: "  %6.2f  %6.2f  %9.4f  %+9.4f  %.3e  ", e.footprint.averageWeightBits,
                                 e.footprint.averageActivationBits, e.quantizedLoss, e.increase, e.propagation.outputError)
                        + (e.propagation.outputKL.map { String(format: "%.3e", $0) } ?? "n/a"))
        }
        Output.line(String(format: "full precision val loss %.4f", best.evaluation.fullPrecisionLoss))
        Output.line(String(format: "best at %.2f bits: %@ (%+.4f); plan written to %@ (%.1f s)", averageBits,
                           best.strategy.rawValue, best.evaluation.increase, path, seconds))
    }

    /// `text` split at commas, each parsed by `parse`; anything unparsable is bad input.
    private static func list<T>(_ text: String, _ flag: String, _ parse: (String) -> T?) throws -> [T] {
        let values = text.split(separator: ",").map { parse($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil }) else {
            throw QScopeError.badInput("\(flag) must be a comma-separated list of numbers (got '\(text)')")
        }
        return values.map { $0! }
    }
}
