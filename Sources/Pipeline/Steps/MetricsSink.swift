import Synchronization

/// Where a step reports metrics: final values, and curves (one point per training step, say).
/// Thread-safe. The runner records everything in the lineage database before the step counts
/// as succeeded.
public final class MetricsSink: Sendable {
    /// One recorded value; `index` orders a curve's points and is nil for a final value.
    public struct Point: Sendable, Equatable, Codable {
        public var key: String
        public var value: Double
        public var index: Int?
        public init(key: String, value: Double, index: Int?) {
            self.key = key
            self.value = value
            self.index = index
        }
    }

    private let points = Mutex<[Point]>([])

    public init() {}

    /// Records a final value; recording the same key again replaces it.
    public func record(_ key: String, _ value: Double) {
        points.withLock { list in
            list.removeAll { $0.key == key && $0.index == nil }
            list.append(Point(key: key, value: value, index: nil))
        }
    }

    /// Records one point of the curve `key` at `index` (e.g. the optimiser step).
    public func record(_ key: String, _ value: Double, index: Int) {
        points.withLock { $0.append(Point(key: key, value: value, index: index)) }
    }

    /// Forgets everything recorded (a step that starts over).
    public func removeAll() {
        points.withLock { $0.removeAll() }
    }

    /// Everything recorded, finals and curves, sorted by key then index (finals first).
    public var all: [Point] {
        points.withLock { $0 }.enumerated().sorted { a, b in
            if a.element.key != b.element.key { return a.element.key < b.element.key }
            switch (a.element.index, b.element.index) {
            case (nil, nil): return a.offset < b.offset
            case (nil, _): return true
            case (_, nil): return false
            case (let x?, let y?): return x != y ? x < y : a.offset < b.offset
            }
        }.map(\.element)
    }

    /// Final values by key.
    public var finals: [String: Double] {
        var out: [String: Double] = [:]
        for p in all where p.index == nil { out[p.key] = p.value }
        return out
    }
}
