// Turns a response plan into text: unit sentences, the layout (prose, list, JSON, table,
// template), sections, separators, opening and source lines, then letter case.

import Basics

extension ResponsePlanner {
    func unitText(_ unit: PlannedUnit) -> String {
        var text = ""
        text.reserveCapacity(64)
        var first = true
        func append(_ token: String) {
            if first {
                first = false
                text += SyntheticVocabulary.capitalized(token)
            } else {
                text += " "
                text += token == "i" ? "I" : token
            }
        }
        for carrier in unit.prefix { for token in carrier.tokens { append(token) } }
        for token in unit.base { append(token) }
        for token in unit.growth { append(token) }
        for carrier in unit.suffix { for token in carrier.tokens { append(token) } }
        if let final = unit.final { for token in final.tokens { append(token) } }
        return text + unit.terminator
    }

    func shaped(_ text: String, index: Int) -> String {
        switch shape {
        case "quoted": return "\"\(text)\""
        case "arrow": return "\(nounPool[index % nounPool.count]) -> \(text)"
        case "keyValue": return "\(SyntheticVocabulary.capitalized(nounPool[index % nounPool.count])): \(text)"
        default: return text
        }
    }

    func render(_ units: [PlannedUnit], layout: PlannedLayout) -> String {
        let texts = units.map(unitText)
        var lines: [String] = []
        var opening: String?
        if let role {
            var line = SyntheticVocabulary.openingLine(role: role).map { $0 == "i" ? "I" : $0 }.joined(separator: " ")
            line = SyntheticVocabulary.capitalized(line) + (tone == "excited" ? "!" : ".")
            opening = line
        }

        switch layout {
        case .json(let key):
            lines.append(JSONWriter.python.string(.object([JSONMember(key, .array(texts.map { .string($0) }))])))
        case .table(let first, let second):
            if let opening { lines.append(opening) }
            lines.append("| \(first) | \(second) |")
            lines.append("| --- | --- |")
            for (i, text) in texts.enumerated() {
                lines.append("| \(nounPool[i % nounPool.count]) | \(text) |")
            }
        default:
            let groupCount = max(1, sections ?? 1)
            if oneParagraph {
                lines.append(([opening].compactMap { $0 } + texts).joined(separator: " "))
                break
            }
            if let opening { lines.append(opening) }
            var start = 0
            for g in 0..<groupCount {
                let size = texts.count / groupCount + (g < texts.count % groupCount ? 1 : 0)
                let indices = Array(start..<(start + size))
                start += size
                if sections != nil {
                    if g > 0, let separator { lines.append(separator) }
                    lines.append("## Part \(SyntheticVocabulary.sectionNumbers[g % SyntheticVocabulary.sectionNumbers.count])")
                }
                let separateUnits = separator != nil && sections == nil
                var groupLines: [String] = []
                for i in indices {
                    let line: String
                    switch layout {
                    case .bullets(let marker): line = "\(marker) \(texts[i])"
                    case .numbered(let style): line = "\(ResponsePlanner.marker(style: style, index: i)) \(texts[i])"
                    case .template(let labels): line = "\(SyntheticVocabulary.capitalized(labels[i])): \(texts[i])"
                    default: line = shaped(texts[i], index: i)
                    }
                    groupLines.append(line)
                }
                if case .prose = layout, shape == nil, !separateUnits {
                    lines.append(groupLines.joined(separator: " "))
                } else {
                    for (k, line) in groupLines.enumerated() {
                        if k > 0 && separateUnits { lines.append(separator!) }
                        lines.append(line)
                    }
                }
            }
        }
        if sourceLine {
            lines.append(SyntheticVocabulary.capitalized(SyntheticVocabulary.sourceLine.joined(separator: " ")) + ".")
        }
        return ResponsePlanner.applyCase(letterCase, to: lines.joined(separator: "\n"))
    }

    static func marker(style: String, index: Int) -> String {
        switch style {
        case "1)": return "\(index + 1))"
        case "(1)": return "(\(index + 1))"
        case "a)": return "\(Character(UnicodeScalar(UInt8(97 + index % 26))))" + ")"
        default: return "\(index + 1)."
        }
    }

    static func applyCase(_ letterCase: String?, to text: String) -> String {
        switch letterCase {
        case "lower": return text.lowercased()
        case "upper": return text.uppercased()
        case "title":
            var out = ""
            out.reserveCapacity(text.utf8.count)
            var previousIsLetter = false
            for scalar in text.unicodeScalars {
                let isLetter = scalar.isASCII && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar))
                if isLetter && !previousIsLetter {
                    out.unicodeScalars.append(contentsOf: String(scalar).uppercased().unicodeScalars)
                } else {
                    out.unicodeScalars.append(scalar)
                }
                previousIsLetter = isLetter
            }
            return out
        default:
            return text
        }
    }
}
