import Foundation

/// Writes files so that readers see either the old content or the new, never a partial file.
public enum AtomicFile {
    /// Writes `data` to a fresh temporary file beside `path` (created exclusively, so nothing
    /// planted at its name is followed or overwritten), flushes it to disk, then renames it over
    /// `path`. On any failure the temporary file is removed and `path` keeps its old content.
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        func fail(_ reason: String) -> QScopeError { .runtime("cannot write \(path): \(reason)") }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw fail(error.localizedDescription)
        }
        let prefix = ".\(url.lastPathComponent).tmp-"
        removeAbandoned(prefix: prefix, in: directory)
        // mkstemp opens with O_CREAT|O_EXCL (mode 0600), so a symlink or file already at the
        // name makes it pick another name rather than write through it. The pid in the name
        // lets a later write recognise the file of a writer that was killed.
        var template = Array((directory + "/" + prefix + "\(getpid())-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw fail(String(cString: strerror(errno))) }
        let temp = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var closed = false
        defer {
            if !closed { close(descriptor) }
        }
        do {
            try writeAll(data, to: descriptor)
            fchmod(descriptor, 0o644)
            guard fsync(descriptor) == 0 else { throw fail(String(cString: strerror(errno))) }
            closed = true
            guard close(descriptor) == 0 else { throw fail(String(cString: strerror(errno))) }
            guard rename(temp, path) == 0 else { throw fail(String(cString: strerror(errno))) }
        } catch {
            unlink(temp)
            throw error
        }
        // The rename itself is durable once the directory is.
        let directoryDescriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }

    /// Removes temporary files of `prefix` whose writing process no longer exists (killed
    /// between creating the file and renaming it).
    private static func removeAbandoned(prefix: String, in directory: String) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] where name.hasPrefix(prefix) {
            let owner = name.dropFirst(prefix.count).prefix { $0.isNumber }
            guard let pid = Int32(owner), pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            unlink(directory + "/" + name)
        }
    }

    /// Writes every byte, retrying short and interrupted writes; a full disk is an error.
    private static func writeAll(_ data: Data, to descriptor: Int32) throws {
        try data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw QScopeError.runtime(String(cString: strerror(errno)))
                }
                offset += written
            }
        }
    }
}
