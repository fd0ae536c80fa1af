import Lineage

/// The provenance graph over every recorded run: artifacts and step computations, joined by
/// input and output edges. A step computation is identified by its key, so the runs that reused
/// a cached result share one node. Logs are left out.
public struct LineageGraph: Sendable {
    /// A step computation (one key), with the runs that recorded it.
    public struct StepNode: Sendable, Codable, Equatable {
        public var id: String
        public var name: String
        public var kind: String
        public var key: String
        public var runs: [String]
    }

    /// A stored artifact, with every name it was recorded under.
    public struct ArtifactNode: Sendable, Codable, Equatable {
        public var id: String
        public var names: [String]
        public var kind: String
        public var size: Int
    }

    /// An input (artifact → step) or output (step → artifact) edge.
    public struct Edge: Sendable, Codable, Equatable, Hashable {
        /// A step node id or an artifact id.
        public var from: String
        public var to: String
        /// The name the step knows the artifact by.
        public var name: String
    }

    public var steps: [String: StepNode] = [:]
    public var artifacts: [String: ArtifactNode] = [:]
    public var edges: [Edge] = []
    /// Run id → its step node ids, in the run's order.
    public var runSteps: [String: [String]] = [:]

    /// The graph over every run in the database, oldest first.
    public static func build(_ lineage: LineageDatabase) throws -> LineageGraph {
        build(from: try lineage.runs().reversed().map { try lineage.details(of: $0.id) })
    }

    /// The graph over the runs given (a report needs only its own, not the whole store's).
    public static func build(from runs: [RunDetails]) -> LineageGraph {
        var graph = LineageGraph()
        var edgeSet = Set<Edge>()
        for details in runs {
            let run = details.run
            for row in details.steps where row.step.status == .succeeded || row.step.status == .cached || row.step.status == .skipped {
                let id = row.step.key.isEmpty ? "step:\(row.step.id!)" : row.step.key
                var node = graph.steps[id] ?? StepNode(id: id, name: row.step.name, kind: row.step.kind, key: row.step.key, runs: [])
                if !node.runs.contains(run.id) { node.runs.append(run.id) }
                graph.steps[id] = node
                graph.runSteps[run.id, default: []].append(id)
                for edge in row.inputs {
                    graph.addArtifact(edge.artifact)
                    if edgeSet.insert(Edge(from: edge.artifact.id, to: id, name: edge.name)).inserted { graph.edges.append(Edge(from: edge.artifact.id, to: id, name: edge.name)) }
                }
                for edge in row.outputs where !LogEdge.isLog(edge.name) {
                    graph.addArtifact(edge.artifact)
                    if edgeSet.insert(Edge(from: id, to: edge.artifact.id, name: edge.name)).inserted { graph.edges.append(Edge(from: id, to: edge.artifact.id, name: edge.name)) }
                }
            }
        }
        return graph
    }

    mutating func addArtifact(_ record: ArtifactRecord) {
        var node = artifacts[record.id] ?? ArtifactNode(id: record.id, names: [], kind: record.kind, size: record.size)
        if !node.names.contains(record.name) { node.names.append(record.name) }
        artifacts[record.id] = node
    }

    /// Every node reachable from `start` against (ancestors) or along (descendants) the edges,
    /// with its distance.
    public func reachable(from start: String, upstream: Bool) -> [(id: String, depth: Int)] {
        var seen: [String: Int] = [start: 0]
        var order: [(String, Int)] = []
        var queue = [start]
        while !queue.isEmpty {
            let current = queue.removeFirst()
            let next = upstream ? edges.filter { $0.to == current }.map(\.from) : edges.filter { $0.from == current }.map(\.to)
            for id in next where seen[id] == nil {
                seen[id] = seen[current]! + 1
                order.append((id, seen[id]!))
                queue.append(id)
            }
        }
        return order
    }

    public func label(_ id: String) -> String {
        if let step = steps[id] {
            return "step \(step.name) [\(step.kind)]" + (step.key.isEmpty ? "" : " key \(step.key.dropFirst(7).prefix(12))") + "  runs \(step.runs.joined(separator: ", "))"
        }
        if let artifact = artifacts[id] {
            return "\(artifact.kind) \(id.dropFirst(7).prefix(12))  \(artifact.names.joined(separator: ", "))"
        }
        return id
    }

    /// A run's graph: its steps and every artifact they read or wrote.
    public func nodes(ofRun runID: String) -> Set<String> {
        var nodes = Set(runSteps[runID] ?? [])
        for edge in edges where nodes.contains(edge.from) || nodes.contains(edge.to) {
            nodes.insert(edge.from)
            nodes.insert(edge.to)
        }
        return nodes
    }

    /// Graphviz: artifacts as ellipses, steps as boxes, for the nodes given (and edges among them);
    /// the steps in `cached` (a run's cache hits) dashed and labelled so.
    public func dot(nodes: Set<String>, focus: String?, cached: Set<String> = []) -> String {
        var out = "digraph lineage {\n  rankdir=LR;\n  node [fontname=\"Helvetica\", fontsize=10];\n"
        func quote(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        for id in nodes.sorted() {
            var attributes: [String] = []
            if let step = steps[id] {
                attributes = ["shape=box", "label=\(quote("\(step.name)\n[\(step.kind)]" + (cached.contains(id) ? "\ncached" : "")))"]
                if cached.contains(id) { attributes.append("style=dashed") }
            } else if let artifact = artifacts[id] {
                attributes = ["shape=ellipse", "label=\(quote("\(artifact.names.first ?? "")\n\(id.dropFirst(7).prefix(12))"))"]
            }
            if id == focus { attributes.append("style=bold") }
            out += "  \(quote(id)) [\(attributes.joined(separator: ", "))];\n"
        }
        for edge in edges where nodes.contains(edge.from) && nodes.contains(edge.to) {
            out += "  \(quote(edge.from)) -> \(quote(edge.to));\n"
        }
        return out + "}\n"
    }
}
