import ArgumentParser
import Foundation
import Lineage

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one run: git, environment, params, metrics, steps and artifacts.")
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Run id, unique prefix, last or last~N.") var runName: String

    func run() throws {
        let lineage = try storeOptions.openLineage()
        let details = try lineage.details(of: try lineage.resolveRun(runName).id)
        if output.json { try Output.printJSON(details); return }
        let r = details.run
        print("run          \(r.id)")
        print("experiment   \(r.experiment) / \(r.name)\(r.seed.map { "  seed \($0)" } ?? "")")
        print("status       \(r.status.rawValue)\(r.error.map { "  (\($0))" } ?? "")")
        print("started      \(Output.date(r.startedAt))   finished \(Output.date(r.finishedAt))")
        if let spec = r.specObject { print("spec         \(spec)") }
        if let git = details.git {
            if git.inRepository {
                print("git          \(git.commit ?? "(no commit yet)") on \(git.branch ?? "(detached)")\(git.dirty ? " +dirty" : "")\(git.untracked.isEmpty ? "" : " +\(git.untracked.count) untracked")")
                if let remote = git.remote { print("remote       \(remote)") }
                if let diff = git.diffObject { print("diff         \(diff)") }
            } else {
                print("git          (not a git repository)")
            }
        }
        if let env = details.environment {
            print("environment  \(env.os), \(env.cpuModel), \(env.cpuFlags.joined(separator: " "))")
            print("blas         \(env.blasCore), \(env.blasThreads) threads; swift \(env.swiftVersion); iopo-exp \(env.toolVersion)")
        }
        if !details.params.isEmpty { print("params") }
        for p in details.params { print("  \(p.stepName.isEmpty ? "" : p.stepName + ".")\(p.key) = \(p.value)") }
        let finals = details.metrics.filter { $0.index == nil }
        if !finals.isEmpty { print("metrics") }
        for m in finals { print("  \(m.stepName.isEmpty ? "" : m.stepName + ".")\(m.key) = \(m.value)") }
        for s in details.steps {
            print("step \(s.step.name) [\(s.step.kind)] \(s.step.status.rawValue)\(s.step.error.map { ": \($0)" } ?? "")")
            for e in s.inputs { print("  in   \(e.name)  \(e.artifact.id)") }
            for e in s.outputs { print("  out  \(e.name)  \(e.artifact.id)  (\(e.artifact.kind), \(Output.bytes(e.artifact.size)))") }
        }
    }
}
