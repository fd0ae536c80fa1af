// Gives the `iopo-exp` executable its build identity: a digest of everything that can change what
// the binary computes, so that a step's cache key changes whenever the code that produced its
// output does. SwiftPM runs this plugin on every build (a plain `swift build` keeps the identity
// right); the command it declares reruns whenever a source file or the manifest changes, and
// writes `BuildIdentity.swift` into the executable.
//
// What goes into the digest: every file under Sources/ (code, C shims, module maps) and
// Package.swift, the exact version of every package in the dependency graph, and the Swift
// compiler's version (`swiftc --version`, read by the generator).

import Foundation
import PackagePlugin

@main
struct BuildIdentityPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let root = context.package.directoryURL
        let sources = root.appendingPathComponent("Sources")
        var inputs = [root.appendingPathComponent("Package.swift")]
        if let walker = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: [.isRegularFileKey]) {
            for case let url as URL in walker where (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
                inputs.append(url)
            }
        }
        inputs.sort { $0.path < $1.path }

        let output = context.pluginWorkDirectoryURL.appendingPathComponent("BuildIdentity.swift")
        let listing = context.pluginWorkDirectoryURL.appendingPathComponent("inputs.txt")
        // The file list goes through a file: thousands of paths would not fit a command line.
        let relative = inputs.map { String($0.path.dropFirst(root.path.count + 1)) }
        try (relative.joined(separator: "\n") + "\n").write(to: listing, atomically: true, encoding: .utf8)

        return [.buildCommand(
            displayName: "Computing the build identity of \(target.name)",
            executable: try context.tool(named: "iopo-build-identity").url,
            arguments: [root.path, listing.path, output.path] + dependencyVersions(of: context.package),
            inputFiles: inputs + [listing],
            outputFiles: [output])]
    }

    /// `url@version` of every package the root package depends on, directly or not, sorted.
    func dependencyVersions(of package: Package) -> [String] {
        var seen: [String: String] = [:]
        var pending = package.dependencies.map(\.package)
        while let next = pending.popLast() {
            guard seen[next.id] == nil else { continue }
            switch next.origin {
            case .repository(let url, let displayVersion, _): seen[next.id] = "\(url)@\(displayVersion)"
            case .registry(let identity, let displayVersion): seen[next.id] = "\(identity)@\(displayVersion)"
            case .local(let path): seen[next.id] = "local:\(path)"
            case .root: seen[next.id] = "root"
            @unknown default: seen[next.id] = next.id
            }
            pending += next.dependencies.map(\.package)
        }
        return seen.values.sorted()
    }
}
