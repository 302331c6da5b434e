#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The few libm functions Core needs, named so call sites need no platform imports.
///
/// These are for setup and reporting paths only: hot loops use `Kernels.exp` instead, because a
/// libm call per element cannot be vectorised.
public enum Math {
    @inline(__always) public static func log(_ x: Double) -> Double { Glibc.log(x) }
    @inline(__always) public static func exp(_ x: Double) -> Double { Glibc.exp(x) }
    @inline(__always) public static func sin(_ x: Double) -> Double { Glibc.sin(x) }
    @inline(__always) public static func cos(_ x: Double) -> Double { Glibc.cos(x) }
    @inline(__always) public static func pow(_ x: Double, _ y: Double) -> Double { Glibc.pow(x, y) }

    /// The mean of the finite values, nil when there are none (an unbounded statistic, such as
    /// the MMR of an input that is mostly exact zeros, is left out rather than poisoning it).
    public static func finiteMean(_ values: [Double]) -> Double? {
        let finite = values.filter(\.isFinite)
        return finite.isEmpty ? nil : finite.reduce(0, +) / Double(finite.count)
    }
}
