import ArgumentParser
import Foundation
import Lineage
import Pipeline
import Store

struct LineageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lineage", abstract: "Ancestors and descendants of an artifact, or the step graph of a run.")
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions
    @Argument(help: "Artifact id or prefix (sha256:…), or run id, prefix, last or last~N.") var id: String
    @Flag(help: "Print a Graphviz graph.") var dot = false

    func run() throws {
        let lineage = try storeOptions.openLineage()
        let graph = try LineageGraph.build(lineage)
        let (artifact, run) = try resolve(lineage, graph)

        if let run {
            let stepIDs = graph.runSteps[run.id] ?? []
            let nodes = graph.nodes(ofRun: run.id)
            if dot { PipelineCLI.write(graph.dot(nodes: nodes, focus: nil)); return }
            if output.json {
                try Output.printJSON(["steps": stepIDs.compactMap { graph.steps[$0] }.map { [$0.name, $0.kind, $0.key] },
                                      "edges": graph.edges.filter { nodes.contains($0.from) && nodes.contains($0.to) }.map { [$0.from, $0.to, $0.name] }])
                return
            }
            print("run \(run.id) (\(run.experiment)\(run.seed.map { ", seed \($0)" } ?? ""))")
            for stepID in stepIDs {
                print("  \(graph.label(stepID))")
                for edge in graph.edges where edge.to == stepID { print("      in   \(edge.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(graph.label(edge.from))") }
                for edge in graph.edges where edge.from == stepID { print("      out  \(edge.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(graph.label(edge.to))") }
            }
            return
        }

        let focus = artifact!
        let ancestors = graph.reachable(from: focus, upstream: true)
        let descendants = graph.reachable(from: focus, upstream: false)
        if dot {
            PipelineCLI.write(graph.dot(nodes: Set([focus] + ancestors.map(\.id) + descendants.map(\.id)), focus: focus))
            return
        }
        if output.json {
            struct Item: Encodable { var id: String; var depth: Int; var label: String }
            struct View: Encodable { var artifact: String; var ancestors: [Item]; var descendants: [Item] }
            try Output.printJSON(View(artifact: focus, ancestors: ancestors.map { Item(id: $0.id, depth: $0.depth, label: graph.label($0.id)) },
                                      descendants: descendants.map { Item(id: $0.id, depth: $0.depth, label: graph.label($0.id)) }))
            return
        }
        print(graph.label(focus))
        print("ancestors:" + (ancestors.isEmpty ? " none (an input from outside the pipeline)" : ""))
        for item in ancestors { print(String(repeating: "  ", count: item.depth) + "← " + graph.label(item.id)) }
        print("descendants:" + (descendants.isEmpty ? " none" : ""))
        for item in descendants { print(String(repeating: "  ", count: item.depth) + "→ " + graph.label(item.id)) }
    }

    /// An artifact of the graph or a run; refuses an id that could be either.
    func resolve(_ lineage: LineageDatabase, _ graph: LineageGraph) throws -> (String?, RunRecord?) {
        var artifact: String?
        if let objectID = try? lineage.store.resolve(id), graph.artifacts[objectID.description] != nil { artifact = objectID.description }
        let run = id.hasPrefix("sha256:") ? nil : try? lineage.resolveRun(id)
        if artifact != nil && run != nil { throw CLIError.invalid("\"\(id)\" matches both artifact \(artifact!) and run \(run!.id); give more characters or the sha256: prefix") }
        if artifact == nil && run == nil {
            if let objectID = try? lineage.store.resolve(id) { throw CLIError.invalid("object \(objectID) is stored but no step consumed or produced it") }
            throw CLIError.invalid("no artifact or run matches \"\(id)\"")
        }
        return (artifact, run)
    }
}
