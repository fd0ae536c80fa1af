import Foundation
import CGit2
import GRDB

/// The state of the source tree a run came from: HEAD, branch, remote, whether the work tree
/// differs from HEAD, the untracked files, and the uncommitted diff (stored as an object).
public struct GitSnapshot: Codable, Equatable, Sendable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "git_snapshots"

    public var id: Int64?
    /// False when the directory is not inside a git repository; the other fields are then empty.
    public var inRepository: Bool
    public var commit: String?
    public var branch: String?
    public var remote: String?
    /// Tracked files differ from HEAD (in the index or the work tree).
    public var dirty: Bool
    /// Untracked, not ignored files, as a JSON list of paths.
    public var untracked: [String]
    /// Store id of the patch from HEAD to the work tree, when there is one.
    public var diffObject: String?
    public var workdir: String?

    enum CodingKeys: String, CodingKey {
        case id, commit, branch, remote, dirty, untracked, workdir
        case inRepository = "in_repository"
        case diffObject = "diff_object"
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    /// A clean tree has no tracked changes and no untracked files.
    public var isClean: Bool { !inRepository || (!dirty && untracked.isEmpty) }
}

/// Errors from reading the git repository.
public enum GitCaptureError: Error, CustomStringConvertible, Sendable {
    case libgit2(call: String, message: String)
    case notClean(modified: Bool, untracked: [String])

    public var description: String {
        switch self {
        case .libgit2(let call, let message): return "git: \(call) failed: \(message)"
        case .notClean(let modified, let untracked):
            var parts: [String] = []
            if modified { parts.append("tracked files have uncommitted changes") }
            if !untracked.isEmpty { parts.append("untracked files: \(untracked.prefix(5).joined(separator: ", "))\(untracked.count > 5 ? ", …" : "")") }
            return "--require-clean: the work tree is not clean (\(parts.joined(separator: "; "))); commit or stash first"
        }
    }
}

/// Reads git state through libgit2.
public enum GitCapture {
    /// Captures the repository containing `directory`. The patch text, when non-empty, is handed
    /// to `storeDiff` (which stores it and returns its id) so the snapshot only names objects
    /// that exist.
    public static func capture(directory: URL, storeDiff: ([UInt8]) throws -> String) throws -> GitSnapshot {
        _ = GitLibrary.shared
        var repository: OpaquePointer?
        let openResult = git_repository_open_ext(&repository, directory.path, 0, nil)
        if openResult == Int32(GIT_ENOTFOUND.rawValue) {
            return GitSnapshot(id: nil, inRepository: false, commit: nil, branch: nil, remote: nil, dirty: false, untracked: [], diffObject: nil, workdir: nil)
        }
        try check(openResult, "git_repository_open_ext")
        defer { git_repository_free(repository) }

        var snapshot = GitSnapshot(id: nil, inRepository: true, commit: nil, branch: nil, remote: nil, dirty: false, untracked: [], diffObject: nil, workdir: nil)
        if let workdir = git_repository_workdir(repository) { snapshot.workdir = String(cString: workdir) }

        // HEAD commit and branch; an unborn branch has a name but no commit.
        var headTree: OpaquePointer?
        defer { if headTree != nil { git_tree_free(headTree) } }
        var head: OpaquePointer?
        let headResult = git_repository_head(&head, repository)
        if headResult == 0 {
            defer { git_reference_free(head) }
            if git_reference_is_branch(head) != 0, let name = git_reference_shorthand(head) { snapshot.branch = String(cString: name) }
            var commitObject: OpaquePointer?
            if git_reference_peel(&commitObject, head, GIT_OBJECT_COMMIT) == 0 {
                defer { git_object_free(commitObject) }
                if let oid = git_object_id(commitObject) { snapshot.commit = oidString(oid) }
                var treeObject: OpaquePointer?
                if git_reference_peel(&treeObject, head, GIT_OBJECT_TREE) == 0 { headTree = treeObject }
            }
        } else {
            var symbolic: OpaquePointer?
            if git_reference_lookup(&symbolic, repository, "HEAD") == 0 {
                defer { git_reference_free(symbolic) }
                if let target = git_reference_symbolic_target(symbolic) {
                    snapshot.branch = String(cString: target).replacingOccurrences(of: "refs/heads/", with: "")
                }
            }
        }

        var remote: OpaquePointer?
        if git_remote_lookup(&remote, repository, "origin") == 0 {
            defer { git_remote_free(remote) }
            if let url = git_remote_url(remote) { snapshot.remote = String(cString: url) }
        }

        // Status: tracked changes make the tree dirty; untracked files are listed.
        var options = git_status_options()
        try check(git_status_options_init(&options, UInt32(GIT_STATUS_OPTIONS_VERSION)), "git_status_options_init")
        options.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR
        options.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED.rawValue | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS.rawValue
            | GIT_STATUS_OPT_EXCLUDE_SUBMODULES.rawValue
        var list: OpaquePointer?
        try check(git_status_list_new(&list, repository, &options), "git_status_list_new")
        defer { git_status_list_free(list) }
        let untrackedFlag = GIT_STATUS_WT_NEW.rawValue
        let ignoredFlag = GIT_STATUS_IGNORED.rawValue
        for index in 0..<git_status_list_entrycount(list) {
            guard let entry = git_status_byindex(list, index) else { continue }
            let status = entry.pointee.status.rawValue
            if status == untrackedFlag {
                if let delta = entry.pointee.index_to_workdir, let path = delta.pointee.new_file.path {
                    snapshot.untracked.append(String(cString: path))
                }
            } else if status & ~ignoredFlag != 0 {
                snapshot.dirty = true
            }
        }
        snapshot.untracked.sort()

        if snapshot.dirty {
            var diff: OpaquePointer?
            try check(git_diff_tree_to_workdir_with_index(&diff, repository, headTree, nil), "git_diff_tree_to_workdir_with_index")
            defer { git_diff_free(diff) }
            var buffer = git_buf()
            try check(git_diff_to_buf(&buffer, diff, GIT_DIFF_FORMAT_PATCH), "git_diff_to_buf")
            defer { git_buf_dispose(&buffer) }
            if buffer.size > 0, let pointer = buffer.ptr {
                let bytes = [UInt8](UnsafeRawBufferPointer(start: pointer, count: buffer.size))
                snapshot.diffObject = try storeDiff(bytes)
            }
        }
        return snapshot
    }

    private static func oidString(_ oid: UnsafePointer<git_oid>) -> String {
        var text = [CChar](repeating: 0, count: 41)
        git_oid_tostr(&text, 41, oid)
        return String(cString: text)
    }

    private static func check(_ result: Int32, _ call: String) throws {
        guard result < 0 else { return }
        let message = git_error_last().map { String(cString: $0.pointee.message) } ?? "error \(result)"
        throw GitCaptureError.libgit2(call: call, message: message)
    }
}

/// libgit2 wants one global initialisation per process.
private final class GitLibrary: Sendable {
    static let shared = GitLibrary()
    private init() { git_libgit2_init() }
}
