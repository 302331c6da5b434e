/// Where a saved run's files go, all named after its checkpoint: the one function that names
/// them, so a writer and a reader never disagree.
public struct RunPaths: Sendable, Equatable {
    /// `runs/adamw-tiny.safetensors`: the run's checkpoint at its end (or when stopped).
    public let checkpoint: String
    /// `runs/adamw-tiny.metrics.jsonl`: the log `qscope watch` follows.
    public let metricsLog: String
    /// `runs/adamw-tiny.at-1.8.safetensors`: the first checkpoint below the common loss.
    public let commonLoss: String?
    private let stem: String

    /// `runs/adamw-tiny.step-120.safetensors`: the parameters at the evaluation of `step`.
    public func evalSnapshot(step: Int) -> String { "\(stem).step-\(step).safetensors" }

    public init(checkpoint: String, saveAtLoss: Double? = nil) {
        self.checkpoint = checkpoint
        let stem = Self.stem(checkpoint)
        self.stem = stem
        metricsLog = stem + MetricsLog.suffix
        commonLoss = saveAtLoss.map { "\(stem).at-\($0).safetensors" }
    }

    /// The file a run of `spec` is saved to inside `directory`: `adamw-tiny.safetensors`, with
    /// `-qat` for a QAT run and `-run<id>` when given (the dashboard's later runs).
    public static func checkpoint(in directory: String, for spec: RunSpec, runID: Int? = nil) -> String {
        let file = "\(spec.optimizer)-\(component(spec.model.name))\(spec.qat == nil ? "" : "-qat")"
            + (runID.map { "-run\($0)" } ?? "") + ".safetensors"
        return directory.isEmpty || directory == "." ? file : (directory.hasSuffix("/") ? directory : directory + "/") + file
    }

    /// `name` as one safe path component: letters, digits, `-`, `_` and inner dots only, so a
    /// name read from a file (`x/../../etc`) can never leave the directory.
    static func component(_ name: String) -> String {
        let kept = String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) ? $0 : "_" })
        let trimmed = kept.drop { $0 == "." }
        return trimmed.isEmpty ? "model" : String(trimmed.prefix(64))
    }

    private static func stem(_ path: String) -> String {
        path.hasSuffix(".safetensors") ? String(path.dropLast(".safetensors".count)) : path
    }
}
