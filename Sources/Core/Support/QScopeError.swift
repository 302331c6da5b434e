/// The one error family of qscope: every case carries a message written for the user.
///
/// `badInput` is the user's to fix (a missing corpus, a malformed file, an unknown name) and maps
/// to exit code 2; `runtime` is a failure while working (I/O, a numerical breakdown) and maps to 1.
public enum QScopeError: Error, CustomStringConvertible, Equatable, Sendable {
    case badInput(String)
    case runtime(String)

    public var description: String {
        switch self {
        case .badInput(let message), .runtime(let message): return message
        }
    }

    /// The process exit code the CLI uses for this error.
    public var exitCode: Int32 {
        switch self {
        case .badInput: return 2
        case .runtime: return 1
        }
    }
}
