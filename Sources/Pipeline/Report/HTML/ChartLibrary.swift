import Foundation
import Store

/// The charting library the HTML report inlines: Chart.js 3.9.1 as Debian ships it
/// (`libjs-chart.js` 3.9.1+~0.2.1-2, MIT licence, one self-contained UMD file). The file is read
/// at report time and inlined only when its SHA-256 is the pinned one, so every report of this
/// version carries the same library bytes whatever the machine. `scripts/setup.sh` installs it;
/// `IOPO_CHARTJS` names another copy of the same file.
public struct ChartLibrary: Sendable {
    public static let version = "3.9.1"
    public static let debianPackage = "libjs-chart.js 3.9.1+~0.2.1-2"
    public static let sha256 = "fbc45926e6b46845a0f905552a0e0b1331049bff1115ecf94dbe0904d895e710"
    public static let defaultPath = "/usr/share/javascript/chart.js/chart.min.js"

    /// The library's source.
    public var source: String

    /// Reads and checks the library at `path` (default: `IOPO_CHARTJS`, else Debian's path).
    public static func load(path: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ChartLibrary {
        let location = path ?? environment["IOPO_CHARTJS"] ?? defaultPath
        guard let data = FileManager.default.contents(atPath: location) else {
            throw PipelineError.report("the report's charting library is missing: \(location) (install Debian's \(debianPackage.split(separator: " ")[0]); scripts/setup.sh does, or set IOPO_CHARTJS to a copy of Chart.js \(version)'s chart.min.js)")
        }
        let digest = ObjectID.of([UInt8](data)).hex
        guard digest == sha256 else {
            throw PipelineError.report("\(location) is not the pinned Chart.js \(version) (\(debianPackage)): its SHA-256 is \(digest), expected \(sha256)")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw PipelineError.report("\(location) is not UTF-8 text") }
        return ChartLibrary(source: text)
    }
}
