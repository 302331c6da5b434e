import Core
import Foundation
import Study
import Testing

/// Cluster mode without a cluster: the task table, the Slurm scripts, and every task run in
/// turn in-process and collected, against the same spec run as a local study.
@Suite("Study on a cluster: tasks, scripts, collect")
struct ClusterModeTests {
    /// 2 optimizers × a 2-point sweep on one small size, 2 seeds, QAT: 16 tasks.
    static var spec: StudySpec {
        var spec = StudyPreset.smoke.spec
        spec.name = "cluster"
        spec.sizes = [spec.sizes[0]]
        spec.optimizers = [.adamw, .muon]
        return spec
    }

    static func scratchDirectory() -> String { NSTemporaryDirectory() + "qscope-cluster-\(UUID().uuidString)" }

    @Test func theTaskTableFollowsTheProtocol() {
        let tasks = StudyTasks(plan: StudyPlan(spec: Self.spec, directory: "/d"))
        #expect(tasks.work.count == 4 + (2 + 4) + (4 + 2))
        #expect(tasks.range(of: .sweep) == 0..<4 && tasks.range(of: .followUps) == 4..<10 && tasks.range(of: .measure) == 10..<16)
        let lines = tasks.table.split(separator: "\n")
        #expect(lines.count == 17 && lines[0].hasPrefix("task\tstage"))
        #expect(lines[1].hasSuffix(tasks.plan.sweep()[0].id) && lines[5].hasSuffix("chosen\t-"))
        var noQAT = Self.spec
        noQAT.qat.enabled = false
        noQAT.seeds = [1]
        #expect(StudyTasks(plan: StudyPlan(spec: noQAT, directory: "/d")).range(of: .followUps).isEmpty)
    }

    @Test func scriptsCarryTheResourcesAndChainTheStages() throws {
        let directory = Self.scratchDirectory()
        var settings = SlurmSettings()
        (settings.partition, settings.account, settings.sbatch) = ("short", "proj's", ["--qos=low"])
        let scripts = SlurmScripts(tasks: StudyTasks(plan: StudyPlan(spec: Self.spec, directory: directory)), settings: settings,
                                   binary: "/opt/q scope/qscope", specFile: directory + "/study-spec.json",
                                   tokensPerSecond: ["w12l1": 10_000])
        let written = try scripts.write()
        #expect(written.map { ($0 as NSString).lastPathComponent }
                == ["tasks.tsv", "sweep.sbatch", "follow-ups.sbatch", "measure.sbatch", "submit.sh"])
        let sweep = try String(contentsOfFile: directory + "/slurm/sweep.sbatch", encoding: .utf8)
        for line in ["#SBATCH --array=0-3", "#SBATCH --cpus-per-task=1", "#SBATCH --partition=short", "#SBATCH --account=proj's",
                     "#SBATCH --qos=low", "#SBATCH --signal=B:USR1@120", "#SBATCH --requeue", "'/opt/q scope/qscope' study"] {
            #expect(sweep.contains(line), "\(line)")
        }
        let submit = try String(contentsOfFile: directory + "/slurm/submit.sh", encoding: .utf8)
        #expect(submit.contains("--dependency=afterok:$previous") && submit.contains("measure.sbatch"))
        #expect(SlurmScripts.duration(61) == "0-00:02:00" && SlurmScripts.duration(90_000) == "1-01:00:00")
    }

    @Test func tasksRunInTurnAndCollectedMatchTheLocalStudy() throws {
        try StudyRuns.lock.withLock { _ in try runTasksAndCollect() }
    }

    /// The local study, then every task in turn and the collect.
    private func runTasksAndCollect() throws {
        let local = Self.scratchDirectory(), cluster = Self.scratchDirectory()
        let localStore = try RunStore(path: local + "/study.sqlite")
        #expect(try StudyRunner(plan: StudyPlan(spec: Self.spec, directory: local), store: localStore, parallel: 2).run())
        let plan = StudyPlan(spec: Self.spec, directory: cluster)
        let tasks = StudyTasks(plan: plan)
        func task(_ index: Int) throws -> StudyTaskOutcome {
            let scratch = NSTemporaryDirectory() + "qscope-task-\(UUID().uuidString).sqlite"
            return try StudyRunner(plan: plan, store: try RunStore(path: scratch), parallel: 1).runTask(index)
        }
        // A follow-up before the sweep has finished cannot know its rate.
        #expect(throws: QScopeError.self) { try task(tasks.range(of: .followUps).lowerBound) }
        #expect(throws: QScopeError.self) { try task(tasks.work.count) }
        for index in tasks.work.indices {
            guard case .done = try task(index) else { Issue.record("task \(index) did not finish"); return }
        }
        // Done runs are skipped when a task runs again (a resubmitted array).
        #expect(try task(0) == .done("run \(plan.sweep()[0].id) was already done"))
        let store = try RunStore(path: cluster + "/study.sqlite")
        #expect(try StudyRunner(plan: plan, store: store, parallel: 1).collect().isEmpty)
        let a = try #require(try StudyResults.load(from: store)), b = try #require(try StudyResults.load(from: localStore))
        #expect(a == b, "the collected tables differ from the local study's")
        // The allocation measurements travel as the runs' files too.
        #expect(a.allocation?.map(\.optimizer) == [.adamw, .muon])
    }

    @Test func collectNamesWhatIsMissing() throws {
        let directory = Self.scratchDirectory()
        let plan = StudyPlan(spec: Self.spec, directory: directory)
        let missing = try StudyRunner(plan: plan, store: try RunStore(path: directory + "/study.sqlite"), parallel: 1).collect()
        #expect(missing.count == 4 && missing[0].hasPrefix("sweep run \(plan.sweep()[0].id)"))
    }
}
