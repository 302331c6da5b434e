import Core
import Foundation

/// Which theme the user asked for.
public enum ThemeChoice: Equatable, Sendable {
    /// The compiled-in default.
    case builtIn
    /// `<name>.theme`, looked up in `$XDG_CONFIG_HOME/qscope/themes` (or
    /// `~/.config/qscope/themes`), then `./themes`.
    case named(String)
    /// A theme file at an explicit path.
    case file(String)
}

extension Theme {
    /// The theme for `choice`, or the built-in one plus a message saying why the choice could
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
                if let path = searchPaths(name: name, environment: environment)
                    .first(where: { fileManager.fileExists(atPath: $0) }) {
                    return (try load(path: path), nil)
                }
                if name == "default" { return (.builtIn, nil) }
                throw QScopeError.badInput("no theme named `\(name)` (looked for \(name).theme in "
                    + "\(searchDirectories(environment: environment).joined(separator: ", ")))")
            }
        } catch {
            return (.builtIn, "\(error); using the built-in theme")
        }
    }

    static func searchPaths(name: String, environment: [String: String]) -> [String] {
        searchDirectories(environment: environment).map { "\($0)/\(name).theme" }
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
