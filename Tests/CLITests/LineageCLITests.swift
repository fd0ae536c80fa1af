import Foundation
import Testing

@Suite(.serialized) struct LineageCLITests {
    @Test func recordRunsAndShowWithGit() throws {
        let cli = CLI(); defer { cli.cleanup() }
        #expect(try cli.shell("git init -q -b main && git config user.email t@e && git config user.name t && printf 'store/\\n' > .gitignore && printf 'x\\n' > code.py && git add . && git commit -qm init").status == 0)
        #expect(try cli.run(["init"]).status == 0)
        try cli.write("{\"acc\": 0.9}", to: "out/metrics.json")
        let record = try cli.run(["record", "--name", "first", "--param", "lr=1e-4", "--metric", "acc=0.9", "--artifact", "out", "--json"])
        #expect(record.status == 0, "\(record.stderr)")
        let head = try cli.shell("git rev-parse HEAD").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let show = try cli.run(["show", "last", "--json"])
        #expect(show.status == 0)
        let details = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        let git = try #require(details["git"] as? [String: Any])
        #expect(git["commit"] as? String == head)
        #expect(git["branch"] as? String == "main")
        // The out/ directory is untracked: recorded, and the tree is not clean.
        #expect((git["untracked"] as? [String])?.contains("out/metrics.json") == true)
        let strict = try cli.run(["record", "--name", "strict", "--require-clean"])
        #expect(strict.status == 2 && strict.stderr.contains("not clean"))
        #expect(try cli.shell("printf 'y\\n' >> code.py").status == 0)
        #expect(try cli.run(["record", "--name", "dirty"]).status == 0)
        let dirty = try cli.run(["show", "last"])
        #expect(dirty.stdout.contains("+dirty") && dirty.stdout.contains("diff         sha256:"))
        let runs = try cli.run(["runs"])
        #expect(runs.stdout.split(separator: "\n").count == 2)
        #expect(try cli.run(["show", "last~1"]).stdout.contains("first"))
        #expect(try cli.run(["show", "last~5"]).status == 2)
        #expect(try cli.run(["record", "--name", "bad", "--metric", "acc=high"]).status == 2)
        #expect(try cli.run(["record", "--name", "bad", "--param", "novalue"]).status == 2)
        #expect(try cli.run(["runs", "--status", "weird"]).status == 2)
        #expect(try cli.run(["store", "verify", "--deep"]).status == 0)
    }

    /// `export` refuses what it cannot do (exit 2, naming it) and writes nothing.
    @Test func exportRefusesBadRequestsAndWritesNothing() throws {
        let cli = CLI(); defer { cli.cleanup() }
        #expect(try cli.run(["init"]).status == 0)
        try cli.write("x", to: "out/a.txt")
        #expect(try cli.run(["record", "--name", "one", "--artifact", "out"]).status == 0)
        let negative = try cli.run(["export", "last", "--out", "b1", "--max-mib=-1"])
        #expect(negative.status == 2 && negative.stderr.contains("--max-mib must be at least 0"), "\(negative.stderr)")
        let unknown = try cli.run(["export", "rnosuchrun", "--out", "b2"])
        #expect(unknown.status == 2 && unknown.stderr.contains("rnosuchrun"), "\(unknown.stderr)")
        let entries = try FileManager.default.contentsOfDirectory(atPath: cli.directory.path)
        #expect(!entries.contains { $0.hasPrefix("b1") || $0.hasPrefix("b2") || $0.hasPrefix(".b1") || $0.hasPrefix(".b2") }, "\(entries)")
        let good = try cli.run(["export", "last", "--out", "bundle"])
        #expect(good.status == 0, "\(good.stderr)")
        let again = try cli.run(["export", "last", "--out", "bundle"])
        #expect(again.status == 2 && again.stderr.contains("exists"), "\(again.stderr)")
    }
}
