import Core
import Foundation

/// A tiny model (C48, two blocks) trained 60 steps on a synthetic corpus and saved once per test
/// process, so analysis tests see real, non-random weights.
enum TrainedModel {
    static let tiny: (file: Safetensors.File, path: String, corpus: Corpus) = {
        let words = ["and", "the", "lord", "spake", "unto", "moses", "saying", "of", "israel", "children"]
        var rng = RNG(seed: 9)
        var text = ""
        while text.utf8.count < 60_000 { text += words[rng.nextInt(below: words.count)] + " " }
        let corpus = try! Corpus(name: "synthetic", text: Array(text.utf8))
        var config = RunSpec(model: ModelConfig(name: "p", width: 48, layers: 2))
        config.batch = 4
        config.seq = 32
        config.steps = 60
        config.learningRate = 1e-2
        config.evalEvery = 0
        let trainer = try! Trainer(spec: config, corpus: corpus, runID: 0, board: RunBoard(), control: RunControl())
        trainer.run()
        let path = NSTemporaryDirectory() + "qscope-ptq-\(UUID().uuidString).safetensors"
        try! trainer.save(to: path)
        return (try! Safetensors.read(path: path), path, corpus)
    }()
}
