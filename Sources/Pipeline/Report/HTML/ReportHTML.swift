import Basics
import Foundation
import Jinja

/// The report as one self-contained HTML file: styles, the charting library, the data and the
/// lineage drawing are inlined, and nothing is fetched, so it opens offline in any browser and
/// can be mailed or attached as it is. Each chart's canvas carries `data-marks` (the points or
/// bars Chart.js laid out) once drawn, and the body `data-charts-rendered` / `data-charts-failed`,
/// which the browser test reads.
public enum ReportHTML {
    public static func render(_ data: ReportData, library: ChartLibrary, toolVersion: String) throws -> String {
        var charts: [(id: String, config: JSONValue)] = []
        var body = ""

        body += "<header><h1>\(escape(data.title))</h1>"
        body += "<p class=\"meta\">\(escape(toolVersion)) · charts by Chart.js \(ChartLibrary.version) (\(escape(ChartLibrary.debianPackage)), inlined</p></header>\n"
        body += runsSection(data)

        // The paper's tables.
        body += "<section id=\"tables\"><h2>The paper's tables</h2>\n"
        if let variants = data.variants {
            body += "<h3>Variants</h3>\n<p>The runs differ in their --set values; the table shows the params that differ and the table's metrics of the steps they reached. The paper's tables follow per variant.</p>\n"
            body += htmlTable(caption: nil, header: variants.header, rows: variants.cells)
        }
        for variant in data.tables {
            let report = variant.report
            if data.tables.count > 1 { body += "<h3>Variant \(escape(variant.variant.isEmpty ? "as written" : variant.variant))</h3>\n" }
            body += "<p>\(escape(TableRendering.header(report)))</p>\n"
            for section in TableRendering.sections(report) {
                body += htmlTable(caption: section.title, header: section.header, rows: section.rows)
                if !section.verdicts.isEmpty { body += "<ul class=\"verdicts\">" + section.verdicts.map { "<li>\(escape($0))</li>" }.joined() + "</ul>\n" }
            }
            if let note = report.sourceNote { body += "<p class=\"note\">Source: \(escape(report.citation)). \(escape(note))</p>\n" }
            for note in report.notes { body += "<p class=\"note\">note: \(escape(note))</p>\n" }
        }
        if data.tables.isEmpty {
            body += "<p class=\"note\">No tables: \(escape(data.tablesNote ?? "the runs have no table step"))</p>\n"
        }
        body += "</section>\n"

        /// A section of charts: each gets the next canvas id and its Chart.js configuration.
        func chartSection(_ id: String, _ title: String, emptyNote: String, _ items: [(config: JSONValue, kind: String, name: String, wide: Bool)]) {
            body += "<section id=\"\(id)\"><h2>\(title)</h2>\n"
            if items.isEmpty { body += "<p class=\"note\">\(emptyNote)</p>\n" }
            body += "<div class=\"grid\">"
            for item in items {
                let canvasID = "chart-\(charts.count)"
                charts.append((canvasID, item.config))
                body += canvas(canvasID, kind: item.kind, name: item.name, wide: item.wide)
            }
            body += "</div></section>\n"
        }
        chartSection("curves", "Training curves", emptyNote: "The runs recorded no curves (no training steps executed in them).",
                     data.curves.map { (ReportCharts.line($0), "curve", $0.metric, false) })
        chartSection("breakdowns", "Evaluation by constraint", emptyNote: "The runs recorded no per-constraint evaluation metrics.",
                     data.breakdowns.map { chart in
                         let grouping = ReportData.groupings.first { $0.0 == chart.grouping }?.1 ?? chart.grouping
                         let title = "\(chart.dataset.replacingOccurrences(of: "_", with: "-")) by \(grouping)"
                         return (ReportCharts.bars(chart, title: title), "breakdown", title, chart.categories.count > 8)
                     })

        if let diff = data.diff { body += diffSection(diff) }

        // Lineage.
        body += "<section id=\"lineage\"><h2>Lineage of run \(escape(data.lineageRun))</h2>\n"
        body += "<p class=\"note\">Steps are boxes, artifacts ellipses with their short ids; cache hits are dashed.</p>\n"
        switch GraphvizSVG.render(data.lineageDot) {
        case .success(let svg): body += "<div class=\"lineage\">\(svg)</div>\n"
        case .failure(let error): body += "<p class=\"note\">\(escape(error.description))</p><pre>\(escape(data.lineageDot))</pre>\n"
        }
        body += "</section>\n"

        body += environmentSection(data)

        let configs = JSONValue.object(Dictionary(uniqueKeysWithValues: charts.map { ($0.id, $0.config) }))
        let reportJSON = String(decoding: try encoder(pretty: false).encode(data), as: UTF8.self)
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(data.title))</title>
            <style>\(style)</style>
            <script>\(errorCollector)</script>
            </head>
            <body>
            \(body)
            <script type="application/json" id="report-data">\(jsonScriptSafe(reportJSON))</script>
            <script type="application/json" id="chart-configs">\(jsonScriptSafe(JSONWriter.compact.string(configs)))</script>
            <script>\(scriptSafe(library.source))</script>
            <script>\(drawScript)</script>
            </body>
            </html>

            """
    }

    static func encoder(pretty: Bool) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        return encoder
    }

    /// The JSON the report's charts and tables are drawn from (`report --json`).
    public static func json(_ data: ReportData) throws -> String {
        String(decoding: try encoder(pretty: true).encode(data), as: UTF8.self) + "\n"
    }

    // MARK: sections

    static func runsSection(_ data: ReportData) -> String {
        let header = ["run", "name", "seed", "status", "started", "minutes", "git"]
        let rows = data.runs.map { run -> [String] in
            let minutes = run.finishedAt.map { String(format: "%.1f", $0.timeIntervalSince(run.startedAt) / 60) } ?? ""
            let git = (run.gitCommit.map { String($0.prefix(10)) } ?? "(no git)") + (run.gitDirty ? " (dirty)" : "")
            return [run.id, run.name, run.seed.map(String.init) ?? "", run.status, ISO8601DateFormatter().string(from: run.startedAt), minutes, git]
        }
        var out = "<section id=\"runs\"><h2>Runs</h2>\n" + htmlTable(caption: nil, header: header, rows: rows)
        if let run = data.runs.first, !run.steps.isEmpty {
            let stepRows = run.steps.map { [$0.name, $0.kind, $0.status, $0.seconds.map { String(format: "%.1f", $0) } ?? ""] }
            out += "<details><summary>Steps of run \(escape(run.id))</summary>"
            out += htmlTable(caption: nil, header: ["step", "kind", "status", "seconds"], rows: stepRows) + "</details>\n"
        }
        out += "<h3>Reproduce</h3>\n"
        for run in data.runs {
            out += "<pre>" + run.reproduce.map(escape).joined(separator: "\n") + "</pre>\n"
        }
        return out + "</section>\n"
    }

    static func diffSection(_ diff: RunDiff) -> String {
        let changed = diff.entries.filter(\.changed)
        let same = diff.entries.filter { !$0.changed }
        func rows(_ entries: [RunDiff.Entry]) -> [[String]] {
            entries.map { [$0.section, $0.key, $0.a ?? "—", $0.b ?? "—", $0.delta.map { String(format: "%+.6g", $0) } ?? ""] }
        }
        let header = ["section", "key", diff.a, diff.b, "Δ"]
        var out = "<section id=\"diff\"><h2>Diff: \(escape(diff.a)) → \(escape(diff.b))</h2>\n"
        out += "<p>\(changed.count) of \(diff.entries.count) entries differ.</p>\n"
        out += htmlTable(caption: nil, header: header, rows: rows(changed), rowClass: "changed")
        if !same.isEmpty {
            out += "<details><summary>\(same.count) unchanged</summary>" + htmlTable(caption: nil, header: header, rows: rows(same)) + "</details>\n"
        }
        return out + "</section>\n"
    }

    static func environmentSection(_ data: ReportData) -> String {
        var out = "<section id=\"environment\"><h2>Environment and git</h2>\n"
        let header = ["field"] + data.runs.map { $0.seed.map { "seed \($0)" } ?? String($0.id.prefix(8)) }
        var rows: [[String]] = data.environment.map { [$0.field] + $0.values }
        var differing = Set(data.environment.indices.filter { data.environment[$0].differs })
        let git: [[String]] = [
            ["git commit"] + data.runs.map { $0.gitCommit ?? "(not in a repository)" },
            ["git branch"] + data.runs.map { $0.gitBranch ?? "" },
            ["work tree"] + data.runs.map { $0.gitDirty ? "dirty (the diff is stored with the run)" : "clean" },
        ]
        for row in git {
            if Set(row.dropFirst()).count > 1 { differing.insert(rows.count) }
            rows.append(row)
        }
        out += htmlTable(caption: nil, header: header, rows: rows, highlighted: differing)
        return out + "</section>\n"
    }

    // MARK: pieces

    static func canvas(_ id: String, kind: String, name: String, wide: Bool = false) -> String {
        "<figure class=\"chart\(wide ? " wide" : "")\"><canvas id=\"\(id)\" data-kind=\"\(kind)\" data-name=\"\(escape(name))\" width=\"\(wide ? 960 : 480)\" height=\"300\"></canvas></figure>"
    }

    static func htmlTable(caption: String?, header: [String], rows: [[String]], rowClass: String? = nil, highlighted: Set<Int> = []) -> String {
        var out = "<table>"
        if let caption { out += "<caption>\(escape(caption))</caption>" }
        out += "<thead><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>"
        for (index, row) in rows.enumerated() {
            let cls = rowClass ?? (highlighted.contains(index) ? "changed" : nil)
            out += "<tr\(cls.map { " class=\"\($0)\"" } ?? "")>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>"
        }
        return out + "</tbody></table>\n"
    }

    static func escape(_ text: String) -> String { HTMLEscape.markupSafe(text) }

    /// Text placed inside `<script>`: a `</` would end the element early, so it becomes `<\/`
    /// (the same characters to JavaScript and JSON).
    static func scriptSafe(_ text: String) -> String {
        text.replacingOccurrences(of: "</", with: "<\\/")
    }

    /// JSON placed inside `<script>`: every `<` (which JSON allows only inside strings) becomes
    /// `\u003c`, the same string to `JSON.parse`, so no tag or comment opener survives.
    static func jsonScriptSafe(_ json: String) -> String {
        json.replacingOccurrences(of: "<", with: "\\u003c")
    }

    static let style = """
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;margin:0 auto;max-width:1100px;padding:0 24px 48px;color:#222}
        h1{font-size:22px;margin:24px 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #ddd;padding-bottom:4px}h3{font-size:15px}
        .meta,.note{color:#666}table{border-collapse:collapse;margin:8px 0 16px;font-variant-numeric:tabular-nums}
        caption{text-align:left;font-weight:600;padding:4px 0}th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}
        th:first-child,td:first-child{text-align:left}thead th{background:#f4f4f4}tr.changed td{background:#fff3cd}
        pre{background:#f6f8fa;padding:8px;overflow-x:auto;font-size:12px}.grid{display:flex;flex-wrap:wrap;gap:12px}
        figure.chart{margin:0;border:1px solid #eee;padding:4px}.lineage svg{max-width:100%;height:auto}
        ul.verdicts li{margin:2px 0}pre.errors{background:#f8d7da;color:#721c24}
        """

    /// Draws every chart from `chart-configs`; a chart that fails is logged to the console and
    /// replaced by its error, so one bad chart does not hide the others.
    static let drawScript = """
        (function () {
          var configs = JSON.parse(document.getElementById('chart-configs').textContent);
          var rendered = 0, failed = 0;
          Object.keys(configs).forEach(function (id) {
            var canvas = document.getElementById(id);
            try {
              var chart = new Chart(canvas, configs[id]);
              var marks = 0;
              chart.data.datasets.forEach(function (_, i) { marks += chart.getDatasetMeta(i).data.length; });
              canvas.setAttribute('data-marks', String(marks));
              rendered += 1;
            } catch (error) {
              failed += 1;
              console.error('chart ' + id + ' failed: ' + error);
              var message = document.createElement('p');
              message.className = 'note';
              message.textContent = 'This chart could not be drawn: ' + error;
              canvas.replaceWith(message);
            }
          });
          document.body.setAttribute('data-charts-rendered', String(rendered));
          document.body.setAttribute('data-charts-failed', String(failed));
          var errors = window.reportErrors || [];
          document.body.setAttribute('data-errors', String(errors.length));
          if (errors.length > 0) {
            var banner = document.createElement('pre');
            banner.className = 'errors';
            banner.textContent = 'This report hit ' + errors.length + ' script error(s):\\n' + errors.join('\\n');
            document.body.insertBefore(banner, document.body.firstChild);
          }
        })();
        """

    /// Collects script errors and console errors from the first moment (before the charting
    /// library loads), so the report can show them and the browser test can count them.
    static let errorCollector = """
        window.reportErrors = [];
        window.addEventListener('error', function (event) { window.reportErrors.push(String(event.message)); });
        (function () {
          var original = console.error;
          console.error = function () {
            window.reportErrors.push(Array.prototype.map.call(arguments, String).join(' '));
            return original.apply(console, arguments);
          };
        })();
        """
}
