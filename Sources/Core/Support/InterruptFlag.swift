#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Set by SIGINT/SIGTERM; stored from the signal handler, which may only touch lock-free atomics.
private let interruptRaised = Atomic<Bool>(false)

/// Turns Ctrl-C (and SIGTERM) into a flag the main loop polls, so the program can stop its
/// trainers, save and restore the terminal instead of dying mid-write.
public struct InterruptFlag: Sendable {
    /// Installs the handlers (idempotent) and returns the flag.
    public static func install() -> InterruptFlag {
        let handler: @convention(c) (Int32) -> Void = { _ in
            interruptRaised.store(true, ordering: .relaxed)
        }
        signal(SIGINT, handler)
        signal(SIGTERM, handler)
        return InterruptFlag()
    }

    public var isSet: Bool { interruptRaised.load(ordering: .relaxed) }
}
