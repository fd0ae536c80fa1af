// `iopo-exp model gguf-dump` run as a user runs it, on a small GGUF file built here byte by byte.
// The dequantised values themselves are checked against gguf-py by scripts/parity/gguf_parity.py.

import Foundation
import Testing

@Suite struct GGUFDumpCLITests {
    /// A GGUF v3 file: general.architecture = "llama", a 40-token string array, an F32 tensor
    /// "w" with ne = [3, 2] holding 0...5, and a Q3_K tensor "q" the engine does not dequantise.
    static func file() -> Data {
        var bytes: [UInt8] = Array("GGUF".utf8)
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        func string(_ s: String) { u64(UInt64(s.utf8.count)); bytes += Array(s.utf8) }
        u32(3); u64(2); u64(2)
        string("general.architecture"); u32(8); string("llama")
        string("tokenizer.ggml.tokens"); u32(9); u32(8); u64(40)
        for index in 0..<40 { string("t\(index)") }
        string("w"); u32(2); u64(3); u64(2); u32(0); u64(0)
        string("q"); u32(1); u64(256); u32(11); u64(32)
        while bytes.count % 32 != 0 { bytes.append(0) }
        for value in 0..<6 { withUnsafeBytes(of: Float(value).bitPattern.littleEndian) { bytes += $0 } }
        while bytes.count % 32 != 0 { bytes.append(0) }
        bytes += [UInt8](repeating: 0, count: 110)
        return Data(bytes)
    }

    @Test func describesWritesAndRefuses() throws {
        let cli = CLI(); defer { cli.cleanup() }
        let path = cli.directory.appendingPathComponent("m.gguf").path
        try Self.file().write(to: URL(fileURLWithPath: path))

        let text = try cli.run(["model", "gguf-dump", "m.gguf"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("GGUF version 3, 2 metadata keys, 2 tensors, alignment 32"))
        #expect(text.stdout.contains("general.architecture (string) = \"llama\""))
        #expect(text.stdout.contains("… 32 more] (40 elements)"))
        #expect(text.stdout.contains("F32     [2, 3]"))
        #expect(text.stdout.contains("Q3_K    [256]"))

        let json = try cli.run(["model", "gguf-dump", "m.gguf", "--json"])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(document["version"] as? Int == 3)
        let metadata = try #require(document["metadata"] as? [[String: Any]])
        #expect(metadata[1]["count"] as? Int == 40)
        #expect((metadata[1]["value"] as? [String])?.count == 8)
        #expect(metadata[1]["shortened"] as? Bool == true)
        let all = try cli.run(["model", "gguf-dump", "m.gguf", "--json", "--all-values"])
        #expect(all.stdout.contains("\"t39\""))

        let written = try cli.run(["model", "gguf-dump", "m.gguf", "--tensor", "w", "--out", "w.f32"])
        #expect(written.status == 0, "\(written.stderr)")
        let values = try Data(contentsOf: cli.directory.appendingPathComponent("w.f32"))
        #expect(values == Data((0..<6).flatMap { withUnsafeBytes(of: Float($0).bitPattern.littleEndian, Array.init) }))

        // Bad input exits 2 with a message naming the file and the tensor.
        let unsupported = try cli.run(["model", "gguf-dump", "m.gguf", "--tensor", "q", "--out", "q.f32"])
        #expect(unsupported.status == 2)
        #expect(unsupported.stderr.contains("m.gguf: tensor \"q\": type 11 (Q3_K) is not supported"))
        let missing = try cli.run(["model", "gguf-dump", "m.gguf", "--tensor", "v", "--out", "v.f32"])
        #expect(missing.status == 2 && missing.stderr.contains("no tensor named \"v\""))
        try Self.file().prefix(100).write(to: URL(fileURLWithPath: path))
        let truncated = try cli.run(["model", "gguf-dump", "m.gguf"])
        #expect(truncated.status == 2 && truncated.stderr.contains("m.gguf: ") && truncated.stderr.contains("tokenizer.ggml.tokens"))
        try cli.write("not a model", to: "bad.gguf")
        let badMagic = try cli.run(["model", "gguf-dump", "bad.gguf"])
        #expect(badMagic.status == 2 && badMagic.stderr.contains("bad.gguf: not a GGUF file"))
        #expect(try cli.run(["model", "gguf-dump", "absent.gguf"]).status == 2)

        // A tensor name from the file never chooses where --out-dir writes.
        var escaping = Self.file()
        let name = try #require(escaping.range(of: Data([1, 0, 0, 0, 0, 0, 0, 0, UInt8(ascii: "w")])))
        escaping.replaceSubrange(name, with: Data([2, 0, 0, 0, 0, 0, 0, 0]) + Data("/w".utf8))
        try escaping.write(to: URL(fileURLWithPath: path))
        let refused = try cli.run(["model", "gguf-dump", "m.gguf", "--out-dir", "tensors"])
        #expect(refused.status == 2 && refused.stderr.contains("tensor \"/w\" cannot be written as a file name"))
    }

    /// A GGUF file that is not a whole model is refused by every command that takes a model,
    /// naming the file and the missing key, with exit 2 and nothing stored.
    @Test func aGGUFFileWithoutModelMetadataIsRefusedByModelCommands() throws {
        let cli = CLI(); defer { cli.cleanup() }
        try Self.file().write(to: cli.directory.appendingPathComponent("m.gguf"))
        #expect(try cli.run(["init"]).status == 0)
        for command in [["generate", "m.gguf", "--prompt", "hi"], ["model", "info", "m.gguf"], ["model", "import", "m.gguf"], ["serve", "m.gguf"]] {
            let result = try cli.run(command)
            #expect(result.status == 2, "\(command): \(result.stderr)")
            #expect(result.stderr.contains("m.gguf") && result.stderr.contains("llama.block_count"), "\(command): \(result.stderr)")
        }
        #expect(try cli.shell("ls store/objects/sha256 2>/dev/null | wc -l").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }
}
