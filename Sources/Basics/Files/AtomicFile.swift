// The one way iopo-exp publishes a file, so that a reader sees the old file or the complete new
// one and never part of one, whatever happens to the writer or the machine:
//
//   1. the bytes go to a new temporary file, `.<name>.partial-<pid>-<random hex>`, in the
//      destination's directory (or in a directory the caller names on the same file system: the
//      store keeps its temporaries in `tmp/`, where `verify` counts and `gc` removes leftovers);
//   2. the temporary file is fsynced, so its bytes are durable before any name points at them;
//   3. it is renamed over the destination (rename(2) replaces in one step);
//   4. the destination's directory is fsynced, so the rename itself survives a power loss.
//
// On any error the temporary file is removed and the destination is left as it was.
//
// Batches (the store's chunks of one large file) skip the per-file fsyncs: `stage` does step 1
// only, and `publish` flushes the whole file system once (syncfs), renames every staged file,
// and flushes once more; two device flushes instead of one per file and per directory.

import CFileSync
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Atomic, durable file creation; see the file's header for the protocol.
public enum AtomicFile {
    /// Where the temporary file goes and what the new file looks like.
    public struct Options: Sendable {
        /// The directory of the temporary file (nil: the destination's); it must be on the
        /// destination's file system, or the rename fails.
        public var temporaryDirectory: String?
        /// Whether to create the destination's directory (one level) when it is missing.
        public var createsParentDirectory: Bool
        /// Permission bits of the new file, less the umask.
        public var permissions: mode_t

        public init(temporaryDirectory: String? = nil, createsParentDirectory: Bool = false, permissions: mode_t = 0o644) {
            self.temporaryDirectory = temporaryDirectory
            self.createsParentDirectory = createsParentDirectory
            self.permissions = permissions
        }
    }

    /// Creates or replaces `path` with what `body` appends to the temporary file, and returns
    /// what `body` returns. A failure of `body` is rethrown as `.body`, after the temporary file
    /// is removed.
    @discardableResult
    public static func write<Result, Failure: Error>(
        to path: String, options: Options = Options(), _ body: (inout FileWriter) throws(Failure) -> Result
    ) throws(AtomicWriteError<Failure>) -> Result {
        let (staged, result) = try writeTemporary(for: path, options: options, syncing: true, body)
        do throws(FileSystemError) {
            let createdParent = try staged.rename()
            let parent = directory(of: path)
            try syncDirectory(parent, for: path)
            if createdParent { try syncDirectory(directory(of: parent), for: path) }
        } catch {
            throw .fileSystem(error)
        }
        return result
    }

    /// Creates or replaces `path` with `bytes`.
    public static func write(_ bytes: some ContiguousBytes, to path: String, options: Options = Options()) throws(FileSystemError) {
        var failure: FileSystemError?
        bytes.withUnsafeBytes { raw in
            do throws(AtomicWriteError<FileSystemError>) {
                try write(to: path, options: options) { (file: inout FileWriter) throws(FileSystemError) in try file.append(raw) }
            } catch {
                failure = error.fileSystemError
            }
        }
        if let failure { throw failure }
    }

    /// Writes a temporary file for `path` without syncing it and without making it visible;
    /// `publish` finishes a batch of them.
    public static func stage<Failure: Error>(
        to path: String, options: Options = Options(), _ body: (inout FileWriter) throws(Failure) -> Void
    ) throws(AtomicWriteError<Failure>) -> StagedFile {
        try writeTemporary(for: path, options: options, syncing: false, body).staged
    }

    /// Makes staged files durable with one file-system flush, renames each into place (so each
    /// becomes visible only when its bytes are durable), then flushes again for the renames. On a
    /// failure the files not yet renamed are removed; those already renamed are complete.
    public static func publish(_ staged: [StagedFile]) throws(FileSystemError) {
        guard let first = staged.first else { return }
        let temporaryDirectory = directory(of: first.temporaryPath)
        do throws(FileSystemError) {
            try syncFileSystem(containing: temporaryDirectory, for: first.path)
            for file in staged { _ = try file.rename() }
            try syncFileSystem(containing: temporaryDirectory, for: first.path)
        } catch {
            discard(staged)
            throw error
        }
    }

    /// Removes the temporary files of staged files that will not be published.
    public static func discard(_ staged: [StagedFile]) {
        for file in staged { unlink(file.temporaryPath) }
    }

    private static func writeTemporary<Result, Failure: Error>(
        for path: String, options: Options, syncing: Bool, _ body: (inout FileWriter) throws(Failure) -> Result
    ) throws(AtomicWriteError<Failure>) -> (staged: StagedFile, result: Result) {
        let temporaryPath = temporaryName(for: path, in: options.temporaryDirectory)
        var file: FileWriter
        do throws(FileSystemError) {
            file = try FileWriter(creating: temporaryPath, permissions: options.permissions)
        } catch {
            throw .fileSystem(FileSystemError(path: path, detail: "\(temporaryPath): \(error.detail)"))
        }
        let result: Result
        do throws(Failure) {
            result = try body(&file)
        } catch {
            unlink(temporaryPath)
            throw .body(error)
        }
        do throws(FileSystemError) {
            try file.close(syncing: syncing)
        } catch {
            unlink(temporaryPath)
            throw .fileSystem(FileSystemError(path: path, detail: "\(temporaryPath): \(error.detail)"))
        }
        let staged = StagedFile(path: path, temporaryPath: temporaryPath, size: file.count,
                                createsParentDirectory: options.createsParentDirectory)
        return (staged, result)
    }

    /// A hidden sibling name (or a name in `directory`) no other writer uses: the process id keeps
    /// live processes apart, the random part threads and dead processes' leftovers.
    static func temporaryName(for path: String, in directory: String? = nil) -> String {
        let name = String((path.split(separator: "/").last ?? "file").prefix(100))
        let random = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        return join(directory ?? self.directory(of: path), ".\(name).partial-\(getpid())-\(random)")
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// Flushes a directory's entries (the renames into it) to stable storage.
    static func syncDirectory(_ directory: String, for path: String) throws(FileSystemError) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if descriptor < 0 { throw .fromErrno(path, "cannot open the directory \(directory) to sync it") }
        defer { close(descriptor) }
        if fsync(descriptor) != 0 { throw .fromErrno(path, "fsync of the directory \(directory) failed") }
    }

    /// Flushes the whole file system holding `directory` to stable storage.
    static func syncFileSystem(containing directory: String, for path: String) throws(FileSystemError) {
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if descriptor < 0 { throw .fromErrno(path, "cannot open \(directory) to sync its file system") }
        defer { close(descriptor) }
        if iopo_syncfs(descriptor) != 0 { throw .fromErrno(path, "syncfs of \(directory) failed") }
    }
}

/// A written but not yet visible file (see `AtomicFile.stage`).
public struct StagedFile: Sendable {
    /// Where the file will appear.
    public let path: String
    public let temporaryPath: String
    /// Bytes written.
    public let size: Int
    let createsParentDirectory: Bool

    /// Renames the temporary file into place, first creating the directory if asked; removes the
    /// temporary file if that fails. Returns whether it created the directory.
    func rename() throws(FileSystemError) -> Bool {
        var createdParent = false
        if createsParentDirectory {
            let parent = AtomicFile.directory(of: path)
            if mkdir(parent, 0o755) == 0 {
                createdParent = true
            } else if errno != EEXIST {
                let failure = FileSystemError.fromErrno(path, "cannot create the directory \(parent)")
                unlink(temporaryPath)
                throw failure
            }
        }
        if Glibc.rename(temporaryPath, path) != 0 {
            let failure = FileSystemError.fromErrno(path, "cannot rename \(temporaryPath) into place")
            unlink(temporaryPath)
            throw failure
        }
        return createdParent
    }
}

/// The failure of an atomic write: the file system's, or the one the caller's body threw.
public enum AtomicWriteError<Failure: Error>: Error {
    case fileSystem(FileSystemError)
    case body(Failure)
}

extension AtomicWriteError {
    /// The failure itself, for callers that throw untyped errors.
    public var failure: any Error {
        switch self {
        case .fileSystem(let failure): failure
        case .body(let failure): failure
        }
    }
}

extension AtomicWriteError where Failure == FileSystemError {
    /// Either failure, when the body's are file system failures too.
    public var fileSystemError: FileSystemError {
        switch self {
        case .fileSystem(let failure), .body(let failure): failure
        }
    }
}
