/// Params as recorded rows: nested tables become dotted keys; arrays and scalars their text.
public enum ParamFlattening {
    public static func flatten(_ value: SpecValue, prefix: String) -> [(String, String)] {
        switch value {
        case .table(let table):
            var out: [(String, String)] = []
            for key in table.keys.sorted() {
                let path = prefix.isEmpty ? SpecPath(keys: [key]).description : prefix + "." + SpecPath(keys: [key]).description
                out += flatten(table[key]!, prefix: path)
            }
            return out
        default:
            return [(prefix, value.displayText)]
        }
    }
}
