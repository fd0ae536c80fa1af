import Foundation
import Pipeline
import Testing

/// Every kind of validation error, each at its line and column.
@Suite struct ValidationTests {
    /// Parses `text` expecting failure; returns the diagnostics.
    func diagnostics(_ text: String) throws -> [ConfigDiagnostic] {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        do {
            _ = try sandbox.parse(text)
            Issue.record("expected the experiment to be refused")
            return []
        } catch let error as ConfigFileError {
            #expect(error.diagnostics.allSatisfy { $0.file.hasSuffix("exp.toml") })
            return error.diagnostics
        }
    }

    func expect(_ text: String, line: Int, column: Int, field: String, _ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation) throws {
        let found = try diagnostics(text)
        let match = found.first { d in fragments.allSatisfy { d.description.contains($0) } }
        #expect(match != nil, "no diagnostic containing \(fragments) in \(found)", sourceLocation: sourceLocation)
        guard let match else { return }
        #expect(match.line == line && match.column == column, "\(match) is at \(match.line):\(match.column), expected \(line):\(column)", sourceLocation: sourceLocation)
        #expect(match.field == field, "field \(match.field), expected \(field)", sourceLocation: sourceLocation)
        #expect(match.description.contains("exp.toml:\(line):\(column): "), sourceLocation: sourceLocation)
    }

    /// Three lines; steps start on line 4.
    static let header = "[experiment]\nname = \"v\"\n\n"

    @Test func tomlSyntaxErrorHasPosition() throws {
        let found = try diagnostics(ValidationTests.header + "[steps.a]\nkind = \"command\nargv = []\n")
        #expect(found.count == 1)
        #expect(found.first?.line == 5)
    }

    @Test func unknownSectionSuggestsNearest() throws {
        try expect(ValidationTests.header + "[engin]\nblas = \"haswell\"\n[steps.a]\nkind = \"command\"\nargv = [\"true\"]\n",
                   line: 4, column: 1, field: "engin", "unknown section \"engin\"", "did you mean \"engine\"?")
    }

    @Test func unknownKernelFamilySuggestsNearest() throws {
        try expect(ValidationTests.header + "[engine]\nblas = \"haswel\"\n[steps.a]\nkind = \"command\"\nargv = [\"true\"]\n",
                   line: 5, column: 8, field: "engine.blas", "\"haswel\" is not an OpenBLAS kernel family", "did you mean \"haswell\"?")
    }

    @Test func unknownStepKeySuggestsNearest() throws {
        try expect(ValidationTests.header + "[steps.gen]\nkind = \"command\"\nargv = [\"true\"]\n  outptus = [\"x\"]\n",
                   line: 7, column: 3, field: "steps.gen.outptus", "unknown parameter \"outptus\"", "did you mean \"outputs\"?")
    }

    @Test func unknownKeyInsideInlineTableOfArray() throws {
        let text = ValidationTests.header + """
            [steps.t]
            kind = "table"
            paper = "file:exp.toml"
            main = { sft = "t2.out" }
            columns = [
              { metric = "m", lable = "M", domain = "in_domain" },
            ]
            [steps.t2]
            kind = "test-only"

            """
        try expect(text, line: 9, column: 19, field: "steps.t.columns[0].lable", "unknown key \"lable\"", "did you mean \"label\"?")
        try expect(text, line: 9, column: 3, field: "steps.t.columns[0]", "missing required key \"label\"")
    }

    @Test func wrongTypeNamesExpectedAndFound() throws {
        try expect(ValidationTests.header + "[steps.gen]\nkind = \"command\"\nargv = [\"true\"]\noutputs = \"data\"\n",
                   line: 7, column: 11, field: "steps.gen.outputs", "expected array of string, found string \"data\"")
        try expect(ValidationTests.header + "[steps.gen]\nkind = \"command\"\nargv = [\"true\", 3]\n",
                   line: 6, column: 17, field: "steps.gen.argv[1]", "expected string, found integer")
        try expect("[experiment]\nname = \"v\"\nseeds = [1, \"two\"]\n[steps.a]\nkind = \"test-only\"\n",
                   line: 3, column: 13, field: "experiment.seeds[1]", "expected integer, found string")
        try expect(ValidationTests.header + "[steps.a]\nkind = \"test-only\"\nrate = \"fast\"\n",
                   line: 6, column: 8, field: "steps.a.rate", "expected number, found string")
    }

    @Test func missingRequiredParameterPointsAtTheStep() throws {
        try expect(ValidationTests.header + "[steps.gen]\nkind = \"command\"\n",
                   line: 4, column: 1, field: "steps.gen", "missing required parameter \"argv\"")
        try expect("[engine]\nthreads = 1\n[steps.a]\nkind = \"test-only\"\n", line: 1, column: 1, field: "", "missing section [experiment]")
    }

    @Test func unknownKindSuggestsNearest() throws {
        try expect(ValidationTests.header + "[steps.gen]\nkind = \"comand\"\n",
                   line: 5, column: 8, field: "steps.gen.kind", "unknown step kind \"comand\"", "did you mean \"command\"?")
    }

    @Test func referenceToMissingStepSuggestsNearest() throws {
        let text = ValidationTests.header + """
            [steps.gen]
            kind = "command"
            argv = ["true"]
            outputs = ["data"]

            [steps.use]
            kind = "command"
            argv = ["cat", "{inputs.src}"]
            inputs = { src = "gne.data" }

            """
        try expect(text, line: 12, column: 18, field: "steps.use.inputs.src", "no step named \"gne\"", "did you mean \"gen\"?")
    }

    @Test func referenceToMissingOutputSuggestsNearest() throws {
        let text = ValidationTests.header + """
            [steps.gen]
            kind = "command"
            argv = ["true"]
            outputs = ["data", "log"]

            [steps.use]
            kind = "test-only"
            data = ["gen.data", "gen.dat"]
            [steps.use2]
            kind = "test-only"
            data = "gen"

            """
        try expect(text, line: 11, column: 21, field: "steps.use.data[1]", "step \"gen\" has no output \"dat\"", "did you mean \"data\"?")
        try expect(text, line: 14, column: 8, field: "steps.use2.data[0]", "step \"gen\" has 2 outputs; name one")
    }

    @Test func cycleIsReportedWithItsPath() throws {
        let text = ValidationTests.header + """
            [steps.a]
            kind = "test-only"
            data = "c.out"
            [steps.b]
            kind = "test-only"
            data = "a.out"
            [steps.c]
            kind = "test-only"
            data = ["b.out"]
            [steps.self]
            kind = "test-only"
            data = "self.out"

            """
        let found = try diagnostics(text)
        let cycles = found.filter { $0.message.contains("dependency cycle") }
        #expect(cycles.count == 2, "\(found)")
        // Found from a (first in the file): a needs c, c needs b, b's reference to a closes it.
        let loop = try #require(cycles.first { $0.message.contains("a → c → b → a") }, "\(cycles)")
        #expect(loop.line == 9 && loop.column == 8 && loop.field == "steps.b.data[0]", "\(loop)")
        let own = try #require(cycles.first { $0.message.contains("self → self") })
        #expect(own.line == 15 && own.column == 8, "\(own)")
    }

    @Test func missingFileAndUndeclaredPlaceholders() throws {
        let text = ValidationTests.header + """
            [steps.gen]
            kind = "command"
            argv = ["sh", "-c", "cat {inputs.cfg} > {outputs.dat}"]
            inputs = { config = "file:configs/missing.yaml" }
            outputs = ["data"]

            """
        let found = try diagnostics(text)
        let placeholder = try #require(found.first { $0.message.contains("{inputs.cfg} names no declared input") })
        #expect(placeholder.line == 6 && placeholder.column == 21 && placeholder.field == "steps.gen.argv[2]", "\(placeholder)")
        #expect(found.contains { $0.message.contains("{outputs.dat} names no declared output") && $0.hint == "did you mean \"outputs.data\"?" })
        // The file is checked only once the placeholders are right; fix them and it is reported.
        try expect(ValidationTests.header + "[steps.gen]\nkind = \"command\"\nargv = [\"cat\", \"{inputs.config}\"]\ninputs = { config = \"file:configs/missing.yaml\" }\n",
                   line: 7, column: 21, field: "steps.gen.inputs.config", "no file or directory", "missing.yaml")
    }

    @Test func unknownModelAndBadSeeds() throws {
        try expect(ValidationTests.header + "[model.tiny]\nhidden_size = 8\n[steps.a]\nkind = \"test-only\"\nmodel = \"tinny\"\n",
                   line: 8, column: 9, field: "steps.a.model", "no model named \"tinny\"", "did you mean \"tiny\"?")
        try expect("[experiment]\nname = \"v\"\nseeds = [1, 1]\n[steps.a]\nkind = \"test-only\"\n", line: 3, column: 9, field: "experiment.seeds", "seeds repeat")
        try expect("[experiment]\nname = \"v\"\n[engine]\nthreads = 0\n[steps.a]\nkind = \"test-only\"\n", line: 4, column: 11, field: "engine.threads", "at least 1")
    }

    @Test func dottedKeysAndStringsWithSyntaxCharacters() throws {
        // `#` and `=` inside strings, multi-line strings and dotted keys must not confuse positions.
        let text = ValidationTests.header + """
            [steps.gen]
            kind = "command"
            argv = ["sh", "-c", "echo '# not a comment = x' > {outputs.data}"]
            outputs = ["data"]
            files."a.txt" = '''
            x = 1 # still text
            [steps.fake]
            '''
            env.MODE = "fast"
            env.BAD = 3

            """
        try expect(text, line: 13, column: 11, field: "steps.gen.env.BAD", "expected string, found integer")
    }

    @Test func allProblemsAreReportedInFileOrder() throws {
        let text = ValidationTests.header + """
            [steps.a]
            kind = "test-only"
            txt = "x"
            [steps.b]
            kind = "test-only"
            data = "zz.out"

            """
        let found = try diagnostics(text)
        #expect(found.count == 2)
        #expect(found.map(\.line) == [6, 9])
    }

    @Test func validFileParsesWithOrderAndDefaults() throws {
        let sandbox = try Sandbox(); defer { sandbox.cleanup() }
        try sandbox.write("k: v\n", to: "cfg.yaml")
        let spec = try sandbox.parse(ValidationTests.header + """
            [engine]
            blas = "Haswell"
            [steps.late]
            kind = "test-only"
            data = ["early.out", "file:cfg.yaml"]
            [steps.early]
            kind = "test-only"
            rate = 1

            """)
        #expect(spec.order == ["early", "late"])
        #expect(spec.engine.blas == "haswell" && spec.engine.threads == 1)
        #expect(spec.seeds == [1])
        #expect(spec.steps["early"]!.params["rate"] == .number(1))
        #expect(spec.steps["early"]!.params["text"] == .string(""))
        let late = spec.steps["late"]!
        #expect(late.inputs.map(\.name) == ["data[0]", "data[1]"])
        if case .file(_, let url?) = late.inputs[1].source { #expect(url.lastPathComponent == "cfg.yaml") } else { Issue.record("file input not resolved") }
    }
}
