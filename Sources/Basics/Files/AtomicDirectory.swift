// A directory tree published whole or not at all, by the protocol of AtomicFile.swift applied to
// a directory: the caller fills a hidden staging sibling (`.<name>.partial-<pid>-<random hex>`);
// then the file system is flushed once (syncfs: every file of the tree durable, however it was
// written), the staging directory is renamed to the destination, and the parent directory is
// fsynced. On any error the staging tree is removed. Used for `store get`, command output
// directories, the synthetic dataset and training checkpoints.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Atomic, durable creation of a directory tree.
public enum AtomicDirectory {
    /// How the destination is treated.
    public struct Options: Sendable {
        /// Whether to create missing directories above the destination.
        public var createsParentDirectories: Bool
        /// Whether an existing destination is replaced (it is moved aside, the new tree renamed
        /// in, then the old one removed). Otherwise the destination must not exist or be empty,
        /// which callers check first to say so in their own words.
        public var replacesExisting: Bool

        public init(createsParentDirectories: Bool = false, replacesExisting: Bool = false) {
            self.createsParentDirectories = createsParentDirectories
            self.replacesExisting = replacesExisting
        }
    }

    /// Creates the directory `destination` from what `body` puts in the staging directory it is
    /// given, and returns what `body` returns.
    @discardableResult
    public static func write<Result, Failure: Error>(
        to destination: URL, options: Options = Options(), _ body: (URL) throws(Failure) -> Result
    ) throws(AtomicWriteError<Failure>) -> Result {
        let path = destination.path
        let parent = AtomicFile.directory(of: path)
        if options.createsParentDirectories {
            do {
                try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
            } catch {
                throw .fileSystem(FileSystemError(path: path, detail: "cannot create the directory \(parent): \(error.localizedDescription)"))
            }
        }
        let staging = AtomicFile.temporaryName(for: path)
        if mkdir(staging, 0o777) != 0 { throw .fileSystem(.fromErrno(path, "cannot create the staging directory \(staging)")) }
        let result: Result
        do throws(Failure) {
            result = try body(URL(fileURLWithPath: staging, isDirectory: true))
        } catch {
            removeTree(staging)
            throw .body(error)
        }
        do throws(FileSystemError) {
            try AtomicFile.syncFileSystem(containing: staging, for: path)
            try publish(staging, at: path, replacing: options.replacesExisting)
        } catch {
            removeTree(staging)
            throw .fileSystem(error)
        }
        return result
    }

    /// Renames the finished staging tree to `path` and makes the rename durable.
    private static func publish(_ staging: String, at path: String, replacing: Bool) throws(FileSystemError) {
        var status = stat()
        var displaced: String?
        if replacing && lstat(path, &status) == 0 {
            let aside = AtomicFile.temporaryName(for: path)
            if rename(path, aside) != 0 { throw .fromErrno(path, "cannot move the existing \(path) aside") }
            displaced = aside
        }
        if rename(staging, path) != 0 {
            let failure = FileSystemError.fromErrno(path, "cannot rename \(staging) into place")
            if let displaced { _ = rename(displaced, path) }
            throw failure
        }
        try AtomicFile.syncDirectory(AtomicFile.directory(of: path), for: path)
        if let displaced { removeTree(displaced) }
    }

    /// Removes a tree, first making its directories writable (a tree restored with read-only
    /// directories could not be emptied otherwise). Links are removed, never followed.
    static func removeTree(_ path: String) {
        chmod(path, 0o755)
        if let walker = FileManager.default.enumerator(atPath: path) {
            while let item = walker.nextObject() as? String {
                let child = path + "/" + item
                var status = stat()
                if lstat(child, &status) == 0, status.st_mode & S_IFMT == S_IFDIR { chmod(child, 0o755) }
            }
        }
        try? FileManager.default.removeItem(atPath: path)
    }
}
