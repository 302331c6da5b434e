import Core
import Study
import Testing
@testable import qscope

/// Study specs from TOML: every key decodes into its field, errors name the file and line, and
/// the presets are valid studies of the promised shape.
@Suite("Study spec files")
struct StudySpecFileTests {
    @Test func aSpecFileDecodesEveryKey() throws {
        let text = """
            name = "mine"
            optimizers = ["muon", "soap"]
            seeds = [3, 4, 5]
            tokens_per_parameter = 10
            batch = 8
            seq = 64
            eval_points = 5
            eval_batches = 3
            threads = 2
            scaling_parameters = "total"

            [[sizes]]
            name = "tiny"
            [[sizes]]
            width = 60
            layers = 2
            heads = 6
            kv_heads = 3

            [lr]
            points = 4
            low = 0.25
            high = 2
            [qat]
            method = "ste"
            bits = 3
            [ptq]
            bits = 3
            gptq = false
            """
        let spec = try TOMLFile(text: text, path: "s.toml").decode(StudySpec.self)
        try spec.validate()
        #expect(spec.optimizers == [.muon, .soap] && spec.seeds == [3, 4, 5] && spec.tokensPerParameter == 10)
        #expect((spec.batch, spec.seq, spec.evalPoints, spec.evalBatches, spec.threads) == (8, 64, 5, 3, 2))
        #expect(spec.sizes.map { $0.model().name } == ["tiny", "w60l2"] && spec.sizes[1].model().kvHeads == 3)
        #expect(spec.lr.rates(for: .muon).count == 4 && spec.lr.rates(for: .muon).first == 2.5e-3)
        #expect(spec.qat.config == QATConfig(method: .ste, weightBits: 3, inputBits: 3))
        #expect(spec.ptq.bits == 3 && spec.ptq.actBits == 3 && !spec.ptq.gptq && spec.scalingParameters == .total)
    }

    @Test func errorsNameTheFileAndLine() {
        func message(_ text: String) -> String? {
            do {
                try TOMLFile(text: text, path: "s.toml").decode(StudySpec.self).validate()
                return nil
            } catch { return "\(error)" }
        }
        #expect(message("name = \"x\"\nsizes = [\"tiny\"]\n[qat]\nbitz = 3\n")?.hasPrefix("s.toml:4: unknown key 'bitz'") == true)
        #expect(message("name = \"x\"\nsizes = [\"tiny\"]\nseeds = [1, 1]\n") == "seeds must be distinct")
        #expect(message("name = \"x\"\nsizes = [\"tiny\", \"tiny\"]\n")?.contains("sizes must be distinct") == true)
        #expect(message("name = \"x\"\nsizes = []\n") == "sizes must name at least one model size")
        // Headers the bundled toml++ would abort on (not report): found by the fuzz test.
        for header in ["[[[a]]]", "[[ [a]]]", "[", "[ = 1", "[= \"x\""] {
            #expect(message("name = \"x\"\n\(header)\n") == "s.toml:2: a table header must start with a key", "\(header)")
        }
    }

    /// The quick preset covers what the issue asks of it: 4+ sizes spanning 10× in parameters,
    /// all six optimizers, FP and QAT, 2+ seeds, a 3+ point sweep.
    @Test func presetsAreValidStudies() throws {
        for preset in StudyPreset.allCases { try preset.spec.validate() }
        let quick = StudyPreset.quick.spec
        let params = quick.sizes.map { $0.model().parameterCount }
        #expect(params.count >= 4 && Double(params.max()!) / Double(params.min()!) >= 10)
        #expect(quick.optimizers == OptimizerKind.allCases && quick.seeds.count >= 2 && quick.lr.points >= 3)
        #expect(quick.qat.enabled && quick.tokensPerParameter == 20)
    }
}
