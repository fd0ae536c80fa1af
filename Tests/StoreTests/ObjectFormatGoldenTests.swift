import Foundation
import Testing
@testable import Store
import TestKit

/// The bytes of the store's structured objects are part of every id the store has given out, so
/// they are pinned here: exact text and sha256 id, as the store writes them. A change of JSON
/// writer that moved one byte would fail these tests.
@Suite struct ObjectFormatGoldenTests {
    /// A manifest with every entry type and a path that needs escaping (quote, backslash, tab,
    /// a control character), a slash and non-ASCII (both written raw).
    @Test func directoryManifestBytesAndIDArePinned() throws {
        let blob = ObjectID.of(Array("hello\n".utf8))
        let manifest = Manifest(entries: [
            Manifest.Entry(path: "z/é \"q\"\\b\tt\u{01}", type: .file, mode: 0o644, size: 6, id: blob, target: nil),
            Manifest.Entry(path: "bin", type: .directory, mode: 0o755, size: nil, id: nil, target: nil),
            Manifest.Entry(path: "link", type: .symlink, mode: nil, size: nil, id: nil, target: "../a/b"),
        ])
        let bytes = try manifest.encoded()
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"entries":[{"mode":493,"path":"bin","type":"dir"},{"path":"link","target":"../a/b","type":"symlink"},{"id":"sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03","mode":420,"path":"z/é \"q\"\\b\tt\u0001","size":6,"type":"file"}],"format":"iopo-exp/manifest/1"}"#)
        #expect(ObjectID.of(bytes).description == "sha256:9b321b91cafbc8374844f24def2380f615cc526936c999c84ab4d2d8a57374e5")
        #expect(try Manifest.decode(bytes, id: ObjectID.of(bytes)) == manifest)
    }

    @Test func chunkListBytesAndIDArePinned() throws {
        let list = ChunkList(chunks: [
            ChunkList.Chunk(id: ObjectID.of(Array("first".utf8)), size: 262_144),
            ChunkList.Chunk(id: ObjectID.of(Array("second".utf8)), size: 5),
        ])
        let bytes = try list.encoded()
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"chunks":[{"id":"sha256:a7937b64b8caa58f03721bb6bacf5c78cb235febe0e70b1b84cd99541461a08e","size":262144},{"id":"sha256:16367aacb67a4a017c8da8ab95682ccb390863780f7114dda0a0e0c55644c7c4","size":5}],"format":"iopo-exp/chunk-list/1","size":262149}"#)
        #expect(ObjectID.of(bytes).description == "sha256:baf0ab35b396d3440ae7048de3429bfdb4c371a1814e7189fdf572903b5181e8")
        #expect(try ChunkList.decode(bytes, id: ObjectID.of(bytes)) == list)
    }

    /// A small tree added through the store: the directory's id and the chunk list of its large
    /// file are pinned, and so is the store's config.json.
    @Test func aFixedTreeAddedToTheStoreKeepsItsIDs() throws {
        let dir = TemporaryDirectory()
        let store = try makeStore(dir)
        let tree = dir.path("tree")
        let fm = FileManager.default
        try fm.createDirectory(atPath: tree + "/docs", withIntermediateDirectories: true)
        chmod(tree + "/docs", 0o755)
        write(Array("alpha\n".utf8), to: tree + "/docs/a b.txt")
        chmod(tree + "/docs/a b.txt", 0o644)
        write(pseudoRandomBytes(200_000, seed: 7), to: tree + "/weights.bin")
        chmod(tree + "/weights.bin", 0o600)
        try fm.createSymbolicLink(atPath: tree + "/current", withDestinationPath: "docs/a b.txt")
        let result = try store.add(path: tree)
        let manifestBytes = try store.read(result.id).bytes
        #expect(String(decoding: manifestBytes, as: UTF8.self) == #"{"entries":[{"path":"current","target":"docs/a b.txt","type":"symlink"},{"mode":493,"path":"docs","type":"dir"},{"id":"sha256:b6a98d9ce9a2d9149288fa3df42d377c3e42737afdcdaf714e33c0a100b51060","mode":420,"path":"docs/a b.txt","size":6,"type":"file"},{"id":"sha256:b880c86b6aca79219b7c94be7f1420e14e76379f43815ae53eb39e7e722a416c","mode":384,"path":"weights.bin","size":200000,"type":"file"}],"format":"iopo-exp/manifest/1"}"#)
        #expect(result.id.description == "sha256:e562c05c3f9b505b7e17e954dd0a065c00438192295074afd66a16656729145f")
        let weights = try #require(try store.manifest(result.id).entries.first { $0.path == "weights.bin" }?.id)
        #expect(String(decoding: try store.read(weights).bytes, as: UTF8.self) == #"{"chunks":[{"id":"sha256:1253c927775619eefc6c7997624627cef05fe91e3fa33bcd676edf1fd5524691","size":38356},{"id":"sha256:61bfa1de841d4d7a9d83cc1501138326ddcfbb1f9b6cd350c800bf3e34325512","size":50202},{"id":"sha256:f0a33e80ec5b2c38f1c7c53d1b61b4d38b51ab17978e3cd4d90665dfb23428fd","size":46165},{"id":"sha256:a043bae6928e12457787cfea2b2e3c45cb1e12bd883c005c8a9040338e1d0e57","size":32783},{"id":"sha256:dc8c36ab78f63868a8bb19bb020ce2f681c85afa8d9ccdf57f027137a2cc6849","size":32494}],"format":"iopo-exp/chunk-list/1","size":200000}"#)

        let config = try String(contentsOf: dir.url.appendingPathComponent("store/config.json"), encoding: .utf8)
        #expect(config == #"""
            {
              "avg_chunk" : 32768,
              "chunking_threshold" : 65536,
              "format" : 1,
              "gc_grace_seconds" : 3600,
              "max_chunk" : 131072,
              "min_chunk" : 8192,
              "zstd_level" : 3
            }

            """#)
    }
}
