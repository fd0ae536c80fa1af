import Basics
import Foundation

/// A command's output directory, written whole or not at all (`AtomicDirectory`), so a failed
/// command never leaves a half-written model or adapter behind.
enum OutputDirectory {
    static func write(_ path: String, _ body: (URL) throws -> Void) throws {
        let destination = URL(fileURLWithPath: path).standardizedFileURL
        if FileManager.default.fileExists(atPath: destination.path) {
            throw CLIError.invalid("\(path) already exists; choose a new directory")
        }
        do throws(AtomicWriteError<any Error>) {
            try AtomicDirectory.write(to: destination, options: .init(createsParentDirectories: true)) { (staging: URL) throws in try body(staging) }
        } catch {
            switch error {
            case .body(let failure): throw failure
            case .fileSystem(let failure): throw CLIError(code: .failure, message: "cannot write \(path): \(failure.detail)")
            }
        }
    }
}
