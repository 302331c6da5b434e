import Core

/// Short run names for column headers, where a full name like "adamw-qat/tiny" is too wide.
enum RunLabel {
    /// The run's optimizer, with " qat" for a quantization-aware run; the full name when
    /// another of `runs` would get the same label (say, the same optimizer on two models).
    static func short(_ run: RunSnapshot, among runs: [RunSnapshot]) -> String {
        func label(_ run: RunSnapshot) -> String {
            let name = run.optimizer?.rawValue ?? run.name
            return run.qat == nil ? name : name + " qat"
        }
        let mine = label(run)
        return runs.contains { $0.id != run.id && label($0) == mine } ? run.name : mine
    }
}
