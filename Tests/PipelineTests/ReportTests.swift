import Foundation
import Lineage
import Pipeline
import Testing

/// The HTML report below the browser: what it gathers, that it is self-contained, that nothing
/// in the data can end a script element, and that only the pinned charting library is inlined.
@Suite struct ReportTests {
    static let experiment = """
        [experiment]
        name = "r"

        [steps.train]
        kind = "test-only"
        text = "t"
        curve = 5

        [steps.other]
        kind = "test-only"
        data = ["train.out"]
        curve = 3
        """

    func runs(_ sandbox: Sandbox, overrides: [[String]]) throws -> [RunRecord] {
        try sandbox.write(ReportTests.experiment, to: "exp.toml")
        let parser = ExperimentParser(registry: sandbox.registry)
        var ids: [String] = []
        for set in overrides {
            let spec = try parser.parse(contentsOf: sandbox.path("exp.toml").path, overrides: try set.map { try SpecOverride(parsing: $0) })
            ids += try sandbox.runner().run(spec, options: sandbox.options()).map(\.runID)
        }
        return try ids.map { try sandbox.lineage.resolveRun($0) }
    }

    @Test func oneRunGetsCurvesLineageAndNoTablesWithoutATableStep() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let data = try ReportData.build(lineage: sandbox.lineage, registry: sandbox.registry, runs: try runs(sandbox, overrides: [[]]))
        #expect(data.curves.map(\.metric) == ["loss"])
        #expect(data.curves[0].series.map(\.label) == ["other", "train"])
        #expect(data.curves[0].series.map(\.points.count) == [3, 5])
        #expect(data.tables.isEmpty && data.variants == nil)
        #expect(data.tablesNote?.contains("table") == true)
        #expect(data.diff == nil)
        #expect(data.lineageDot.contains("train\n[test-only]") && data.lineageDot.contains("->"))
        #expect(data.runs.count == 1 && data.runs[0].reproduce.first?.hasPrefix("iopo-exp replay \(data.runs[0].id) --check") == true)
    }

    @Test func twoRunsGetADiffAndCacheHitsAreMarked() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        // The second run changes only `other`: `train` is a cache hit in it.
        let both = try runs(sandbox, overrides: [[], ["steps.other.text=\"x\""]])
        let data = try ReportData.build(lineage: sandbox.lineage, registry: sandbox.registry, runs: both)
        let diff = try #require(data.diff)
        #expect(diff.entries.contains { $0.changed && $0.key.contains("other.text") })
        #expect(data.curves[0].series.count == 4)
        // Runs that differ in their --set values are variants: a table of what differs, and
        // curve labels that say which variant a series is.
        let variants = try #require(data.variants)
        #expect(variants.paramColumns == ["steps.other.text"])
        #expect(variants.metricColumns == ["other/length"])
        #expect(data.curves[0].series.map(\.label).contains("other · steps.other.text=\"x\""), "\(data.curves[0].series.map(\.label))")
        let reversed = try ReportData.build(lineage: sandbox.lineage, registry: sandbox.registry, runs: both.reversed())
        #expect(reversed.lineageDot.contains("style=dashed"), "the second run's cached train step is dashed")
        #expect(reversed.runs[0].overrides == ["steps.other.text=\"x\""])
        // Outside a git repository only the replay reproduces it (no commit to check out).
        #expect(reversed.runs[0].reproduce.count == 1)
    }

    @Test func runsOfTwoExperimentsGetNoTablesButTheRestOfTheReport() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let first = try runs(sandbox, overrides: [[]])
        let other = try sandbox.parse(ReportTests.experiment.replacingOccurrences(of: "name = \"r\"", with: "name = \"s\""))
        let second = try #require(try sandbox.runner().run(other, options: sandbox.options()).first?.runID)
        let both = first + [try sandbox.lineage.resolveRun(second)]
        #expect(Set(both.map(\.experiment)) == ["r", "s"])
        let data = try ReportData.build(lineage: sandbox.lineage, registry: sandbox.registry, runs: both)
        // One experiment's table rows must not be filled with the other's numbers.
        #expect(data.tables.isEmpty)
        #expect(data.tablesNote?.contains("the runs are of 2 experiments (r, s)") == true, "\(data.tablesNote ?? "")")
        #expect(data.diff != nil && data.runs.count == 2 && data.curves[0].series.count == 4)
    }

    @Test func theHTMLIsSelfContainedAndNoDataEndsAScript() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let hostile = "steps.train.text=\"</script><script>alert(1)</script>\""
        let data = try ReportData.build(lineage: sandbox.lineage, registry: sandbox.registry, runs: try runs(sandbox, overrides: [[hostile]]))
        let html = try ReportHTML.render(data, library: try ChartLibrary.load(), toolVersion: "test")
        // Exactly the report's own script elements end; the hostile text is escaped everywhere.
        #expect(html.components(separatedBy: "</script>").count - 1 == 5)
        #expect(!html.contains("<script>alert(1)"))
        // Nothing is fetched: no src or href attributes, no stylesheet links.
        for attribute in [" src=", " href=", "<link", "@import"] {
            #expect(!html.contains(attribute), "the report references something outside itself: \(attribute)")
        }
        // One canvas per chart configuration, and the configurations are JSON.
        let configsStart = try #require(html.range(of: "<script type=\"application/json\" id=\"chart-configs\">"))
        let configsEnd = try #require(html.range(of: "</script>", range: configsStart.upperBound..<html.endIndex))
        let configs = try #require(try JSONSerialization.jsonObject(with: Data(html[configsStart.upperBound..<configsEnd.lowerBound].utf8)) as? [String: Any])
        #expect(configs.count == html.components(separatedBy: "<canvas ").count - 1)
        #expect(configs.count == 1)
        #expect(html.contains("Chart.js v\(ChartLibrary.version)"))
    }

    @Test func onlyThePinnedChartingLibraryIsInlined() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        try sandbox.write("/* not chart.js */", to: "chart.min.js")
        #expect(throws: PipelineError.self) { try ChartLibrary.load(path: sandbox.path("chart.min.js").path) }
        do { _ = try ChartLibrary.load(environment: ["IOPO_CHARTJS": sandbox.path("chart.min.js").path]) } catch {
            #expect("\(error)".contains("is not the pinned Chart.js 3.9.1") && "\(error)".contains(ChartLibrary.sha256), "\(error)")
        }
        do { _ = try ChartLibrary.load(path: sandbox.path("absent.js").path) } catch {
            #expect("\(error)".contains("absent.js") && "\(error)".contains("libjs-chart.js"), "\(error)")
        }
    }
}
