import Foundation

/// `iopo-exp --version --json`: the release and every part of the build identity.
enum VersionReport {
    struct Parts: Encodable {
        var version: String
        var build: String
        var sources: String
        var sourceFiles: Int
        var compiler: String
        var dependencies: [String]
        var engineVersion: String

        enum CodingKeys: String, CodingKey {
            case version, build, sources, compiler, dependencies
            case sourceFiles = "source_files", engineVersion = "engine_version"
        }
    }

    static func printJSON() {
        let parts = Parts(version: IopoExp.version, build: BuildIdentity.digest, sources: BuildIdentity.sources,
                          sourceFiles: BuildIdentity.sourceFileCount, compiler: BuildIdentity.compiler,
                          dependencies: BuildIdentity.dependencies, engineVersion: PipelineCLI.engineVersion)
        try? Output.printJSON(parts)
    }
}
