// The TRACE constraint taxonomy: 5 types, 26 dimensions, and the `levels2` labels the data uses.
//
// The real trace_eval.jsonl writes each label as the dimension's Chinese name followed by 约束
// ("constraint"), e.g. 包含约束, and spells the Markdown dimension in lowercase
// (markdown流程背景信息约束). Two labels in the file are outside the 26 and are resolved by the
// aliases documented on `TraceDimension.resolve(levels2:)`.

/// The five constraint types of TRACE.
public enum TraceType: String, CaseIterable, Sendable, Codable, Hashable {
    case content = "Content"
    case situation = "Situation"
    case style = "Style"
    case format = "Format"
    case example = "Example"
}

/// The 26 constraint dimensions of TRACE, in the order of the paper's taxonomy.
public enum TraceDimension: String, CaseIterable, Sendable, Codable, Hashable {
    // Content
    case theme, exclusion, inclusion, value, privacy, numerical
    // Situation
    case rolePlaying, targetAudience, priorCondition, naturalLanguageProcessBackground
    case markdownProcessBackground, tableBackground, textBackground
    // Style
    case toneAndStyle, emotion, linguisticCharacteristics, multilingual
    // Format
    case outputFormat, textPattern, grammarStructure, citation, numberingAndList
    case hierarchicalStructure, template
    // Example
    case positiveExample, negativeExample

    public var type: TraceType {
        switch self {
        case .theme, .exclusion, .inclusion, .value, .privacy, .numerical: return .content
        case .rolePlaying, .targetAudience, .priorCondition, .naturalLanguageProcessBackground,
             .markdownProcessBackground, .tableBackground, .textBackground: return .situation
        case .toneAndStyle, .emotion, .linguisticCharacteristics, .multilingual: return .style
        case .outputFormat, .textPattern, .grammarStructure, .citation, .numberingAndList,
             .hierarchicalStructure, .template: return .format
        case .positiveExample, .negativeExample: return .example
        }
    }

    /// The English name used in the paper.
    public var englishName: String {
        switch self {
        case .theme: return "Theme"
        case .exclusion: return "Exclusion"
        case .inclusion: return "Inclusion"
        case .value: return "Value"
        case .privacy: return "Privacy"
        case .numerical: return "Numerical"
        case .rolePlaying: return "Role-playing"
        case .targetAudience: return "Target audience"
        case .priorCondition: return "Prior condition"
        case .naturalLanguageProcessBackground: return "Natural-language process background"
        case .markdownProcessBackground: return "Markdown process background"
        case .tableBackground: return "Table background"
        case .textBackground: return "Text background"
        case .toneAndStyle: return "Tone and style"
        case .emotion: return "Emotion"
        case .linguisticCharacteristics: return "Linguistic characteristics"
        case .multilingual: return "Multilingual"
        case .outputFormat: return "Output format"
        case .textPattern: return "Text pattern"
        case .grammarStructure: return "Grammar structure"
        case .citation: return "Citation"
        case .numberingAndList: return "Numbering and list"
        case .hierarchicalStructure: return "Hierarchical structure"
        case .template: return "Template"
        case .positiveExample: return "Positive example"
        case .negativeExample: return "Negative example"
        }
    }

    /// The Chinese dimension name (IOPO.md's list; the Markdown one spelled as in the data).
    public var chineseName: String {
        switch self {
        case .theme: return "主题"
        case .exclusion: return "排除"
        case .inclusion: return "包含"
        case .value: return "价值观"
        case .privacy: return "隐私"
        case .numerical: return "数值"
        case .rolePlaying: return "角色扮演"
        case .targetAudience: return "受众目标"
        case .priorCondition: return "先验条件"
        case .naturalLanguageProcessBackground: return "自然语言流程背景信息"
        case .markdownProcessBackground: return "markdown流程背景信息"
        case .tableBackground: return "表格背景信息"
        case .textBackground: return "文本背景信息"
        case .toneAndStyle: return "语气风格"
        case .emotion: return "情感情绪"
        case .linguisticCharacteristics: return "语言特征"
        case .multilingual: return "多语言"
        case .outputFormat: return "输出格式"
        case .textPattern: return "文本样式"
        case .grammarStructure: return "语法结构"
        case .citation: return "引用和参考"
        case .numberingAndList: return "编号和列表"
        case .hierarchicalStructure: return "层次化结构"
        case .template: return "模版"
        case .positiveExample: return "正例"
        case .negativeExample: return "负例"
        }
    }

    /// The label written in a record's `levels2` field, exactly as trace_eval.jsonl spells it.
    public var levels2Label: String { chineseName + "约束" }

    /// Labels in trace_eval.jsonl that are not one of the 26 canonical labels, and the dimension
    /// each stands for. 输入格式约束 ("input format") occurs once (record 903, a constraint on the
    /// program's input format); it is a Format-type constraint and closest to output format.
    public static let levels2Aliases: [String: TraceDimension] = [
        "输入格式约束": .outputFormat,
    ]

    /// The ditto label: record 951 of trace_eval.jsonl labels its 4th constraint "·" between two
    /// 层次化结构约束 constraints of a 首先/接着/最后 sequence; it means "same as the previous one".
    public static let dittoLabel = "·"

    static let labelIndex: [String: TraceDimension] = {
        var index: [String: TraceDimension] = [:]
        for dimension in TraceDimension.allCases {
            index[dimension.levels2Label] = dimension
            index[dimension.chineseName] = dimension
            index[dimension.englishName.lowercased()] = dimension
            index[dimension.rawValue.lowercased()] = dimension
        }
        for (label, dimension) in levels2Aliases { index[label] = dimension }
        return index
    }()

    /// The dimension a single label names: the canonical levels2 label, the bare Chinese name
    /// (IOPO.md's form), the English name or the case name (any letter case), or an alias.
    /// The ditto label is not resolvable on its own; use `resolve(levels2:)`.
    public init?(label: String) {
        if let dimension = TraceDimension.labelIndex[label] ?? TraceDimension.labelIndex[label.lowercased()] {
            self = dimension
        } else {
            return nil
        }
    }

    /// Resolves a record's `levels2` list. The ditto label takes the previous constraint's
    /// dimension. Returns the index and text of the first label that cannot be resolved.
    public static func resolve(levels2 labels: [String]) -> Result<[TraceDimension], UnresolvedLabel> {
        var dimensions: [TraceDimension] = []
        dimensions.reserveCapacity(labels.count)
        for (index, label) in labels.enumerated() {
            if label == dittoLabel, let previous = dimensions.last {
                dimensions.append(previous)
            } else if let dimension = TraceDimension(label: label) {
                dimensions.append(dimension)
            } else {
                return .failure(UnresolvedLabel(index: index, label: label))
            }
        }
        return .success(dimensions)
    }

    /// A `levels2` label that names no dimension, with its position in the list.
    public struct UnresolvedLabel: Error, Sendable, Hashable {
        public var index: Int
        public var label: String
    }
}
