// Writes a synthetic dataset as JSONL shards plus a manifest.
//
// Layout of the destination directory:
//   manifest.json                         counts, statistics, parameters, seed, file list
//   dataset_info.json                     LLaMA-Factory entries for train/, sft/ and dpo/
//   train/train-00000.jsonl ...           IOPO quadruple records (+ meta)
//   sft/sft-00000.jsonl ...               (x1, y1) and (x2, y2)
//   dpo/dpo-00000.jsonl ...               (x1: y1 > y2) and (x2: y2 > y1)
//   eval/in-domain-00000.jsonl ...        TRACE eval records (+ checks, reference)
//   eval/out-of-domain-00000.jsonl ...
//
// Shards hold `shardSize` records (the last one fewer), one JSON object per line, each line
// ending in "\n". Everything is written into a sibling temporary directory which is renamed
// to the destination at the end, so the destination either holds a complete dataset or does
// not exist. The manifest is canonical JSON (sorted keys) and contains no time stamps.

import Basics
import Foundation

/// One file of a written dataset.
public struct SyntheticShard: Sendable, Hashable, Codable {
    /// Path relative to the dataset directory.
    public var path: String
    public var split: String
    public var records: Int
    public var bytes: Int
}

/// The manifest of a written synthetic dataset.
public struct SyntheticManifest: Sendable, Hashable, Codable {
    /// Records per split.
    public struct Counts: Sendable, Hashable, Codable {
        public var trainQuadruples: Int
        public var sftExamples: Int
        public var dpoPairs: Int
        public var evalInDomain: Int
        public var evalOutOfDomain: Int
    }

    public var format: String
    public var generatorVersion: Int
    public var config: SyntheticTraceConfig
    public var counts: Counts
    public var files: [SyntheticShard]
    /// Statistics per split: "train.x1", "train.x2", "eval.in-domain", "eval.out-of-domain".
    public var statistics: [String: DatasetStats]
    /// Quadruples per edit kind (add, revise, replace).
    public var editKinds: [String: Int]
    /// Quadruples whose y2 also fails x1.
    public var y2FailsX1: Int
    public var heldOutKinds: [String]
    /// Phrasing variant used only out of domain.
    public var heldOutPhrasing: Int
    /// Out-of-domain instructions using a held-out kind, a held-out phrasing, more constraints
    /// than training ever has.
    public var outOfDomainNovelty: [String: Int]
    /// Distinct words (lowercased ASCII letter runs) over all prompts and responses.
    public var vocabularySize: Int

    public static let formatName = "iopo-exp/synthetic-trace"

    /// Canonical bytes: sorted keys, pretty-printed in Foundation's layout, "\n" at the end (the
    /// bytes JSONEncoder first wrote; see `JSONWriter.foundationIndented`).
    public func canonicalJSON() throws -> Data {
        Data(JSONWriter.foundationIndented.bytes(try JSONValueEncoder.encode(self)))
    }
}

extension SyntheticDataset {
    /// The manifest of this dataset (without file sizes, which `write(to:)` fills in).
    public func manifest(files: [SyntheticShard] = []) -> SyntheticManifest {
        var editKinds: [String: Int] = [:]
        for kind in QuadrupleEditKind.allCases { editKinds[kind.rawValue] = 0 }
        for q in train { editKinds[q.edit.kind.rawValue, default: 0] += 1 }
        var words: Set<String> = []
        func collect(_ text: String) { words.formUnion(ResponseAnalysis(text).words) }
        for q in train { collect(q.x1.text); collect(q.x2.text); collect(q.y1); collect(q.y2) }
        for item in evalInDomain + evalOutOfDomain { collect(item.instruction.text); collect(item.reference) }
        let heldOut = Set(config.heldOutKinds)
        var novelty = ["heldOutKind": 0, "heldOutPhrasing": 0, "moreConstraintsThanTraining": 0]
        for item in evalOutOfDomain {
            if item.instruction.constraints.contains(where: { heldOut.contains($0.kind) }) { novelty["heldOutKind"]! += 1 }
            if item.instruction.constraints.contains(where: { $0.phrasing == ConstraintPhrasing.heldOutPhrasing }) {
                novelty["heldOutPhrasing"]! += 1
            }
            if item.instruction.constraints.count > config.maxConstraints { novelty["moreConstraintsThanTraining"]! += 1 }
        }
        let x1Stats = DatasetStats(items: train.map {
            DatasetStats.Item(constraintCount: $0.x1.constraints.count, levels2: $0.x1.levels2, category: nil,
                              hasInput: $0.x1.context.input != nil, prompt: $0.x1.text, responses: [$0.y1])
        })
        let x2Stats = DatasetStats(items: train.map {
            DatasetStats.Item(constraintCount: $0.x2.constraints.count, levels2: $0.x2.levels2, category: nil,
                              hasInput: $0.x2.context.input != nil, prompt: $0.x2.text, responses: [$0.y2])
        })
        return SyntheticManifest(
            format: SyntheticManifest.formatName,
            generatorVersion: SyntheticTrace.generatorVersion,
            config: config,
            counts: .init(trainQuadruples: train.count, sftExamples: 2 * train.count, dpoPairs: 2 * train.count,
                          evalInDomain: evalInDomain.count, evalOutOfDomain: evalOutOfDomain.count),
            files: files,
            statistics: [
                "train.x1": x1Stats,
                "train.x2": x2Stats,
                "eval.in-domain": DatasetStats(evalRecords: evalInDomain.map(\.evalRecord)),
                "eval.out-of-domain": DatasetStats(evalRecords: evalOutOfDomain.map(\.evalRecord)),
            ],
            editKinds: editKinds,
            y2FailsX1: train.count(where: \.y2FailsX1),
            heldOutKinds: config.heldOutKinds.map(\.rawValue),
            heldOutPhrasing: ConstraintPhrasing.heldOutPhrasing,
            outOfDomainNovelty: novelty,
            vocabularySize: words.count)
    }

    /// Writes the dataset to `destination`, which must not exist yet. Returns the manifest.
    @discardableResult
    public func write(to destination: URL) throws(SyntheticTraceError) -> SyntheticManifest {
        let finalPath = destination.standardizedFileURL
        guard !FileManager.default.fileExists(atPath: finalPath.path) else {
            throw .writeFailed(path: finalPath.path, reason: "destination exists; choose a new directory")
        }
        do throws(AtomicWriteError<SyntheticTraceError>) {
            return try AtomicDirectory.write(to: finalPath, options: .init(createsParentDirectories: true)) {
                (staging: URL) throws(SyntheticTraceError) -> SyntheticManifest in try writeFiles(into: staging)
            }
        } catch {
            switch error {
            case .body(let failure): throw failure
            case .fileSystem(let failure): throw .writeFailed(path: failure.path, reason: failure.detail)
            }
        }
    }

    /// Writes every shard, dataset_info.json and the manifest into `staging`.
    private func writeFiles(into staging: URL) throws(SyntheticTraceError) -> SyntheticManifest {
        let fileManager = FileManager.default
        var files: [SyntheticShard] = []
        func writeFile(_ relative: String, _ data: Data) throws(SyntheticTraceError) {
            let url = staging.appendingPathComponent(relative)
            do {
                try fileManager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try data.write(to: url)
            } catch {
                throw .writeFailed(path: url.path, reason: error.localizedDescription)
            }
        }
        func writeShards(directory: String, prefix: String, split: String, lines: [String]) throws(SyntheticTraceError) {
            let shardSize = config.shardSize
            var start = 0
            var shard = 0
            repeat {
                let end = min(start + shardSize, lines.count)
                let name = "\(directory)/\(prefix)-\(SyntheticTrace.zeroPadded(shard, width: 5)).jsonl"
                var text = ""
                for line in lines[start..<end] { text += line; text += "\n" }
                let data = Data(text.utf8)
                try writeFile(name, data)
                files.append(SyntheticShard(path: name, split: split, records: end - start, bytes: data.count))
                start = end
                shard += 1
            } while start < lines.count
        }

        try writeShards(directory: "train", prefix: "train", split: "train", lines: train.map(\.trainingRecord.jsonLine))
        try writeShards(directory: "sft", prefix: "sft", split: "sft", lines: sft.map(\.jsonLine))
        try writeShards(directory: "dpo", prefix: "dpo", split: "dpo", lines: dpo.map(\.jsonLine))
        try writeShards(directory: "eval", prefix: EvalSplit.inDomain.rawValue, split: "eval.\(EvalSplit.inDomain.rawValue)",
                        lines: evalInDomain.map(\.evalRecord.jsonLine))
        try writeShards(directory: "eval", prefix: EvalSplit.outOfDomain.rawValue, split: "eval.\(EvalSplit.outOfDomain.rawValue)",
                        lines: evalOutOfDomain.map(\.evalRecord.jsonLine))
        let info = DatasetInfoEntry.file([
            DatasetInfoEntry(name: "synthetic_trace_iopo", fileName: "train", ranking: true),
            DatasetInfoEntry(name: "synthetic_trace_dpo", fileName: "dpo", ranking: true),
            DatasetInfoEntry(name: "synthetic_trace_sft", fileName: "sft", ranking: false),
        ])
        try writeFile("dataset_info.json", Data(info.utf8))

        let manifest = self.manifest(files: files)
        let manifestData: Data
        do {
            manifestData = try manifest.canonicalJSON()
        } catch {
            throw .writeFailed(path: "manifest.json", reason: error.localizedDescription)
        }
        try writeFile("manifest.json", manifestData)
        return manifest
    }
}
