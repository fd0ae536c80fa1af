// The non-list iterables templates meet in Python, which behave differently from lists in ways
// real templates trip over: the generators that `map`, `select`, `selectattr`, `unique`,
// `batch` and the `items` filter return (always true, no length, not subscriptable, not JSON,
// and used up by one pass), the iterator `reverse` returns, the views of `dict.items()`,
// `keys()` and `values()` (a length, no index, not JSON), and `range()` objects.

import Synchronization

/// A lazy or view-like iterable, with the Python behaviour of its kind.
public final class IteratorValue: Sendable {
    /// Which Python object this stands for.
    public enum Kind: Sendable, Equatable {
        /// A generator, as Jinja's `map`/`select`/... filters return: one pass only.
        case generator
        /// `reversed(list)`: one pass only.
        case reverseIterator
        case dictItems, dictKeys, dictValues
        case range(start: Int, stop: Int, step: Int)
    }

    public let kind: Kind
    let items: [Value]
    /// How many items a one-pass iterable has handed out.
    private let consumed = Mutex(0)

    init(_ kind: Kind, _ items: [Value]) {
        self.kind = kind
        self.items = items
    }

    /// Whether iterating uses the items up (generators and iterators).
    var isOnePass: Bool { kind == .generator || kind == .reverseIterator }

    var typeName: String {
        switch kind {
        case .generator: return "generator"
        case .reverseIterator: return "list_reverseiterator"
        case .dictItems: return "dict_items"
        case .dictKeys: return "dict_keys"
        case .dictValues: return "dict_values"
        case .range: return "range"
        }
    }

    /// The items a pass sees: for one-pass kinds what is left, which this pass then uses up.
    func iterate() -> [Value] {
        guard isOnePass else { return items }
        return consumed.withLock { position in
            let rest = Array(items[position...])
            position = items.count
            return rest
        }
    }

    /// The next item of a one-pass iterable (what `first` takes), or the first of a view.
    func next() -> Value? {
        guard isOnePass else { return items.first }
        return consumed.withLock { position in
            guard position < items.count else { return nil }
            position += 1
            return items[position - 1]
        }
    }

    /// The length, where Python has one (views and ranges).
    var length: Int? { isOnePass ? nil : items.count }

    var isTruthy: Bool { isOnePass || !items.isEmpty }

    var printed: String {
        switch kind {
        case .generator: return "<generator object>"
        case .reverseIterator: return "<list_reverseiterator object>"
        case .dictItems: return "dict_items(" + Value.list(items).pythonRepr + ")"
        case .dictKeys: return "dict_keys(" + Value.list(items).pythonRepr + ")"
        case .dictValues: return "dict_values(" + Value.list(items).pythonRepr + ")"
        case .range(let start, let stop, let step): return step == 1 ? "range(\(start), \(stop))" : "range(\(start), \(stop), \(step))"
        }
    }
}

extension Value {
    static func generator(_ items: [Value]) -> Value { .iterator(IteratorValue(.generator, items)) }
}
