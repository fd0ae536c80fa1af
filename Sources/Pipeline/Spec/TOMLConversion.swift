import TOMLKit

/// TOMLKit's tree as `SpecValue`s, shared by the experiment file and the training config file.
/// Dates and times (which no parameter takes) are handed to `unsupported` and left out.
enum TOMLConversion {
    static func table(_ table: TOMLTable, at path: SpecPath, unsupported: (SpecPath) -> Void) -> [String: SpecValue] {
        var out: [String: SpecValue] = [:]
        for (key, value) in table {
            if let converted = self.value(value, at: path.appending(key), unsupported: unsupported) { out[key] = converted }
        }
        return out
    }

    static func value(_ value: TOMLValueConvertible, at path: SpecPath, unsupported: (SpecPath) -> Void) -> SpecValue? {
        switch value.type {
        case .string: return value.string.map(SpecValue.string)
        case .int: return value.int.map(SpecValue.integer)
        case .double: return value.double.map(SpecValue.number)
        case .bool: return value.bool.map(SpecValue.bool)
        case .table: return value.table.map { .table(table($0, at: path, unsupported: unsupported)) }
        case .array:
            guard let array = value.array else { return nil }
            var items: [SpecValue] = []
            for (i, item) in array.enumerated() {
                if let converted = self.value(item, at: path.appending(index: i), unsupported: unsupported) { items.append(converted) }
            }
            return .array(items)
        case .date, .time, .dateTime:
            unsupported(path)
            return nil
        }
    }
}
