import Foundation
import Testing

@Suite(.serialized) struct StoreCLITests {
    @Test func versionHelpAndCompletion() throws {
        let cli = CLI(); defer { cli.cleanup() }
        let version = try cli.run(["--version"])
        #expect(version.status == 0 && version.stdout.hasPrefix("0.1.0 (build "), "\(version.stdout)")
        for command in [[], ["init"], ["store"], ["store", "add"], ["store", "cat"], ["store", "get"], ["store", "ls"], ["store", "du"],
                        ["store", "verify"], ["store", "gc"], ["store", "pin"], ["store", "unpin"], ["store", "pins"],
                        ["record"], ["runs"], ["show"]] {
            let help = try cli.run(command + ["--help"])
            #expect(help.status == 0, "\(command) --help exited \(help.status)")
            #expect(help.stdout.contains("USAGE"), "\(command) --help printed no usage")
        }
        let completion = try cli.run(["--generate-completion-script", "bash"])
        #expect(completion.status == 0 && completion.stdout.contains("iopo-exp"))
        let bogus = try cli.run(["frobnicate"])
        #expect(bogus.status == 2)
    }

    @Test func addCatGetLsDuVerifyRoundTrip() throws {
        let cli = CLI(); defer { cli.cleanup() }
        #expect(try cli.run(["init"]).status == 0)
        #expect(try cli.run(["init"]).status == 2) // already a store
        try cli.write("hello\n", to: "a.txt")
        try cli.write("nested\n", to: "dir/sub/b.txt")
        let add = try cli.run(["store", "add", "a.txt", "dir"])
        #expect(add.status == 0, "\(add.stderr)")
        let lines = add.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        let fileID = String(lines[0].split(separator: " ")[0])
        let dirID = String(lines[1].split(separator: " ")[0])
        #expect(fileID == "sha256:5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03")
        let json = try cli.run(["store", "add", "--json", "a.txt"])
        let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(parsed?.first?["id"] as? String == fileID)
        #expect(try cli.run(["store", "cat", fileID]).stdout == "hello\n")
        #expect(try cli.run(["store", "cat", String(fileID.dropFirst(7).prefix(8))]).stdout == "hello\n")
        // Commands find the store walking up from a subdirectory.
        #expect(try cli.run(["store", "cat", fileID], in: "dir/sub").stdout == "hello\n")
        #expect(try cli.run(["store", "get", dirID, "copy"]).status == 0)
        #expect(FileManager.default.contents(atPath: cli.directory.path + "/copy/sub/b.txt") == Data("nested\n".utf8))
        #expect(try cli.run(["store", "get", dirID, "copy"]).status == 2) // destination exists
        let ls = try cli.run(["store", "ls", dirID])
        #expect(ls.stdout.contains("sub/b.txt"))
        #expect(try cli.run(["store", "ls", fileID]).status == 3 || (try cli.run(["store", "ls", fileID]).status == 2))
        let du = try cli.run(["store", "du", "--json"])
        #expect(du.status == 0 && du.stdout.contains("deduplication_ratio"))
        #expect(try cli.run(["store", "verify", "--deep"]).status == 0)
    }

    @Test func badInputHasClearErrorsAndExitCodes() throws {
        let cli = CLI(); defer { cli.cleanup() }
        let noStore = try cli.run(["store", "du"])
        #expect(noStore.status == 2 && noStore.stderr.contains("no store found"))
        try cli.write("not a store", to: "fake/readme")
        let notStore = try cli.run(["store", "du", "--store", "fake"])
        #expect(notStore.status == 2 && notStore.stderr.contains("is not an iopo-exp store"))
        #expect(try cli.run(["init"]).status == 0)
        let missing = try cli.run(["store", "add", "nope.txt"])
        #expect(missing.status == 2 && missing.stderr.contains("nope.txt"))
        try cli.write("secret", to: "locked.txt")
        chmod(cli.directory.path + "/locked.txt", 0)
        if getuid() != 0 {
            let unreadable = try cli.run(["store", "add", "locked.txt"])
            #expect(unreadable.status == 2 && unreadable.stderr.contains("locked.txt"))
        }
        let malformed = try cli.run(["store", "cat", "sha256:xyz"])
        #expect(malformed.status == 2 && malformed.stderr.contains("malformed object id"))
        let unknown = try cli.run(["store", "cat", "abcdef12"])
        #expect(unknown.status == 2 && unknown.stderr.contains("no object abcdef12"))
        let mkfifo = try cli.shell("mkfifo pipe && \"$IOPO\" store add pipe; echo \"exit=$?\"")
        #expect(mkfifo.stdout.contains("exit=2") && mkfifo.stdout.contains("neither a regular file"))
    }

    @Test func corruptAndTruncatedObjectsExitWithTheCorruptStoreCode() throws {
        let cli = CLI(); defer { cli.cleanup() }
        #expect(try cli.run(["init"]).status == 0)
        try cli.write(String(repeating: "some text to store\n", count: 200), to: "a.txt")
        let id = cli.firstID(try cli.run(["store", "add", "a.txt"]))
        let hex = String(id.dropFirst(7))
        let objectPath = "store/objects/sha256/\(hex.prefix(2))/\(hex.dropFirst(2))"
        #expect(try cli.shell("printf '\\x07' | dd of=\(objectPath) bs=1 seek=5 conv=notrunc status=none").status == 0)
        let cat = try cli.run(["store", "cat", id])
        #expect(cat.status == 3 && cat.stderr.contains(id) && cat.stderr.contains("corrupt"))
        #expect(cat.stdout.isEmpty)
        let verify = try cli.run(["store", "verify"])
        #expect(verify.status == 3 && verify.stdout.contains("corrupt  \(id)"))
        #expect(try cli.shell("truncate -s 3 \(objectPath)").status == 0)
        #expect(try cli.run(["store", "cat", id]).status == 3)
        #expect(try cli.run(["store", "get", id, "out.txt"]).status == 3)
        #expect(!FileManager.default.fileExists(atPath: cli.directory.path + "/out.txt"))
    }

    @Test func writeErrorLeavesNoPartialObject() throws {
        let cli = CLI(); defer { cli.cleanup() }
        #expect(try cli.run(["init"]).status == 0)
        // 6 MiB of incompressible bytes; the file-size limit (ulimit -f, in 1 KiB blocks) makes writes fail with EFBIG.
        #expect(try cli.shell("head -c 6291456 /dev/urandom > big.bin").status == 0)
        let result = try cli.shell("trap '' XFSZ; ulimit -f 64; \"$IOPO\" store add big.bin; echo \"exit=$?\"")
        #expect(result.stdout.contains("exit=1"), "\(result.stdout)")
        #expect(result.stdout.contains("cannot write"))
        let temporaries = try FileManager.default.contentsOfDirectory(atPath: cli.directory.path + "/store/tmp")
        #expect(temporaries.isEmpty, "temporary files left: \(temporaries)")
        #expect(try cli.run(["store", "verify", "--deep"]).status == 0)
        // Without the limit the same add succeeds.
        #expect(try cli.run(["store", "add", "big.bin"]).status == 0)
    }

    @Test func writerKilledMidWriteLeavesAConsistentStore() throws {
        let cli = CLI(); defer { cli.cleanup() }
        #expect(try cli.run(["init"]).status == 0)
        #expect(try cli.shell("head -c 200000000 /dev/urandom > big.bin").status == 0)
        let kill = try cli.shell("\"$IOPO\" store add big.bin & pid=$!; sleep 0.3; kill -9 $pid; wait $pid; echo \"exit=$?\"")
        #expect(kill.stdout.contains("exit=137"), "the writer finished before it was killed: \(kill.stdout)")
        let verify = try cli.run(["store", "verify", "--deep"])
        #expect(verify.status == 0, "\(verify.stdout)")
        // What the killed writer left in tmp/ (plus a planted leftover, in case the kill fell
        // between two batches) goes as soon as the next writer finds the store unused.
        try cli.write("partial", to: "store/tmp/.ab12.partial-999999-0")
        let add = try cli.run(["store", "add", "big.bin"])
        #expect(add.status == 0)
        let temporaries = try FileManager.default.contentsOfDirectory(atPath: cli.directory.path + "/store/tmp")
        #expect(temporaries.isEmpty, "temporary files left: \(temporaries)")
        let get = try cli.shell("\"$IOPO\" store get \(cli.firstID(add)) back.bin && cmp big.bin back.bin && echo same")
        #expect(get.stdout.contains("same"))
    }

    @Test func concurrentProcessesAddingFilesKeepTheStoreConsistent() throws {
        let cli = CLI(); defer { cli.cleanup() }
        #expect(try cli.run(["init"]).status == 0)
        #expect(try cli.shell("for i in 1 2 3; do head -c 9000000 /dev/urandom > f$i.bin; done; cp f1.bin same.bin").status == 0)
        let result = try cli.shell("""
            for i in 1 2 3; do "$IOPO" store add f$i.bin same.bin > out$i.txt & done; wait
            "$IOPO" store add f1.bin f2.bin f3.bin same.bin > final.txt; echo "exit=$?"
            """)
        #expect(result.stdout.contains("exit=0"))
        let final = try String(contentsOfFile: cli.directory.path + "/final.txt", encoding: .utf8)
        #expect(final.contains("0 new objects"))
        #expect(!final.split(separator: "\n").contains { !$0.contains("0 new objects") })
        #expect(try cli.run(["store", "verify", "--deep"]).status == 0)
    }

    @Test func gcWaitsForAWriterAndKeepsPinnedObjects() throws {
        let cli = CLI(); defer { cli.cleanup() }
        #expect(try cli.run(["init"]).status == 0)
        try cli.write("keep me", to: "keep.txt")
        try cli.write("drop me", to: "drop.txt")
        let keep = cli.firstID(try cli.run(["store", "add", "keep.txt"]))
        let drop = cli.firstID(try cli.run(["store", "add", "drop.txt"]))
        #expect(try cli.run(["store", "pin", keep, "golden"]).status == 0)
        #expect(try cli.run(["store", "pins"]).stdout.contains("golden"))
        // A second writer holds the store's shared lock: gc must not sweep.
        let blocked = try cli.shell("flock -s store/lock sleep 3 & sleep 0.5; \"$IOPO\" store gc --apply --lock-timeout 0.5; echo \"exit=$?\"; wait")
        #expect(blocked.stdout.contains("exit=4"), "\(blocked.stdout)")
        // Objects are younger than the default grace period: spared.
        let young = try cli.run(["store", "gc", "--apply", "--json"])
        #expect(young.status == 0 && young.stdout.contains("\"sparedYoung\" : 1"))
        #expect(try cli.run(["store", "cat", drop]).status == 0)
        // With no grace, the unpinned object goes and the pinned one stays.
        #expect(try cli.shell("sed -i 's/\"gc_grace_seconds\" : 3600/\"gc_grace_seconds\" : 0/' store/config.json").status == 0)
        let dry = try cli.run(["store", "gc"])
        #expect(dry.stdout.contains("would remove 1 unreachable"))
        #expect(try cli.run(["store", "gc", "--apply"]).status == 0)
        #expect(try cli.run(["store", "cat", drop]).status == 2)
        #expect(try cli.run(["store", "cat", keep]).stdout == "keep me")
    }
}
