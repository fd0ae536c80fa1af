// The synthetic benchmark: determinism, splits, formats, writer, statistics, judge.

import Basics
import Foundation
import Testing
@testable import Trace
import TestKit

@Suite struct SyntheticTraceTests {
    static let small = SyntheticTraceConfig(seed: 42, trainQuadruples: 300, evalInDomain: 208, evalOutOfDomain: 120,
                                            maxConstraints: 6, maxConstraintsOutOfDomain: 9, shardSize: 128)

    /// One generation shared by the tests below (generation is deterministic, so sharing is safe).
    static let dataset: Result<SyntheticDataset, SyntheticTraceError> = Result { () throws(SyntheticTraceError) in
        try SyntheticTrace.generate(small)
    }

    static func lines(_ d: SyntheticDataset) -> [String] {
        d.train.map(\.trainingRecord.jsonLine) + d.evalInDomain.map(\.evalRecord.jsonLine) + d.evalOutOfDomain.map(\.evalRecord.jsonLine)
    }

    @Test func sameSeedGivesIdenticalBytesAndOtherSeedsDiffer() throws {
        let first = try Self.dataset.get()
        let again = try SyntheticTrace.generate(Self.small)
        #expect(Self.lines(first) == Self.lines(again))
        // Written datasets are byte-identical, file by file.
        let scratch = TemporaryDirectory(prefix: "trace-tests-determinism")
        let root = scratch.url
        let manifestA = try first.write(to: root.appendingPathComponent("a"))
        let manifestB = try again.write(to: root.appendingPathComponent("b"))
        #expect(manifestA == manifestB)
        for file in manifestA.files.map(\.path) + ["manifest.json", "dataset_info.json"] {
            let bytesA = try Data(contentsOf: root.appendingPathComponent("a/" + file))
            let bytesB = try Data(contentsOf: root.appendingPathComponent("b/" + file))
            #expect(bytesA == bytesB, "\(file)")
        }

        var other = Self.small
        other.seed = 43
        let different = try SyntheticTrace.generate(other)
        let a = Self.lines(first), b = Self.lines(different)
        #expect(a.count == b.count)
        // Different seeds differ almost everywhere, not just somewhere.
        #expect(zip(a, b).filter { $0 != $1 }.count > a.count * 9 / 10)
    }

    @Test func evalInstructionsAreDisjointFromTrainingAndUnique() throws {
        let d = try Self.dataset.get()
        let training = Set(d.train.flatMap { [$0.x1.text, $0.x2.text] })
        let eval = (d.evalInDomain + d.evalOutOfDomain).map(\.instruction.text)
        #expect(Set(eval).count == eval.count)
        #expect(training.isDisjoint(with: eval))
        #expect(Set(d.train.map(\.x1.text)).count == d.train.count)
    }

    @Test func inDomainEvalFollowsTheTraceShape() throws {
        let d = try Self.dataset.get()
        let counts = d.evalInDomain.map(\.instruction.constraints.count)
        // TRACE's eval shape truncated at 6, single-constraint share kept at 200/1,042:
        // 208 x 200/1,042 = 39.9 -> 40, then 34, 34, 34, 33, 33 for 2...6.
        let expected = TraceCountDistribution.quotas(total: 208, weights: TraceCountDistribution.evaluationShape(maximum: 6))
        #expect(counts.sorted() == expected)
        #expect((1...6).map { k in counts.filter { $0 == k }.count } == [40, 34, 34, 34, 33, 33])
        #expect(counts.allSatisfy { (1...6).contains($0) })
        for item in d.evalInDomain {
            #expect(item.instruction.constraints.allSatisfy { !Self.small.heldOutKinds.contains($0.kind) && $0.phrasing < 2 })
            #expect(item.evalRecord.category == "synthetic-in-domain")
        }
        // With TRACE's own size the single-constraint share is TRACE's: 200 of 1,042.
        let full = TraceCountDistribution.quotas(total: 1_042, weights: TraceCountDistribution.evaluationShape(maximum: 15))
        #expect((1...15).map { k in full.filter { $0 == k }.count } == [200, 100, 100, 100, 100, 100, 100, 100, 100, 10, 10, 10, 4, 4, 4])
        let capped = TraceCountDistribution.quotas(total: 1_042, weights: TraceCountDistribution.evaluationShape(maximum: 8))
        #expect(capped.filter { $0 == 1 }.count == 200)
    }

    @Test func outOfDomainEvalIsNovel() throws {
        let d = try Self.dataset.get()
        let heldOut = Set(Self.small.heldOutKinds)
        var kinds = 0, phrasings = 0, longer = 0
        for item in d.evalOutOfDomain {
            let usesKind = item.instruction.constraints.contains { heldOut.contains($0.kind) }
            let usesPhrasing = item.instruction.constraints.contains { $0.phrasing == ConstraintPhrasing.heldOutPhrasing }
            #expect(usesKind || usesPhrasing, "\(item.id) has nothing held out")
            if usesKind { kinds += 1 }
            if usesPhrasing { phrasings += 1 }
            if item.instruction.constraints.count > Self.small.maxConstraints { longer += 1 }
            #expect((1...9).contains(item.instruction.constraints.count))
        }
        #expect(kinds > 30 && phrasings > 60 && longer > 0)
        // Held-out phrasings are new wordings, not repeats of the training ones.
        for kind in ConstraintKind.allCases {
            let spec = Self.exampleSpec(kind)
            let texts = (0..<ConstraintPhrasing.variantCount).map { ConstraintPhrasing.text(for: spec, variant: $0) }
            #expect(Set(texts).count == texts.count, "\(kind)")
        }
    }

    static func exampleSpec(_ kind: ConstraintKind) -> ConstraintSpec {
        switch kind {
        case .tone: return ConstraintSpec(.tone, option: "excited")
        case .letterCase: return ConstraintSpec(.letterCase, option: "upper")
        case .multilingual: return ConstraintSpec(.multilingual, words: ["hola"], option: "greet-spanish")
        case .audience: return ConstraintSpec(.audience, number: 6, option: "children")
        default:
            return ConstraintSpec(kind, words: ["wash", "cut"], number: 3, option: "-", holds: true)
        }
    }

    @Test func referencesPassTheRuleJudgeAndRecordsRoundTrip() throws {
        let d = try Self.dataset.get()
        for item in d.evalInDomain + d.evalOutOfDomain {
            let record = item.evalRecord
            let judgement = try RuleJudge.judge(record: record, response: item.reference)
            #expect(judgement.followed, "\(item.id)")
            #expect(judgement.results.count == record.constraintsNum)
            // A line reloads through the validating loader into the same record and checks.
            let line = record.jsonLine
            let reloaded = try TraceLoader.parseEvalRecords(text: line, file: "synthetic").records
            #expect(reloaded == [record])
            #expect(try RuleJudge.checks(fromEvalLine: line) == item.instruction.specs)
            #expect(record.levels2.allSatisfy { TraceDimension(label: $0)?.levels2Label == $0 })
        }
        // The standard fields come first, in the real file's order, then the extensions.
        let keys = d.evalInDomain[0].evalRecord.jsonValue.objectMembers?.map(\.key)
        #expect(keys == ["id", "messages", "type", "description", "constraints", "input", "constraints_num",
                         "constraints_splits", "levels2", "category", "checks", "reference"])
    }

    @Test func writesShardsManifestAndDatasetInfo() throws {
        let d = try Self.dataset.get()
        let scratch = TemporaryDirectory(prefix: "trace-tests-writer")
        let root = scratch.url
        let destination = root.appendingPathComponent("synthetic")
        let manifest = try d.write(to: destination)

        #expect(manifest.counts.trainQuadruples == 300 && manifest.counts.sftExamples == 600 && manifest.counts.dpoPairs == 600)
        #expect(manifest.files.map(\.path) == [
            "train/train-00000.jsonl", "train/train-00001.jsonl", "train/train-00002.jsonl",
            "sft/sft-00000.jsonl", "sft/sft-00001.jsonl", "sft/sft-00002.jsonl", "sft/sft-00003.jsonl", "sft/sft-00004.jsonl",
            "dpo/dpo-00000.jsonl", "dpo/dpo-00001.jsonl", "dpo/dpo-00002.jsonl", "dpo/dpo-00003.jsonl", "dpo/dpo-00004.jsonl",
            "eval/in-domain-00000.jsonl", "eval/in-domain-00001.jsonl",
            "eval/out-of-domain-00000.jsonl",
        ])
        #expect(manifest.files.map(\.records) == [128, 128, 44, 128, 128, 128, 128, 88, 128, 128, 128, 128, 88, 128, 80, 120])
        for file in manifest.files {
            let data = try Data(contentsOf: destination.appendingPathComponent(file.path))
            #expect(data.count == file.bytes)
            #expect(data.last == 0x0A)
        }
        let written = try Data(contentsOf: destination.appendingPathComponent("manifest.json"))
        #expect(written == (try manifest.canonicalJSON()))
        let decoded = try JSONDecoder().decode(SyntheticManifest.self, from: written)
        #expect(decoded == manifest)
        #expect(manifest.statistics["eval.in-domain"]?.instructions == 208)
        #expect(manifest.vocabularySize > 150 && manifest.vocabularySize < 600)
        #expect(!FileManager.default.fileExists(atPath: root.appendingPathComponent(".synthetic.partial").path))

        // Shards read back through the loaders.
        let train = try TraceLoader.loadTrainingRecords(file: destination.appendingPathComponent("train/train-00000.jsonl"))
        #expect(train.records.count == 128)
        #expect(train.records[0] == d.train[0].trainingRecord)
        let eval = try TraceLoader.loadEvalRecords(file: destination.appendingPathComponent("eval/out-of-domain-00000.jsonl"))
        #expect(eval.records.count == 120)
        let stats = try DatasetStats.load(file: destination.appendingPathComponent("train/train-00000.jsonl"))
        #expect(stats.instructions == 256)
        #expect(stats.constraints == d.train.prefix(128).reduce(0) { $0 + $1.x1.constraints.count + $1.x2.constraints.count })
        #expect(stats.byDimension.reduce(0) { $0 + $1.constraints } == stats.constraints)
        // SFT and DPO shards: one instruction per record, dimensions from the checks.
        for shard in ["sft/sft-00000.jsonl", "dpo/dpo-00000.jsonl"] {
            let shardStats = try DatasetStats.load(file: destination.appendingPathComponent(shard))
            #expect(shardStats.instructions == 128)
            #expect(shardStats.byDimension.reduce(0) { $0 + $1.constraints } == shardStats.constraints)
            #expect(shardStats.responseWords != nil)
        }
        let evalStats = try DatasetStats.load(file: destination.appendingPathComponent("eval/in-domain-00000.jsonl"))
        #expect(evalStats.instructions == 128 && evalStats.byCategory.map(\.name) == ["synthetic-in-domain"])

        let info = try String(contentsOf: destination.appendingPathComponent("dataset_info.json"), encoding: .utf8)
        let parsed = try JSONParser.parse(info)
        #expect(parsed.objectMembers?.map(\.key) == ["synthetic_trace_iopo", "synthetic_trace_dpo", "synthetic_trace_sft"])
        #expect(parsed["synthetic_trace_iopo"]?["ranking"] == .bool(true))
        #expect(parsed["synthetic_trace_sft"]?["ranking"] == nil)

        // A second write to the same place is refused; nothing is overwritten.
        #expect(throws: SyntheticTraceError.self) { try d.write(to: destination) }
        #expect(try Data(contentsOf: destination.appendingPathComponent("manifest.json")) == written)
    }

    @Test func viewsOfTheQuadruples() throws {
        let q = try Self.dataset.get().train[0]
        let sft = q.sftRecords
        #expect(sft.map(\.prompt) == [q.x1.text, q.x2.text] && sft.map(\.response) == [q.y1, q.y2])
        let dpo = q.preferenceRecords
        #expect(dpo[0].prompt == q.x1.text && dpo[0].chosen == q.y1 && dpo[0].rejected == q.y2)
        #expect(dpo[1].prompt == q.x2.text && dpo[1].chosen == q.y2 && dpo[1].rejected == q.y1)
        let record = q.trainingRecord
        #expect(record.quadruple?.x1 == q.x1.text && record.quadruple?.y2 == q.y2)
        #expect(record.jsonValue.objectMembers?.map(\.key) == ["conversations", "chosen", "rejected", "meta"])
        #expect(record.jsonLine.hasPrefix(#"{"conversations": [{"from": "human", "value": "#))
    }

    @Test func defaultGenerationKeepsInstructionsAndResponsesShort() throws {
        let d = try Self.dataset.get()
        let m = d.manifest()
        let x1 = try #require(m.statistics["train.x1"])
        // Short enough for a 256-384 token context: instructions around 70 words at most,
        // responses mostly 10-60 words.
        #expect(x1.promptWords.p95 <= 80)
        let responses = try #require(x1.responseWords)
        #expect(responses.median >= 10 && responses.p95 <= 75)
    }

    @Test func configDecodesWithDefaultsForAbsentKeys() throws {
        let config = try JSONDecoder().decode(SyntheticTraceConfig.self, from: Data(#"{"seed": 9, "maxConstraints": 6}"#.utf8))
        var expected = SyntheticTraceConfig()
        expected.seed = 9
        expected.maxConstraints = 6
        #expect(config == expected)
        let roundTrip = try JSONDecoder().decode(SyntheticTraceConfig.self, from: JSONEncoder().encode(Self.small))
        #expect(roundTrip == Self.small)
    }

    @Test func invalidConfigurationsAreRejected() {
        var bad = Self.small
        bad.maxConstraints = 0
        #expect(throws: SyntheticTraceError.self) { try SyntheticTrace.generate(bad) }
        bad = Self.small
        bad.maxConstraintsOutOfDomain = 3
        #expect(throws: SyntheticTraceError.self) { try SyntheticTrace.generate(bad) }
        bad = Self.small
        bad.shardSize = 0
        #expect(throws: SyntheticTraceError.self) { try SyntheticTrace.generate(bad) }
        bad = Self.small
        bad.heldOutKinds = Array(ConstraintKind.allCases.prefix(35))
        #expect(throws: SyntheticTraceError.self) { try SyntheticTrace.generate(bad) }
    }

    @Test func throughputIsMeasured() throws {
        let t = try SyntheticTrace.measureThroughput(Self.small, quadruples: 20)
        #expect(t.quadruples == 20 && t.instructions == 40)
        #expect(t.quadruplesPerSecond > 0 && t.verificationsPerSecond > 0)
        #expect(t.verifications > 0 && t.verificationsPassed < t.verifications)
    }
}

@Suite struct TaxonomyTests {
    @Test func fiveTypesAndTwentySixDimensions() {
        #expect(TraceType.allCases.count == 5)
        #expect(TraceDimension.allCases.count == 26)
        let perType = Dictionary(grouping: TraceDimension.allCases, by: \.type).mapValues(\.count)
        #expect(perType == [.content: 6, .situation: 7, .style: 4, .format: 7, .example: 2])
        #expect(Set(TraceDimension.allCases.map(\.levels2Label)).count == 26)
        #expect(TraceDimension.inclusion.levels2Label == "包含约束")
        #expect(TraceDimension.markdownProcessBackground.levels2Label == "markdown流程背景信息约束")
    }

    @Test func labelsResolveInEveryForm() throws {
        #expect(TraceDimension(label: "模版约束") == .template)
        #expect(TraceDimension(label: "模版") == .template)
        #expect(TraceDimension(label: "Role-playing") == .rolePlaying)
        #expect(TraceDimension(label: "MARKDOWN流程背景信息约束") == .markdownProcessBackground)
        #expect(TraceDimension(label: "Markdown process background") == .markdownProcessBackground)
        #expect(TraceDimension(label: "输入格式约束") == .outputFormat)
        #expect(TraceDimension(label: "风格约束") == nil)
        #expect(TraceDimension(label: "·") == nil)
        #expect(try TraceDimension.resolve(levels2: ["层次化结构约束", "·"]).get() == [.hierarchicalStructure, .hierarchicalStructure])
    }

    @Test func constraintKindsCoverAllTypesAndDimensions() {
        let dimensions = Set(ConstraintKind.allCases.map(\.dimension))
        #expect(dimensions.count == 26)
        #expect(Set(dimensions.map(\.type)).count == 5)
        #expect(Set(SyntheticTraceConfig().trainingKinds.map(\.dimension)).count == 25)
    }
}
