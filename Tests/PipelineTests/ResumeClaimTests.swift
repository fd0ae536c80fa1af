import Foundation
@testable import Pipeline
import Testing

/// The resume area: one claim per step key at a time, state kept after a failure and removed
/// after a success, no trace left by steps that kept no state.
@Suite struct ResumeClaimTests {
    let key = "sha256:" + String(repeating: "ab", count: 32)

    @Test func aKeyIsClaimedByOneHolderAtATime() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let first = try #require(ResumeClaim.claim(in: sandbox.store.root, key: key))
        #expect(first.directory.lastPathComponent == String(repeating: "ab", count: 32))
        // flock locks belong to the open file description, so a second open in this process
        // conflicts as another process would.
        #expect(ResumeClaim.claim(in: sandbox.store.root, key: key) == nil)
        #expect(ResumeClaim.claim(in: sandbox.store.root, key: "sha256:" + String(repeating: "cd", count: 32)) != nil)
        first.release(succeeded: false)
        #expect(ResumeClaim.claim(in: sandbox.store.root, key: key) != nil)
    }

    @Test func stateSurvivesAFailureAndGoesWithASuccess() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let area = sandbox.store.root.appendingPathComponent("resume")
        let failed = try #require(ResumeClaim.claim(in: sandbox.store.root, key: key))
        try FileManager.default.createDirectory(at: failed.directory.appendingPathComponent("step-20"), withIntermediateDirectories: true)
        failed.release(succeeded: false)
        #expect(FileManager.default.fileExists(atPath: failed.directory.appendingPathComponent("step-20").path))

        let next = try #require(ResumeClaim.claim(in: sandbox.store.root, key: key))
        #expect(FileManager.default.fileExists(atPath: next.directory.appendingPathComponent("step-20").path))
        next.release(succeeded: true)
        #expect(!FileManager.default.fileExists(atPath: area.path), "\((try? FileManager.default.contentsOfDirectory(atPath: area.path)) ?? [])")

        let stateless = try #require(ResumeClaim.claim(in: sandbox.store.root, key: key))
        stateless.release(succeeded: false)
        #expect(!FileManager.default.fileExists(atPath: area.path))
    }

    @Test func discardingStartsOver() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let claim = try #require(ResumeClaim.claim(in: sandbox.store.root, key: key))
        try FileManager.default.createDirectory(at: claim.directory.appendingPathComponent("step-40"), withIntermediateDirectories: true)
        claim.discard()
        #expect(!FileManager.default.fileExists(atPath: claim.directory.path))
        claim.release(succeeded: false)
    }
}
