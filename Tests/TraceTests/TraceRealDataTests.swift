// Tests against the real TRACE release files (skipped when the data is absent).

import Foundation
import Testing
@testable import Trace

@Suite(.enabled(if: TraceTestData.available, "needs the real TRACE data (IOPO_DATA_DIR)"))
struct TraceRealDataTests {
    static func loadEval() throws -> [TraceEvalRecord] {
        try TraceLoader.loadEvalRecords(file: TraceTestData.evalFile).records
    }

    @Test func allRecordsLoadAndHoldTheInvariants() throws {
        let records = try Self.loadEval()
        #expect(records.count == 1_042)
        for (i, record) in records.enumerated() {
            #expect(record.id == String(i))
            #expect(record.type == "trace")
            #expect(record.messages.count == 2)
            #expect(record.messages[0] == ChatMessage(role: "system", content: "You are a helpful assistant."))
            var user = record.description + "\n" + record.constraints + "\n"
            if record.input != "NULL" { user += "# Inputs:\n" + record.input + "\n" }
            #expect(record.messages[1].content == user)
            #expect(record.constraintsNum == record.constraintsSplits.count)
            #expect(record.constraintsNum == record.levels2.count)
            #expect(record.constraints == record.constraintsSplits.joined(separator: "\n"))
            #expect(record.dimensions?.count == record.constraintsNum)
            #expect(["trace1.0", "trace2.0"].contains(record.category))
            #expect(record.checks == nil)
        }
        #expect(records.filter(\.hasInput).count == 253)
    }

    @Test func everyLineWritesBackByteForByte() throws {
        let text = try String(contentsOf: TraceTestData.evalFile, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.last == "")
        let records = try Self.loadEval()
        for (record, line) in zip(records, lines) {
            #expect(record.jsonLine == String(line))
        }
    }

    @Test func publishedDistributionOfConstraintCounts() throws {
        let stats = DatasetStats(evalRecords: try Self.loadEval())
        let counts = Dictionary(uniqueKeysWithValues: stats.byConstraintCount.map { ($0.constraints, $0.instructions) })
        // The paper: 200 single-constraint, 100 each for 2..9, about 10 each for 10..12, 4 each 13..15.
        // The file has exactly 200 and 4s, and 98...101 / 9...11 where the paper rounds.
        #expect(counts[1] == 200)
        for k in 2...9 { #expect((98...101).contains(counts[k] ?? 0), "count \(k): \(counts[k] ?? 0)") }
        for k in 10...12 { #expect((9...11).contains(counts[k] ?? 0), "count \(k): \(counts[k] ?? 0)") }
        for k in 13...15 { #expect(counts[k] == 4) }
        #expect(counts == [1: 200, 2: 101, 3: 100, 4: 100, 5: 100, 6: 101, 7: 101, 8: 98, 9: 99,
                           10: 10, 11: 11, 12: 9, 13: 4, 14: 4, 15: 4])
        #expect(stats.constraints == 5_087)
        // 5,087 / 1,042 = 4.882; the paper reports 4.89.
        #expect(abs(stats.meanConstraints - 4.89) < 0.01)
        #expect(stats.byCategory.map(\.name) == ["trace1.0", "trace2.0"])
        #expect(stats.byCategory.map(\.count) == [807, 235])
    }

    @Test func levels2LabelsFoundInTheRealFile() throws {
        let stats = DatasetStats(evalRecords: try Self.loadEval())
        let labels = Dictionary(uniqueKeysWithValues: stats.byLabel.map { ($0.name, $0.count) })
        // All 26 canonical labels occur, spelled <Chinese name>约束, plus two others.
        for dimension in TraceDimension.allCases {
            #expect((labels[dimension.levels2Label] ?? 0) > 0, "\(dimension.levels2Label)")
        }
        #expect(labels.count == 28)
        #expect(labels["输入格式约束"] == 1)
        #expect(labels["·"] == 1)
        #expect(labels["包含约束"] == 999)
        #expect(labels["markdown流程背景信息约束"] == 16)
        #expect(stats.unresolvedLabels.isEmpty)
        #expect(stats.byDimension.reduce(0) { $0 + $1.constraints } == 5_087)
        let records = try Self.loadEval()
        #expect(records[951].levels2[3] == "·")
        #expect(records[951].dimensions?[3] == .hierarchicalStructure)
        #expect(records[903].dimensions?[5] == .outputFormat)
    }

    @Test func trainingExampleRoundTripsByteForByte() throws {
        let original = try Data(contentsOf: TraceTestData.trainExample)
        let report = try TraceLoader.loadTrainingRecords(file: TraceTestData.trainExample)
        #expect(report.records.count == 1)
        #expect(report.skipped.isEmpty)
        let record = report.records[0]
        let quadruple = try #require(record.quadruple)
        #expect(quadruple.x1.hasPrefix("为一篇关于高中生“备考”的论文"))
        #expect(record.chosen.from == "gpt" && record.rejected.from == "gpt")
        let written = TraceTrainingRecord.jsonListFile(report.records)
        #expect(Data(written.utf8) == original)
        #expect(original.last == UInt8(ascii: "]"))
    }

    @Test func datasetInfoEntryReproducesTheReleasedFile() throws {
        let original = try String(contentsOf: TraceTestData.datasetInfo, encoding: .utf8)
        #expect(DatasetInfoEntry.file([.iopo()]) == original)
    }

    @Test func statsLoadDetectsTheFormat() throws {
        let eval = try DatasetStats.load(file: TraceTestData.evalFile)
        #expect(eval.instructions == 1_042)
        let train = try DatasetStats.load(file: TraceTestData.trainExample)
        #expect(train.instructions == 2)
        #expect(train.byConstraintCount == [DatasetStats.CountBin(constraints: 3, instructions: 2)])
        #expect(train.responseWords != nil)
        #expect(eval.report.contains("by dimension:"))
    }
}
