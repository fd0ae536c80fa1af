// Each verifier on responses that satisfy it and responses that do not.

import Basics
import Foundation
import Testing
@testable import Trace

@Suite struct ConstraintVerifierTests {
    struct Case: Sendable, CustomStringConvertible {
        var spec: ConstraintSpec
        var passes: [String]
        var fails: [String]
        var description: String { spec.kind.rawValue + (spec.option.map { "(\($0))" } ?? "") }
    }

    static let cases: [Case] = [
        Case(spec: .init(.includeWords, words: ["boat", "Red"]), passes: ["The red BOAT."], fails: ["The boat.", "boats are red"]),
        Case(spec: .init(.excludeWords, words: ["boat"]), passes: ["The boats sail.", "A sailboat."], fails: ["A Boat!"]),
        Case(spec: .init(.wordFrequency, words: ["old"], number: 2), passes: ["old, old tree"], fails: ["old tree", "old old old"]),
        Case(spec: .init(.theme, words: ["wave", "sand", "shell"], number: 2, option: "beach"),
             passes: ["sand and a wave"], fails: ["sand and sand", "nothing"]),
        Case(spec: .init(.value, words: ["kind"], option: "kindness"), passes: ["be kind"], fails: ["be kindly"]),
        Case(spec: .init(.noNames, words: ["anna", "ben"]), passes: ["Someone came."], fails: ["Anna came."]),
        Case(spec: .init(.noDigits), passes: ["two boats"], fails: ["2 boats", "(1) a"]),
        Case(spec: .init(.wordCountMax, number: 3), passes: ["one two three", "a 1 2 3 b"], fails: ["one two three four"]),
        Case(spec: .init(.wordCountMin, number: 3), passes: ["one two, three!"], fails: ["one two 3"]),
        Case(spec: .init(.itemCount, number: 2),
             passes: ["Intro\n- a\n- b", "1. a\n2. b", "{\"k\": [\"a\", \"b\"], \"z\": [1]}", "| x | y |\n| --- | --- |\n| a | b |\n| c | d |"],
             fails: ["- a\n- b\n- c", "{\"k\": [\"a\"]}", "a b"]),
        Case(spec: .init(.sentenceCount, number: 2), passes: ["One. Two!", "1. One.\n2. Two?", "## Head\nOne. Two."],
             fails: ["One. Two. Three.", "One", "One.. Two... Three?!"]),
        Case(spec: .init(.rolePlay, option: "chef"), passes: ["\nAs a chef, I cook.", "AS A CHEF, hi"],
             fails: ["I am a chef.", "Hi.\nAs a chef, I cook."]),
        Case(spec: .init(.audience, number: 6, option: "children"), passes: ["We see the boat."], fails: ["We see the bridges.", ""]),
        Case(spec: .init(.audience, words: ["data", "model", "method"], number: 2, option: "experts"),
             passes: ["The data and the model."], fails: ["The data and data."]),
        Case(spec: .init(.audience, number: 3, option: "beginners"), passes: ["We see it. Now go!"], fails: ["We see the boat.", "no sentence"]),
        Case(spec: .init(.priorCondition, words: ["yes", "no"], option: "beach", holds: true),
             passes: ["So yes.", "Yes [1]", "{\"a\": [\"so yes.\"]}"], fails: ["So no.", "yes, we go"]),
        Case(spec: .init(.priorCondition, words: ["yes", "no"], option: "beach", holds: false), passes: ["So no."], fails: ["So yes."]),
        Case(spec: .init(.processSteps, words: ["wash", "cut", "cook"]), passes: ["wash it, cut it, then cook; wash again"],
             fails: ["cut, wash, cook", "wash and cook"]),
        Case(spec: .init(.markdownProcess, words: ["wash", "cut"]), passes: ["**Wash** then **cut**"], fails: ["wash then **cut**", "**cut** **wash**"]),
        Case(spec: .init(.tableLookup, words: ["pink"], option: "boat"), passes: ["It is pink."], fails: ["It is red."]),
        Case(spec: .init(.textFacts, words: ["shell", "tide"]), passes: ["the tide and the shell"], fails: ["the shell"]),
        Case(spec: .init(.tone, option: "excited"), passes: ["Go!"], fails: ["Go."]),
        Case(spec: .init(.tone, option: "calm"), passes: ["Go."], fails: ["Go!"]),
        Case(spec: .init(.tone, option: "formal"), passes: ["Please go."], fails: ["Go.", "Please go!"]),
        Case(spec: .init(.tone, option: "casual"), passes: ["Hey, go."], fails: ["They go."]),
        Case(spec: .init(.emotion, words: ["happy"], option: "joy"), passes: ["so happy"], fails: ["unhappy"]),
        Case(spec: .init(.askQuestion), passes: ["Why?"], fails: ["Why."]),
        Case(spec: .init(.simile), passes: ["fast like a fox", "Like An owl"], fails: ["I like the fox", "like, a fox"]),
        Case(spec: .init(.multilingual, words: ["bonjour"], option: "greet-french"), passes: ["Bonjour, hi."], fails: ["Hello."]),
        Case(spec: .init(.jsonFormat, words: ["points"]), passes: ["{\"points\": [\"a\", \"b\"]}", " \n{\"points\":[\"a\"]}\n"],
             fails: ["{\"points\": []}", "{\"points\": [\"a\"], \"x\": 1}", "{\"points\": [1]}", "Here: {\"points\": [\"a\"]}", "{\"Points\": [\"a\"]}"]),
        Case(spec: .init(.tableFormat, words: ["item", "note"]),
             passes: ["Intro.\n| Item | Note |\n|:---|---:|\n| a | b |", "| item | note |\n| --- | --- |\n| a | b |\n| c | d |"],
             fails: ["| item | note |\n| a | b |", "| item | info |\n| --- | --- |\n| a | b |", "| item | note |\n| --- | --- |",
                     "| item | note |\n| --- | --- |\n| a |  |"]),
        Case(spec: .init(.bulletList, option: "-"), passes: ["Intro\n- a\n- b", "  - a\n- b"], fails: ["- a", "- a\n* b", "-a\n-b"]),
        Case(spec: .init(.numbering, option: "1."), passes: ["1. a\n2. b", "1. a\n## x\n2. b"], fails: ["1. a\n3. b", "1) a\n2) b", "1. a"]),
        Case(spec: .init(.numbering, option: "(1)"), passes: ["(1) a\n(2) b"], fails: ["1. a\n2. b"]),
        Case(spec: .init(.numbering, option: "a)"), passes: ["a) x\nb) y", "A) x\nB) y"], fails: ["a) x\nc) y", "1) x\n2) y"]),
        Case(spec: .init(.letterCase, option: "lower"), passes: ["all lower 1."], fails: ["All lower.", "123"]),
        Case(spec: .init(.letterCase, option: "upper"), passes: ["ALL UPPER."], fails: ["ALL UPPEr."]),
        Case(spec: .init(.letterCase, option: "title"), passes: ["Title Case [1] A."], fails: ["Title case.", ""]),
        Case(spec: .init(.separatorLine, option: "***"), passes: ["a\n  ***  \nb"], fails: ["a *** b", "a\n****\nb"]),
        Case(spec: .init(.oneParagraph), passes: ["One. Two.\n"], fails: ["One.\nTwo.", "  "]),
        Case(spec: .init(.firstPerson), passes: ["We go. I stay! Our boat?"], fails: ["We go. You stay.", "No sentence"]),
        Case(spec: .init(.futureTense), passes: ["We will go. It will rain."], fails: ["We will go. It rains."]),
        Case(spec: .init(.citeMarker, option: "[1]"), passes: ["A fact [1]."], fails: ["A fact [2]."]),
        Case(spec: .init(.sourceLine), passes: ["Text.\nSource: the notes.\n\n"], fails: ["Source: notes.\nText.", "Text.\nSource: 42"]),
        Case(spec: .init(.sections, number: 2), passes: ["Intro\n## One\na\n## Two\nb"],
             fails: ["## One\na", "## One\n## Two\nb", "## One\na\n## Two", "## One\na\n## Two\nb\n## Three\nc", "##One\na\n##Two\nb"]),
        Case(spec: .init(.orderWords, words: ["first", "then", "finally"]), passes: ["First, go. Then stop. Finally rest."],
             fails: ["Then go. First stop. Finally rest."]),
        Case(spec: .init(.template, words: ["topic", "goal"]), passes: ["Topic: boats.\nGoal: fun."], fails: ["Goal: fun.\nTopic: boats.", "Topic: \nGoal: fun."]),
        Case(spec: .init(.positiveExample, words: ["\"the sun is warm.\""], option: "quoted"), passes: ["\"a.\"\n\"b.\""], fails: ["\"a.\"\nb."]),
        Case(spec: .init(.positiveExample, words: ["sun -> the sun is warm."], option: "arrow"), passes: ["sun -> a.\nboat -> b."],
             fails: ["sun -> a.\nthe boat -> b."]),
        Case(spec: .init(.positiveExample, words: ["Sun: the sun is warm."], option: "keyValue"), passes: ["Sun: a.\nBoat: b."], fails: ["Sun: a.\nBoat:b."]),
        Case(spec: .init(.negativeExample, words: ["the boat boat is red."], option: "repeatedWord"), passes: ["the boat. Boat is red."],
             fails: ["the boat  Boat is red."]),
        Case(spec: .init(.negativeExample, words: ["so fun!!"], option: "doubleExclamation"), passes: ["Fun! Fun!"], fails: ["Fun!!"]),
        Case(spec: .init(.negativeExample, words: ["the BOAT is red."], option: "shouting"), passes: ["I see A boat."], fails: ["I see the BOAT."]),
    ]

    @Test(arguments: cases)
    func verifierAcceptsAndRejects(_ c: Case) throws {
        try c.spec.validate()
        for response in c.passes { #expect(c.spec.verify(response: response), "should pass: \(response.debugDescription)") }
        for response in c.fails { #expect(!c.spec.verify(response: response), "should fail: \(response.debugDescription)") }
    }

    @Test func everyKindHasACase() {
        let covered = Set(Self.cases.map(\.spec.kind))
        #expect(covered == Set(ConstraintKind.allCases))
    }

    @Test func specJSONAndCodableRoundTrip() throws {
        for c in Self.cases {
            let json = c.spec.jsonValue
            #expect(try ConstraintSpec(json: json) == c.spec)
            let data = try JSONEncoder().encode(c.spec)
            #expect(try JSONDecoder().decode(ConstraintSpec.self, from: data) == c.spec)
        }
        #expect(JSONWriter.python.string(ConstraintSpec(.priorCondition, words: ["yes", "no"], option: "beach", holds: true).jsonValue)
                == #"{"kind": "priorCondition", "words": ["yes", "no"], "option": "beach", "holds": true}"#)
    }

    @Test func invalidSpecsAreRejected() {
        let bad: [ConstraintSpec] = [
            .init(.includeWords), .init(.wordCountMax), .init(.tone, option: "angry"), .init(.numbering, option: "i."),
            .init(.priorCondition, words: ["yes", "no"], option: "beach"), .init(.tableFormat, words: ["a"]),
            .init(.wordFrequency, words: ["a", "b"], number: 2), .init(.audience, option: "experts"), .init(.sections, number: 0),
        ]
        for spec in bad { #expect(throws: ConstraintSpecError.self) { try spec.validate() } }
    }

    @Test func ruleJudgeReportsEachConstraint() {
        let checks: [ConstraintSpec] = [.init(.includeWords, words: ["boat"]), .init(.wordCountMax, number: 3), .init(.tone, option: "excited")]
        let judgement = RuleJudge.judge(checks: checks, response: "A red boat.")
        #expect(judgement.results == [true, true, false])
        #expect(judgement.satisfied == 2)
        #expect(!judgement.followed)
        #expect(RuleJudge.judge(checks: checks, response: "Boat!").followed)
    }
}
