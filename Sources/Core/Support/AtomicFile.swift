import Foundation

/// Writes files so that readers see either the old content or the new, never a partial file.
public enum AtomicFile {
    /// Writes `data` to a temporary file beside `path`, then renames it over `path`.
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let temp = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
            try data.write(to: temp)
            if rename(temp.path, url.path) != 0 {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(at: temp)
                throw QScopeError.runtime("cannot write \(path): \(reason)")
            }
        } catch let error as QScopeError {
            throw error
        } catch {
            throw QScopeError.runtime("cannot write \(path): \(error.localizedDescription)")
        }
    }
}
