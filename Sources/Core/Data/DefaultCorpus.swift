import Foundation

/// The built-in corpus: the King James Bible from Debian's `bible-kjv` package (public domain,
/// about 4.3 MB), converted once into a plain-text cache file.
public enum DefaultCorpus {
    /// `$XDG_CACHE_HOME/qscope/kjv.txt`, else `~/.cache/qscope/kjv.txt`.
    public static var cachePath: String {
        let env = ProcessInfo.processInfo.environment
        let base = env["XDG_CACHE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() as NSString).appendingPathComponent(".cache")
        return (base as NSString).appendingPathComponent("qscope/kjv.txt")
    }

    static let biblePaths = ["/usr/bin/bible", "/usr/games/bible", "/usr/local/bin/bible"]

    /// Loads the cache, building it first from the `bible` program when it is missing.
    public static func load() throws -> Corpus {
        let path = cachePath
        if !FileManager.default.fileExists(atPath: path) { try build(at: path) }
        return try Corpus.load(path: path, name: "kjv")
    }

    /// Runs `bible -f Gen1:1-Rev22:21`, drops each verse's reference ("Ge1:1 "), and writes the
    /// text atomically so an interrupted build never leaves a partial cache.
    public static func build(at path: String) throws {
        guard let bible = biblePaths.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw QScopeError.badInput(
                "the default corpus needs the bible-kjv package: run `make run` (it installs it) "
                    + "or `apt-get install bible-kjv`, or pass --corpus PATH")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: bible)
        process.arguments = ["-f", "Gen1:1-Rev22:21"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch {
            throw QScopeError.runtime("cannot run \(bible): \(error.localizedDescription)")
        }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, !output.isEmpty else {
            throw QScopeError.runtime("\(bible) failed (exit \(process.terminationStatus)); reinstall bible-kjv or pass --corpus PATH")
        }
        var text = [UInt8]()
        text.reserveCapacity(output.count)
        for line in output.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            let verse = line.firstIndex(of: UInt8(ascii: " ")).map { line[(line.index(after: $0))...] } ?? line[...]
            text += verse
            text.append(UInt8(ascii: "\n"))
        }
        try AtomicFile.write(Data(text), to: path)
    }
}

extension Corpus {
    /// The corpus a run names: the UTF-8 file at `path`, or the built-in default for nil.
    public static func named(_ path: String?) throws -> Corpus {
        try path.map { try Corpus.load(path: $0) } ?? DefaultCorpus.load()
    }
}
