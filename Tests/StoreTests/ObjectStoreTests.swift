import Foundation
import Synchronization
import Testing
@testable import Store
import TestKit

@Suite struct ObjectStoreTests {
    @Test func smallFileIdIsSha256OfContent() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        write(Array("hello\n".utf8), to: dir.path("a.txt"))
        let result = try store.add(path: dir.path("a.txt"))
        #expect(result.id.description == "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03")
        #expect(try store.content(of: result.id) == Array("hello\n".utf8))
        #expect(try store.kind(of: result.id) == .blob)
    }

    @Test func emptyFileRoundTrips() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        write([], to: dir.path("empty"))
        let result = try store.add(path: dir.path("empty"))
        #expect(try store.content(of: result.id).isEmpty)
    }

    @Test func largeFileIsChunkedAndRoundTrips() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        let bytes = pseudoRandomBytes(1 << 20, seed: 7)
        write(bytes, to: dir.path("big"))
        let result = try store.add(path: dir.path("big"))
        #expect(try store.kind(of: result.id) == .chunkList)
        let list = try ChunkList.decode(try store.read(result.id).bytes, id: result.id)
        #expect(list.chunks.count > 8)
        #expect(list.chunks.allSatisfy { $0.size >= 8 << 10 && $0.size <= 128 << 10 } || list.chunks.last!.size < 8 << 10)
        #expect(try store.content(of: result.id) == bytes)
    }

    @Test func changingTheMiddleStoresOnlyNearbyChunks() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        var bytes = pseudoRandomBytes(4 << 20, seed: 11)
        write(bytes, to: dir.path("weights"))
        let first = try store.add(path: dir.path("weights"))
        let again = try store.add(path: dir.path("weights"))
        #expect(again.id == first.id && again.newObjects == 0)
        // Overwrite 32 KiB (one average chunk) in the middle.
        let replacement = pseudoRandomBytes(32 << 10, seed: 99)
        bytes.replaceSubrange((2 << 20)..<((2 << 20) + (32 << 10)), with: replacement)
        write(bytes, to: dir.path("weights"))
        let changed = try store.add(path: dir.path("weights"))
        #expect(changed.id != first.id)
        // New data: the chunks overlapping the edit (a few average chunks) plus the chunk list.
        #expect(changed.newRawBytes < 5 * (32 << 10) + 16 << 10, "stored \(changed.newRawBytes) new bytes for a 32 KiB change")
        #expect(try store.content(of: changed.id) == bytes)
        let usage = try store.usage()
        #expect(usage.deduplicationRatio > 1.8)
    }

    @Test func compressibleDataIsCompressedIncompressibleStoredRaw() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        let text = Array(String(repeating: "{\"instruction\": \"write a haiku\", \"constraints\": 3}\n", count: 500).utf8)
        let textResult = try store.put(text, kind: .blob)
        #expect(textResult.storedBytes < text.count / 4)
        let noise = pseudoRandomBytes(40_000, seed: 3)
        let noiseResult = try store.put(noise, kind: .blob)
        #expect(noiseResult.storedBytes == noise.count + 1)
        let tagOfText = try Data(contentsOf: store.path(of: textResult.id)).first!
        #expect(tagOfText & 0xF == ObjectEncoding.zstd.rawValue)
        #expect(try store.read(textResult.id).bytes == text)
    }

    @Test func corruptByteIsRefusedNamingTheObject() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        let result = try store.put(pseudoRandomBytes(1000, seed: 1), kind: .blob)
        let path = store.path(of: result.id).path
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        data[500] ^= 0x01
        try data.write(to: URL(fileURLWithPath: path))
        #expect(throws: StoreError.self) { try store.read(result.id) }
        do { _ = try store.read(result.id) } catch let error as StoreError {
            guard case .corruptObject(let id, _) = error else { Issue.record("expected corruptObject, got \(error)"); return }
            #expect(id == result.id)
            #expect(error.description.contains(result.id.description))
        }
    }

    @Test func truncatedObjectIsRefused() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        let text = Array(String(repeating: "abc ", count: 1000).utf8)
        let result = try store.put(text, kind: .blob)
        let url = store.path(of: result.id)
        let data = try Data(contentsOf: url)
        try data.prefix(data.count / 2).write(to: url)
        #expect { try store.read(result.id) } throws: { error in
            if case .corruptObject(let id, _) = error as? StoreError { return id == result.id }
            return false
        }
        try Data().write(to: url)
        #expect { try store.read(result.id) } throws: { error in
            if case .corruptObject = error as? StoreError { return true }
            return false
        }
    }

    @Test func idParsingAndPrefixResolution() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        #expect(throws: StoreError.self) { try ObjectID(parsing: "md5:abc") }
        #expect(throws: StoreError.self) { try ObjectID(parsing: "sha256:1234") }
        #expect(throws: StoreError.self) { try ObjectID(parsing: "sha256:" + String(repeating: "G", count: 64)) }
        #expect(throws: StoreError.self) { try store.resolve("xyz!") }
        #expect(throws: StoreError.self) { try store.resolve("ab") }
        let id = try store.put(Array("x".utf8), kind: .blob).id
        #expect(try store.resolve(String(id.hex.prefix(10))) == id)
        #expect(try store.resolve(id.description) == id)
        #expect { try store.resolve(String(repeating: "0", count: 64)) } throws: { error in
            if case .unknownObject = error as? StoreError { return true }
            return false
        }
        // Store blobs until two share a 4-digit prefix, then that prefix must be ambiguous.
        var byPrefix: [String: ObjectID] = [:]
        var ambiguous: String?
        for i in 0..<5000 where ambiguous == nil {
            let id = try store.put(Array("blob \(i)".utf8), kind: .blob).id
            let prefix = String(id.hex.prefix(4))
            if let other = byPrefix[prefix], other != id { ambiguous = prefix } else { byPrefix[prefix] = id }
        }
        let prefix = try #require(ambiguous)
        #expect { try store.resolve(prefix) } throws: { error in
            if case .ambiguousPrefix(_, let matches) = error as? StoreError { return matches.count >= 2 }
            return false
        }
    }

    @Test func openingSomethingThatIsNotAStoreFails() throws {
        let dir = TemporaryDirectory()
        #expect { try ObjectStore(root: dir.url.appendingPathComponent("nope")) } throws: { error in
            if case .notAStore = error as? StoreError { return true }
            return false
        }
        #expect { try ObjectStore(root: dir.url) } throws: { error in
            if case .notAStore = error as? StoreError { return true }
            return false
        }
        #expect { try ObjectStore.discover(from: dir.url, environment: [:]) } throws: { error in
            if case .storeNotFound = error as? StoreError { return true }
            return false
        }
        _ = try makeStore(dir)
        let nested = dir.url.appendingPathComponent("a/b/c")
        try FileManager.default.createDirectory(at: nested, withIntermediateDirectories: true)
        #expect(try ObjectStore.discover(from: nested, environment: [:]).standardizedFileURL == dir.url.appendingPathComponent("store").standardizedFileURL)
    }

    @Test func addingTwiceGivesTheSameIds() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        let tree = dir.path("tree")
        try FileManager.default.createDirectory(atPath: tree + "/x/y", withIntermediateDirectories: true)
        write(pseudoRandomBytes(200_000, seed: 5), to: tree + "/x/y/weights.bin")
        write(Array("config".utf8), to: tree + "/config.toml")
        let first = try store.add(path: tree)
        let second = try store.add(path: tree)
        #expect(first.id == second.id)
        #expect(second.newObjects == 0)
    }

    @Test func concurrentWritersProduceAConsistentStore() throws {
        let dir = TemporaryDirectory()
        _ = try makeStore(dir)
        for i in 0..<4 { write(pseudoRandomBytes(300_000, seed: UInt64(i % 2)), to: dir.path("f\(i)")) }
        let root = dir.url.appendingPathComponent("store")
        let ids = ResultsBox()
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            do {
                let store = try ObjectStore(root: root, access: .write)
                ids.append(try store.add(path: dir.path("f\(i % 4)")).id)
            } catch { ids.fail("\(error)") }
        }
        #expect(ids.failures.isEmpty, "\(ids.failures)")
        #expect(Set(ids.values).count == 2)
        let report = try ObjectStore(root: root).verify(deep: true)
        #expect(report.isClean)
        #expect(report.temporaryFiles == 0)
    }
}

final class ResultsBox: Sendable {
    private let state = Mutex<(values: [ObjectID], failures: [String])>(([], []))
    var values: [ObjectID] { state.withLock { $0.values } }
    var failures: [String] { state.withLock { $0.failures } }
    func append(_ id: ObjectID) { state.withLock { $0.values.append(id) } }
    func fail(_ message: String) { state.withLock { $0.failures.append(message) } }
}
