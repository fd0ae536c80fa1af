// Every numeric field of every generation endpoint, sent the boundary values a fuzzer or a buggy
// client sends: each request gets a 200 or an OpenAI-style 400 naming the field, never a crash or
// a 500, and the server serves normally after all of them (one request once killed the server with
// an arithmetic overflow on max_tokens = Int64.max).

import Foundation
@testable import Serve
import Testing

@Suite struct NumericBoundaryTests {
    static let values = [
        "2147483648", "9007199254740992", "4611686018427387904", "9223372036854775806", "9223372036854775807",
        "-9223372036854775808", "18446744073709551616", "1e30", "-1", "3.5e38", "1.7976931348623157e308", "-0.0", "0",
    ]

    /// (endpoint, field) pairs; each endpoint's minimal valid body is completed with the field.
    static let fields: [(path: String, field: String)] = {
        var fields: [(String, String)] = []
        for field in ["max_tokens", "max_completion_tokens", "temperature", "top_p", "top_k", "seed", "n",
                      "presence_penalty", "frequency_penalty", "repetition_penalty", "min_tokens", "top_logprobs", "logprobs"] {
            fields.append(("/v1/chat/completions", field))
        }
        for field in ["max_tokens", "temperature", "top_p", "top_k", "seed", "n", "presence_penalty", "frequency_penalty",
                      "repetition_penalty", "min_tokens", "logprobs"] {
            fields.append(("/v1/completions", field))
        }
        return fields
    }()

    @Test func boundaryValuesGet200Or400AndTheServerCarriesOn() async throws {
        try await withServer { server in
            for (path, field) in Self.fields {
                for value in Self.values {
                    let prompt = path == "/v1/completions" ? #""prompt": "hi""# : #""messages": [{"role": "user", "content": "hi"}]"#
                    // A short generation whatever the field: max_tokens is the field under test or 2.
                    let budget = field == "max_tokens" || field == "max_completion_tokens" ? "" : #", "max_tokens": 2"#
                    let body = "{\(prompt)\(budget), \"\(field)\": \(value)}"
                    let reply = try await send(server, .POST, path, body: body)
                    #expect(reply.status == 200 || reply.status == 400, "\(path) \(field)=\(value): \(reply.status) \(reply.text)")
                    if reply.status == 400 {
                        let error = try reply.json()["error"]
                        #expect(error?["code"]?.intValue == 400, "\(path) \(field)=\(value): \(reply.text)")
                        #expect(error?["param"] == .string(field) || reply.text.contains(field), "\(path) \(field)=\(value): \(reply.text)")
                    }
                }
            }
            let after = try await post(server, "/v1/completions", #"{"prompt": "still here", "max_tokens": 3}"#)
            #expect(after.status == 200)
        }
    }
}
