import ArgumentParser
import Core
import Foundation
import Study
import TUI

/// `qscope study --emit slurm DIR`, `--task N` and `--collect DIR`: the study as Slurm array
/// jobs (README "Running on a cluster"; docs/analysis.md §11).
struct ClusterOptions: ParsableArguments {
    @Option(help: "Write the study as Slurm array jobs into the directory (task table, one sbatch script per stage, submit.sh): `slurm`.")
    var emit: String?

    @Option(help: "Run one task of the study's task table (what each Slurm array task does): train or measure one run, headless.")
    var task: Int?

    @Flag(help: "Gather the runs' files of a study run through --emit into its store (study.sqlite), then write the report.")
    var collect = false

    @Option(help: "Slurm partition for every task.")
    var partition: String?

    @Option(help: "Slurm account for every task.")
    var account: String?

    @Option(help: "Cores per task (default: the spec's threads).")
    var cpusPerTask: Int?

    @Option(help: "Memory per task, as sbatch takes it (e.g. 4G; default: estimated from the largest run).")
    var mem: String?

    @Option(help: "Time limit per task, as sbatch takes it (default: estimated per stage from measured throughput).")
    var time: String?

    @Option(help: "An extra #SBATCH line for every task (repeatable), e.g. --sbatch=--qos=long.")
    var sbatch: [String] = []

    @Option(help: "The qscope binary the tasks run (default: this one; it must be on the cluster's shared filesystem).")
    var qscope: String?

    var isSet: Bool { emit != nil || task != nil || collect }

    var settings: SlurmSettings {
        var s = SlurmSettings()
        (s.partition, s.account, s.cpusPerTask, s.mem, s.time, s.sbatch) = (partition, account, cpusPerTask, mem, time, sbatch)
        return s
    }
}

extension StudyCommand {
    /// The spec file a cluster study keeps in its directory, which every task reads.
    static func clusterSpecPath(_ directory: String) -> String {
        (directory as NSString).appendingPathComponent("study-spec.json")
    }

    func runCluster(_ spec: StudySpec, directory: String) throws {
        // Tasks start in whatever directory Slurm gives them: every path they see is absolute.
        let absolute = directory.hasPrefix("/") ? directory
            : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(directory)
        let plan = StudyPlan(spec: spec, directory: (absolute as NSString).standardizingPath)
        if let emit = cluster.emit {
            guard emit == "slurm" else { throw QScopeError.badInput("--emit takes `slurm` (got '\(emit)')") }
            return try emitSlurm(plan)
        }
        if let task = cluster.task { return try runTask(task, plan: plan) }
        try collectRuns(plan)
    }

    private func emitSlurm(_ plan: StudyPlan) throws {
        if let cpus = cluster.cpusPerTask, cpus < 1 { throw QScopeError.badInput("--cpus-per-task must be positive") }
        try FileManager.default.createDirectory(atPath: plan.directory, withIntermediateDirectories: true)
        let specFile = Self.clusterSpecPath(plan.directory)
        try AtomicFile.write(try JSONEncoder().encode(plan.spec), to: specFile)
        let binary = cluster.qscope ?? ((try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0])
        let scripts = SlurmScripts(tasks: StudyTasks(plan: plan), settings: (plan.spec.slurm ?? SlurmSettings()).overridden(by: cluster.settings),
                                   binary: binary, specFile: specFile, tokensPerSecond: measuredThroughput(plan))
        let written = try scripts.write()
        Output.line("study \(plan.spec.name): \(scripts.tasks.work.count) tasks in \(scripts.stages.count) stages; wrote "
                    + written.map { ($0 as NSString).lastPathComponent }.joined(separator: ", ") + " into "
                    + ((written.first ?? "") as NSString).deletingLastPathComponent)
        Output.line("submit: bash \((plan.directory as NSString).appendingPathComponent("slurm/submit.sh")); "
                    + "then: qscope study --collect \(plan.directory)")
    }

    private func runTask(_ index: Int, plan: StudyPlan) throws {
        let scratch = NSTemporaryDirectory() + "qscope-task-\(getpid())-\(UUID().uuidString).sqlite"
        let signals = TerminalSignals.install()
        let outcome = Result {
            try StudyRunner(plan: plan, store: try RunStore(path: scratch), parallel: 1,
                            interrupted: { signals.interrupted }).runTask(index)
        }
        signals.restore()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: scratch + suffix) }
        switch try outcome.get() {
        case .done(let what), .skipped(let what):
            Output.line("task \(index): \(what)")
        case .interrupted(let what):
            // Status 3 tells the array script to requeue the task (SlurmScripts).
            FileHandle.standardError.write(Data("qscope: task \(index): \(what)\n".utf8))
            Foundation.exit(3)
        }
    }

    private func collectRuns(_ plan: StudyPlan) throws {
        let store = try RunStore(path: (plan.directory as NSString).appendingPathComponent("study.sqlite"))
        let missing = try StudyRunner(plan: plan, store: store, parallel: 1).collect()
        guard missing.isEmpty else {
            throw QScopeError.runtime("\(missing.count) results are missing, first: \(missing[0]); "
                                      + "run their tasks (slurm/tasks.tsv), then collect again")
        }
        let report = (plan.directory as NSString).appendingPathComponent("report")
        try StudyReport.write(try StudyResults.load(from: store)!, to: report)
        Output.line("collected \(try store.plannedRuns().count) runs into \(store.path); report: "
                    + (report as NSString).appendingPathComponent("report.md"))
    }

    /// Single-run tokens/s per size, measured briefly, for the time limits.
    func measuredThroughput(_ plan: StudyPlan) -> [String: Double] {
        var rates: [String: Double] = [:]
        for size in plan.spec.sizes.map({ $0.model() }) {
            var probe = RunSpec(model: size)
            (probe.batch, probe.seq, probe.threads) = (plan.spec.batch, plan.spec.seq, plan.spec.threads)
            (probe.precision, probe.corpus) = (plan.spec.precision, plan.spec.corpus)
            rates[size.name] = (try? Benchmark.run(probe, warmup: 1, minSteps: 3, minSeconds: 0.2))?.tokensPerSecond
        }
        return rates
    }
}
