import ArgumentParser
import Foundation
import Store

struct StoreDu: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "du", abstract: "Space used: objects, logical vs stored bytes, compression and deduplication.")
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var output: OutputOptions

    func run() throws {
        let usage = try storeOptions.open().usage()
        if output.json {
            struct Row: Encodable { var usage: UsageReport; var compression_ratio: Double; var deduplication_ratio: Double }
            try Output.printJSON(Row(usage: usage, compression_ratio: usage.compressionRatio, deduplication_ratio: usage.deduplicationRatio))
            return
        }
        print("objects        \(usage.objects) (\(usage.blobs) blobs, \(usage.chunkLists) chunk lists, \(usage.manifests) manifests)")
        print("logical bytes  \(Output.bytes(usage.logicalBytes))")
        print("raw bytes      \(Output.bytes(usage.rawBytes))")
        print("stored bytes   \(Output.bytes(usage.storedBytes))")
        print(String(format: "compression    %.2fx", usage.compressionRatio))
        print(String(format: "deduplication  %.2fx", usage.deduplicationRatio))
    }
}
