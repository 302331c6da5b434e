import Foundation

/// A byte-level text corpus split into training and held-out validation bytes.
///
/// Tokens are bytes (vocabulary 256), so any UTF-8 text is a corpus. The split is by chunks:
/// every tenth chunk is held out, so validation text comes from all over the corpus rather than
/// only its end (for the Bible, the last 10% would be Revelation alone).
public struct Corpus: Sendable {
    public let name: String
    public let train: [UInt8]
    public let validation: [UInt8]

    /// The smallest corpus accepted: enough for a few distinct training windows and a validation
    /// chunk longer than any sequence.
    public static let minimumBytes = 4096

    public init(name: String, text: [UInt8]) throws {
        guard text.count >= Self.minimumBytes else {
            throw QScopeError.badInput(
                "corpus \(name) is too small (\(text.count) bytes); need at least \(Self.minimumBytes) bytes of text")
        }
        let chunk = min(64 * 1024, text.count / 20)
        var train: [UInt8] = [], validation: [UInt8] = []
        train.reserveCapacity(text.count)
        var index = 0, start = 0
        while start < text.count {
            let end = min(start + chunk, text.count)
            if index % 10 == 9 { validation += text[start..<end] } else { train += text[start..<end] }
            index += 1
            start = end
        }
        self.name = name
        self.train = train
        self.validation = validation
    }

    /// Reads a UTF-8 text file. A missing, empty, binary or too-small file is a `badInput` error
    /// naming the file and what to do.
    public static func load(path: String, name: String? = nil) throws -> Corpus {
        let url = URL(fileURLWithPath: path)
        let data = try TextFile.read(path, limit: 1 << 31, what: "corpus")
        guard !data.isEmpty else { throw QScopeError.badInput("corpus \(path) is empty") }
        let bytes = [UInt8](data)
        if let offset = bytes.firstIndex(of: 0) {
            throw QScopeError.badInput("corpus \(path) is binary (NUL byte at offset \(offset)); pass a UTF-8 text file")
        }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw QScopeError.badInput("corpus \(path) is not valid UTF-8 text; pass a UTF-8 text file")
        }
        return try Corpus(name: name ?? url.lastPathComponent, text: bytes)
    }
}
