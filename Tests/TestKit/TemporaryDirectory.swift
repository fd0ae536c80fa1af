import Foundation

/// A fresh directory under the system's temporary folder, removed with everything in it (files
/// a test made read-only included) when the value dies or `remove()` is called.
public final class TemporaryDirectory: Sendable {
    public let url: URL

    public init(prefix: String = "iopo-test") {
        url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { remove() }

    public func remove() {
        let manager = FileManager.default
        guard manager.fileExists(atPath: url.path) else { return }
        // The store makes its objects and folders read-only; give the owner write back first.
        if let walker = manager.enumerator(atPath: url.path) {
            for case let relative as String in walker {
                let path = url.appendingPathComponent(relative).path
                if let mode = (try? manager.attributesOfItem(atPath: path))?[.posixPermissions] as? Int {
                    try? manager.setAttributes([.posixPermissions: mode | 0o700], ofItemAtPath: path)
                }
            }
        }
        try? manager.setAttributes([.posixPermissions: 0o700], ofItemAtPath: url.path)
        try? manager.removeItem(at: url)
    }

    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }
    public func path(_ name: String) -> String { file(name).path }

    /// Writes `text` to `name` (folders created as needed).
    public func write(_ text: String, to name: String) throws {
        let target = file(name)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: target)
    }

    /// The text of `name`, or "" when it cannot be read.
    public func read(_ name: String) -> String { (try? String(contentsOf: file(name), encoding: .utf8)) ?? "" }
}
