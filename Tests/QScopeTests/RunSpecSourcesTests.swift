import Core
import Testing
import TUI
@testable import qscope

/// Every entry point describes a run the same way: a TOML file, the equivalent flags and the
/// dashboard's new-run form expand into equal `RunSpec`s.
@Suite("RunSpec from every source")
struct RunSpecSourcesTests {
    static let defaults = RunDefaults(cores: 2)

    @Test func tomlFlagsAndFormGiveEqualSpecs() throws {
        let toml = """
            optimizer = "muon"
            model = "xs"
            lr = 0.005
            [qat]
            method = "quest"
            bits = 3
            act_bits = 3
            """
        let file = try RunFile(toml: toml, path: "run.toml").overrides.specs(Self.defaults)
        let flags = try RunOptions.parse(["--optimizer", "muon", "--model", "xs", "--lr", "0.005", "--qat", "quest",
                                          "--bits", "3", "--act-bits", "3"]).flagOverrides().specs(Self.defaults)
        let form = try RunForm(optimizer: .muon, model: "xs", learningRate: "0.005", qat: .quest, bits: 3)
            .request().get().specs(Self.defaults)
        #expect(file.count == 1 && file == flags && flags == form)
        #expect(file[0].optimizer == .muon && file[0].learningRate == 0.005 && file[0].qat?.label == "quest w3a3")
    }

    @Test func everyRunFileKeyHasItsFlag() throws {
        let toml = """
            optimizer = "psgd"
            model = "s"
            steps = 40
            lr = 0.002
            batch = 8
            seq = 64
            seed = 7
            schedule = "cosine"
            weight_decay = 0.1
            eval_every = 5
            eval_batches = 3
            log_every = 2
            stats_every = 0
            threads = 1
            save = "runs/p.safetensors"
            save_at_loss = 2.5
            [hyper]
            momentum = 0.8
            """
        let flags = ["--optimizer", "psgd", "--model", "s", "--steps", "40", "--lr", "0.002", "--batch", "8", "--seq", "64",
                     "--seed", "7", "--schedule", "cosine", "--weight-decay", "0.1", "--eval-every", "5",
                     "--eval-batches", "3", "--log-every", "2", "--stats-every", "0", "--threads", "1",
                     "--save", "runs/p.safetensors", "--save-at-loss", "2.5", "--hyper", "momentum=0.8"]
        let fromFile = try RunFile(toml: toml, path: "run.toml").overrides
        let fromFlags = try RunOptions.parse(flags).flagOverrides()
        #expect(fromFile == fromFlags)
        let spec = try #require(try fromFile.specs(Self.defaults).first)
        #expect(spec.hyper["seed"] == .number(7))  // PSGD's noise seed follows the run's
        #expect(spec.save == "runs/p.safetensors" && spec.paths?.commonLoss == "runs/p.at-2.5.safetensors")
        // Every field a run file can set is a RunField, and so has a flag in error messages.
        let fields = Set(RunField.allCases.map { $0.key.split(separator: ".").first.map(String.init)! })
        #expect(Set(RunOverrides.keys) == fields)
    }

    /// Flags override the file field by field; hyperparameters merge key by key.
    @Test func flagsOverrideTheFile() throws {
        let file = try RunFile(toml: "steps = 10\nbatch = 4\n[hyper]\nmomentum = 0.9\neps = 1e-6\n", path: "f.toml")
        let options = try RunOptions.parse(["--steps", "20", "--hyper", "momentum=0.5"])
        let spec = try #require(try options.flagOverrides().overriding(file.overrides).specs(Self.defaults).first)
        #expect(spec.steps == 20 && spec.batch == 4)
        #expect(spec.hyper == Hyper(["momentum": .number(0.5), "eps": .number(1e-6)]))
    }

    /// Errors name what the user typed: the flag, or the file's key and line.
    @Test func errorsNameTheFlagOrTheFileLine() throws {
        let file = try RunFile(toml: "model = \"tiny\"\nbatch = 0\n", path: "bad.toml")
        func message(_ flags: [String], file: RunFile?) -> String? {
            do {
                let options = try RunOptions.parse(flags)
                let overrides = try options.flagOverrides()
                _ = try RunOptions.naming(file: file, flags: overrides) {
                    try (file.map { overrides.overriding($0.overrides) } ?? overrides).specs(Self.defaults)
                }
                return nil
            } catch { return "\(error)" }
        }
        #expect(message([], file: file) == "bad.toml:2: batch must be a positive integer up to 1048576 (got 0)")
        #expect(message(["--batch=-3"], file: file) == "--batch must be a positive integer up to 1048576 (got -3)")
        #expect(message(["--qat", "ste", "--act-bits", "9"], file: nil) == "--act-bits must be 2 to 8 (got 9)")
        #expect(message(["--bits", "4"], file: nil) == "--bits needs a QAT method (quest or ste)")
        #expect(throws: QScopeError.self) { try RunFile(toml: "steps = \"ten\"\n", path: "t.toml") }
        #expect(throws: QScopeError.self) { try RunFile(toml: "stepz = 3\n", path: "t.toml") }
        #expect(throws: QScopeError.badInput("t.toml: unknown optimizer 'sgd'; choose one of: \(OptimizerKind.choices)")) {
            try RunFile(toml: "optimizer = \"sgd\"\n", path: "t.toml")
        }
        #expect(throws: QScopeError.badInput("t.toml: unknown schedule 'linear'; choose one of: trapezoidal, cosine, constant")) {
            try RunFile(toml: "schedule = \"linear\"\n", path: "t.toml")
        }
        #expect(throws: QScopeError.self) { try RunOptions.parse(["--optimizer", "sgd"]).flagOverrides() }
    }
}
