import Core
import Foundation
import Testing

/// A quantizer that replays the linearisation of `base` around the point it first saw.
///
/// Recording, it runs `base` and keeps, per call site (the address of its input), the output
/// y₀, the mask m and R(x₀), where R is the map the straight-through gradient treats as the
/// quantizer's Jacobian: x·H for QuEST, the identity for STE. Replaying, it returns
/// S(x) = y₀ + m ⊙ (R(x) − R(x₀)): equal to `base` at x₀, smooth, and with exactly the gradient
/// `base.qatBackward` claims. Finite differences of a model using it therefore check the QAT
/// backward chain with the masks and the grid held fixed.
///
/// `@unchecked Sendable`: it is mutable, but the tests use it on one model on one thread.
private final class FrozenQuantizer: FakeQuantizer, @unchecked Sendable {
    struct Site { let y0: [Float], rx0: [Float], mask: [Float] }
    let base: any FakeQuantizer
    let rotate: (UnsafeMutablePointer<Float>, Int, Int) -> Void
    var replaying = false
    private(set) var sites: [UnsafePointer<Float>: Site] = [:]

    init(_ base: any FakeQuantizer) {
        self.base = base
        if let quest = base as? QuEST {
            rotate = { x, rows, cols in try! quest.hadamard(cols: cols).apply(x, rows: rows, cols: cols) }
        } else {
            rotate = { _, _, _ in }
        }
    }

    var usesMask: Bool { base.usesMask }
    func check(cols: Int) throws { try base.check(cols: cols) }

    func qatForward(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
                    mask: UnsafeMutablePointer<Float>?, rows: Int, cols: Int) {
        let count = rows * cols
        var rx = Array(UnsafeBufferPointer(start: x, count: count))
        rx.withUnsafeMutableBufferPointer { rotate($0.baseAddress!, rows, cols) }
        guard replaying else {
            var m = [Float](repeating: 1, count: count)
            m.withUnsafeMutableBufferPointer { base.qatForward(x, into: y, mask: usesMask ? $0.baseAddress! : nil, rows: rows, cols: cols) }
            sites[x] = Site(y0: Array(UnsafeBufferPointer(start: y, count: count)), rx0: rx, mask: m)
            return
        }
        let site = sites[x]!
        for i in 0..<count {
            y[i] = site.y0[i] + site.mask[i] * (rx[i] - site.rx0[i])
            mask?[i] = site.mask[i]
        }
    }

    func qatBackward(_ d: UnsafeMutablePointer<Float>, mask: UnsafePointer<Float>?, rows: Int, cols: Int) {
        base.qatBackward(d, mask: mask, rows: rows, cols: cols)
    }
}

/// The Hadamard-domain rotation with nothing quantized: every mask entry trusted.
private struct RotateOnly: FakeQuantizer {
    var usesMask: Bool { true }
    func check(cols: Int) throws {}

    func qatForward(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>,
                    mask: UnsafeMutablePointer<Float>?, rows: Int, cols: Int) {
        try! BlockHadamard(block: BlockHadamard.largestBlock(dividing: cols)).apply(x, into: y, rows: rows, cols: cols)
        mask!.update(repeating: 1, count: rows * cols)
    }

    func qatBackward(_ d: UnsafeMutablePointer<Float>, mask: UnsafePointer<Float>?, rows: Int, cols: Int) {
        try! BlockHadamard(block: BlockHadamard.largestBlock(dividing: cols)).apply(d, rows: rows, cols: cols)
    }
}

@Suite("Quantization-aware training")
struct QATTests {
    static let config = ModelConfig(name: "qat", width: 32, layers: 2, heads: 4, kvHeads: 2)

    /// A model with large weights and random tokens (see `GradientCheck.randomize`).
    static func model(seed: UInt64) throws -> Transformer {
        let model = try Transformer(config: config, batch: 2, seq: 8)
        var rng = RNG(seed: seed)
        GradientCheck.randomize(model, rng: &rng)
        return model
    }

    /// The real QAT gradient against central differences of the frozen surrogate (see
    /// `FrozenQuantizer`), on a few entries of every parameter tensor. At 4 bits QuEST's masks
    /// drop some entries, so the mask, Hᵀ, the q/k/v sum and the weight path all matter; a
    /// missing term gives O(1) errors. fp32 noise as in `ModelGradientTests`.
    @Test(arguments: [QATMethod.quest, .ste])
    func gradientsMatchTheFrozenSurrogate(method: QATMethod) throws {
        let model = try Self.model(seed: 21)
        let plan = try QATPlan(QATConfig(method: method, weightBits: 4))
        try model.setQAT(plan)
        let loss = model.forward()
        model.backward()
        let analytic = model.gradients.array

        let weights = FrozenQuantizer(plan.weights), inputs = FrozenQuantizer(plan.inputs)
        try model.setQAT(QATPlan(weights: weights, inputs: inputs))
        #expect(model.forward() == loss, "recording must reproduce the QAT forward pass")
        // Every block linear quantizes its weight; q, k and v share one input quantization.
        #expect(weights.sites.count == 6 * Self.config.layers && inputs.sites.count == 4 * Self.config.layers)
        if method == .quest {
            let masks = (weights.sites.values.flatMap(\.mask), inputs.sites.values.flatMap(\.mask))
            let dropped = (masks.0 + masks.1).filter { $0 == 0 }.count
            print("QuEST w4a4: \(dropped) of \(masks.0.count + masks.1.count) entries outside the trust region")
            #expect(masks.0.contains(0) && masks.1.contains(0))
        }
        weights.replaying = true
        inputs.replaying = true
        #expect(model.forward() == loss)

        var rng = RNG(seed: 22)
        for p in model.layout.parameters {
            let picks = (0..<min(6, p.count)).map { _ in p.offset + rng.nextInt(below: p.count) }
            let numeric = picks.map {
                GradientCheck.centralDifference(model.parameters.data, index: $0, eps: 1e-2) { model.forward() }
            }
            let ours = picks.map { Double(analytic[$0]) }
            GradientCheck.report("\(method) \(p.name)", analytic: ours, numeric: numeric)
            #expect(GradientCheck.relativeError(ours, numeric, floor: 1e-4) < 2e-2, "\(method) \(p.name)")
        }
    }

    /// STE's forward pass is the evaluation path's round-to-nearest plan on every block linear.
    @Test func steForwardIsTheRoundToNearestPlan() throws {
        let qat = try Self.model(seed: 23), plan = try Self.model(seed: 23)
        try qat.setQAT(QATPlan(QATConfig(method: .ste, weightBits: 4, inputBits: 6)))
        plan.setQuantPlan(.uniform(LinearID.all(in: Self.config), weight: try RoundToNearest(bits: 4),
                                   input: try RoundToNearest(bits: 6)))
        #expect(qat.forward() == plan.forward())
    }

    /// With quantization replaced by the rotation alone, the Hadamard-domain model computes
    /// (xH)(WH)ᵀ = xWᵀ: its loss and gradients are the full-precision ones. A layer that
    /// rotated one operand only, or missed Hᵀ on a gradient, would be O(1) off.
    @Test func rotationAloneIsFullPrecision() throws {
        let model = try Self.model(seed: 24)
        let full = model.forward()
        model.backward()
        let fullGradients = model.gradients.array.map(Double.init)
        try model.setQAT(QATPlan(weights: RotateOnly(), inputs: RotateOnly()))
        let rotated = model.forward()
        model.backward()
        let gradients = model.gradients.array.map(Double.init)
        GradientCheck.report("rotation only vs full precision", analytic: gradients, numeric: fullGradients)
        #expect(abs(rotated - full) < 1e-5 * full)
        #expect(GradientCheck.relativeError(gradients, fullGradients) < 1e-4)
        try model.setQAT(nil)
        #expect(model.forward() == full, "QAT off restores the full-precision pass exactly")
    }

    /// QuEST's own forward in the model: at 8 bits the output distribution stays near full
    /// precision's (these large weights make it sharp, so 1% logit errors move it ~10%), at 2 bits
    /// it is as far as an unrelated one (~1), as it would be with mismatched rotations.
    @Test func questOutputApproachesFullPrecisionWithBits() throws {
        let model = try Self.model(seed: 26)
        func probabilities() -> [Double] {
            model.forward()
            return model.outputBuffer.map(Double.init)
        }
        let full = probabilities()
        var distance: [Int: Double] = [:]
        for bits in [2, 8] {
            try model.setQAT(QATPlan(QATConfig(method: .quest, weightBits: bits)))
            distance[bits] = GradientCheck.relativeError(probabilities(), full)
        }
        print("QuEST output distance from full precision: w8a8 \(distance[8]!), w2a2 \(distance[2]!)")
        #expect(distance[8]! < 0.2)
        #expect(distance[2]! > 5 * distance[8]!)
    }

    /// Shards share one set of quantized weights; per-token input quantization does not care
    /// how the batch is split.
    @Test func shardedQATMatchesOneShard() throws {
        try TrainingTests.expectShardsAgree(Self.config, qat: QATPlan(QATConfig(method: .quest)), seed: 25)
    }

    @Test func configParsesAndRejectsBadSettings() throws {
        let quest = try QATConfig(method: .quest)
        #expect(quest.label == "quest w4a4")
        #expect(try QATConfig(method: .ste, weightBits: 8, inputBits: 6).label == "ste w8a6")
        #expect(throws: QScopeError.badInput("unknown QAT method 'lsq'; choose one of: quest, ste")) {
            try QATMethod(named: "lsq")
        }
        #expect(throws: RunSpecError(field: .qatBits, problem: "must be 2 to 8 (got 1)")) {
            try QATConfig(method: .quest, weightBits: 1).validate()
        }
        #expect(throws: RunSpecError(field: .qatActBits, problem: "must be 2 to 8 (got 9)")) {
            try QATConfig(method: .ste, inputBits: 9).validate()
        }
    }
}
