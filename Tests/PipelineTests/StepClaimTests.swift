import Foundation
@testable import Pipeline
import Testing

/// Step claims: one holder per step key at a time, state kept after a failure and removed
/// after a success, no trace left by steps that kept no state.
@Suite struct StepClaimTests {
    let key = "sha256:" + String(repeating: "ab", count: 32)

    @Test func aKeyIsClaimedByOneHolderAtATime() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let first = try #require(StepClaim.claim(in: sandbox.store.root, key: key))
        #expect(first.directory.lastPathComponent == String(repeating: "ab", count: 32))
        // flock locks belong to the open file description, so a second open in this process
        // conflicts as another process would.
        #expect(StepClaim.claim(in: sandbox.store.root, key: key) == nil)
        #expect(StepClaim.claim(in: sandbox.store.root, key: "sha256:" + String(repeating: "cd", count: 32)) != nil)
        first.release(succeeded: false)
        #expect(StepClaim.claim(in: sandbox.store.root, key: key) != nil)
    }

    @Test func stateSurvivesAFailureAndGoesWithASuccess() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let area = sandbox.store.root.appendingPathComponent("resume")
        let failed = try #require(StepClaim.claim(in: sandbox.store.root, key: key))
        try FileManager.default.createDirectory(at: failed.directory.appendingPathComponent("step-20"), withIntermediateDirectories: true)
        failed.release(succeeded: false)
        #expect(FileManager.default.fileExists(atPath: failed.directory.appendingPathComponent("step-20").path))

        let next = try #require(StepClaim.claim(in: sandbox.store.root, key: key))
        #expect(FileManager.default.fileExists(atPath: next.directory.appendingPathComponent("step-20").path))
        next.release(succeeded: true)
        #expect(!FileManager.default.fileExists(atPath: area.path), "\((try? FileManager.default.contentsOfDirectory(atPath: area.path)) ?? [])")
        #expect(!FileManager.default.fileExists(atPath: sandbox.store.root.appendingPathComponent("claims").path), "a lock file was left behind")

        let stateless = try #require(StepClaim.claim(in: sandbox.store.root, key: key))
        stateless.release(succeeded: false)
        #expect(!FileManager.default.fileExists(atPath: area.path))
    }

    @Test func discardingStartsOver() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let claim = try #require(StepClaim.claim(in: sandbox.store.root, key: key))
        try FileManager.default.createDirectory(at: claim.directory.appendingPathComponent("step-40"), withIntermediateDirectories: true)
        claim.discard()
        #expect(!FileManager.default.fileExists(atPath: claim.directory.path))
        claim.release(succeeded: false)
    }

    @Test func aBlockingClaimWaitsForTheHolderAndTakesTheLiveLockFile() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let root = sandbox.store.root
        let first = try #require(StepClaim.claim(in: root, key: key))
        /// What the other thread saw: whether it had to wait, and the claim it got.
        final class Waiter: @unchecked Sendable {
            let lock = NSLock()
            var waited = false
            var claim: StepClaim?
            func read<T>(_ body: (Waiter) -> T) -> T { lock.lock(); defer { lock.unlock() }; return body(self) }
        }
        let waiter = Waiter()
        let done = DispatchSemaphore(value: 0)
        let key = self.key
        Thread {
            let claim = StepClaim.claim(in: root, key: key, wait: .blocking(onWait: { waiter.read { $0.waited = true } }))
            waiter.read { $0.claim = claim }
            done.signal()
        }.start()
        // A wait for the other thread to reach the lock, not a timing assertion.
        while !waiter.read({ $0.waited }) { usleep(1000) }
        #expect(waiter.read { $0.claim } == nil, "the claim was taken while held")
        // Releasing removes the lock file (no state was kept); the waiter must not keep a lock
        // on the unlinked file but claim the file that exists now.
        first.release(succeeded: true)
        done.wait()
        let claim = try #require(waiter.read { $0.claim })
        #expect(StepClaim.claim(in: root, key: key) == nil, "the waiter holds a lock on a file no one else sees")
        claim.release(succeeded: true)
        #expect(StepClaim.claim(in: root, key: key) != nil)
    }
}
