/// HTML escaping, written once: what Jinja's `escape` filter does (markupsafe's five
/// characters) and what the HTML report uses for every text it writes.
public enum HTMLEscape {
    /// `&`, `<`, `>`, `"` and `'` as character references, as markupsafe writes them.
    public static func markupSafe(_ text: String) -> String {
        var output = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&#34;"
            case "'": output += "&#39;"
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output
    }
}
