import Foundation

/// Spawn attributes for a child that starts with no signal blocked and the signals tests rely
/// on at their default action: test threads block nearly every signal, and a child (tmux, the
/// Slurm daemons, qscope under them) would otherwise inherit that and ignore Ctrl-C, TERM and
/// resizes.
enum SpawnAttributes {
    static func withCleanSignals<T>(_ body: (inout posix_spawnattr_t) throws -> T) rethrows -> T {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var signals = sigset_t()
        sigemptyset(&signals)
        posix_spawnattr_setsigmask(&attributes, &signals)
        for number in [SIGINT, SIGTERM, SIGWINCH, SIGCHLD, SIGPIPE, SIGUSR1] { sigaddset(&signals, number) }
        posix_spawnattr_setsigdefault(&attributes, &signals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        return try body(&attributes)
    }
}
