import Core
import Foundation
import TOMLKit

/// A run configuration file in TOML: the run flags of `train` and the dashboard by their
/// snake_case names, an optional `[hyper]` table (the optimizer's reference names, as
/// `--hyper`) and an optional `[qat]` table (`method`, `bits`, `act_bits`).
///
///     optimizer = "muon"          # or "all"
///     model = "s"
///     steps = 2000
///     save = "runs/muon-s.safetensors"
///     [hyper]
///     momentum = 0.95
///     [qat]
///     method = "quest"
///
/// The file becomes flags placed before the command line's own, so a flag given on the
/// command line wins (ArgumentParser keeps an option's last value). Unknown keys and values
/// of the wrong type are bad input, named with the file.
enum RunConfigFile {
    /// TOML key → flag, for the plain keys.
    static let flags: [String: String] = [
        "optimizer": "--optimizer", "model": "--model", "steps": "--steps", "lr": "--lr", "batch": "--batch",
        "seq": "--seq", "seed": "--seed", "corpus": "--corpus", "schedule": "--schedule",
        "weight_decay": "--weight-decay", "eval_every": "--eval-every", "eval_batches": "--eval-batches",
        "log_every": "--log-every", "threads": "--threads", "save": "--save", "save_at_loss": "--save-at-loss",
        "stats_every": "--stats-every",
    ]
    static let qatFlags = ["method": "--qat", "bits": "--bits", "act_bits": "--act-bits"]

    /// `arguments` with every `--config FILE` replaced by the flags the file sets, placed
    /// before the rest (after the subcommand's name, if the first argument is one).
    static func expand(_ arguments: [String], subcommands: Set<String>) throws -> [String] {
        var rest: [String] = [], fromFiles: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--config" || argument.hasPrefix("--config=") {
                let path: String
                if argument == "--config" {
                    guard index + 1 < arguments.count else { throw QScopeError.badInput("--config needs a file") }
                    path = arguments[index + 1]
                    index += 1
                } else {
                    path = String(argument.dropFirst("--config=".count))
                }
                fromFiles += try flags(fromFile: path)
            } else {
                rest.append(argument)
            }
            index += 1
        }
        guard !fromFiles.isEmpty else { return rest }
        let head = rest.first.map { subcommands.contains($0) } == true ? [rest.removeFirst()] : []
        return head + fromFiles + rest
    }

    /// The flags `path` sets.
    static func flags(fromFile path: String) throws -> [String] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw QScopeError.badInput("config file not found: \(path)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw QScopeError.badInput("\(path) is not UTF-8 text (a run configuration is TOML)")
        }
        return try flags(fromTOML: text, path: path)
    }

    /// The flags a TOML document sets; `path` names it in errors.
    static func flags(fromTOML text: String, path: String) throws -> [String] {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw QScopeError.badInput("\(path):\(error.source.begin.line): \(error.description)")
        }
        var result: [String] = []
        for key in table.keys.sorted() {
            let value = table[key]!
            switch key {
            case "hyper":
                guard let hyper = value.table else { throw typeError(path, key, "a table of hyperparameters") }
                for name in hyper.keys.sorted() {
                    result += ["--hyper", "\(name)=\(try scalar(hyper[name]!, path: path, key: "hyper.\(name)", lists: true))"]
                }
            case "qat":
                if let method = value.string {
                    result += ["--qat", method]
                    continue
                }
                guard let qat = value.table else { throw typeError(path, key, "a method name or a [qat] table") }
                for name in qat.keys.sorted() {
                    guard let flag = qatFlags[name] else { throw unknownKey(path, "qat.\(name)", known: qatFlags.keys) }
                    result += [flag, try scalar(qat[name]!, path: path, key: "qat.\(name)", lists: false)]
                }
            default:
                guard let flag = flags[key] else { throw unknownKey(path, key, known: flags.keys + ["hyper", "qat"]) }
                result += [flag, try scalar(value, path: path, key: key, lists: false)]
            }
        }
        return result
    }

    /// A string, number or boolean as the command line writes it; a list of numbers as
    /// "a,b,c" where `lists` allows (hyperparameters such as `betas`).
    private static func scalar(_ value: TOMLValueConvertible, path: String, key: String, lists: Bool) throws -> String {
        if let string = value.string { return string }
        if let bool = value.bool { return bool ? "true" : "false" }
        if let int = value.int { return String(int) }
        if let double = value.double { return "\(double)" }
        if lists, let array = value.array {
            let numbers = array.map { $0.double ?? $0.int.map(Double.init) }
            guard !numbers.contains(nil) else { throw typeError(path, key, "a list of numbers") }
            return numbers.map { "\($0!)" }.joined(separator: ",")
        }
        throw typeError(path, key, lists ? "a string, number, boolean or list of numbers" : "a string, number or boolean")
    }

    private static func typeError(_ path: String, _ key: String, _ expected: String) -> QScopeError {
        .badInput("\(path): \(key) must be \(expected)")
    }

    private static func unknownKey(_ path: String, _ key: String, known: some Sequence<String>) -> QScopeError {
        .badInput("\(path): unknown key '\(key)' (known: \(known.sorted().joined(separator: ", ")))")
    }
}
