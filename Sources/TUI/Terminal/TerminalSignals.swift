import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Set by the signal handler, read by the UI loop. A lock-free atomic store is the only
/// thing the handler does, which keeps it async-signal-safe.
private let interruptReceived = Atomic<Bool>(false)

/// Ctrl-C (SIGINT), SIGTERM, SIGHUP (the terminal closed) and SIGUSR1 become a flag the main loop polls,
/// so the program stops its
/// trainers, saves and (in the dashboard) restores the terminal instead of dying mid-write; and
/// the signals the dashboard relies on are made deliverable to this thread.
///
/// Install it before ncurses starts: ncurses only adds its own SIGINT/SIGTERM handlers (which
/// exit without letting the caller save) when the signals still have their default action.
/// SIGWINCH is only unblocked, never handled here: ncurses' own handler turns it into
/// `KEY_RESIZE`, and an application handler would stop that.
public struct TerminalSignals {
    private let previousHandlers: [(signal: Int32, handler: sighandler_t?)]
    private var previousMask = sigset_t()

    /// Clears the flag, installs the handler and unblocks SIGINT, SIGTERM and SIGWINCH on the
    /// calling thread, remembering what it replaced.
    public static func install() -> TerminalSignals {
        interruptReceived.store(false, ordering: .relaxed)
        let handler: @convention(c) (Int32) -> Void = { _ in
            interruptReceived.store(true, ordering: .relaxed)
        }
        // SIGUSR1 is Slurm's warning before a time limit (`--signal=USR1@120`): save and stop too.
        var signals = TerminalSignals(previousHandlers: [SIGINT, SIGTERM, SIGHUP, SIGUSR1].map { ($0, signal($0, handler)) })
        // A blocked mask is inherited through fork and exec (libdispatch worker threads block
        // nearly everything, and a launcher may spawn us from one), which would silently
        // disable Ctrl-C and resizing.
        var wanted = sigset_t()
        sigemptyset(&wanted)
        for number in [SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGWINCH] { sigaddset(&wanted, number) }
        pthread_sigmask(SIG_UNBLOCK, &wanted, &signals.previousMask)
        return signals
    }

    public var interrupted: Bool { interruptReceived.load(ordering: .relaxed) }

    /// Puts back the handlers and the signal mask that were there before `install`.
    public func restore() {
        var mask = previousMask
        pthread_sigmask(SIG_SETMASK, &mask, nil)
        for (number, handler) in previousHandlers { signal(number, handler) }
    }
}
