import Foundation
import Pipeline
import Store
import Testing

/// Canonical JSON and step keys: the same meaning always hashes to the same key.
@Suite struct KeyTests {
    @Test func canonicalJSONIsSortedCompactAndStable() {
        let value = SpecValue.table([
            "b": .array([.integer(1), .number(5e-6), .number(0.1), .number(3), .bool(true)]),
            "a": .table(["z": .string("x/y \"q\"\n\u{01}é"), "m": .number(.infinity)]),
            "é": .string(""),
            "B": .number(1e16),
        ])
        #expect(value.canonicalJSON == #"{"B":1e+16,"a":{"m":"inf","z":"x/y \"q\"\n\u0001é"},"b":[1,5e-06,0.1,3.0,true],"é":""}"#)
        let reparsed = try? SpecValue.parseJSON(Data(value.canonicalJSON.utf8))
        #expect(reparsed?[SpecPath(keys: ["a", "z"])] == .string("x/y \"q\"\n\u{01}é"))
        #expect(reparsed?[SpecPath(keys: ["b"]).appending(index: 1)] == .number(5e-6))
    }

    /// The canonical JSON of a value with every kind of member is pinned byte for byte: step keys
    /// hash this text, so a change of writer that moved one byte would re-key every cached step.
    @Test func canonicalJSONOfEveryKindOfValueIsPinned() {
        let value = SpecValue.table([
            "numbers": .array([.number(-0.0), .number(1e-7), .number(123456.789), .number(2.5e300), .number(9007199254740992),
                               .number(.nan), .number(-.infinity), .integer(-42), .integer(Int.max)]),
            "strings": .array([.string(""), .string("tab\t cr\r ff\u{0C} bs\u{08} nul\u{00} us\u{1F} del\u{7F}"),
                               .string("\u{2028} 中文 😀 /slash/ \\back\\")]),
            "empty": .table([:]),
            "none": .array([]),
            "Zebra": .bool(false),
            "zebra": .table(["é": .integer(1), "ez": .integer(2), "f": .integer(3)]),
        ])
        #expect(value.canonicalJSON == "{\"Zebra\":false,\"empty\":{},\"none\":[],\"numbers\":[-0.0,1e-07,123456.789,2.5e+300,9007199254740992.0,\"nan\",\"-inf\",-42,9223372036854775807],\"strings\":[\"\",\"tab\\t cr\\r ff\\f bs\\b nul\\u0000 us\\u001f del\u{7F}\",\"\u{2028} 中文 😀 /slash/ \\\\back\\\\\"],\"zebra\":{\"ez\":2,\"f\":3,\"é\":1}}")
    }

    /// A fixed step's key is pinned, together with the exact canonical JSON it hashes.
    @Test func aFixedStepHasAPinnedCanonicalJSONAndKey() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let spec = try step("""
            [model.tiny]
            hidden_size = 8
            rope_theta = 1000000.0
            name = "tiny/é"
            [steps.s]
            kind = "test-only"
            text = "a/b \\"q\\" é\\n\\u0001"
            rate = 1e-7
            curve = -3
            seeded = true
            data = ["a.out", "b.out"]
            model = "tiny"
            [steps.a]
            kind = "test-only"
            [steps.b]
            kind = "test-only"

            """, in: sandbox)
        let key = StepKey.compute(step: spec.steps["s"]!, kindVersion: "3",
                                  inputIDs: ["data[0]": "sha256:" + String(repeating: "a", count: 64), "data[1]": "sha256:" + String(repeating: "b", count: 64)],
                                  engine: EngineEnvironment(version: "0.4.2", blas: "haswell", threads: 2), seed: 11)
        let canonical = #"{"engine":{"blas":"haswell","threads":2,"version":"0.4.2"},"inputs":{"data[0]":"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","data[1]":"sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"},"kind":"test-only","kind_version":"3","params":{"curve":-3,"data":["<input data[0]>","<input data[1]>"],"model":{"hidden_size":8,"name":"tiny/é","rope_theta":1000000.0},"rate":1e-07,"seeded":true,"text":"a/b \"q\" é\n\u0001"},"seed":11}"#
        #expect(ObjectID.of(Array(canonical.utf8)).description == key)
        #expect(key == "sha256:bed4dba289d42f76b3d32cccae9d256e3a35e07e95443bdb0313d5b4b81c20b8")
    }

    func step(_ text: String, in sandbox: Sandbox) throws -> ExperimentSpec {
        try sandbox.parse("[experiment]\nname = \"k\"\n" + text)
    }

    @Test func keysFollowMeaningNotSpelling() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        let engine = EngineEnvironment(version: "v", blas: "haswell", threads: 1)
        func key(_ text: String, step name: String = "s", inputs: [String: String] = [:], seed: Int = 1, engine: EngineEnvironment = engine) throws -> String {
            let spec = try step(text, in: sandbox)
            return StepKey.compute(step: spec.steps[name]!, kindVersion: "1", inputIDs: inputs, engine: engine, seed: seed)
        }
        let base = try key("[steps.s]\nkind = \"test-only\"\nrate = 1\n")
        #expect(base.hasPrefix("sha256:") && base.count == 71)
        #expect(try key("[steps.s]\nkind = \"test-only\"\nrate = 1.0\ntext = \"\"\n") == base)
        #expect(try key("[steps.other]\nkind = \"test-only\"\nrate = 1\n", step: "other") == base)
        #expect(try key("[steps.s]\nkind = \"test-only\"\nrate = 1.5\n") != base)
        // The seed counts only for steps that use it.
        #expect(try key("[steps.s]\nkind = \"test-only\"\nrate = 1\n", seed: 2) == base)
        let seeded = "[steps.s]\nkind = \"test-only\"\nseeded = true\n"
        #expect(try key(seeded, seed: 1) != (try key(seeded, seed: 2)))
        // The pinned environment and the engine version count.
        #expect(try key("[steps.s]\nkind = \"test-only\"\nrate = 1\n", engine: EngineEnvironment(version: "v", blas: "sandybridge", threads: 1)) != base)
        #expect(try key("[steps.s]\nkind = \"test-only\"\nrate = 1\n", engine: EngineEnvironment(version: "v", blas: "haswell", threads: 2)) != base)
        #expect(try key("[steps.s]\nkind = \"test-only\"\nrate = 1\n", engine: EngineEnvironment(version: "w", blas: "haswell", threads: 1)) != base)
        // Inputs count by id, not by the name of the step that made them.
        let fromA = try key("[steps.a]\nkind = \"test-only\"\n[steps.s]\nkind = \"test-only\"\ndata = \"a.out\"\n", inputs: ["data[0]": "sha256:1"])
        let fromB = try key("[steps.b]\nkind = \"test-only\"\n[steps.s]\nkind = \"test-only\"\ndata = [\"b.out\"]\n", inputs: ["data[0]": "sha256:1"])
        let other = try key("[steps.b]\nkind = \"test-only\"\n[steps.s]\nkind = \"test-only\"\ndata = [\"b.out\"]\n", inputs: ["data[0]": "sha256:2"])
        #expect(fromA == fromB && fromA != other)
        // A model table is part of the key of the steps that name it.
        let model = "[steps.s]\nkind = \"test-only\"\nmodel = \"tiny\"\n"
        #expect(try key("[model.tiny]\nhidden_size = 8\n" + model) != (try key("[model.tiny]\nhidden_size = 16\n" + model)))
    }

    @Test func nearestNameAndEditDistance() {
        #expect(NearestName.distance("kitten", "sitting") == 3)
        #expect(NearestName.suggestion(for: "outptus", among: ["argv", "outputs", "inputs"]) == "outputs")
        #expect(NearestName.suggestion(for: "zzzzzz", among: ["argv", "outputs"]) == nil)
        #expect(NearestName.hint(for: "q", among: ["argv", "env"], what: "parameter") == "valid parameters: argv, env")
    }

    @Test func positionIndexFindsKeysValuesAndArrayElements() {
        let text = """
            # comment with [steps.fake] and x = 1
            [steps.a]
            kind = "command"   # trailing
            argv = [
              "sh",  # one
              "-c",
            ]
            files."x.txt" = \"\"\"
            [not.a.header]
            y = 2 \"\"\"
            nested = { inner = { deep = 'v' }, list = [1, { k = 2 }] }
            [[runs]]
            n = 1
            [[runs]]
            n = 2

            """
        let index = SourcePositionIndex(text: text)
        #expect(index.keys[SpecPath(keys: ["steps", "a"])] == SourcePosition(line: 2, column: 1))
        #expect(index.values[SpecPath(keys: ["steps", "a", "kind"])] == SourcePosition(line: 3, column: 8))
        #expect(index.values[SpecPath(keys: ["steps", "a", "argv"]).appending(index: 1)] == SourcePosition(line: 6, column: 3))
        #expect(index.keys[SpecPath(keys: ["steps", "a", "files", "x.txt"])] == SourcePosition(line: 8, column: 1))
        #expect(index.keys[SpecPath(keys: ["not", "a", "header"])] == nil)
        #expect(index.keys[SpecPath(keys: ["steps", "a", "nested", "inner", "deep"])] == SourcePosition(line: 11, column: 22))
        #expect(index.keys[SpecPath(keys: ["steps", "a", "nested", "list"]).appending(index: 1).appending("k")] == SourcePosition(line: 11, column: 49))
        #expect(index.values[SpecPath(keys: ["runs"]).appending(index: 1).appending("n")] == SourcePosition(line: 15, column: 5))
        #expect(index.keys[SpecPath(keys: ["fake"])] == nil)
        #expect(index.position(of: SpecPath(keys: ["steps", "a", "missing"])) == SourcePosition(line: 2, column: 1))
    }
}
