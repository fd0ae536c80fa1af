/// Suggests the valid name closest to a misspelt one (Levenshtein distance over characters).
public enum NearestName {
    /// The closest candidate, when it is close enough to be a plausible typo: at most 2 edits,
    /// or a third of the name's length for long names. Ties go to the candidate first in order.
    public static func suggestion(for name: String, among candidates: [String]) -> String? {
        var best: (String, Int)?
        for candidate in candidates {
            let d = distance(name.lowercased(), candidate.lowercased())
            if best == nil || d < best!.1 { best = (candidate, d) }
        }
        guard let (candidate, d) = best else { return nil }
        let limit = max(2, name.count / 3)
        return d <= limit ? candidate : nil
    }

    /// Edit distance: insertions, deletions and substitutions each cost 1.
    public static func distance(_ a: String, _ b: String) -> Int {
        let x = Array(a), y = Array(b)
        if x.isEmpty { return y.count }
        if y.isEmpty { return x.count }
        var previous = Array(0...y.count)
        var current = [Int](repeating: 0, count: y.count + 1)
        for i in 1...x.count {
            current[0] = i
            for j in 1...y.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[y.count]
    }

    /// `did you mean "x"?` or a list of the valid names when none is close.
    public static func hint(for name: String, among candidates: [String], what: String) -> String {
        if let s = suggestion(for: name, among: candidates) { return "did you mean \"\(s)\"?" }
        if candidates.isEmpty { return "no \(what) is allowed here" }
        return "valid \(what)s: " + candidates.joined(separator: ", ")
    }
}
