import Foundation
import Lineage
import Store

/// What differs between two runs: params, metrics (finals; with curves, curve summaries),
/// artifacts by step and output, git commit and uncommitted diff, environment. Works across
/// experiments: entries are matched by name.
public struct RunDiff: Sendable, Codable, Equatable {
    /// One compared value.
    public struct Entry: Sendable, Codable, Equatable {
        /// `run`, `param`, `metric`, `curve`, `artifact`, `git`, `environment`.
        public var section: String
        public var key: String
        public var a: String?
        public var b: String?
        /// b − a, for numeric metrics.
        public var delta: Double?
        public var changed: Bool
    }

    public var a: String
    public var b: String
    public var entries: [Entry]

    public var changed: [Entry] { entries.filter(\.changed) }

    public init(a: String, b: String, entries: [Entry]) {
        self.a = a
        self.b = b
        self.entries = entries
    }

    /// The same diff keeping only changed entries.
    public var onlyChanged: RunDiff { RunDiff(a: a, b: b, entries: changed) }

    /// Compares two runs' records. `curves` adds one summary entry per curve; `patchFiles`
    /// lists the files a stored uncommitted diff touches (given the diff object id).
    public static func compute(_ a: RunDetails, _ b: RunDetails, curves: Bool, patchFiles: (String) -> [String] = { _ in [] }) -> RunDiff {
        var entries: [Entry] = []
        func add(_ section: String, _ key: String, _ x: String?, _ y: String?, delta: Double? = nil) {
            entries.append(Entry(section: section, key: key, a: x, b: y, delta: delta, changed: x != y))
        }

        add("run", "experiment", a.run.experiment, b.run.experiment)
        add("run", "status", a.run.status.rawValue, b.run.status.rawValue)
        add("run", "spec", a.run.specObject, b.run.specObject)

        func params(_ d: RunDetails) -> [String: String] {
            Dictionary(d.params.map { ($0.stepName.isEmpty ? $0.key : "\($0.stepName).\($0.key)", $0.value) }, uniquingKeysWith: { x, _ in x })
        }
        let pa = params(a), pb = params(b)
        for key in Set(pa.keys).union(pb.keys).sorted() { add("param", key, pa[key], pb[key]) }

        func finals(_ d: RunDetails) -> [String: Double] {
            var out: [String: Double] = [:]
            for m in d.metrics where m.index == nil { out[m.stepName.isEmpty ? m.key : "\(m.stepName)/\(m.key)"] = m.value }
            return out
        }
        let ma = finals(a), mb = finals(b)
        for key in Set(ma.keys).union(mb.keys).sorted() {
            let x = ma[key], y = mb[key]
            entries.append(Entry(section: "metric", key: key, a: x.map(RunDiff.number), b: y.map(RunDiff.number),
                                 delta: (x != nil && y != nil) ? y! - x! : nil, changed: x?.bitPattern != y?.bitPattern))
        }
        if curves {
            let ca = CurveSummary.curves(a.metrics), cb = CurveSummary.curves(b.metrics)
            for key in Set(ca.keys).union(cb.keys).sorted() {
                let x = ca[key], y = cb[key]
                entries.append(Entry(section: "curve", key: key, a: x?.text, b: y?.text,
                                     delta: (x != nil && y != nil) ? y!.last - x!.last : nil, changed: x != y))
            }
        }

        func artifacts(_ d: RunDetails) -> [String: String] {
            var out: [String: String] = [:]
            for step in d.steps {
                for edge in step.outputs where !LogEdge.isLog(edge.name) { out["\(step.step.name).\(edge.name)"] = edge.artifact.id }
            }
            return out
        }
        let aa = artifacts(a), ab = artifacts(b)
        for key in Set(aa.keys).union(ab.keys).sorted() { add("artifact", key, aa[key], ab[key]) }

        let ga = a.git, gb = b.git
        add("git", "commit", ga?.commit, gb?.commit)
        add("git", "branch", ga?.branch, gb?.branch)
        add("git", "dirty", ga.map { String($0.dirty) }, gb.map { String($0.dirty) })
        add("git", "untracked", ga.map { $0.untracked.joined(separator: " ") }, gb.map { $0.untracked.joined(separator: " ") })
        add("git", "diff", ga?.diffObject, gb?.diffObject)
        if ga?.diffObject != gb?.diffObject {
            add("git", "diff files", ga?.diffObject.map { patchFiles($0).joined(separator: " ") }, gb?.diffObject.map { patchFiles($0).joined(separator: " ") })
        }

        func environment(_ e: EnvironmentSnapshot?) -> [String: String] {
            guard let e else { return [:] }
            return ["os": e.os, "architecture": e.architecture, "cpu model": e.cpuModel, "cpu flags": e.cpuFlags.joined(separator: " "),
                    "cpu count": String(e.cpuCount), "blas core": e.blasCore, "blas threads": String(e.blasThreads), "blas config": e.blasConfig,
                    "blas core override": e.blasCoreOverride ?? "", "swift": e.swiftVersion, "tool version": e.toolVersion]
        }
        let ea = environment(a.environment), eb = environment(b.environment)
        for key in Set(ea.keys).union(eb.keys).sorted() { add("environment", key, ea[key], eb[key]) }
        return RunDiff(a: a.run.id, b: b.run.id, entries: entries)
    }

    static func number(_ value: Double) -> String { SpecValue.numberText(value) }

    /// Files named in a unified diff's `diff --git a/X b/X` lines.
    /// The files a run's stored git patch touches, read from `store` (none when it is absent).
    public static func patchFiles(in store: ObjectStore) -> (String) -> [String] {
        { id in
            guard let objectID = try? ObjectID(parsing: id), let bytes = try? store.content(of: objectID) else { return [] }
            return filesInPatch(String(decoding: bytes, as: UTF8.self))
        }
    }

    public static func filesInPatch(_ text: String) -> [String] {
        text.split(separator: "\n").compactMap { line -> String? in
            guard line.hasPrefix("diff --git a/"), let range = line.range(of: " b/") else { return nil }
            return String(line[line.index(line.startIndex, offsetBy: "diff --git a/".count)..<range.lowerBound])
        }
    }
}

/// A curve in a few numbers: points, first, last, min, max.
public struct CurveSummary: Sendable, Codable, Equatable {
    public var points: Int
    public var first: Double
    public var last: Double
    public var min: Double
    public var max: Double

    public var text: String {
        "n=\(points) first=\(RunDiff.number(first)) last=\(RunDiff.number(last)) min=\(RunDiff.number(min)) max=\(RunDiff.number(max))"
    }

    /// Curves of a run by `step/key`, points ordered by index.
    public static func curves(_ metrics: [MetricRecord]) -> [String: CurveSummary] {
        var grouped: [String: [(Int, Double)]] = [:]
        for m in metrics {
            guard let i = m.index else { continue }
            grouped[m.stepName.isEmpty ? m.key : "\(m.stepName)/\(m.key)", default: []].append((i, m.value))
        }
        return grouped.mapValues { points in
            let values = points.sorted { $0.0 < $1.0 }.map(\.1)
            return CurveSummary(points: values.count, first: values.first!, last: values.last!, min: values.min()!, max: values.max()!)
        }
    }
}

/// Text, Markdown and CSV forms of a diff (JSON is the type itself).
public enum RunDiffRendering {
    public static func text(_ diff: RunDiff, all: Bool) -> String {
        let shown = all ? diff.entries : diff.changed
        if shown.isEmpty { return "runs \(diff.a) and \(diff.b) do not differ\n" }
        var out = "A = \(diff.a)\nB = \(diff.b)\n"
        var section = ""
        let width = shown.map(\.key.count).max() ?? 0
        for entry in shown {
            if entry.section != section { section = entry.section; out += "\n[\(section)]\n" }
            let mark = entry.changed ? "≠" : "="
            var line = "  \(mark) " + entry.key.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
            line += entry.changed ? "\(entry.a ?? "(absent)")  →  \(entry.b ?? "(absent)")" : (entry.a ?? "(absent)")
            if let delta = entry.delta, entry.changed { line += "  (Δ \(RunDiff.number(delta)))" }
            out += line + "\n"
        }
        return out
    }

    public static func markdown(_ diff: RunDiff, all: Bool) -> String {
        var out = "| section | key | A (\(diff.a)) | B (\(diff.b)) | Δ |\n|---|---|---|---|---:|\n"
        func cell(_ s: String?) -> String { (s ?? "(absent)").replacingOccurrences(of: "|", with: "\\|") }
        for entry in all ? diff.entries : diff.changed {
            out += "| \(entry.section) | \(cell(entry.key)) | \(cell(entry.a)) | \(cell(entry.b)) | \(entry.delta.map(RunDiff.number) ?? "") |\n"
        }
        return out
    }

    public static func csv(_ diff: RunDiff, all: Bool) -> String {
        var out = "section,key,a,b,delta,changed\n"
        for entry in all ? diff.entries : diff.changed {
            out += [entry.section, entry.key, entry.a ?? "", entry.b ?? "", entry.delta.map(RunDiff.number) ?? "", String(entry.changed)]
                .map(TableRendering.csvField).joined(separator: ",") + "\n"
        }
        return out
    }
}
