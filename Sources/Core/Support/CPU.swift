import Foundation

/// Facts about the processor, for figures that must say where they were measured.
public enum CPU {
    /// `/proc/cpuinfo`'s model name (e.g. `AMD EPYC`), or `unknown CPU` where it cannot be read.
    public static let modelName: String = {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
              let colon = line.firstIndex(of: ":") else { return "unknown CPU" }
        return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
    }()
}
