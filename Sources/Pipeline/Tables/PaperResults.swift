import Foundation
import TOMLKit

/// The paper's published numbers (`experiments/paper_results.toml`): Table 3 (main results) and
/// Table 4 (ablation) for each model, the metric columns, which columns are in-domain and
/// out-of-domain, the headline improvements the paper states, and where the numbers come from.
public struct PaperResults: Sendable, Equatable {
    /// Citation and provenance, shown under every table.
    public var source: [String: String]
    /// Column names, in the order of every row's values (`IF-S`, `IF-M`, `S-Acc`, …).
    public var columns: [String]
    public var inDomain: [String]
    public var outOfDomain: [String]
    public var models: [String]
    public var table3: Table
    public var table4: Table
    /// The headline numbers as printed in the paper (`in_domain_vs_sft` = 8.15, …).
    public var publishedHeadline: [String: Double]

    /// One table: methods in order, and model → method → values (one per column).
    public struct Table: Sendable, Equatable {
        public var methods: [String]
        public var values: [String: [String: [Double]]]
    }

    public func value(_ table: Table, model: String, method: String, column: String) -> Double? {
        guard let c = columns.firstIndex(of: column), let row = table.values[model]?[method], c < row.count else { return nil }
        return row[c]
    }

    /// The paper's headline arithmetic: the plain mean, over `models` and over the in-domain
    /// (resp. out-of-domain) columns, of Table 3's IOPO value minus the baseline's.
    public func headline(baseline: String, models: [String]) -> (inDomain: Double?, outOfDomain: Double?) {
        func mean(_ columns: [String]) -> Double? {
            var differences: [Double] = []
            for model in models {
                for column in columns {
                    guard let iopo = value(table3, model: model, method: "IOPO", column: column),
                          let base = value(table3, model: model, method: baseline, column: column) else { return nil }
                    differences.append(iopo - base)
                }
            }
            return differences.isEmpty ? nil : differences.reduce(0, +) / Double(differences.count)
        }
        return (mean(inDomain), mean(outOfDomain))
    }

    /// A one-line citation.
    public var citation: String {
        [source["paper"], source["arxiv"].map { "arXiv:\($0)" }].compactMap { $0 }.joined(separator: ", ")
    }

    /// Reads and parses a paper_results.toml; errors name the file.
    public static func load(_ url: URL) throws -> PaperResults {
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw PipelineError.report("\(url.path): cannot read the paper results: \((error as NSError).localizedDescription)")
        }
        return try parse(text: text, file: url.path)
    }

    public static func parse(text: String, file: String) throws -> PaperResults {
        let table: TOMLTable
        do { table = try TOMLTable(string: text) } catch let error as TOMLParseError {
            throw PipelineError.report("\(file):\(error.source.begin.line):\(error.source.begin.column): \(error.description)")
        }
        var validation = Validation(file: file, positions: SourcePositionIndex(text: text))
        let document = validation.convert(table, at: .root)
        func fail(_ message: String) -> PipelineError { .report("\(file): \(message)") }
        func strings(_ value: SpecValue?, _ name: String) throws -> [String] {
            guard let items = value?.arrayValue, !items.isEmpty else { throw fail("\(name) must be a non-empty array of strings") }
            return try items.map { guard let s = $0.stringValue else { throw fail("\(name) must be an array of strings") }; return s }
        }
        let source = (document["source"]?.tableValue ?? [:]).compactMapValues(\.stringValue)
        let columns = try strings(document["columns"], "columns")
        let inDomain = try strings(document["in_domain"], "in_domain")
        let outOfDomain = try strings(document["out_of_domain"], "out_of_domain")
        let models = try strings(document["models"], "models")
        for column in inDomain + outOfDomain where !columns.contains(column) { throw fail("column \(column) is not in columns") }
        func parseTable(_ name: String) throws -> Table {
            guard let section = document[name]?.tableValue else { throw fail("missing [\(name)]") }
            let methods = try strings(section["methods"], "\(name).methods")
            var values: [String: [String: [Double]]] = [:]
            for model in models {
                guard let rows = section[model]?.tableValue else { throw fail("missing [\(name).\"\(model)\"]") }
                for method in methods {
                    guard let row = rows[method]?.arrayValue else { throw fail("\(name).\"\(model)\" lacks \"\(method)\"") }
                    let numbers = row.compactMap(\.doubleValue)
                    guard numbers.count == columns.count, row.count == columns.count else {
                        throw fail("\(name).\"\(model)\".\"\(method)\" must have \(columns.count) numbers (one per column)")
                    }
                    values[model, default: [:]][method] = numbers
                }
            }
            return Table(methods: methods, values: values)
        }
        let published = (document["headline"]?.tableValue ?? [:]).compactMapValues(\.doubleValue)
        return PaperResults(source: source, columns: columns, inDomain: inDomain, outOfDomain: outOfDomain, models: models,
                            table3: try parseTable("table3"), table4: try parseTable("table4"), publishedHeadline: published)
    }
}
