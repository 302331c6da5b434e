import Analysis
import ArgumentParser
import Core
import Foundation
import Study
import TUI

/// `qscope study`: the paper's protocol (docs/analysis.md §10) from a spec or a preset, into a
/// run store that survives a kill, then the report.
struct StudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "Run the study as the paper did: learning-rate sweep, seeds, QAT, PTQ at the common loss, predictors, scaling laws, report.")

    @Option(help: "A study spec (TOML; see README). Default: --preset quick.")
    var spec: String?

    @Option(help: "A built-in study: \(StudyPreset.choices) (quick: under 30 minutes on two cores).")
    var preset: String?

    @Option(help: "The study's directory: its run store (study.sqlite), runs and report (default: study-<name>).")
    var dir: String?

    @Option(help: "Runs trained at once (default: one per core).")
    var parallel: Int?

    @Option(help: "Every run's matrix products: fp32 or bf16 (overrides the spec's `precision`).")
    var precision: String?

    @Flag(help: "JSON lines: one object per stage, run and measurement, then the report's path.")
    var json = false

    @OptionGroup(title: "Running on a cluster") var cluster: ClusterOptions

    @Argument(help: "The study's directory (the same as --dir).")
    var directory: String?

    func run() throws {
        guard spec == nil || preset == nil else { throw QScopeError.badInput("give --spec or --preset, not both") }
        guard dir == nil || self.directory == nil || dir == self.directory else {
            throw QScopeError.badInput("give the study's directory once (--dir or as the argument)")
        }
        var studySpec = try loadSpec()
        if let precision { studySpec.precision = try MatmulPrecision(named: precision) }
        try studySpec.validate()
        let directory = dir ?? self.directory ?? "study-\(studySpec.name)"
        if cluster.isSet {
            guard [cluster.emit != nil, cluster.task != nil, cluster.collect].filter({ $0 }).count == 1 else {
                throw QScopeError.badInput("give one of --emit, --task and --collect")
            }
            return try runCluster(studySpec, directory: directory)
        }
        let parallel = self.parallel ?? ProcessInfo.processInfo.activeProcessorCount
        guard parallel > 0 else { throw QScopeError.badInput("--parallel must be positive") }
        let plan = StudyPlan(spec: studySpec, directory: directory)
        announce(plan, parallel: parallel)
        let store = try RunStore(path: (directory as NSString).appendingPathComponent("study.sqlite"))
        let signals = TerminalSignals.install()
        defer { signals.restore() }
        let progress = StudyProgressView(json: json)
        let finished = try StudyRunner(plan: plan, store: store, parallel: parallel, interrupted: { signals.interrupted },
                                       onEvent: progress.show).run()
        progress.finish()
        guard finished else {
            throw QScopeError.runtime("interrupted; the store keeps what was done: run the same command to resume")
        }
        let report = (directory as NSString).appendingPathComponent("report")
        try StudyReport.write(try StudyResults.load(from: store)!, to: report)
        Output.line(json ? JSONLine.encode([("report", .string(report))])
                         : "report: " + (report as NSString).appendingPathComponent("report.md"))
    }

    private func loadSpec() throws -> StudySpec {
        if let spec, !spec.hasSuffix(".json") { return try TOMLFile(path: spec).decode(StudySpec.self) }
        if let path = spec ?? keptSpec {
            return try JSONDecoder().decode(StudySpec.self, from: try TextFile.read(path, limit: 1 << 20, what: "study spec"))
        }
        return try StudyPreset(named: preset ?? StudyPreset.quick.rawValue).spec
    }

    /// The spec `--emit` kept in the study's directory, which a cluster study's tasks and
    /// `--collect` read when no spec is given.
    private var keptSpec: String? {
        guard preset == nil, let directory = dir ?? directory else { return nil }
        let path = Self.clusterSpecPath(directory)
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// The plan in one line, and its estimated wall time from a measured throughput per size.
    private func announce(_ plan: StudyPlan, parallel: Int) {
        let rates = measuredThroughput(plan)
        let runs = plan.expectedRuns.count, seconds = plan.estimatedSeconds(tokensPerSecond: rates, parallel: parallel)
        let line = "study \(plan.spec.name): \(plan.spec.sizes.count) sizes × \(plan.spec.optimizers.count) optimizers, "
            + "\(plan.spec.lr.points)-point sweep, \(plan.spec.seeds.count) seeds, QAT \(plan.spec.qat.enabled ? "on" : "off"), "
            + "\(plan.spec.precision) products: "
            + "about \(runs) runs, estimated \(Format.duration(seconds)) on \(parallel) at a time (\(CPU.modelName))"
        if json {
            Output.line(JSONLine.encode([("study", .string(plan.spec.name)), ("runs", .int(runs)),
                                         ("estimated_s", .double(seconds)), ("directory", .string(plan.directory))]))
        } else {
            Output.line(line)
        }
    }
}

/// `qscope report STORE`: the report of a study's store, written anew.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Write a study's report (report.md, CSV, JSON, SVG figures) from its run store.")

    @Argument(help: "The study's store (study.sqlite) or its directory.")
    var store: String

    @Option(help: "Where to write the report (default: <study directory>/report).")
    var out: String?

    func run() throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: store, isDirectory: &isDirectory) else {
            throw QScopeError.badInput("no such study store: \(store)")
        }
        let path = isDirectory.boolValue ? (store as NSString).appendingPathComponent("study.sqlite") : store
        guard FileManager.default.fileExists(atPath: path) else { throw QScopeError.badInput("no study.sqlite in \(store)") }
        let runStore = try RunStore(path: path)
        guard let spec = try runStore.spec() else { throw QScopeError.badInput("\(path) holds no study") }
        guard var results = try StudyResults.load(from: runStore) ?? (try? StudyResults.compute(from: runStore, spec: spec))
        else { throw QScopeError.runtime("\(path): the study has not finished its measurements yet") }
        // Results stored before they recorded the precision: the store's spec says it.
        results.precision = StudyResults.recorded(spec.precision)
        let directory = out ?? ((path as NSString).deletingLastPathComponent as NSString).appendingPathComponent("report")
        try StudyReport.write(results, to: directory)
        Output.line("report: " + (directory as NSString).appendingPathComponent("report.md"))
    }
}
