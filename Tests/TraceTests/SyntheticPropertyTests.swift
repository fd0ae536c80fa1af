// Property tests over 10,000 generated IOPO quadruples.
//
// Quadruple i is a pure function of (config, i, attempt), so the quadruples are generated on all
// cores in parallel; a sample is regenerated sequentially to show the result does not depend on
// that. Every invariant is re-checked here with the verifiers, independently of the generator's
// own checks.

import Foundation
import Testing
@testable import Trace

@Suite struct SyntheticPropertyTests {
    static let config = SyntheticTraceConfig(seed: 20_241_109, trainQuadruples: 10_000, evalInDomain: 0, evalOutOfDomain: 0)

    /// Generates quadruples `0..<total` like `SyntheticTrace.generate` (first successful attempt),
    /// split over the available cores.
    static func generateParallel(_ config: SyntheticTraceConfig, total: Int) async throws -> [IOPOQuadruple] {
        let counts = SyntheticTrace.countPlan(config, .train, total: total,
                                              weights: TraceCountDistribution.trainingShape(maximum: config.maxConstraints))
        let workers = max(1, min(8, ProcessInfo.processInfo.activeProcessorCount))
        let chunk = (total + workers - 1) / workers
        return try await withThrowingTaskGroup(of: (Int, [IOPOQuadruple]).self) { group in
            for w in 0..<workers {
                let range = (w * chunk)..<min(total, (w + 1) * chunk)
                group.addTask {
                    let builder = InstructionBuilder(config: config)
                    var out: [IOPOQuadruple] = []
                    for index in range {
                        var made: IOPOQuadruple?
                        for attempt in 0..<SyntheticTrace.maximumAttempts where made == nil {
                            made = try SyntheticTrace.makeQuadruple(builder, index: index, count: counts[index], attempt: attempt)
                        }
                        guard let q = made else { throw SyntheticTraceError.cannotMakeQuadruple(index: index) }
                        out.append(q)
                    }
                    return (w, out)
                }
            }
            var parts: [(Int, [IOPOQuadruple])] = []
            for try await part in group { parts.append(part) }
            return parts.sorted { $0.0 < $1.0 }.flatMap(\.1)
        }
    }

    /// What the invariant checks of a batch of quadruples found.
    struct Tally: Sendable {
        var checked = 0
        var editKinds: [QuadrupleEditKind: Int] = [:]
        var y2FailsX1 = 0
        var dimensions: Set<TraceDimension> = []
        var x1Counts: [Int: Int] = [:]
        /// Training lines of every 100th quadruple, to compare with a sequential regeneration.
        var samples: [Int: String] = [:]

        mutating func merge(_ other: Tally) {
            samples.merge(other.samples) { a, _ in a }
            checked += other.checked
            editKinds.merge(other.editKinds, uniquingKeysWith: +)
            y2FailsX1 += other.y2FailsX1
            dimensions.formUnion(other.dimensions)
            x1Counts.merge(other.x1Counts, uniquingKeysWith: +)
        }
    }

    /// Re-checks every invariant of one quadruple with the verifiers.
    static func check(_ q: IOPOQuadruple, config: SyntheticTraceConfig, into tally: inout Tally) {
        let x1 = q.x1.specs, x2 = q.x2.specs
        let y1 = ResponseAnalysis(q.y1), y2 = ResponseAnalysis(q.y2)
        // y1 satisfies x1; y1 fails x2 (on the edited constraint); y2 satisfies x2.
        #expect(x1.allSatisfy { $0.verify(y1) }, "\(q.id): y1 fails x1")
        #expect(!q.edit.added.verify(y1), "\(q.id): y1 satisfies the edited constraint")
        #expect(x2.allSatisfy { $0.verify(y2) }, "\(q.id): y2 fails x2")
        // The recorded flag is right; an add edit keeps all of x1, so y2 cannot fail it.
        let fails = !x1.allSatisfy { $0.verify(y2) }
        #expect(q.y2FailsX1 == fails, "\(q.id): y2FailsX1 flag")
        if q.edit.kind == .add { #expect(!fails) }
        if fails { tally.y2FailsX1 += 1 }
        // Counts in range, and the edit is what it says.
        #expect((1...config.maxConstraints).contains(x1.count), "\(q.id): x1 count \(x1.count)")
        #expect((1...config.maxConstraints).contains(x2.count), "\(q.id): x2 count \(x2.count)")
        switch q.edit.kind {
        case .add:
            #expect(x2.count == x1.count + 1 && q.edit.removed == nil)
        case .revise, .replace:
            #expect(x2.count == x1.count)
            #expect(q.edit.removed.map { x1.contains($0) } == true)
            if q.edit.kind == .replace { #expect(q.edit.removed?.kind != q.edit.added.kind) }
        }
        #expect(x2[q.edit.position] == q.edit.added)
        // Constraints are compatible, never held out, and worded like training.
        #expect(ConstraintCompatibility.compatible(x1, input: q.x1.context.input))
        #expect(ConstraintCompatibility.compatible(x2, input: q.x2.context.input))
        for c in q.x1.constraints + q.x2.constraints {
            #expect(!config.heldOutKinds.contains(c.kind) && c.phrasing != ConstraintPhrasing.heldOutPhrasing)
            tally.dimensions.insert(c.dimension)
        }
        // The prompt is TRACE's rendering of the instruction.
        #expect(q.x1.text == TraceEvalRecord.userMessage(description: q.x1.context.task,
                                                         constraints: q.x1.constraintsSplits.joined(separator: "\n"),
                                                         input: q.x1.context.input?.text))
        #expect(q.x1.text != q.x2.text && q.y1 != q.y2)
        tally.editKinds[q.edit.kind, default: 0] += 1
        tally.x1Counts[x1.count, default: 0] += 1
        tally.checked += 1
    }

    @Test func tenThousandQuadruplesHoldEveryInvariant() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        let config = Self.config
        let total = config.trainQuadruples
        let counts = SyntheticTrace.countPlan(config, .train, total: total,
                                              weights: TraceCountDistribution.trainingShape(maximum: config.maxConstraints))
        let workers = max(1, min(8, ProcessInfo.processInfo.activeProcessorCount))
        // Each worker generates and checks an interleaved share of the indices.
        let tally = try await withThrowingTaskGroup(of: Tally.self) { group in
            for w in 0..<workers {
                group.addTask {
                    let builder = InstructionBuilder(config: config)
                    var tally = Tally()
                    for index in stride(from: w, to: total, by: workers) {
                        var made: IOPOQuadruple?
                        for attempt in 0..<SyntheticTrace.maximumAttempts where made == nil {
                            made = try SyntheticTrace.makeQuadruple(builder, index: index, count: counts[index], attempt: attempt)
                        }
                        guard let q = made else { throw SyntheticTraceError.cannotMakeQuadruple(index: index) }
                        Self.check(q, config: config, into: &tally)
                        if index % 100 == 0 { tally.samples[index] = q.trainingRecord.jsonLine }
                    }
                    return tally
                }
            }
            var all = Tally()
            for try await part in group { all.merge(part) }
            return all
        }
        #expect(tally.checked == 10_000)
        // Quadruple i is a pure function of (seed, i): regenerated alone, in another order and
        // thread, it is byte-identical; another seed gives another quadruple.
        let builder = InstructionBuilder(config: config)
        var otherSeed = config
        otherSeed.seed += 1
        let otherBuilder = InstructionBuilder(config: otherSeed)
        #expect(tally.samples.count == 100)
        for (index, line) in tally.samples.sorted(by: { $0.key > $1.key }) {
            var again: IOPOQuadruple?
            for attempt in 0..<SyntheticTrace.maximumAttempts where again == nil {
                again = try SyntheticTrace.makeQuadruple(builder, index: index, count: counts[index], attempt: attempt)
            }
            #expect(again?.trainingRecord.jsonLine == line, "quadruple \(index)")
            let other = try SyntheticTrace.makeQuadruple(otherBuilder, index: index, count: counts[index], attempt: 0)
            #expect(other?.trainingRecord.jsonLine != line)
        }
        // Every edit kind occurs; most revise/replace edits also make y2 fail x1.
        #expect(QuadrupleEditKind.allCases.allSatisfy { (tally.editKinds[$0] ?? 0) > 500 })
        #expect(tally.y2FailsX1 > 5_000)
        // All 26 dimensions but the held-out Markdown process one appear in training.
        #expect(tally.dimensions.count == 25)
        #expect(!tally.dimensions.contains(.markdownProcessBackground))
        // x1 counts follow TRACE's training shape: mostly 3-6.
        #expect((3...6).reduce(0) { $0 + (tally.x1Counts[$1] ?? 0) } > 8_000)
        print("10,000 quadruples generated and checked on \(workers) cores in \(clock.now - start); edits \(tally.editKinds), y2 fails x1 in \(tally.y2FailsX1)")
    }

    @Test func parallelGenerationEqualsSequentialGeneration() async throws {
        let config = SyntheticTraceConfig(seed: 5, trainQuadruples: 200, evalInDomain: 0, evalOutOfDomain: 0)
        let parallel = try await Self.generateParallel(config, total: 200)
        let dataset = try SyntheticTrace.generate(config)
        // generate() also deduplicates x1 across the split; with 200 records no attempt is redrawn.
        #expect(parallel.map(\.trainingRecord.jsonLine) == dataset.train.map(\.trainingRecord.jsonLine))
    }
}
