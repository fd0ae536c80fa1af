// The atomic writers and the memory-mapped reader: what a reader can see, what is left behind on
// success and on every kind of failure, and which path an error names.

import Basics
import Foundation
import Testing

/// A fresh directory, removed (read-only subdirectories included) when the value dies.
final class ScratchDirectory {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "iopo-basics-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit {
        _ = try? Process.run(URL(fileURLWithPath: "/bin/chmod"), arguments: ["-R", "u+rwx", path]).waitUntilExit()
        try? FileManager.default.removeItem(atPath: path)
    }
    func file(_ name: String) -> String { path + "/" + name }
    func names(_ sub: String = "") throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: sub.isEmpty ? path : file(sub)).sorted()
    }
    func text(_ name: String) throws -> String { try String(contentsOfFile: file(name), encoding: .utf8) }
}

struct Refusal: Error, Equatable {}

@Suite struct AtomicFileTests {
    @Test func writesTheBytesAndLeavesNoTemporary() throws {
        let scratch = try ScratchDirectory()
        try AtomicFile.write(Array("hello".utf8), to: scratch.file("a.txt"))
        #expect(try scratch.text("a.txt") == "hello")
        #expect(try scratch.names() == ["a.txt"])
    }

    @Test func replacesByRenameSoReadersOfTheOldFileKeepIt() throws {
        let scratch = try ScratchDirectory()
        try AtomicFile.write(Array("old".utf8), to: scratch.file("a.txt"))
        let reader = try #require(FileHandle(forReadingAtPath: scratch.file("a.txt")))
        defer { try? reader.close() }
        try AtomicFile.write(Data("new and longer".utf8), to: scratch.file("a.txt"))
        // The old file was never truncated or rewritten in place: an open reader still sees it whole.
        #expect(String(decoding: try reader.readToEnd() ?? Data(), as: UTF8.self) == "old")
        #expect(try scratch.text("a.txt") == "new and longer")
        #expect(try scratch.names() == ["a.txt"])
    }

    @Test func aFailingBodyLeavesTheOldFileAndNoTemporary() throws {
        let scratch = try ScratchDirectory()
        try AtomicFile.write(Array("old".utf8), to: scratch.file("a.txt"))
        let error = #expect(throws: AtomicWriteError<Refusal>.self) {
            try AtomicFile.write(to: scratch.file("a.txt")) { (file: inout FileWriter) throws(Refusal) in
                try? file.append(Array("half".utf8))
                throw Refusal()
            }
        }
        guard case .body(let refusal)? = error else { Issue.record("expected the body's error, got \(String(describing: error))"); return }
        #expect(refusal == Refusal())
        #expect(try scratch.text("a.txt") == "old")
        #expect(try scratch.names() == ["a.txt"])
    }

    @Test func errorsNameTheDestination() throws {
        let scratch = try ScratchDirectory()
        let missing = scratch.file("absent/a.txt")
        let error = #expect(throws: FileSystemError.self) { try AtomicFile.write(Array("x".utf8), to: missing) }
        #expect(error?.path == missing)
        #expect(error?.detail.hasPrefix(scratch.file("absent/.a.txt.partial-\(getpid())-")) == true)
        #expect(error?.detail.hasSuffix("No such file or directory") == true)
        #expect(error?.description.hasPrefix(missing + ": ") == true)

        // The rename fails (a directory is in the way): the temporary goes, the error says where.
        try FileManager.default.createDirectory(atPath: scratch.file("d/inside"), withIntermediateDirectories: true)
        let blocked = #expect(throws: FileSystemError.self) { try AtomicFile.write(Array("x".utf8), to: scratch.file("d")) }
        #expect(blocked?.path == scratch.file("d"))
        #expect(blocked?.detail.contains("cannot rename") == true)
        #expect(try scratch.names() == ["d"])
        #expect(try scratch.names("d") == ["inside"])
    }

    @Test func returnsWhatTheBodyReturns() throws {
        let scratch = try ScratchDirectory()
        let count = try AtomicFile.write(to: scratch.file("b.bin")) { (file: inout FileWriter) throws(FileSystemError) -> Int in
            try file.append([1, 2, 3])
            try file.append(Array(repeating: 9, count: 1000))
            return file.count
        }
        #expect(count == 1003)
        #expect(try MappedFile.contents(of: scratch.file("b.bin")) == [1, 2, 3] + Array(repeating: 9, count: 1000))
    }

    @Test func temporariesCanLiveInAnotherDirectoryAndParentsBeCreated() throws {
        let scratch = try ScratchDirectory()
        try FileManager.default.createDirectory(atPath: scratch.file("tmp"), withIntermediateDirectories: false)
        let options = AtomicFile.Options(temporaryDirectory: scratch.file("tmp"), createsParentDirectory: true)
        try AtomicFile.write(Array("x".utf8), to: scratch.file("ab/object"), options: options)
        #expect(try scratch.text("ab/object") == "x")
        #expect(try scratch.names("tmp").isEmpty)
        #expect(throws: AtomicWriteError<Refusal>.self) {
            try AtomicFile.write(to: scratch.file("ab/other"), options: options) { (_: inout FileWriter) throws(Refusal) in throw Refusal() }
        }
        #expect(try scratch.names("tmp").isEmpty)
        #expect(try scratch.names("ab") == ["object"])
    }

    @Test func stagedFilesAppearOnlyWhenPublished() throws {
        let scratch = try ScratchDirectory()
        try FileManager.default.createDirectory(atPath: scratch.file("tmp"), withIntermediateDirectories: false)
        let options = AtomicFile.Options(temporaryDirectory: scratch.file("tmp"), createsParentDirectory: true)
        let staged = try (0..<3).map { index throws(AtomicWriteError<FileSystemError>) in
            try AtomicFile.stage(to: scratch.file("o\(index)/chunk"), options: options) { (file: inout FileWriter) throws(FileSystemError) in
                try file.append([UInt8(index)])
            }
        }
        #expect(staged.map(\.size) == [1, 1, 1])
        #expect(try scratch.names() == ["tmp"])
        #expect(try scratch.names("tmp").count == 3)
        try AtomicFile.publish(staged)
        #expect(try scratch.names() == ["o0", "o1", "o2", "tmp"])
        #expect(try MappedFile.contents(of: scratch.file("o2/chunk")) == [2])
        #expect(try scratch.names("tmp").isEmpty)

        let dropped = try AtomicFile.stage(to: scratch.file("never"), options: options) { (_: inout FileWriter) throws(FileSystemError) in }
        AtomicFile.discard([dropped])
        #expect(try scratch.names("tmp").isEmpty && !FileManager.default.fileExists(atPath: scratch.file("never")))
    }

    @Test func aFailedPublishRemovesWhatWasNotRenamed() throws {
        let scratch = try ScratchDirectory()
        try FileManager.default.createDirectory(atPath: scratch.file("tmp"), withIntermediateDirectories: false)
        let options = AtomicFile.Options(temporaryDirectory: scratch.file("tmp"))
        func stage(_ name: String) throws -> StagedFile {
            try AtomicFile.stage(to: scratch.file(name), options: options) { (_: inout FileWriter) throws(FileSystemError) in }
        }
        // The second one's directory does not exist, and it may not be created.
        let staged = try [stage("good"), stage("absent/lost"), stage("late")]
        let error = #expect(throws: FileSystemError.self) { try AtomicFile.publish(staged) }
        #expect(error?.path == scratch.file("absent/lost"))
        #expect(try scratch.names() == ["good", "tmp"])
        #expect(try scratch.names("tmp").isEmpty)
    }

    @Test func fileWriterSetsExactPermissionsAndRefusesWritesAfterClose() throws {
        let scratch = try ScratchDirectory()
        var file = try FileWriter(creating: scratch.file("f"), permissions: 0o600)
        try file.append([1])
        try file.setPermissions(0o640)
        try file.close(syncing: true)
        let mode = try #require(FileManager.default.attributesOfItem(atPath: scratch.file("f"))[.posixPermissions] as? Int)
        #expect(mode == 0o640)
        #expect(throws: FileSystemError(path: scratch.file("f"), detail: "write after close")) { try file.append([2]) }
        #expect(throws: FileSystemError.self) { _ = try FileWriter(creating: scratch.file("f")) }
    }
}

@Suite struct AtomicDirectoryTests {
    @Test func publishesTheWholeTreeAndLeavesNoStaging() throws {
        let scratch = try ScratchDirectory()
        let destination = URL(fileURLWithPath: scratch.file("deep/out"))
        let count = try AtomicDirectory.write(to: destination, options: .init(createsParentDirectories: true)) { (staging: URL) throws in
            try FileManager.default.createDirectory(at: staging.appendingPathComponent("sub"), withIntermediateDirectories: false)
            try Data("a".utf8).write(to: staging.appendingPathComponent("sub/a.txt"))
            return 1
        }
        #expect(count == 1)
        #expect(try scratch.text("deep/out/sub/a.txt") == "a")
        #expect(try scratch.names("deep") == ["out"])
    }

    @Test func aFailingBodyRemovesTheStagingTreeEvenReadOnly() throws {
        let scratch = try ScratchDirectory()
        let error = #expect(throws: AtomicWriteError<any Error>.self) {
            try AtomicDirectory.write(to: URL(fileURLWithPath: scratch.file("out"))) { (staging: URL) throws in
                let locked = staging.appendingPathComponent("locked")
                try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: false)
                try Data("x".utf8).write(to: locked.appendingPathComponent("x"))
                chmod(locked.path, 0o500)
                throw Refusal()
            }
        }
        guard case .body(let failure)? = error else { Issue.record("expected the body's error"); return }
        #expect(failure is Refusal)
        #expect(try scratch.names().isEmpty)
    }

    @Test func replacesAnExistingTreeOnlyWhenAsked() throws {
        let scratch = try ScratchDirectory()
        let destination = URL(fileURLWithPath: scratch.file("step-1"))
        func fill(_ text: String) -> (URL) throws -> Void {
            { staging in try Data(text.utf8).write(to: staging.appendingPathComponent("state")) }
        }
        try AtomicDirectory.write(to: destination, fill("first"))
        let refused = #expect(throws: AtomicWriteError<any Error>.self) { try AtomicDirectory.write(to: destination, fill("second")) }
        guard case .fileSystem(let failure)? = refused else { Issue.record("expected a file system error"); return }
        #expect(failure.path == destination.path)
        #expect(try scratch.text("step-1/state") == "first")
        #expect(try scratch.names() == ["step-1"])
        try AtomicDirectory.write(to: destination, options: .init(replacesExisting: true), fill("third"))
        #expect(try scratch.text("step-1/state") == "third")
        #expect(try scratch.names() == ["step-1"])
    }
}

@Suite struct MappedFileTests {
    @Test func readsWhatWasWritten() throws {
        let scratch = try ScratchDirectory()
        let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try AtomicFile.write(bytes, to: scratch.file("m"))
        let mapped = try MappedFile(path: scratch.file("m"))
        #expect(mapped.path == scratch.file("m"))
        #expect(Array(mapped.bytes) == bytes)
    }

    @Test func anEmptyFileMapsToNoBytes() throws {
        let scratch = try ScratchDirectory()
        try AtomicFile.write([UInt8](), to: scratch.file("empty"))
        #expect(try MappedFile(path: scratch.file("empty")).bytes.isEmpty)
        #expect(try MappedFile.contents(of: scratch.file("empty")) == [])
    }

    @Test func missingFilesAndDirectoriesAreErrorsThatNameThePath() throws {
        let scratch = try ScratchDirectory()
        #expect(throws: FileSystemError(path: scratch.file("absent"), detail: "cannot open: No such file or directory")) {
            _ = try MappedFile(path: scratch.file("absent"))
        }
        #expect(throws: FileSystemError(path: scratch.path, detail: "not a regular file")) {
            _ = try MappedFile(path: scratch.path)
        }
    }
}
