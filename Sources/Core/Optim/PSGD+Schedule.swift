// PSGD Kron: when the preconditioner is updated and balanced, and where its noise comes from.

extension PSGDKron {
    /// How often the preconditioner is updated: a constant, or the references' schedule.
    public enum UpdateProbability: Sendable, Equatable {
        case constant(Double)
        /// clamp(maxProb·exp(−decay·(n − flatStart)), minProb, maxProb) at 0-based step n.
        case schedule(maxProb: Double, minProb: Double, decay: Double, flatStart: Double)

        /// Both references' default: 1 for 500 steps, then exponential decay 0.001 down to 0.03.
        public static let reference = UpdateProbability.schedule(maxProb: 1, minProb: 0.03, decay: 0.001,
                                                                 flatStart: 500)

        /// Whether a counter of `counter` steps since the last update triggers one at 0-based step
        /// `n`: counter ≥ 1/prob, in the references' arithmetic (the schedule is a float32 tensor;
        /// a constant is a Python float).
        public func triggers(counter: Int, step n: Int) -> Bool {
            switch self {
            case .constant(let p):
                return Double(counter) >= 1 / p
            case let .schedule(maxProb, minProb, decay, flatStart):
                let exponent = -Float(decay) * (Float(n) - Float(flatStart))
                let raw = Float(maxProb) * Float(Math.exp(Double(exponent)))
                let prob = Swift.min(Swift.max(raw, Float(minProb)), Float(maxProb))
                return Float(counter) >= 1 / prob
            }
        }

        /// The 1-based steps among the first `steps` that update the preconditioner.
        public func updateSteps(through steps: Int) -> [Int] {
            var counter = 0
            var out: [Int] = []
            for n in 0..<steps {
                counter += 1
                if triggers(counter: counter, step: n) {
                    counter = 0
                    out.append(n + 1)
                }
            }
            return out
        }
    }

    /// The schedule's position for one tensor, kept in its workspace: a cache, since the
    /// decision at step t is a pure function of t (rebuilt from step 0 after a resume).
    final class ScheduleMemo {
        /// Steps taken into account so far.
        var step = 0
        /// Steps since the last update.
        var counter = 0
        /// Preconditioner updates so far.
        var updates = 0
    }

    func scheduleMemo(_ state: TensorState) -> ScheduleMemo {
        if let memo = state.workspace as? ScheduleMemo { return memo }
        let memo = ScheduleMemo()
        state.workspace = memo
        return memo
    }

    /// Whether 1-based step `t` updates the preconditioner, and how many updates came before it
    /// (the index of its injected noise).
    func decision(step t: Int, memo: ScheduleMemo) -> (update: Bool, index: Int) {
        if let steps = precondUpdateSteps {
            var before = 0
            for s in steps where s < t { before += 1 }
            return (steps.contains(t), before)
        }
        if memo.step != t - 1 {
            memo.step = 0
            memo.counter = 0
            memo.updates = 0
            while memo.step < t - 1 { _ = advance(memo) }
        }
        let index = memo.updates
        return (advance(memo), index)
    }

    private func advance(_ memo: ScheduleMemo) -> Bool {
        memo.counter += 1
        let fires = updateProbability.triggers(counter: memo.counter, step: memo.step)
        if fires {
            memo.counter = 0
            memo.updates += 1
        }
        memo.step += 1
        return fires
    }

    /// The balance coin of step `t`: one draw per step shared by every tensor.
    func balanceCoin(step t: Int) -> Bool {
        guard balanceProb > 0 else { return false }
        var rng = RNG(seed: seed, stream: Self.streamKey(Self.balanceTag, UInt64(t)))
        return rng.nextDouble() < balanceProb
    }

    /// V for the update at step `t` of the tensor at `offset`: the `index`-th injected matrix if
    /// there is one of this size, else standard normals from this tensor's stream for this step.
    func fillNoise(_ v: UnsafeMutablePointer<Float>, count: Int, offset: Int, step t: Int, index: Int) {
        if let noise, index < noise.count, noise[index].count == count {
            noise[index].withUnsafeBufferPointer { v.update(from: $0.baseAddress!, count: count) }
            return
        }
        let key = Self.streamKey(Self.streamKey(Self.noiseTag, UInt64(offset)), UInt64(t))
        var rng = RNG(seed: seed, stream: key)
        rng.fillGaussian(UnsafeMutableBufferPointer(start: v, count: count), std: 1)
    }

    private static let noiseTag: UInt64 = 0x7073_6764_6E6F_6973  // "psgdnois"
    private static let balanceTag: UInt64 = 0x7073_6764_6261_6C61  // "psgdbala"

    /// A well-mixed key from two words (SplitMix64's finaliser over a ⊕ rotated b).
    static func streamKey(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var z = a &+ 0x9E37_79B9_7F4A_7C15 &* (b &+ 1)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
