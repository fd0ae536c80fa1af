// Typed access to the fields of one JSON record, turning every shape problem into a
// TraceFormatError that names the record's location and the field path.

import Basics

struct JSONFieldReader {
    let members: [JSONMember]
    let location: TraceLocation
    /// Path prefix for nested objects, e.g. "messages[1]".
    let path: String

    init(_ value: JSONValue, location: TraceLocation, path: String = "") throws(TraceFormatError) {
        guard case .object(let members) = value else {
            throw .wrongType(location, field: path.isEmpty ? "(record)" : path, expected: "object", found: value.typeName)
        }
        self.members = members
        self.location = location
        self.path = path
    }

    func fieldPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func value(_ key: String) throws(TraceFormatError) -> JSONValue {
        guard let member = members.last(where: { $0.key == key }) else {
            throw .missingField(location, field: fieldPath(key))
        }
        return member.value
    }

    func has(_ key: String) -> Bool { members.contains(where: { $0.key == key }) }

    func string(_ key: String) throws(TraceFormatError) -> String {
        let v = try value(key)
        guard case .string(let s) = v else {
            throw .wrongType(location, field: fieldPath(key), expected: "string", found: v.typeName)
        }
        return s
    }

    func int(_ key: String) throws(TraceFormatError) -> Int {
        let v = try value(key)
        guard let n = v.intValue else {
            throw .wrongType(location, field: fieldPath(key), expected: "integer", found: v.typeName == "number" ? "non-integer number" : v.typeName)
        }
        return n
    }

    func array(_ key: String) throws(TraceFormatError) -> [JSONValue] {
        let v = try value(key)
        guard case .array(let a) = v else {
            throw .wrongType(location, field: fieldPath(key), expected: "array", found: v.typeName)
        }
        return a
    }

    func stringArray(_ key: String) throws(TraceFormatError) -> [String] {
        var out: [String] = []
        for (i, element) in try array(key).enumerated() {
            guard case .string(let s) = element else {
                throw .wrongType(location, field: "\(fieldPath(key))[\(i)]", expected: "string", found: element.typeName)
            }
            out.append(s)
        }
        return out
    }

    func object(_ key: String) throws(TraceFormatError) -> JSONFieldReader {
        try JSONFieldReader(value(key), location: location, path: fieldPath(key))
    }
}
