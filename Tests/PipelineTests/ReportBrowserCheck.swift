import Foundation
import Testing

/// Opens a report in a real browser (headless Chromium, which `scripts/test.sh` installs) and
/// checks what a reader would see: every chart drawn with marks, no script or console error, the
/// tables holding the run's numbers. Keeps a screenshot and the report in
/// `.build/test-artifacts/` for a person to look at. Where Chromium is absent the check is
/// skipped with a message, except under CI, which always has it.
enum ReportBrowserCheck {
    static let artifacts = repositoryRoot.appendingPathComponent(".build/test-artifacts")

    static var browser: URL? {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
                let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
                if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            }
        }
        return nil
    }

    /// Runs the browser on `arguments`; standard output and error, killed after `timeout` seconds.
    static func browse(_ browser: URL, _ arguments: [String], timeout: TimeInterval = 90) throws -> (stdout: String, stderr: String, status: Int32) {
        let process = Process()
        process.executableURL = browser
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("iopo-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                             "--user-data-dir=\(profile.path)", "--enable-logging=stderr", "--v=0"] + arguments
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("iopo-chromium-\(UUID().uuidString).out")
        let err = FileManager.default.temporaryDirectory.appendingPathComponent("iopo-chromium-\(UUID().uuidString).err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: out); try? FileManager.default.removeItem(at: err) }
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(50_000) }
        if process.isRunning { process.terminate(); process.waitUntilExit(); Issue.record("the browser did not finish in \(Int(timeout)) s") }
        process.waitUntilExit()
        return ((try? String(contentsOf: out, encoding: .utf8)) ?? "", (try? String(contentsOf: err, encoding: .utf8)) ?? "", process.terminationStatus)
    }

    /// The value of `name="..."` on the first `<tag` element of `html`.
    static func attribute(_ name: String, of tag: String, in html: String) -> String? {
        guard let start = html.range(of: "<\(tag)"), let end = html.range(of: ">", range: start.upperBound..<html.endIndex) else { return nil }
        let element = html[start.lowerBound..<end.upperBound]
        guard let value = element.range(of: "\(name)=\"") else { return nil }
        return element[value.upperBound...].split(separator: "\"", maxSplits: 1).first.map(String.init)
    }

    /// Checks the report at `report`; `cells` are table cells (as `table --md` prints them) the
    /// page must show in `<td>` elements.
    static func verify(report: URL, expectedCells cells: [String], sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard let browser else {
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                Issue.record("Chromium is missing; scripts/test.sh installs it in CI", sourceLocation: sourceLocation)
            } else {
                print("ReportBrowserCheck: skipped, no Chromium on the PATH (scripts/test.sh installs Debian's chromium)")
            }
            return
        }
        try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
        let kept = artifacts.appendingPathComponent("report.html")
        try? FileManager.default.removeItem(at: kept)
        try FileManager.default.copyItem(at: report, to: kept)

        let page = try browse(browser, ["--dump-dom", report.absoluteString])
        let dom = page.stdout
        #expect(dom.contains("<body"), "no DOM from the browser (exit \(page.status)):\n\(page.stderr.suffix(2000))", sourceLocation: sourceLocation)
        let canvases = dom.components(separatedBy: "<canvas ").dropFirst()
        #expect(canvases.count >= 3, "only \(canvases.count) charts", sourceLocation: sourceLocation)
        #expect(attribute("data-charts-rendered", of: "body", in: dom) == String(canvases.count), "not every chart rendered", sourceLocation: sourceLocation)
        #expect(attribute("data-charts-failed", of: "body", in: dom) == "0", sourceLocation: sourceLocation)
        #expect(attribute("data-errors", of: "body", in: dom) == "0", "script or console errors: \(dom.components(separatedBy: "class=\"errors\"").dropFirst().first?.prefix(500) ?? "")", sourceLocation: sourceLocation)
        for canvas in canvases {
            let element = "<canvas " + canvas.prefix { $0 != ">" }
            let marks = attribute("data-marks", of: "canvas", in: element + ">").flatMap(Int.init) ?? 0
            #expect(marks > 0, "a chart without marks: \(element)", sourceLocation: sourceLocation)
        }
        #expect(!page.stderr.contains("Uncaught"), "\(page.stderr.suffix(2000))", sourceLocation: sourceLocation)
        for cell in cells {
            #expect(dom.contains("<td>\(cell)</td>"), "the page does not show the table cell \(cell)", sourceLocation: sourceLocation)
        }
        // The lineage is drawn (Graphviz SVG) when dot is installed; CI installs it.
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            #expect(dom.contains("<svg"), "no lineage drawing", sourceLocation: sourceLocation)
        }

        let screenshot = artifacts.appendingPathComponent("report.png")
        try? FileManager.default.removeItem(at: screenshot)
        let shot = try browse(browser, ["--screenshot=\(screenshot.path)", "--window-size=1280,4000", "--hide-scrollbars", report.absoluteString])
        let png = (try? Data(contentsOf: screenshot)) ?? Data()
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "no screenshot (exit \(shot.status)): \(shot.stderr.suffix(1000))", sourceLocation: sourceLocation)
        print("ReportBrowserCheck: \(canvases.count) charts rendered; screenshot \(screenshot.path)")
    }
}
