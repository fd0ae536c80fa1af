// The server answers while it computes, whatever else its process is doing: with every engine
// worker generating, two threads burning CPU beside it, and every thread of Swift's cooperative
// pool blocked, `/health` and `/v1/models` still answer. No wall-clock bound is asserted: were any
// part of the server's request path to need the cooperative pool, the request could not be
// answered until the pool is released, which happens only after it has been answered; it would
// fail at the client's timeout instead.

import AsyncHTTPClient
import Basics
import Foundation
import NIOCore
@testable import Serve
import Testing

/// Holds threads busy until released: spinning (CPU load beside the server) or blocked (every
/// thread of the cooperative pool taken away).
final class Occupation: @unchecked Sendable {
    private let condition = NSCondition()
    private var released = false
    private var started = 0

    /// `count` threads of its own that spin until released.
    static func burners(_ count: Int) -> Occupation {
        let occupation = Occupation()
        for _ in 0..<count {
            Thread {
                occupation.arrived()
                var x: UInt64 = 1
                while !occupation.isReleased {
                    for _ in 0..<100_000 { x = x &* 6364136223846793005 &+ 1442695040888963407 }
                }
                if x == 42 { print("") }
            }.start()
        }
        return occupation
    }

    /// `count` tasks on the cooperative pool, each blocking its thread until released.
    static func poolBlockers(_ count: Int) -> Occupation {
        let occupation = Occupation()
        for _ in 0..<count {
            Task.detached {
                occupation.arrived()
                occupation.waitForRelease()
            }
        }
        return occupation
    }

    private func arrived() {
        condition.lock(); started += 1; condition.broadcast(); condition.unlock()
    }

    var startedCount: Int { condition.lock(); defer { condition.unlock() }; return started }
    var isReleased: Bool { condition.lock(); defer { condition.unlock() }; return released }

    private func waitForRelease() {
        condition.lock()
        while !released { condition.wait() }
        condition.unlock()
    }

    func release() {
        condition.lock(); released = true; condition.broadcast(); condition.unlock()
    }
}

@Suite(.serialized) struct ResponsivenessTests {
    /// The test's own code runs here, so it can go on while the pool is blocked.
    static let testExecutor = DedicatedThreadExecutor(name: "responsiveness test", threads: 1)

    @Test func healthAndModelsAnswerWhileEveryWorkerGeneratesAndThePoolIsBlocked() async throws {
        try await withTaskExecutorPreference(Self.testExecutor) {
            let server = try await startServer(ServeConfiguration(maxBatch: 2, shutdownGracePeriod: .milliseconds(100)),
                                               model: longGenerationModelDirectory)
            let body = #"{"prompt": "Forever", "max_tokens": \#(longGenerationTokens), "temperature": 1, "ignore_eos": true, "stream": true}"#
            let generations = (0..<2).map { _ in
                Task(executorPreference: Self.testExecutor) { try? await stream(server, "/v1/completions", body) }
            }
            // Waits, not timing assertions: a loaded machine may take a while to start them.
            #expect(await eventually(within: busyMachineWait) { server.statistics.running == 2 })

            let burners = Occupation.burners(2)
            let blockers = Occupation.poolBlockers(ProcessInfo.processInfo.activeProcessorCount)
            defer { blockers.release(); burners.release() }
            // Every pool thread is taken once all blockers have started (other tests may hold
            // some of them first; then the blockers start as those finish).
            #expect(await eventually(within: busyMachineWait) { blockers.startedCount == ProcessInfo.processInfo.activeProcessorCount })

            let health = try await send(server, .GET, "/health", timeout: .seconds(60))
            #expect(health.status == 200)
            let models = try await send(server, .GET, "/v1/models", timeout: .seconds(60))
            #expect(models.status == 200 && models.text.contains(servedName), "\(models.text)")
            // Still generating at full load all the while.
            #expect(server.statistics.running == 2)

            blockers.release()
            burners.release()
            await server.stop()
            for generation in generations { _ = await generation.value }
            #expect(server.statistics.cancelled == 2)
        }
    }
}
