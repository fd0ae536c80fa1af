import Foundation

/// The repository's root and the real-data folder the tests read: `$IOPO_DATA_DIR`, else
/// `../shared/data` beside the repository. Tests that need a file skip, saying where they
/// looked, when it is absent (CI always has it).
public enum SharedData {
    /// The repository root, from this file's path (Tests/TestKit/SharedData.swift).
    public static let repositoryRoot = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static var directory: URL {
        if let explicit = ProcessInfo.processInfo.environment["IOPO_DATA_DIR"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit)
        }
        return repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared/data")
    }

    /// `relative` inside the data folder, or nil (after printing why the caller skips) when the
    /// file is not there.
    public static func file(_ relative: String) -> URL? {
        let url = directory.appendingPathComponent(relative)
        if FileManager.default.fileExists(atPath: url.path) { return url }
        print("skipping: real data not found at \(url.path) (set IOPO_DATA_DIR to the shared data folder)")
        return nil
    }

    /// Whether `relative` is in the data folder, for `.enabled(if:)` traits.
    public static func has(_ relative: String) -> Bool { file(relative) != nil }
}
