import Foundation
import Testing
import GRDB
@testable import Lineage

/// The database's durability settings and its self-check, as docs/store-format.md states them.
@Suite struct DurabilityTests {
    @Test func commitsAreSyncedFully() throws {
        let scratch = Scratch()
        // FULL (2): the WAL is synced at every commit, so a power loss cannot undo a commit.
        #expect(try scratch.lineage().synchronousLevel() == 2)
    }

    @Test func integrityProblemsAreEmptyForAGoodDatabaseAndNameADanglingRow() throws {
        let scratch = Scratch()
        let lineage = try scratch.lineage()
        #expect(try lineage.integrityProblems() == [])
        // A step whose run does not exist, written past the foreign-key check, as a damaged file
        // or a tool editing the database by hand could leave it.
        try lineage.pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(sql: "INSERT INTO steps (run_id, name, kind, key, status, started_at) VALUES ('nosuchrun', 'a', 'command', 'k', 'running', '2026-01-01 00:00:00')")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        let problems = try lineage.integrityProblems()
        #expect(problems.count == 1 && problems[0].contains("steps") && problems[0].contains("runs"), "\(problems)")
    }
}
