import Core
import Foundation
import TOMLKit

/// A TOML run file (`--config run.toml`): the run flags by their snake_case names, an optional
/// `[hyper]` table (the optimizer's reference names) and an optional `[qat]` table (`method`,
/// `bits`, `act_bits`), decoded straight into `RunOverrides`.
///
///     optimizer = "all"           # or one optimizer
///     model = "s"
///     steps = 2000
///     save = "runs/muon-s.safetensors"
///     [hyper]
///     momentum = 0.95
///     [qat]
///     method = "quest"
///
/// Flags on the command line override the file. Unknown keys, values of the wrong type and
/// syntax errors are bad input naming the file and line.
struct RunFile {
    let overrides: RunOverrides
    private let file: TOMLFile

    /// Reads and decodes the file at `path`.
    init(path: String) throws {
        try self.init(file: try TOMLFile(path: path))
    }

    /// Decodes `text`; `path` names it in errors.
    init(toml text: String, path: String) throws {
        try self.init(file: try TOMLFile(text: text, path: path))
    }

    private init(file: TOMLFile) throws {
        self.file = file
        for key in file.table.keys.sorted() where !RunOverrides.keys.contains(key) {
            throw QScopeError.badInput("\(file.location(of: key))unknown key '\(key)' "
                                       + "(known: \(RunOverrides.keys.sorted().joined(separator: ", ")))")
        }
        if let qat = file.table["qat"]?.table {
            let known = ["method", "bits", "act_bits"]
            for key in qat.keys.sorted() where !known.contains(key) {
                throw QScopeError.badInput("\(file.location(of: "qat.\(key)"))unknown key 'qat.\(key)' "
                                           + "(known: \(known.map { "qat.\($0)" }.joined(separator: ", ")))")
            }
        }
        overrides = try file.decode(RunOverrides.self)
    }

    /// `path:line: ` for `key` (a dotted key for tables), or `path: ` when the line is not found.
    func location(of key: String) -> String { file.location(of: key) }
}
