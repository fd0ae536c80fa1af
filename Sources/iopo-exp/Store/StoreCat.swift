import ArgumentParser
import Foundation
import Store

struct StoreCat: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cat", abstract: "Write a stored file's content to standard output, verified.")
    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: "Object id or unique prefix.") var id: String

    func run() throws {
        let store = try storeOptions.open()
        let objectID = try store.resolve(id)
        try store.writeContent(of: objectID) { buffer in
            try AtomicFileOutput.writeStandardOutput(buffer)
        }
    }
}

enum AtomicFileOutput {
    static func writeStandardOutput(_ buffer: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < buffer.count {
            let n = write(1, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw CLIError(code: .failure, message: "cannot write to standard output: \(String(cString: strerror(errno)))")
            }
            offset += n
        }
    }
}
