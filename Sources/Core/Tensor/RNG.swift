/// A seeded pseudo-random generator whose stream is identical on every run and machine.
///
/// xoshiro256** (Blackman & Vigna 2018) seeded through SplitMix64, as its authors recommend.
/// Gaussians use Box–Muller in Double; the spare value is cached so each pair of uniforms yields
/// two normals.
public struct RNG: Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    private var spareGaussian: Double?

    public init(seed: UInt64) {
        var sm = seed
        func splitMix() -> UInt64 {
            sm &+= 0x9E37_79B9_7F4A_7C15
            var z = sm
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    /// A generator for a named sub-stream, so independent consumers (init, data, noise) of one
    /// seed never share draws.
    public init(seed: UInt64, stream: UInt64) {
        self.init(seed: seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
    }

    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    @inline(__always)
    public mutating func nextDouble() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform integer in 0..<bound (Lemire's nearly-divisionless method, unbiased).
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let b = UInt64(bound)
        var m = next().multipliedFullWidth(by: b)
        if m.low < b {
            let threshold = (0 &- b) % b
            while m.low < threshold { m = next().multipliedFullWidth(by: b) }
        }
        return Int(m.high)
    }

    /// A standard normal sample.
    public mutating func nextGaussian() -> Double {
        if let spare = spareGaussian {
            spareGaussian = nil
            return spare
        }
        var u1 = nextDouble()
        while u1 == 0 { u1 = nextDouble() }
        let u2 = nextDouble()
        let radius = (-2 * Math.log(u1)).squareRoot()
        let angle = 2 * Double.pi * u2
        spareGaussian = radius * Math.sin(angle)
        return radius * Math.cos(angle)
    }

    /// Fills `tensor` with N(mean, std²) samples.
    public mutating func fillGaussian(_ tensor: UnsafeMutableBufferPointer<Float>, mean: Float = 0,
                                      std: Float) {
        for i in tensor.indices { tensor[i] = mean + std * Float(nextGaussian()) }
    }
}

/// So `Int.random(in:using:)` and friends draw from a seeded, reproducible stream.
extension RNG: RandomNumberGenerator {}
