import Foundation
import Testing
@testable import Engine
import TestKit

/// Write and read throughput of a 100 MB checkpoint, printed; run with IOPO_BENCH=1 in a release
/// build (see TokenizerBenchmarkTests).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["IOPO_BENCH"] != nil))
struct SafetensorsBenchmarkTests {
    @Test func hundredMegabytes() throws {
        let directory = TemporaryDirectory()
        let url = directory.file("bench.safetensors")
        // 25 tensors of 1M floats: 100 MB, like a small model's checkpoint.
        let tensors = (0..<25).map { index in
            NamedTensor(name: "model.layers.\(index).weight", shape: [1024, 1024],
                        values: (0..<(1 << 20)).map { Float(($0 &* 2654435761 &+ index) % 10007) * 1e-4 })
        }
        let clock = ContinuousClock()
        let write = try clock.measure { try Safetensors.write(tensors, to: url) }
        var read: [NamedTensor] = []
        let load = try clock.measure { read = try Safetensors.read(url) }
        // Compare without letting a failure print 100 MB of floats.
        let sortedInput = tensors.sorted { $0.name < $1.name }
        let identical = read.map(\.name) == sortedInput.map(\.name) && zip(read, sortedInput).allSatisfy { $0.values == $1.values }
        #expect(identical, "the file read back differs from what was written")
        let megabytes = Double(25 << 22) / 1e6
        func rate(_ duration: Duration) -> String {
            let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
            return String(format: "%.0f MB/s", megabytes / seconds)
        }
        print("safetensors 100 MB: write \(write) (\(rate(write))), read \(load) (\(rate(load)))")
        // For comparison: a plain copy of the same bytes with the file system's own tools.
        let copy = try clock.measure { try FileManager.default.copyItem(at: url, to: directory.file("copy.safetensors")) }
        print("FileManager.copyItem of the file: \(copy) (\(rate(copy)))")
    }
}
