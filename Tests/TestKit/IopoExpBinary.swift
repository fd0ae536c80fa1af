import Foundation

/// Where the built `iopo-exp` binary is: `$IOPO_EXP_BIN`, else next to the test bundle
/// (SwiftPM builds executables and tests into one folder), else `.build/debug/iopo-exp`.
public enum IopoExpBinary {
    public static let path: String = {
        if let explicit = ProcessInfo.processInfo.environment["IOPO_EXP_BIN"] { return explicit }
        var candidates: [URL] = []
        if let bundle = Bundle.allBundles.first(where: { $0.bundlePath.hasSuffix(".xctest") }) {
            candidates.append(bundle.bundleURL.deletingLastPathComponent().appendingPathComponent("iopo-exp"))
        }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        for _ in 0..<4 {
            url = url.deletingLastPathComponent()
            candidates.append(url.appendingPathComponent("iopo-exp"))
        }
        candidates.append(SharedData.repositoryRoot.appendingPathComponent(".build/debug/iopo-exp"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }?.path ?? candidates.last!.path
    }()

    /// Runs the binary in `directory`, as a user would.
    public static func run(_ arguments: [String], in directory: URL, environment: [String: String?] = [:]) throws -> ProcessOutput {
        try ProcessRunner.run(path, arguments, in: directory, environment: environment)
    }
}
