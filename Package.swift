// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "iopo-exp",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "iopo-exp", targets: ["iopo-exp"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        // System libraries, from Debian.
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),

        // Modules, dependencies pointing one way: iopo-exp -> Pipeline -> {Lineage -> Store}.
        .target(name: "CFileSync"),
        .target(name: "Store", dependencies: [
            "CZstd", "CFileSync",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "Lineage", dependencies: [
            "Store", "CGit2", "COpenBLAS",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .target(name: "Trace"),
        .target(name: "Engine", dependencies: ["COpenBLAS"]),
        .target(name: "Serve", dependencies: [
            "Engine",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "Eval", dependencies: [
            "Trace",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        .target(name: "Pipeline", dependencies: [
            "Store", "Lineage", "Trace", "Engine", "Serve", "Eval",
            .product(name: "TOMLKit", package: "TOMLKit"),
        ]),
        .executableTarget(name: "iopo-exp", dependencies: [
            "Store", "Lineage", "Pipeline", "Engine", "Trace", "Serve", "Eval",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "StoreTests", dependencies: ["Store"]),
        .testTarget(name: "LineageTests", dependencies: ["Lineage", "Store", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "CLITests", dependencies: ["Store"]),
        .testTarget(name: "TraceTests", dependencies: ["Trace"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine"]),
        .testTarget(name: "ServeTests", dependencies: [
            "Serve", "Engine",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        .testTarget(name: "EvalTests", dependencies: [
            "Eval", "Serve", "Engine", "Trace",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Store", "Lineage"]),
    ]
)
