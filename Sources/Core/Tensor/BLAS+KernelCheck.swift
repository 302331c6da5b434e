import CBLAS
import Foundation
import Synchronization

extension BLASKernel {
    /// The check's products: every transpose form the model uses, odd sizes that reach the
    /// kernels' edge code, and one product large enough for the threaded path.
    private static let checkShapes: [(m: Int, n: Int, k: Int, transA: Bool, transB: Bool, threaded: Bool)] = [
        (37, 29, 53, false, false, false), (64, 48, 80, false, true, false),
        (131, 67, 257, true, false, false), (96, 200, 144, false, true, false),
        (256, 256, 256, false, false, true),
    ]

    /// Multiplies the check's products with the loaded kernels and returns the worst error as a
    /// fraction of the rounding bound any fp32 summation order meets, (k + 2)·2⁻²⁴·Σ|a||b| per
    /// entry; NaN or a wrong kernel gives a value far above 1. About 3 ms.
    public static func check() -> Double {
        let savedThreads = BLAS.threads
        defer { BLAS.threads = savedThreads }
        var rng = RNG(seed: 0x5EED)
        var worst = 0.0
        for shape in checkShapes {
            let a = (0..<(shape.m * shape.k)).map { _ in Float(rng.nextDouble() * 2 - 1) }
            let b = (0..<(shape.k * shape.n)).map { _ in Float(rng.nextDouble() * 2 - 1) }
            var c = [Float](repeating: .nan, count: shape.m * shape.n)
            BLAS.threads = shape.threaded ? ProcessInfo.processInfo.activeProcessorCount : 1
            let lda = shape.transA ? shape.m : shape.k, ldb = shape.transB ? shape.k : shape.n
            BLAS.gemm(transA: shape.transA, transB: shape.transB, m: shape.m, n: shape.n, k: shape.k,
                      a: a, lda: lda, b: b, ldb: ldb, c: &c, ldc: shape.n)
            for i in 0..<shape.m {
                for j in 0..<shape.n {
                    var exact = 0.0, magnitude = 0.0
                    for p in 0..<shape.k {
                        let x = Double(shape.transA ? a[p * lda + i] : a[i * lda + p])
                        let y = Double(shape.transB ? b[j * ldb + p] : b[p * ldb + j])
                        exact += x * y
                        magnitude += abs(x * y)
                    }
                    let bound = Double(shape.k + 2) * 0x1p-24 * magnitude + 1e-30
                    let error = abs(Double(c[i * shape.n + j]) - exact) / bound
                    worst = error.isNaN ? .infinity : max(worst, error)
                }
            }
        }
        return worst
    }

    private static let selected = Mutex<BLASKernel?>(nil)

    /// The kernels this process runs: set by `select()`, or checked on first use where the
    /// program did not select (tests, libraries).
    public static var current: BLASKernel {
        selected.withLock { kernel in
            if let kernel { return kernel }
            let error = check()
            let made = BLASKernel(coreName: String(cString: openblas_get_corename()),
                                  choice: ProcessInfo.processInfo.environment[Variable.coreType] == nil ? .library : .user,
                                  checkError: error, note: error <= 1 ? nil : "failed its check")
            kernel = made
            return made
        }
    }

    /// Checks the loaded kernels and, if a better or a correct set exists, runs this program
    /// again with it (`execv` of /proc/self/exe with the same arguments): call first thing in
    /// `main`, before any thread starts. Returns the kernels in use; throws when no kernel set
    /// computes correctly.
    @discardableResult
    public static func select() throws -> BLASKernel {
        let loaded = String(cString: openblas_get_corename())
        let error = check()
        let environment = ProcessInfo.processInfo.environment
        // Fault injection for the end-to-end tests: kernel sets named here fail the check.
        let injected = environment[Variable.fault]?.split(separator: ",").contains { $0.lowercased() == loaded.lowercased() } ?? false
        var note: String?
        switch decide(loaded: loaded, checkPassed: error <= 1 && !injected, features: .current, environment: environment) {
        case .keep(let choice):
            return store(BLASKernel(coreName: loaded, choice: choice, checkError: error, note: nil))
        case .fail(let message):
            throw QScopeError.runtime(message)
        case .reexec(let coreType, let extra):
            for (name, value) in extra { setenv(name, value, 1) }
            setenv(Variable.coreType, coreType, 1)
            setenv(Variable.chosen, coreType, 1)
            execv("/proc/self/exe", CommandLine.unsafeArgv)
            note = "could not run again with \(coreType) kernels (\(String(cString: strerror(errno))))"
            for name in [Variable.coreType, Variable.chosen] + Array(extra.keys) { unsetenv(name) }
        }
        guard error <= 1 else { throw QScopeError.runtime("OpenBLAS \(loaded) kernels failed their check; \(note ?? "")") }
        return store(BLASKernel(coreName: loaded, choice: .library, checkError: error, note: note))
    }

    private static func store(_ kernel: BLASKernel) -> BLASKernel {
        selected.withLock { $0 = kernel }
        return kernel
    }
}
