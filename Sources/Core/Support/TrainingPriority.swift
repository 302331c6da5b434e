import Foundation
import Synchronization

extension CPU {
    private static let trainingNiceness = Atomic<Int32>(0)

    /// The nice value training threads take (0, the default, leaves them alone). The dashboard
    /// sets 5, so its UI and its Quantize worker (at 0) come first when they need a core, and
    /// training still has every cycle they leave: a measurement on `s` took 2.4 times as long
    /// while its trainer held both cores at the same priority (docs/dashboard.md §10.2).
    public static var trainingNice: Int32 {
        get { trainingNiceness.load(ordering: .relaxed) }
        set { trainingNiceness.store(newValue, ordering: .relaxed) }
    }

    /// Gives the calling thread `trainingNice`; nothing when it is 0. On Linux the nice value
    /// belongs to the thread, so trainer threads and the Dispatch workers running their shards
    /// call this, as they set their denormal mode. Lowering one's own priority needs no
    /// privilege (raising it back would), so this only ever lowers.
    public static func applyTrainingPriority() {
        let nice = trainingNiceness.load(ordering: .relaxed)
        guard nice > 0 else { return }
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice)
    }
}
