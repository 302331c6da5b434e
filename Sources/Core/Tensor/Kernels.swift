/// Elementwise kernels for hot loops: branch-free, allocation-free, written so LLVM vectorises them.
public enum Kernels {
    /// e^x to about 1 ulp for x in [-87.3, 88.7]; 0 below (never a denormal), e^88.7 above.
    ///
    /// Cephes' `expf`: x = n·ln2 + r with |r| ≤ ln2/2, a degree-6 polynomial for e^r, and 2^n built
    /// in the exponent bits. Unlike a libm call it inlines and vectorises, which matters because
    /// softmax and cross-entropy call it once per attention score and per logit.
    @inline(__always)
    public static func exp(_ x: Float) -> Float {
        let clamped = x < -87.3 ? -87.3 : (x > 88.7 ? 88.7 : x)
        // Adding 1.5·2²³ rounds x·log2(e) to the nearest integer n (ties to even) and leaves n in
        // the low mantissa bits, so both n and 2ⁿ come from wrapping integer ops. No float→int
        // conversion (which Swift range-checks) and no libm call: the loop vectorises.
        let shifted = clamped * 1.442_695_04 + 12_582_912
        let n = shifted - 12_582_912
        let r = clamped - n * 0.693_359_375 + n * 2.121_944_4e-4
        var p: Float = 1.987_569_15e-4
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        let er = p * r * r + r + 1
        let scale = Float(bitPattern: (shifted.bitPattern &- 0x4B40_0000 &+ 127) << 23)
        // Below the clamp the true value is under 1.2e-38: return 0, not the clamp's e^-87.3. A
        // softmax dividing that floor by its sum would turn every strongly suppressed logit into
        // a denormal, which costs a microcode assist per use on many CPUs (a run whose logits
        // span more than ~90 nats, as Scion's do, slowed 3–4× on Intel; docs/platform.md).
        return x < -87.3 ? 0 : er * scale
    }

    /// x[i] ← e^(x[i] − shift); returns the sum of the new values.
    ///
    /// The exponentials are one vectorisable pass; the sum is a second pass with SIMD partial
    /// sums, since a running scalar sum would keep the first pass scalar.
    @inline(__always)
    public static func expShiftedInPlace(_ x: UnsafeMutablePointer<Float>, count: Int, shift: Float) -> Float {
        for i in 0..<count { x[i] = exp(x[i] - shift) }
        return sum(x, count: count)
    }

    /// Sum of x[i], over eight interleaved partial sums (fixed order, so reproducible).
    @inline(__always)
    public static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        let raw = UnsafeRawPointer(x)
        while i + 8 <= count {
            acc += raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        var s = acc.sum()
        while i < count {
            s += x[i]
            i += 1
        }
        return s
    }

    /// The largest of x[0..<count] (count ≥ 1; NaNs are not expected here).
    @inline(__always)
    public static func max(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var m = x[0]
        var i = 1
        if count >= 8 {
            let raw = UnsafeRawPointer(x)
            var acc = raw.loadUnaligned(as: SIMD8<Float>.self)
            i = 8
            while i + 8 <= count {
                let v = raw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                acc.replace(with: v, where: v .> acc)
                i += 8
            }
            m = acc.max()
        }
        while i < count {
            if x[i] > m { m = x[i] }
            i += 1
        }
        return m
    }

    /// y[i] += x[i]
    @inline(__always)
    public static func add(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] += x[i] }
    }

    /// Sum of x[i]·y[i] in Float, over eight interleaved partial sums.
    ///
    /// Strict IEEE order forbids the compiler from splitting a reduction into lanes; doing it by
    /// hand with SIMD8 gives vector speed, and a fixed summation order keeps results reproducible.
    @inline(__always)
    public static func dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, count: Int) -> Float {
        var acc = SIMD8<Float>()
        var i = 0
        let rx = UnsafeRawPointer(x), ry = UnsafeRawPointer(y)
        while i + 8 <= count {
            acc += rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                * ry.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        var s = acc.sum()
        while i < count {
            s += x[i] * y[i]
            i += 1
        }
        return s
    }

    /// Sum of x[i]², accumulated in Double so long vectors (gradient norms) do not lose digits.
    @inline(__always)
    public static func sumOfSquares<T: BinaryFloatingPoint>(_ x: UnsafePointer<T>, count: Int) -> Double {
        var s0: Double = 0, s1: Double = 0, s2: Double = 0, s3: Double = 0
        var i = 0
        while i + 4 <= count {
            let a = Double(x[i]), b = Double(x[i + 1]), c = Double(x[i + 2]), d = Double(x[i + 3])
            s0 += a * a; s1 += b * b; s2 += c * c; s3 += d * d
            i += 4
        }
        while i < count { s0 += Double(x[i]) * Double(x[i]); i += 1 }
        return (s0 + s1) + (s2 + s3)
    }

    /// True when every element is finite.
    @inline(__always)
    public static func allFinite<T: BinaryFloatingPoint>(_ x: UnsafePointer<T>, count: Int) -> Bool {
        // x - x is 0 for finite x and NaN otherwise; summing keeps the loop branch-free.
        var acc: T = 0
        for i in 0..<count { acc += x[i] - x[i] }
        return acc == 0
    }

    /// x[i] *= s
    @inline(__always)
    public static func scale(_ x: UnsafeMutablePointer<Float>, by s: Float, count: Int) {
        for i in 0..<count { x[i] *= s }
    }
}
