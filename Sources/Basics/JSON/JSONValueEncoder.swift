// Turns an `Encodable` value into a `JSONValue` exactly as Foundation's JSONEncoder maps it (with
// its default strategies), so that structures whose bytes were first written by JSONEncoder (store
// manifests and chunk lists, the synthetic dataset manifest, tables.json, config.json) keep those
// bytes when `JSONWriter` writes them: `.canonical` reproduces `[.sortedKeys,
// .withoutEscapingSlashes]`, `.foundationIndented` adds `.prettyPrinted` and a final newline.
//
// The mapping: integers in decimal; `Double` and `Float` in Swift's shortest round-tripping form
// with a trailing `.0` removed (JSONEncoder writes `3.0` as `3` and `1e-06` as `1e-06`), and
// NaN or infinities refused as JSONEncoder refuses them; `nil` from `encodeNil` as `null`, while
// the synthesised `encodeIfPresent` leaves a nil member out; a key encoded twice keeps its first
// place and takes the last value. `Data`, `URL` and `Decimal`, which JSONEncoder special-cases,
// are refused rather than mapped differently.

import Foundation

/// Encodes `Encodable` values into `JSONValue`s as Foundation's JSONEncoder would write them.
public enum JSONValueEncoder {
    /// The JSON value of `value`; throws `EncodingError` where JSONEncoder would, or for a type
    /// JSONEncoder special-cases.
    public static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        try JSONValueEncoder.node(for: value, codingPath: []).value
    }

    /// JSONEncoder's text for a floating-point number: `description`, a trailing `.0` removed.
    static func numberLiteral<F: BinaryFloatingPoint & LosslessStringConvertible>(_ value: F, codingPath: [CodingKey]) throws -> JSONValue {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, EncodingError.Context(
                codingPath: codingPath, debugDescription: "\(value) is not a valid JSON number"))
        }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return .number(text)
    }

    static func node<T: Encodable>(for value: T, codingPath: [CodingKey]) throws -> EncodingNode {
        if value is Data || value is URL || value is Decimal {
            throw EncodingError.invalidValue(value, EncodingError.Context(
                codingPath: codingPath, debugDescription: "\(T.self) has no JSONEncoder-compatible mapping here"))
        }
        let node = EncodingNode()
        try value.encode(to: NodeEncoder(node: node, codingPath: codingPath))
        return node
    }
}

/// A value under construction: containers are filled after they are handed out, so they are
/// reference types until the whole tree is done.
final class EncodingNode {
    enum Content {
        case unset
        case value(JSONValue)
        case array([EncodingNode])
        case object(keys: [String], nodes: [String: EncodingNode])
    }

    var content: Content = .unset

    init() {}

    init(_ value: JSONValue) { content = .value(value) }

    /// JSONEncoder writes an encoder that was given nothing as an empty object.
    var value: JSONValue {
        switch content {
        case .unset: return .object([])
        case .value(let value): return value
        case .array(let nodes): return .array(nodes.map(\.value))
        case .object(let keys, let nodes): return .object(keys.map { JSONMember($0, nodes[$0]!.value) })
        }
    }

    func setMember(_ key: String, _ node: EncodingNode) {
        guard case .object(var keys, var nodes) = content else { return }
        content = .unset  // release the storage so the updates below do not copy it
        if nodes.updateValue(node, forKey: key) == nil { keys.append(key) }
        content = .object(keys: keys, nodes: nodes)
    }

    func append(_ node: EncodingNode) {
        guard case .array(var nodes) = content else { return }
        content = .unset
        nodes.append(node)
        content = .array(nodes)
    }

    var count: Int {
        switch content {
        case .array(let nodes): return nodes.count
        case .object(let keys, _): return keys.count
        default: return 0
        }
    }
}

private struct NodeEncoder: Encoder {
    let node: EncodingNode
    let codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = node.content {} else { node.content = .object(keys: [], nodes: [:]) }
        return KeyedEncodingContainer(KeyedNodeContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> UnkeyedEncodingContainer {
        if case .array = node.content {} else { node.content = .array([]) }
        return UnkeyedNodeContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> SingleValueEncodingContainer {
        SingleValueNodeContainer(node: node, codingPath: codingPath)
    }
}

/// An integer as JSONEncoder writes it: in decimal.
private func integerNode(_ value: some BinaryInteger) -> EncodingNode { EncodingNode(.number(String(value))) }

private struct KeyedNodeContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: EncodingNode
    let codingPath: [CodingKey]

    private func set(_ child: EncodingNode, _ key: Key) { node.setMember(key.stringValue, child) }

    mutating func encodeNil(forKey key: Key) throws { set(EncodingNode(.null), key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(EncodingNode(.bool(value)), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(EncodingNode(.string(value)), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        set(EncodingNode(try JSONValueEncoder.numberLiteral(value, codingPath: codingPath + [key])), key)
    }
    mutating func encode(_ value: Float, forKey key: Key) throws {
        set(EncodingNode(try JSONValueEncoder.numberLiteral(value, codingPath: codingPath + [key])), key)
    }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(integerNode(value), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { set(integerNode(value), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { set(integerNode(value), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(integerNode(value), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(integerNode(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { set(integerNode(value), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { set(integerNode(value), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { set(integerNode(value), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { set(integerNode(value), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(integerNode(value), key) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        set(try JSONValueEncoder.node(for: value, codingPath: codingPath + [key]), key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let child = EncodingNode()
        set(child, key)
        return NodeEncoder(node: child, codingPath: codingPath + [key]).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
        let child = EncodingNode()
        set(child, key)
        return NodeEncoder(node: child, codingPath: codingPath + [key]).unkeyedContainer()
    }

    mutating func superEncoder() -> Encoder { superEncoder(named: "super") }

    mutating func superEncoder(forKey key: Key) -> Encoder { superEncoder(named: key.stringValue) }

    private func superEncoder(named name: String) -> Encoder {
        let child = EncodingNode()
        node.setMember(name, child)
        return NodeEncoder(node: child, codingPath: codingPath)
    }
}

private struct UnkeyedNodeContainer: UnkeyedEncodingContainer {
    let node: EncodingNode
    let codingPath: [CodingKey]
    var count: Int { node.count }

    private func append(_ child: EncodingNode) { node.append(child) }

    mutating func encodeNil() throws { append(EncodingNode(.null)) }
    mutating func encode(_ value: Bool) throws { append(EncodingNode(.bool(value))) }
    mutating func encode(_ value: String) throws { append(EncodingNode(.string(value))) }
    mutating func encode(_ value: Double) throws { append(EncodingNode(try JSONValueEncoder.numberLiteral(value, codingPath: codingPath))) }
    mutating func encode(_ value: Float) throws { append(EncodingNode(try JSONValueEncoder.numberLiteral(value, codingPath: codingPath))) }
    mutating func encode(_ value: Int) throws { append(integerNode(value)) }
    mutating func encode(_ value: Int8) throws { append(integerNode(value)) }
    mutating func encode(_ value: Int16) throws { append(integerNode(value)) }
    mutating func encode(_ value: Int32) throws { append(integerNode(value)) }
    mutating func encode(_ value: Int64) throws { append(integerNode(value)) }
    mutating func encode(_ value: UInt) throws { append(integerNode(value)) }
    mutating func encode(_ value: UInt8) throws { append(integerNode(value)) }
    mutating func encode(_ value: UInt16) throws { append(integerNode(value)) }
    mutating func encode(_ value: UInt32) throws { append(integerNode(value)) }
    mutating func encode(_ value: UInt64) throws { append(integerNode(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { append(try JSONValueEncoder.node(for: value, codingPath: codingPath)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = EncodingNode()
        append(child)
        return NodeEncoder(node: child, codingPath: codingPath).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer {
        let child = EncodingNode()
        append(child)
        return NodeEncoder(node: child, codingPath: codingPath).unkeyedContainer()
    }

    mutating func superEncoder() -> Encoder {
        let child = EncodingNode()
        append(child)
        return NodeEncoder(node: child, codingPath: codingPath)
    }
}

private struct SingleValueNodeContainer: SingleValueEncodingContainer {
    let node: EncodingNode
    let codingPath: [CodingKey]

    private func set(_ value: JSONValue) { node.content = .value(value) }

    mutating func encodeNil() throws { set(.null) }
    mutating func encode(_ value: Bool) throws { set(.bool(value)) }
    mutating func encode(_ value: String) throws { set(.string(value)) }
    mutating func encode(_ value: Double) throws { set(try JSONValueEncoder.numberLiteral(value, codingPath: codingPath)) }
    mutating func encode(_ value: Float) throws { set(try JSONValueEncoder.numberLiteral(value, codingPath: codingPath)) }
    mutating func encode(_ value: Int) throws { set(.number(String(value))) }
    mutating func encode(_ value: Int8) throws { set(.number(String(value))) }
    mutating func encode(_ value: Int16) throws { set(.number(String(value))) }
    mutating func encode(_ value: Int32) throws { set(.number(String(value))) }
    mutating func encode(_ value: Int64) throws { set(.number(String(value))) }
    mutating func encode(_ value: UInt) throws { set(.number(String(value))) }
    mutating func encode(_ value: UInt8) throws { set(.number(String(value))) }
    mutating func encode(_ value: UInt16) throws { set(.number(String(value))) }
    mutating func encode(_ value: UInt32) throws { set(.number(String(value))) }
    mutating func encode(_ value: UInt64) throws { set(.number(String(value))) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        node.content = try JSONValueEncoder.node(for: value, codingPath: codingPath).content
    }
}
