import Core
import Foundation

/// Resources each Slurm task asks for: the spec's `[slurm]` table, then flags.
public struct SlurmSettings: Sendable, Equatable, Codable {
    public var partition: String?
    public var account: String?
    /// Cores per task; default: the spec's `threads` (data-parallel shards per run).
    public var cpusPerTask: Int?
    /// Memory per task as sbatch takes it (`4G`); default: the largest run's estimate with headroom.
    public var mem: String?
    /// Time limit per task (`HH:MM:SS` or `D-HH:MM:SS`); default: estimated per stage.
    public var time: String?
    /// Extra `#SBATCH` lines, written as given (`--qos=long`, `--constraint=avx512`).
    public var sbatch: [String] = []

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case partition, account, mem, time, sbatch
        case cpusPerTask = "cpus_per_task"
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        partition = try c.decodeIfPresent(String.self, forKey: .partition)
        account = try c.decodeIfPresent(String.self, forKey: .account)
        cpusPerTask = try c.decodeIfPresent(Int.self, forKey: .cpusPerTask)
        mem = try c.decodeIfPresent(String.self, forKey: .mem)
        time = try c.decodeIfPresent(String.self, forKey: .time)
        sbatch = try c.decodeIfPresent([String].self, forKey: .sbatch) ?? []
    }

    /// These settings with every field `other` sets replacing this one's.
    public func overridden(by other: SlurmSettings) -> SlurmSettings {
        var out = self
        out.partition = other.partition ?? partition
        out.account = other.account ?? account
        out.cpusPerTask = other.cpusPerTask ?? cpusPerTask
        out.mem = other.mem ?? mem
        out.time = other.time ?? time
        out.sbatch = sbatch + other.sbatch
        return out
    }
}

/// The files `qscope study --emit slurm DIR` writes into DIR/slurm: the task table, one array
/// script per stage, and `submit.sh`, which chains them with `--dependency=afterok`.
public struct SlurmScripts {
    public let tasks: StudyTasks
    public let settings: SlurmSettings
    /// The qscope binary the tasks run (it must be on the cluster's shared filesystem).
    public let binary: String
    /// The spec file the tasks read, as written into the study's directory.
    public let specFile: String
    /// Measured single-run tokens/s per model size, for the time limits.
    public let tokensPerSecond: [String: Double]

    public init(tasks: StudyTasks, settings: SlurmSettings, binary: String, specFile: String,
                tokensPerSecond: [String: Double]) {
        (self.tasks, self.settings, self.binary, self.specFile) = (tasks, settings, binary, specFile)
        self.tokensPerSecond = tokensPerSecond
    }

    var directory: String { tasks.plan.directory }
    /// The stages that have tasks, each one array job.
    public var stages: [StudyTasks.Stage] { StudyTasks.Stage.allCases.filter { !tasks.range(of: $0).isEmpty } }
    var slurmDirectory: String { (directory as NSString).appendingPathComponent("slurm") }

    /// Writes the table, the stage scripts and `submit.sh`; returns the paths written.
    public func write() throws -> [String] {
        try FileManager.default.createDirectory(atPath: (slurmDirectory as NSString).appendingPathComponent("logs"),
                                                withIntermediateDirectories: true)
        var written: [String] = []
        func put(_ name: String, _ text: String, executable: Bool = false) throws {
            let path = (slurmDirectory as NSString).appendingPathComponent(name)
            try AtomicFile.write(Data(text.utf8), to: path)
            if executable { chmod(path, 0o755) }
            written.append(path)
        }
        try put("tasks.tsv", tasks.table)
        for stage in stages { try put("\(stage.rawValue).sbatch", script(for: stage), executable: true) }
        try put("submit.sh", submitScript(stages), executable: true)
        return written
    }

    /// One stage's array script: every task runs `qscope study --task N` headless; on USR1 (sent
    /// 120 s before the time limit) or TERM it saves its checkpoint and exits 3, and the script
    /// requeues it, so the task resumes under the same id.
    func script(for stage: StudyTasks.Stage) -> String {
        let range = tasks.range(of: stage)
        var lines = ["#!/bin/bash", "#SBATCH --job-name=qscope-\(tasks.plan.spec.name)-\(stage.rawValue)",
                     "#SBATCH --array=\(range.lowerBound)-\(range.upperBound - 1)",
                     "#SBATCH --cpus-per-task=\(settings.cpusPerTask ?? tasks.plan.spec.threads)",
                     "#SBATCH --mem=\(settings.mem ?? memory())",
                     "#SBATCH --time=\(settings.time ?? Self.duration(timeLimit(for: stage)))",
                     "#SBATCH --output=\(slurmDirectory)/logs/%A_%a.out",
                     "#SBATCH --signal=B:USR1@120", "#SBATCH --requeue"]
        if let partition = settings.partition { lines.append("#SBATCH --partition=\(partition)") }
        if let account = settings.account { lines.append("#SBATCH --account=\(account)") }
        lines += settings.sbatch.map { "#SBATCH \($0)" }
        lines += [
            "# Stage \(stage.rawValue) of study \(tasks.plan.spec.name): tasks \(range.lowerBound)–\(range.upperBound - 1) of slurm/tasks.tsv.",
            "\(Self.quoted(binary)) study --spec \(Self.quoted(specFile)) --dir \(Self.quoted(directory)) --task \"$SLURM_ARRAY_TASK_ID\" &",
            "child=$!",
            "trap 'kill -USR1 \"$child\" 2>/dev/null' USR1 TERM",
            "wait \"$child\"; status=$?",
            "# A trapped signal ends the first wait early: wait for qscope to save and exit.",
            "while kill -0 \"$child\" 2>/dev/null; do wait \"$child\"; status=$?; done",
            "if [ \"$status\" -eq 3 ]; then scontrol requeue \"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"; fi",
            "exit \"$status\"",
        ]
        return lines.joined(separator: "\n") + "\n"
    }

    func submitScript(_ stages: [StudyTasks.Stage]) -> String {
        var lines = ["#!/bin/bash", "# Submits study \(tasks.plan.spec.name): each stage's array starts when the previous one succeeded.",
                     "set -euo pipefail", "cd \(Self.quoted(slurmDirectory))", "previous=\"\""]
        for stage in stages {
            let variable = stage.rawValue.replacingOccurrences(of: "-", with: "_")
            lines.append("\(variable)=$(sbatch --parsable ${previous:+--dependency=afterok:$previous} \(stage.rawValue).sbatch)")
            lines.append("echo \"\(stage.rawValue): job $\(variable)\"")
            lines.append("previous=\"${\(variable)%%;*}\"")
        }
        lines.append("echo \"when they are done: \(Self.quoted(binary)) study --collect \(Self.quoted(directory))\"")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The largest run's estimated memory with 50% and 512 MB of headroom, at least 1 GB, in MB.
    func memory() -> String {
        let largest = tasks.plan.expectedRuns.map(\.spec.estimatedBytes).max() ?? 0
        return "\(max(1024, Int((largest * 1.5 / 1e6).rounded(.up)) + 512))M"
    }

    /// Twice the stage's longest run at the measured throughput (QAT at 0.85×) plus ten
    /// minutes; measurements get half the longest training run, at least 15 minutes.
    func timeLimit(for stage: StudyTasks.Stage) -> Double {
        func seconds(_ run: PlannedRun) -> Double { StudyPlan.trainingSeconds(run, tokensPerSecond: tokensPerSecond) }
        let runs = tasks.plan.expectedRuns
        switch stage {
        case .sweep: return 2 * (runs.filter { $0.stage == .sweep }.map(seconds).max() ?? 0) + 600
        case .followUps: return 2 * (runs.filter { $0.stage != .sweep }.map(seconds).max() ?? 0) + 600
        case .measure: return max(900, 0.5 * (runs.map(seconds).max() ?? 0))
        }
    }

    /// `D-HH:MM:SS`, rounded up to the minute.
    public static func duration(_ seconds: Double) -> String {
        let minutes = Int((seconds / 60).rounded(.up))
        let (days, hours, rest) = (minutes / 1440, minutes % 1440 / 60, minutes % 60)
        return String(format: "%d-%02d:%02d:00", days, hours, rest)
    }

    /// `text` as one shell word.
    static func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
