// The build identity: `--version` shows it, `--version --json` gives its parts, and the generator
// behind the build plugin gives a new digest for any change to a source file, a dependency
// version or the file list, and leaves its output untouched when nothing changed.

import Foundation
import Store
import Testing

@Suite struct BuildIdentityCLITests {
    @Test func versionShowsTheBuildAndJSONGivesItsParts() throws {
        let cli = CLI(); defer { cli.cleanup() }
        let plain = try cli.run(["--version"])
        #expect(plain.status == 0)
        #expect(plain.stdout.range(of: #"^0\.1\.0 \(build [0-9a-f]{16}\)\n$"#, options: .regularExpression) != nil, "\(plain.stdout)")

        let json = try cli.run(["--version", "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let parts = try #require(try JSONSerialization.jsonObject(with: json.stdoutBytes) as? [String: Any])
        let build = try #require(parts["build"] as? String)
        #expect(build.count == 64 && plain.stdout.contains(String(build.prefix(16))))
        #expect((parts["compiler"] as? String)?.hasPrefix("Swift version") == true, "\(parts)")
        let dependencies = parts["dependencies"] as? [String] ?? []
        #expect(dependencies.contains { $0.contains("swift-argument-parser") && $0.hasSuffix("@1.8.2") }, "\(dependencies)")
        #expect((parts["source_files"] as? Int ?? 0) > 100)
        // The step keys' engine version carries the whole digest.
        #expect(parts["engine_version"] as? String == "iopo-exp 0.1.0 build \(build)")
    }

    /// The generator, next to the CLI binary.
    static var generator: String { URL(fileURLWithPath: CLI.binary).deletingLastPathComponent().appendingPathComponent("iopo-build-identity").path }

    func digest(_ cli: CLI, _ files: [String], dependencies: [String]) throws -> (String, Date) {
        try cli.write(files.joined(separator: "\n") + "\n", to: "inputs.txt")
        let output = cli.directory.appendingPathComponent("BuildIdentity.swift")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.generator)
        process.arguments = [cli.directory.path, cli.directory.appendingPathComponent("inputs.txt").path, output.path] + dependencies
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let text = try String(contentsOf: output, encoding: .utf8)
        let digest = try #require(text.firstMatch(of: /static let digest = "([0-9a-f]{64})"/)?.1)
        let modified = try FileManager.default.attributesOfItem(atPath: output.path)[.modificationDate] as! Date
        return (String(digest), modified)
    }

    @Test func theDigestFollowsSourcesDependenciesAndTheFileList() throws {
        let cli = CLI(); defer { cli.cleanup() }
        try cli.write("let a = 1\n", to: "A.swift")
        try cli.write("let b = 2\n", to: "B.swift")
        let dependencies = ["https://github.com/apple/swift-log@1.16.2"]
        let (first, written) = try digest(cli, ["A.swift", "B.swift"], dependencies: dependencies)

        Thread.sleep(forTimeInterval: 0.05)
        let (again, rewritten) = try digest(cli, ["B.swift", "A.swift"], dependencies: dependencies)
        #expect(again == first, "the order of the list does not matter")
        #expect(rewritten == written, "an unchanged identity must not rewrite the file (it would relink)")

        try cli.write("let a = 3\n", to: "A.swift")
        let (edited, _) = try digest(cli, ["A.swift", "B.swift"], dependencies: dependencies)
        #expect(edited != first)
        try cli.write("let a = 1\n", to: "A.swift")
        #expect(try digest(cli, ["A.swift", "B.swift"], dependencies: dependencies).0 == first, "the same bytes give the same digest")
        #expect(try digest(cli, ["A.swift"], dependencies: dependencies).0 != first)
        #expect(try digest(cli, ["A.swift", "B.swift"], dependencies: ["https://github.com/apple/swift-log@1.16.3"]).0 != first)
        // Bytes moved from one file to the next are a change.
        try cli.write("let a = 1\nlet b = 2\n", to: "A.swift")
        try cli.write("", to: "B.swift")
        #expect(try digest(cli, ["A.swift", "B.swift"], dependencies: dependencies).0 != first)
    }

    /// The generator's hand-written SHA-256 against swift-crypto's, over the documented stream:
    /// the sources digest hashes each file's path, length and bytes in path order; the whole
    /// digest hashes that, the compiler line and each dependency. The files cross the padding
    /// boundaries (55, 56 and 64 bytes) and span many blocks.
    @Test func theDigestIsSHA256OfTheDocumentedStream() throws {
        let cli = CLI(); defer { cli.cleanup() }
        var generator = SystemRandomNumberGenerator()
        let contents: [String: [UInt8]] = [
            "a55.txt": Array(repeating: 0x61, count: 55), "b56.txt": Array(repeating: 0x62, count: 56),
            "c64.txt": Array(repeating: 0x63, count: 64), "d0.txt": [],
            "e.bin": (0..<100_003).map { _ in UInt8.random(in: 0...255, using: &generator) },
        ]
        for (name, bytes) in contents { try Data(bytes).write(to: cli.directory.appendingPathComponent(name)) }
        let dependencies = ["https://github.com/apple/swift-log@1.16.2", "https://github.com/apple/swift-nio@2.86.0"]
        let (digest, _) = try digest(cli, Array(contents.keys.sorted().reversed()), dependencies: dependencies)

        var stream: [UInt8] = []
        for name in contents.keys.sorted() { stream += Array("\(name)\n\(contents[name]!.count)\n".utf8) + contents[name]! }
        let sources = ObjectID.of(stream).hex
        let generated = try String(contentsOf: cli.directory.appendingPathComponent("BuildIdentity.swift"), encoding: .utf8)
        #expect(generated.contains("static let sources = \"\(sources)\""), "\(generated)")
        let compiler = try #require(generated.firstMatch(of: /static let compiler = "([^"]*)"/)?.1)
        let whole = "sources \(sources)\ncompiler \(compiler)\n" + dependencies.map { "dependency \($0)\n" }.joined()
        #expect(digest == ObjectID.of(Array(whole.utf8)).hex)
    }
}
