import Foundation
import Testing

/// The study through a real one-node Slurm cluster (scripts/slurm/local-cluster.sh): emitted,
/// submitted, collected and compared with the same spec run locally; and a task requeued
/// mid-run that resumes from its checkpoint to the same losses. Skipped, saying why, only where
/// the cluster cannot be had (not root, or slurm-wlm and munge cannot be installed).
@Suite("Slurm cluster, end to end", .serialized)
struct SlurmEndToEndTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Runs `arguments` (found on PATH) with `environment` added; returns the exit status and
    /// its output. Spawned with no signal blocked (`SpawnAttributes`: the Slurm daemons the
    /// cluster script starts would inherit a blocked TERM), output to a file rather than a pipe
    /// (daemons must not hold our read open), and reaped with waitpid.
    @discardableResult
    static func shell(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("qscope-shell-\(UUID().uuidString).log").path
        defer { try? FileManager.default.removeItem(atPath: log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
        let cArguments = arguments.map { strdup($0) } + [nil], cEnvironment = merged.map { strdup($0) } + [nil]
        defer { (cArguments + cEnvironment).forEach { free($0) } }
        var pid = pid_t()
        let spawned = SpawnAttributes.withCleanSignals { posix_spawnp(&pid, arguments[0], &actions, &$0, cArguments, cEnvironment) }
        guard spawned == 0 else {
            return (127, "cannot run \(arguments[0])")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        // WIFEXITED / WEXITSTATUS, which Swift does not import.
        return (status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F), output)
    }

    /// Waits until `squeue` lists no job, up to `seconds`; false on timeout.
    static func waitForEmptyQueue(_ env: [String: String], seconds: Double) throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try shell(["squeue", "-h"], environment: env).output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                return true
            }
            Thread.sleep(forTimeInterval: 1)
        }
        return false
    }

    /// Log records by step (loss and validation loss) of a study run's metrics log.
    static func losses(_ log: URL) throws -> [Int: [Double?]] {
        var out: [Int: [Double?]] = [:]
        for line in try String(contentsOf: log, encoding: .utf8).split(separator: "\n") {
            guard let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  record["tokens_per_s"] != nil, let step = record["step"] as? Int else { continue }
            out[step] = [record["loss"] as? Double, record["val_loss"] as? Double]
        }
        return out
    }

    @Test(.enabled(if: QScopeBinary.exists, "needs a release build of qscope"))
    func studyThroughSlurmMatchesTheLocalStudy() throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("qscope-slurm-\(UUID().uuidString)")
        let script = Self.root.appendingPathComponent("scripts/slurm/local-cluster.sh").path
        let cluster = work.appendingPathComponent("cluster").path
        try FileManager.default.createDirectory(atPath: cluster, withIntermediateDirectories: true)
        let started = try Self.shell(["bash", script, "start", cluster])
        defer { _ = try? Self.shell(["bash", script, "stop", cluster]) }
        if started.status == 77 {
            print("SKIPPED Slurm end-to-end test: \(started.output.trimmingCharacters(in: .whitespacesAndNewlines))")
            return
        }
        try #require(started.status == 0, "the local cluster did not start: \(started.output)")
        let env = ["SLURM_CONF": (cluster as NSString).appendingPathComponent("slurm.conf")]
        let q = QScopeBinary.path

        // The smoke study: emitted, submitted as three chained arrays, collected, compared.
        let viaSlurm = work.appendingPathComponent("slurm-study").path, local = work.appendingPathComponent("local-study").path
        #expect(try Self.shell([q, "study", "--preset", "smoke", "--emit", "slurm", viaSlurm]).status == 0)
        let submitted = try Self.shell(["bash", viaSlurm + "/slurm/submit.sh"], environment: env)
        try #require(submitted.status == 0, "\(submitted.output)")
        let start = Date()
        try #require(try Self.waitForEmptyQueue(env, seconds: 600), "the study's jobs did not finish in 10 minutes")
        print("smoke study through Slurm: 48 tasks in \(Int(Date().timeIntervalSince(start))) s")
        let collected = try Self.shell([q, "study", "--collect", viaSlurm])
        try #require(collected.status == 0, "\(collected.output)")
        #expect(try Self.shell([q, "study", "--preset", "smoke", "--dir", local]).status == 0)
        let results = try Data(contentsOf: URL(fileURLWithPath: viaSlurm + "/report/results.json"))
        #expect(results == (try Data(contentsOf: URL(fileURLWithPath: local + "/report/results.json"))),
                "the tables through Slurm differ from the local study's")
        #expect(try Self.shell([q, "report", viaSlurm + "/study.sqlite", "--out", work.appendingPathComponent("r").path]).status == 0)

        try requeuedTaskResumes(work: work, env: env)
    }

    /// A task requeued mid-run stops at its checkpoint and the requeued task finishes the run
    /// with exactly the losses of an uninterrupted one.
    private func requeuedTaskResumes(work: URL, env: [String: String]) throws {
        let q = QScopeBinary.path
        let spec = work.appendingPathComponent("requeue.toml")
        try """
            name = "requeue"
            sizes = ["tiny"]
            optimizers = ["adamw"]
            seeds = [1]
            tokens_per_parameter = 20
            eval_points = 10
            [lr]
            points = 1
            [qat]
            enabled = false
            """.write(to: spec, atomically: true, encoding: .utf8)
        let viaSlurm = work.appendingPathComponent("requeue-slurm").path, local = work.appendingPathComponent("requeue-local").path
        #expect(try Self.shell([q, "study", "--spec", spec.path, "--emit", "slurm", viaSlurm]).status == 0)
        let job = try Self.shell(["sbatch", "--parsable", viaSlurm + "/slurm/sweep.sbatch"], environment: env)
            .output.trimmingCharacters(in: .whitespacesAndNewlines)
        let runs = URL(fileURLWithPath: viaSlurm + "/runs")
        // Requeue once two evaluation snapshots exist: mid-run, with a checkpoint to resume.
        var snapshots = 0
        for _ in 0..<600 where snapshots < 2 {
            Thread.sleep(forTimeInterval: 0.1)
            let dirs = (try? FileManager.default.contentsOfDirectory(atPath: runs.path)) ?? []
            snapshots = dirs.flatMap { (try? FileManager.default.contentsOfDirectory(atPath: runs.appendingPathComponent($0).path)) ?? [] }
                .filter { $0.contains(".step-") }.count
        }
        #expect(try Self.shell(["scontrol", "requeue", "\(job)_0"], environment: env).status == 0)
        // A requeued job waits about two minutes before it may start again: once it is back in
        // the queue for that reason, let it start now.
        for _ in 0..<120 {
            Thread.sleep(forTimeInterval: 0.5)
            let reason = try Self.shell(["squeue", "-h", "-j", "\(job)_0", "-o", "%r"], environment: env).output
            if reason.contains("BeginTime") {
                try Self.shell(["scontrol", "update", "jobid=\(job)_0", "StartTime=now"], environment: env)
                break
            }
        }
        try #require(try Self.waitForEmptyQueue(env, seconds: 600), "the requeued task did not finish")
        #expect(try Self.shell([q, "study", "--spec", spec.path, "--dir", local]).status == 0)
        let id = try #require(try FileManager.default.contentsOfDirectory(atPath: runs.path).first)
        let resumed = try String(contentsOf: runs.appendingPathComponent("\(id)/run.metrics.jsonl"), encoding: .utf8)
        let stops = resumed.split(separator: "\n").filter { $0.contains("\"status\":\"stopped\"") }.count
        print("requeued run \(id): \(stops) stop(s) before it finished")
        #expect(stops >= 1, "the task was not interrupted by the requeue")
        #expect(try Self.losses(runs.appendingPathComponent("\(id)/run.metrics.jsonl"))
                == (try Self.losses(URL(fileURLWithPath: local + "/runs/\(id)/run.metrics.jsonl"))))
    }
}
