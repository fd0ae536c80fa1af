import Foundation
import Testing
@testable import Trace

/// The synthetic dataset's manifest is part of the data step's output, so its bytes are pinned:
/// sorted keys, Foundation's pretty-printed layout (`"key" : value`, an empty list on three
/// lines), whole doubles without `.0`, small ones with an exponent, a final newline. The pinned
/// text was written by the JSONEncoder-based writer this format started with.
@Suite struct SyntheticManifestGoldenTests {
    static let manifestJSON = #"{"config": {"evalInDomain": 4, "evalOutOfDomain": 3, "heldOutKinds": ["markdownProcess", "futureTense", "sourceLine"], "inputProbability": 0.25, "maxConstraints": 4, "maxConstraintsOutOfDomain": 5, "seed": 5, "shardSize": 4, "trainQuadruples": 6}, "counts": {"dpoPairs": 12, "evalInDomain": 4, "evalOutOfDomain": 3, "sftExamples": 12, "trainQuadruples": 6}, "editKinds": {"add": 1, "replace": 1, "revise": 4}, "files": [{"bytes": 6411, "path": "train/train-00000.jsonl", "records": 4, "split": "train"}, {"bytes": 2743, "path": "train/train-00001.jsonl", "records": 2, "split": "train"}], "format": "iopo-exp/synthetic-trace", "generatorVersion": 1, "heldOutKinds": ["markdownProcess", "futureTense", "sourceLine"], "heldOutPhrasing": 2, "outOfDomainNovelty": {"heldOutKind": 2, "heldOutPhrasing": 2, "moreConstraintsThanTraining": 0}, "statistics": {"eval.in-domain": {"byCategory": [{"count": 4, "name": "synthetic-in-domain"}], "byConstraintCount": [{"constraints": 1, "instructions": 1}, {"constraints": 2, "instructions": 1}, {"constraints": 3, "instructions": 1}, {"constraints": 4, "instructions": 1}], "byDimension": [{"constraints": 1, "dimension": "Theme", "label": "主题约束", "type": "Content"}, {"constraints": 2, "dimension": "Inclusion", "label": "包含约束", "type": "Content"}], "byLabel": [{"count": 2, "name": "包含约束"}, {"count": 2, "name": "语言特征约束"}], "byType": [{"constraints": 3, "type": "Content"}, {"constraints": 2, "type": "Situation"}], "constraints": 10, "instructions": 4, "meanConstraints": 3.0, "promptCharacters": {"max": 243, "mean": 146.25, "median": 101, "p95": 243}, "promptWords": {"max": 36, "mean": 23.75, "median": 16, "p95": 36}, "responseWords": {"max": 24, "mean": 1e-05, "median": 17, "p95": 24}, "unresolvedLabels": [], "withInput": 1}}, "vocabularySize": 215, "y2FailsX1": 5}"#

    static let pinnedText = #"""
        {
          "config" : {
            "evalInDomain" : 4,
            "evalOutOfDomain" : 3,
            "heldOutKinds" : [
              "markdownProcess",
              "futureTense",
              "sourceLine"
            ],
            "inputProbability" : 0.25,
            "maxConstraints" : 4,
            "maxConstraintsOutOfDomain" : 5,
            "seed" : 5,
            "shardSize" : 4,
            "trainQuadruples" : 6
          },
          "counts" : {
            "dpoPairs" : 12,
            "evalInDomain" : 4,
            "evalOutOfDomain" : 3,
            "sftExamples" : 12,
            "trainQuadruples" : 6
          },
          "editKinds" : {
            "add" : 1,
            "replace" : 1,
            "revise" : 4
          },
          "files" : [
            {
              "bytes" : 6411,
              "path" : "train/train-00000.jsonl",
              "records" : 4,
              "split" : "train"
            },
            {
              "bytes" : 2743,
              "path" : "train/train-00001.jsonl",
              "records" : 2,
              "split" : "train"
            }
          ],
          "format" : "iopo-exp/synthetic-trace",
          "generatorVersion" : 1,
          "heldOutKinds" : [
            "markdownProcess",
            "futureTense",
            "sourceLine"
          ],
          "heldOutPhrasing" : 2,
          "outOfDomainNovelty" : {
            "heldOutKind" : 2,
            "heldOutPhrasing" : 2,
            "moreConstraintsThanTraining" : 0
          },
          "statistics" : {
            "eval.in-domain" : {
              "byCategory" : [
                {
                  "count" : 4,
                  "name" : "synthetic-in-domain"
                }
              ],
              "byConstraintCount" : [
                {
                  "constraints" : 1,
                  "instructions" : 1
                },
                {
                  "constraints" : 2,
                  "instructions" : 1
                },
                {
                  "constraints" : 3,
                  "instructions" : 1
                },
                {
                  "constraints" : 4,
                  "instructions" : 1
                }
              ],
              "byDimension" : [
                {
                  "constraints" : 1,
                  "dimension" : "Theme",
                  "label" : "主题约束",
                  "type" : "Content"
                },
                {
                  "constraints" : 2,
                  "dimension" : "Inclusion",
                  "label" : "包含约束",
                  "type" : "Content"
                }
              ],
              "byLabel" : [
                {
                  "count" : 2,
                  "name" : "包含约束"
                },
                {
                  "count" : 2,
                  "name" : "语言特征约束"
                }
              ],
              "byType" : [
                {
                  "constraints" : 3,
                  "type" : "Content"
                },
                {
                  "constraints" : 2,
                  "type" : "Situation"
                }
              ],
              "constraints" : 10,
              "instructions" : 4,
              "meanConstraints" : 3,
              "promptCharacters" : {
                "max" : 243,
                "mean" : 146.25,
                "median" : 101,
                "p95" : 243
              },
              "promptWords" : {
                "max" : 36,
                "mean" : 23.75,
                "median" : 16,
                "p95" : 36
              },
              "responseWords" : {
                "max" : 24,
                "mean" : 1e-05,
                "median" : 17,
                "p95" : 24
              },
              "unresolvedLabels" : [

              ],
              "withInput" : 1
            }
          },
          "vocabularySize" : 215,
          "y2FailsX1" : 5
        }

        """#

    @Test func aManifestsCanonicalBytesArePinned() throws {
        let manifest = try JSONDecoder().decode(SyntheticManifest.self, from: Data(Self.manifestJSON.utf8))
        let text = String(decoding: try manifest.canonicalJSON(), as: UTF8.self)
        #expect(text == Self.pinnedText)
    }
}
