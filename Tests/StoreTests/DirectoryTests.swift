import Foundation
import Testing
@testable import Store
import TestKit

@Suite struct DirectoryTests {
    func makeTree(_ dir: TemporaryDirectory) throws -> String {
        let tree = dir.path("tree")
        let fm = FileManager.default
        try fm.createDirectory(atPath: tree + "/bin", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: tree + "/empty", withIntermediateDirectories: true)
        write(Array("#!/bin/sh\necho hi\n".utf8), to: tree + "/bin/run.sh")
        chmod(tree + "/bin/run.sh", 0o755)
        write(pseudoRandomBytes(300_000, seed: 2), to: tree + "/model.bin")
        chmod(tree + "/model.bin", 0o600)
        try fm.createSymbolicLink(atPath: tree + "/latest", withDestinationPath: "model.bin")
        try fm.createSymbolicLink(atPath: tree + "/outside", withDestinationPath: "/etc")
        return tree
    }

    @Test func directoryRoundTripKeepsModesAndLinks() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        let tree = try makeTree(dir)
        let result = try store.add(path: tree)
        #expect(result.kind == .directory)
        let manifest = try store.manifest(result.id)
        #expect(manifest.entries.map(\.path) == ["bin", "bin/run.sh", "empty", "latest", "model.bin", "outside"])
        // The link to /etc is recorded as a link, never followed into.
        #expect(manifest.entries.first { $0.path == "outside" }?.target == "/etc")
        let out = dir.url.appendingPathComponent("out")
        try store.get(result.id, to: out)
        let fm = FileManager.default
        #expect(fm.contents(atPath: out.path + "/model.bin") == Data(pseudoRandomBytes(300_000, seed: 2)))
        #expect((try fm.attributesOfItem(atPath: out.path + "/bin/run.sh")[.posixPermissions] as? Int) == 0o755)
        #expect((try fm.attributesOfItem(atPath: out.path + "/model.bin")[.posixPermissions] as? Int) == 0o600)
        #expect(try fm.destinationOfSymbolicLink(atPath: out.path + "/latest") == "model.bin")
        #expect(try fm.destinationOfSymbolicLink(atPath: out.path + "/outside") == "/etc")
        var isDirectory: ObjCBool = false
        #expect(fm.fileExists(atPath: out.path + "/empty", isDirectory: &isDirectory) && isDirectory.boolValue)
        // Re-adding the extracted copy gives the same id.
        #expect(try store.add(path: out.path).id == result.id)
    }

    @Test func aTreeIsPublishedTogetherAndCountsRepeatedContentOnce() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        // What one large file stores on its own: its chunks and its chunk list.
        let large = pseudoRandomBytes(300_000, seed: 7)
        write(large, to: dir.path("alone.bin"))
        let otherDir = TemporaryDirectory()
        let alone = try makeStore(otherDir).add(path: dir.path("alone.bin"))
        #expect(alone.newObjects > 2)

        let tree = dir.path("repeats")
        try FileManager.default.createDirectory(atPath: tree + "/again", withIntermediateDirectories: true)
        for name in ["a.txt", "again/a.txt"] { write(Array("same words".utf8), to: tree + "/" + name) }
        for name in ["b.bin", "again/b.bin"] { write(large, to: tree + "/" + name) }
        let result = try store.add(path: tree)
        // One blob, one chunked file, one manifest: later copies reuse what earlier ones staged.
        #expect(result.newObjects == 1 + alone.newObjects + 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.temporaryDirectory.path).isEmpty)
        #expect(try store.verify(deep: true).isClean)
        #expect(try store.add(path: tree).newObjects == 0)

        let out = URL(fileURLWithPath: dir.path("out"))
        try store.get(result.id, to: out)
        #expect(try Data(contentsOf: out.appendingPathComponent("again/b.bin")) == Data(large))
    }

    @Test func getRefusesAnExistingDestination() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        write(Array("x".utf8), to: dir.path("a"))
        let id = try store.add(path: dir.path("a")).id
        #expect { try store.get(id, to: URL(fileURLWithPath: dir.path("a"))) } throws: { error in
            if case .destinationExists = error as? StoreError { return true }
            return false
        }
    }

    @Test func topLevelSymlinkIsRefused() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        try FileManager.default.createSymbolicLink(atPath: dir.path("link"), withDestinationPath: "/etc/passwd")
        #expect(throws: StoreError.self) { try store.add(path: dir.path("link")) }
        #expect(throws: StoreError.self) { try store.add(path: dir.path("missing")) }
    }

    func manifestBytes(_ entries: String) -> [UInt8] {
        Array("{\"entries\":[\(entries)],\"format\":\"iopo-exp/manifest/1\"}".utf8)
    }

    @Test(arguments: [
        ("{\"id\":\"ID\",\"mode\":420,\"path\":\"../x\",\"size\":1,\"type\":\"file\"}", "climbs out"),
        ("{\"id\":\"ID\",\"mode\":420,\"path\":\"/etc/x\",\"size\":1,\"type\":\"file\"}", "absolute"),
        ("{\"id\":\"ID\",\"mode\":420,\"path\":\"a/./b\",\"size\":1,\"type\":\"file\"}", "component"),
        ("{\"path\":\"l\",\"target\":\"/etc\",\"type\":\"symlink\"},{\"id\":\"ID\",\"mode\":420,\"path\":\"l/passwd\",\"size\":1,\"type\":\"file\"}", "below the symbolic link"),
        ("{\"mode\":420,\"path\":\"f\",\"type\":\"file\"}", "lacks an id"),
    ])
    func maliciousManifestsAreRejectedAndWriteNothing(entry: String, reason: String) throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        let blob = try store.put(Array("x".utf8), kind: .blob).id
        let bytes = manifestBytes(entry.replacingOccurrences(of: "ID", with: blob.description))
        let id = try store.put(bytes, kind: .manifest).id
        #expect { try store.manifest(id) } throws: { error in
            guard case .invalidManifest(_, let message) = error as? StoreError else { return false }
            return message.contains(reason)
        }
        let out = URL(fileURLWithPath: dir.path("out"))
        #expect(throws: StoreError.self) { try store.get(id, to: out) }
        #expect(!FileManager.default.fileExists(atPath: out.path))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter { $0.contains("partial") }
        #expect(leftovers.isEmpty)
    }

    @Test func missingChunkFailsGetAndLeavesNothing() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        let tree = try makeTree(dir)
        let result = try store.add(path: tree)
        let modelEntry = try #require(try store.manifest(result.id).entries.first { $0.path == "model.bin" })
        let list = try ChunkList.decode(try store.read(modelEntry.id!).bytes, id: modelEntry.id!)
        try FileManager.default.removeItem(at: store.path(of: list.chunks[1].id))
        let out = URL(fileURLWithPath: dir.path("out"))
        #expect { try store.get(result.id, to: out) } throws: { error in
            if case .missingObject(let id, _) = error as? StoreError { return id == list.chunks[1].id }
            return false
        }
        #expect(!FileManager.default.fileExists(atPath: out.path))
        let report = try store.verify(deep: true)
        #expect(report.missing.map(\.id) == [list.chunks[1].id])
    }
}
