import Foundation

/// Reads the files a user names (corpora, run files, themes, replay cases, checkpoints) only
/// when they are regular files of a sane size: a FIFO would block forever, `/dev/zero` would
/// fill memory, and a 30 MB theme would stall the screen.
public enum TextFile {
    /// The bytes of the regular file at `path` (symlinks followed), at most `limit` bytes;
    /// `what` names the file's role in errors (`corpus`, `theme file`).
    public static func read(_ path: String, limit: Int, what: String) throws -> Data {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let reason = errno == ENOENT ? "not found" : String(cString: strerror(errno))
            throw QScopeError.badInput("\(what) \(path): \(reason)")
        }
        let type = info.st_mode & S_IFMT
        guard type == S_IFREG else {
            let kind = type == S_IFDIR ? "a directory" : type == S_IFIFO ? "a FIFO" : "a device or socket"
            throw QScopeError.badInput("\(what) \(path) is \(kind), not a regular file")
        }
        guard Int(info.st_size) <= limit else {
            throw QScopeError.badInput("\(what) \(path) is \(info.st_size) bytes; the limit is \(limit)")
        }
        // O_NONBLOCK: should the file be swapped for a FIFO after the check, the read returns.
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw QScopeError.badInput("cannot read \(what) \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var data = Data(), chunk = [UInt8](repeating: 0, count: 1 << 16)
        while data.count <= limit {
            let count = chunk.withUnsafeMutableBytes { Foundation.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            data.append(contentsOf: chunk[0..<count])
        }
        guard data.count <= limit else {
            throw QScopeError.badInput("\(what) \(path) grew past the limit of \(limit) bytes while being read")
        }
        return data
    }

    /// `text` cut to `length` characters with an ellipsis, for echoing user input in errors.
    public static func excerpt(_ text: some StringProtocol, length: Int = 80) -> String {
        text.count <= length ? String(text) : String(text.prefix(length)) + "…"
    }
}
