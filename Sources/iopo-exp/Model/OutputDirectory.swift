import Foundation

/// A command's output directory, written whole or not at all: the files go into a hidden sibling
/// directory that is renamed to the destination only when everything is written, and removed on
/// any error, so a failed command never leaves a half-written model or adapter behind.
enum OutputDirectory {
    static func write(_ path: String, _ body: (URL) throws -> Void) throws {
        let destination = URL(fileURLWithPath: path).standardizedFileURL
        if FileManager.default.fileExists(atPath: destination.path) {
            throw CLIError.invalid("\(path) already exists; choose a new directory")
        }
        let parent = destination.deletingLastPathComponent()
        do { try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true) } catch {
            throw CLIError(code: .failure, message: "cannot create \(parent.path): \(error.localizedDescription)")
        }
        let staging = parent.appendingPathComponent(".\(destination.lastPathComponent).partial-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: staging) }
        try body(staging)
        do { try FileManager.default.moveItem(at: staging, to: destination) } catch {
            throw CLIError(code: .failure, message: "cannot move the finished output to \(path): \(error.localizedDescription)")
        }
    }
}
