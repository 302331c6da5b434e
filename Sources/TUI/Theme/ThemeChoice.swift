import Core
import Foundation

/// Which theme the user asked for.
public enum ThemeChoice: Equatable, Sendable {
    /// The compiled-in default.
    case builtIn
    /// `<name>.theme`, looked up in `$XDG_CONFIG_HOME/qscope/themes` (or
    /// `~/.config/qscope/themes`), then `./themes`, then among the compiled-in themes.
    case named(String)
    /// A theme file at an explicit path.
    case file(String)

    /// `--theme`'s value: a path when it looks like one (has a `/` or ends in `.theme`),
    /// else a name.
    public init(argument: String) {
        self = argument.hasSuffix(".theme") || argument.contains("/") ? .file(argument) : .named(argument)
    }
}

extension Theme {
    /// The theme for `choice`, or the default one plus a message saying why the choice could
    /// not be used: a broken theme should cost the user colours, never the dashboard.
    public static func resolve(_ choice: ThemeChoice,
                               environment: [String: String]) -> (theme: Theme, problem: String?) {
        do {
            switch choice {
            case .builtIn:
                return (.builtIn, nil)
            case .file(let path):
                return (try load(path: path), nil)
            case .named(let name):
                let fileManager = FileManager.default
                if let path = searchDirectories(environment: environment).map({ "\($0)/\(name).theme" })
                    .first(where: { fileManager.fileExists(atPath: $0) }) {
                    return (try load(path: path), nil)
                }
                if let builtIn = builtIns.first(where: { $0.name == name }) { return (builtIn.theme, nil) }
                throw QScopeError.badInput("no theme named `\(name)` (available: "
                    + "\(availableNames(environment: environment).joined(separator: ", ")))")
            }
        } catch {
            return (.builtIn, "\(error); using the default theme")
        }
    }

    /// Every theme name `--theme` accepts: the compiled-in ones, then those of the `.theme`
    /// files in the theme directories.
    public static func availableNames(environment: [String: String]) -> [String] {
        let fileManager = FileManager.default
        let fromFiles = searchDirectories(environment: environment)
            .flatMap { (try? fileManager.contentsOfDirectory(atPath: $0)) ?? [] }
            .filter { $0.hasSuffix(".theme") }
            .map { String($0.dropLast(".theme".count)) }
        var names = builtIns.map(\.name)
        for name in fromFiles.sorted() where !names.contains(name) { names.append(name) }
        return names
    }

    private static func searchDirectories(environment: [String: String]) -> [String] {
        var directories: [String] = []
        if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty {
            directories.append("\(xdg)/qscope/themes")
        } else if let home = environment["HOME"], !home.isEmpty {
            directories.append("\(home)/.config/qscope/themes")
        }
        directories.append("themes")
        return directories
    }
}
