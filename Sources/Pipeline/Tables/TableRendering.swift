import Basics
import Foundation

/// The report as text: aligned columns for a terminal, Markdown, CSV (one row per cell) and
/// LaTeX (booktabs).
public enum TableRendering {
    /// The text forms a report renders to.
    public enum Format: String, Sendable, CaseIterable { case text, markdown, csv, latex }

    public static func render(_ report: TableReport, as format: Format) -> String {
        switch format {
        case .text: return grid(report, markdown: false)
        case .markdown: return grid(report, markdown: true)
        case .csv: return csv(report)
        case .latex: return latex(report)
        }
    }

    static func header(_ report: TableReport) -> String {
        let seeds = report.seeds.map(String.init).joined(separator: ", ")
        let ours: String
        if report.runs.count > 1 { ours = "ours: mean ± std over \(report.runs.count) seeds (\(seeds))" }
        else if report.seeds.isEmpty { ours = "ours: one run" }
        else { ours = "ours: run \(report.runs.first ?? "") (seed \(seeds))" }
        return (report.experiment.isEmpty ? "" : report.experiment + " — ") + "\(ours); paper: \(report.citation)"
    }

    /// Ours and the paper's; a mean over fewer seeds than the report covers says how many.
    static func cellTexts(_ cell: ResultsTable.Cell, decimals: Int, runs: Int) -> (String, String) {
        var ours = cell.ours?.text(decimals: decimals) ?? "n/a"
        if let n = cell.ours?.n, runs > 1, n != runs { ours += " (n=\(n))" }
        return (ours, cell.paper.map { FixedPoint.format($0, decimals: 1) } ?? "–")
    }

    static func headlineRows(_ report: TableReport) -> (header: [String], rows: [[String]]) {
        let header = ["IOPO vs", "in-domain ours", "in-domain paper", "paper (\(report.paperModel))",
                      "out-of-domain ours", "out-of-domain paper", "paper (\(report.paperModel))"]
        let rows = report.headlines.map { h -> [String] in
            [h.baseline,
             h.oursInDomain?.text(decimals: 2, signed: true) ?? "n/a",
             h.paperInDomain.map { FixedPoint.format($0, decimals: 2, signed: true) } ?? "–",
             h.paperModelInDomain.map { FixedPoint.format($0, decimals: 2, signed: true) } ?? "–",
             h.oursOutOfDomain?.text(decimals: 2, signed: true) ?? "n/a",
             h.paperOutOfDomain.map { FixedPoint.format($0, decimals: 2, signed: true) } ?? "–",
             h.paperModelOutOfDomain.map { FixedPoint.format($0, decimals: 2, signed: true) } ?? "–"]
        }
        return (header, rows)
    }

    static func tableRows(_ table: ResultsTable, decimals: Int, runs: Int) -> (header: [String], rows: [[String]]) {
        var header = ["Method"]
        for column in table.columns {
            header.append("\(column.label) ours")
            if column.paper != nil { header.append("\(column.label) paper") }
        }
        let rows = table.rows.map { row -> [String] in
            var cells = [row.method]
            for (column, cell) in zip(table.columns, row.cells) {
                let (ours, paper) = cellTexts(cell, decimals: decimals, runs: runs)
                cells.append(ours)
                if column.paper != nil { cells.append(paper) }
            }
            return cells
        }
        return (header, rows)
    }

    /// "+1.2 [−0.8, +3.1]": a difference and its interval in display units.
    static func intervalText(_ difference: PairedDifference, decimals: Int) -> String {
        let f = { FixedPoint.format($0, decimals: decimals, signed: true) }
        return "\(f(difference.estimate)) [\(f(difference.lower)), \(f(difference.upper))]"
    }

    /// One row per baseline, one cell per column: IOPO − baseline with its 95 % interval.
    static func comparisonRows(_ report: TableReport) -> (title: String, header: [String], rows: [[String]], verdicts: [String])? {
        guard let comparisons = report.comparisons, let first = comparisons.first else { return nil }
        let columns = comparisons.reduce(into: [String]()) { if !$0.contains($1.column) { $0.append($1.column) } }
        let baselines = comparisons.reduce(into: [String]()) { if !$0.contains($1.baseline) { $0.append($1.baseline) } }
        let level = Int((first.difference.level * 100).rounded())
        let counts = comparisons.reduce(into: [String: Int]()) { $0[$1.column] = $1.instructions }
        let sizes = Set(counts.values).count == 1 ? "\(first.instructions) instructions"
            : "each column's instructions (" + columns.map { "\($0) \(counts[$0]!)" }.joined(separator: ", ") + ")"
        let title = "Paired differences: \(first.method) − baseline (points), \(level) % percentile bootstrap over "
            + "\(sizes) × \(first.seeds) seed\(first.seeds == 1 ? "" : "s") (\(first.difference.replicates) resamples)"
        var rows: [[String]] = [], verdicts: [String] = []
        for baseline in baselines {
            let mine = comparisons.filter { $0.baseline == baseline }
            rows.append(["\(first.method) − \(baseline)"] + columns.map { column in
                mine.first { $0.column == column }.map { intervalText($0.difference, decimals: report.decimals) } ?? "n/a"
            })
            let better = mine.filter { $0.difference.lower > 0 }.map(\.column), worse = mine.filter { $0.difference.upper < 0 }.map(\.column)
            var verdict = "\(first.method) vs \(baseline): "
            if better.isEmpty && worse.isEmpty {
                verdict += "no difference detectable at \(level) % on any of \(mine.count) columns"
            } else {
                verdict += "better on \(better.count) of \(mine.count) columns" + (better.isEmpty ? "" : " (\(better.joined(separator: ", ")))")
                verdict += ", worse on \(worse.count)" + (worse.isEmpty ? "" : " (\(worse.joined(separator: ", ")))")
                verdict += ", no detectable difference on the rest (\(level) % intervals)"
            }
            verdicts.append(verdict)
        }
        return (title, ["Difference"] + columns, rows, verdicts)
    }

    /// One table of a report as every layout shows it: a title, a header, rows of cells, and
    /// the sentences that follow it (the paired differences' verdicts).
    struct Section {
        var title: String
        var header: [String]
        var rows: [[String]]
        var verdicts: [String] = []
    }

    /// The report's tables in the order text, Markdown, LaTeX and the HTML report show them:
    /// the paper's tables, the headline, then the paired differences where there are any.
    static func sections(_ report: TableReport) -> [Section] {
        var sections = report.tables.map { table in
            let (header, rows) = tableRows(table, decimals: report.decimals, runs: report.runs.count)
            return Section(title: table.title, header: header, rows: rows)
        }
        let (header, rows) = headlineRows(report)
        sections.append(Section(title: "Headline: mean IOPO − baseline (points); paper = both models, as published", header: header, rows: rows))
        if let paired = comparisonRows(report) {
            sections.append(Section(title: paired.title, header: paired.header, rows: paired.rows, verdicts: paired.verdicts))
        }
        return sections
    }

    static func grid(_ report: TableReport, markdown: Bool) -> String {
        var out = header(report) + "\n"
        for section in sections(report) {
            out += "\n" + (markdown ? "**\(section.title)**\n\n" : "\(section.title)\n")
            out += gridText(section.header, section.rows, markdown: markdown)
            if !section.verdicts.isEmpty { out += "\n" + section.verdicts.map { (markdown ? "- " : "") + $0 }.joined(separator: "\n") + "\n" }
        }
        if let note = report.sourceNote { out += "\nSource: \(report.citation). \(note)\n" }
        for note in report.notes { out += "note: \(note)\n" }
        return out
    }

    /// A table as aligned text (the first `leftAligned` columns left, the rest right) or as a
    /// Markdown table (the same columns right-aligned).
    public static func gridText(_ header: [String], _ rows: [[String]], markdown: Bool, leftAligned: Int = 1) -> String {
        var out = ""
        if markdown {
            func escape(_ cell: String) -> String { cell.replacingOccurrences(of: "|", with: "\\|") }
            out += "| " + header.map(escape).joined(separator: " | ") + " |\n"
            out += "|" + header.indices.map { $0 < leftAligned ? "---|" : "---:|" }.joined() + "\n"
            for row in rows { out += "| " + row.map(escape).joined(separator: " | ") + " |\n" }
        } else {
            let widths = header.indices.map { i in ([header[i]] + rows.map { $0[i] }).map(\.count).max() ?? 0 }
            func line(_ cells: [String]) -> String {
                cells.enumerated().map { i, cell in
                    let pad = String(repeating: " ", count: widths[i] - cell.count)
                    return i < leftAligned ? cell + pad : pad + cell
                }.joined(separator: "  ")
            }
            out += line(header) + "\n"
            out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
            for row in rows { out += line(row) + "\n" }
        }
        return out
    }

    public static func csvField(_ text: String) -> String {
        text.contains(",") || text.contains("\"") || text.contains("\n") ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    static func number(_ value: Double?) -> String { value.map { "\($0)" } ?? "" }

    /// One row per cell, per headline and per paired difference; `lower`/`upper` are the 95 %
    /// interval of a paired difference (empty elsewhere), whose `n` is the instructions paired.
    static func csv(_ report: TableReport) -> String {
        var out = "table,method,column,metric,ours_mean,ours_std,n,paper,lower,upper\n"
        func row(_ fields: [String]) { out += fields.map(csvField).joined(separator: ",") + "\n" }
        for table in report.tables {
            for row in table.rows {
                for (column, cell) in zip(table.columns, row.cells) {
                    out += [table.name, row.method, column.label, column.metric, number(cell.ours?.mean), number(cell.ours?.std),
                            cell.ours.map { String($0.n) } ?? "0", number(cell.paper), "", ""].map(csvField).joined(separator: ",") + "\n"
                }
            }
        }
        for h in report.headlines {
            row(["headline", "IOPO-\(h.baseline)", "in_domain", "", number(h.oursInDomain?.mean), number(h.oursInDomain?.std),
                 h.oursInDomain.map { String($0.n) } ?? "0", number(h.paperInDomain), "", ""])
            row(["headline", "IOPO-\(h.baseline)", "out_of_domain", "", number(h.oursOutOfDomain?.mean), number(h.oursOutOfDomain?.std),
                 h.oursOutOfDomain.map { String($0.n) } ?? "0", number(h.paperOutOfDomain), "", ""])
        }
        for c in report.comparisons ?? [] {
            row(["paired", "\(c.method)-\(c.baseline)", c.column, c.metric, number(c.difference.estimate), "", String(c.instructions), "",
                 number(c.difference.lower), number(c.difference.upper)])
        }
        return out
    }

    static func latexEscape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&", "%", "$", "#", "_", "{", "}": out += "\\" + String(c)
            case "±": out += "$\\pm$"
            case "–": out += "--"
            case "−": out += "$-$"
            case "×": out += "$\\times$"
            case "~": out += "\\textasciitilde{}"
            case "\\": out += "\\textbackslash{}"
            default: out.append(c)
            }
        }
        return out
    }

    static func latex(_ report: TableReport) -> String {
        var out = "% " + header(report) + "\n"
        for section in sections(report) {
            out += "\\begin{table}[t]\n\\centering\n\\caption{\(latexEscape(section.title))}\n"
            out += "\\begin{tabular}{l" + String(repeating: "r", count: section.header.count - 1) + "}\n\\toprule\n"
            out += section.header.map(latexEscape).joined(separator: " & ") + " \\\\\n\\midrule\n"
            for row in section.rows { out += row.map(latexEscape).joined(separator: " & ") + " \\\\\n" }
            out += "\\bottomrule\n\\end{tabular}\n\\end{table}\n"
            for verdict in section.verdicts { out += "% " + verdict + "\n" }
        }
        if let note = report.sourceNote { out += "% Source: \(report.citation). \(note)\n" }
        for note in report.notes { out += "% note: \(note)\n" }
        return out
    }

    /// JSON of the whole report: sorted keys in Foundation's pretty layout and a final newline,
    /// the bytes JSONEncoder first wrote (see `JSONWriter.foundationIndented`).
    public static func json(_ report: TableReport) throws -> String {
        JSONWriter.foundationIndented.string(try JSONValueEncoder.encode(report))
    }
}
