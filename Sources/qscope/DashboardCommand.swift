import ArgumentParser
import Core
import Foundation

/// The default command: the live dashboard, training on a background thread.
struct DashboardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard", abstract: "Open the live dashboard and train (the default command).")

    @OptionGroup var options: RunOptions

    func run() throws {
        throw QScopeError.runtime("the dashboard is not wired yet")
    }
}
