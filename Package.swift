// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "iopo-exp",
    products: [
        .executable(name: "iopo-exp", targets: ["iopo-exp"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit", exact: "0.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", exact: "1.37.0"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        // Not used by a target directly: pinned here so that the whole graph is fixed by this
        // file (a Package.resolved cannot be committed here). `iopo-exp --version --json` lists
        // what was built.
        .package(url: "https://github.com/apple/swift-algorithms", exact: "1.2.1"),
        .package(url: "https://github.com/apple/swift-asn1", exact: "1.7.4"),
        .package(url: "https://github.com/apple/swift-async-algorithms", exact: "1.1.4"),
        .package(url: "https://github.com/apple/swift-atomics", exact: "1.3.0"),
        .package(url: "https://github.com/apple/swift-certificates", exact: "1.21.1"),
        .package(url: "https://github.com/apple/swift-collections", exact: "1.6.0"),
        .package(url: "https://github.com/apple/swift-configuration", exact: "1.4.0"),
        .package(url: "https://github.com/apple/swift-distributed-tracing", exact: "1.7.3"),
        .package(url: "https://github.com/apple/swift-http-structured-headers", exact: "1.7.0"),
        .package(url: "https://github.com/apple/swift-http-types", exact: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics", exact: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio-extras", exact: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-http2", exact: "1.46.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", exact: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-transport-services", exact: "1.28.0"),
        .package(url: "https://github.com/apple/swift-numerics", exact: "1.1.1"),
        .package(url: "https://github.com/apple/swift-service-context", exact: "1.5.1"),
        .package(url: "https://github.com/apple/swift-system", exact: "1.8.1"),
    ],
    targets: [
        // System libraries, from Debian.
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),

        // Modules, dependencies pointing one way (see the README's module graph). `Basics` is the
        // leaf every module may use: JSON, seeded randomness, files, nothing domain-specific.
        .target(name: "CFileSync"),
        .target(name: "Basics", dependencies: ["CFileSync"]),
        .target(name: "Store", dependencies: [
            "Basics", "CZstd", "CFileSync",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "Lineage", dependencies: [
            "Basics", "Store", "CGit2",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .target(name: "Trace", dependencies: ["Basics"]),
        // The chat-template interpreter: a leaf that needs only Foundation.
        .target(name: "Jinja"),
        // Row-invariant matrix products for batched serving (C: AVX2/FMA with a portable fallback).
        .target(name: "CRowProducts", cSettings: [.unsafeFlags(["-O3"])]),
        .target(name: "Engine", dependencies: [
            "Basics", "Jinja", "COpenBLAS", "CRowProducts",
            .product(name: "HeapModule", package: "swift-collections"),
        ]),
        .target(name: "Serve", dependencies: [
            "Basics", "Engine",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        .target(name: "Eval", dependencies: [
            "Basics", "Trace",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        .target(name: "Pipeline", dependencies: [
            "Basics", "Store", "Lineage", "Trace", "Engine", "Serve", "Eval", "Jinja",
            .product(name: "TOMLKit", package: "TOMLKit"),
        ]),
        .executableTarget(name: "iopo-exp", dependencies: [
            "Basics", "Store", "Lineage", "Pipeline", "Engine", "Trace", "Serve", "Eval",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], plugins: ["BuildIdentityPlugin"]),

        // The build identity: a digest of the sources, the dependencies' versions and the
        // compiler, generated into the executable on every build and part of every step key. The
        // generator has no dependencies: SwiftPM builds a plugin tool's dependencies twice, and
        // each build then saw the other's objects as stale (see its SHA256Digest.swift).
        .executableTarget(name: "iopo-build-identity"),
        .plugin(name: "BuildIdentityPlugin", capability: .buildTool(), dependencies: ["iopo-build-identity"]),

        // What the test targets share: scratch directories, the real-data folder, running the
        // built binary and shell commands.
        .target(name: "TestKit", path: "Tests/TestKit"),
        .testTarget(name: "BasicsTests", dependencies: ["Basics"]),
        .testTarget(name: "StoreTests", dependencies: ["Store", "TestKit"]),
        .testTarget(name: "LineageTests", dependencies: ["Lineage", "Store", "TestKit", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "CLITests", dependencies: ["Store", "TestKit"]),
        .testTarget(name: "TraceTests", dependencies: ["Trace", "TestKit"]),
        .testTarget(name: "JinjaTests", dependencies: ["Jinja", "Basics"], exclude: ["Fixtures"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "TestKit"]),
        .testTarget(name: "ServeTests", dependencies: [
            "Serve", "Engine",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        .testTarget(name: "EvalTests", dependencies: [
            "Eval", "Serve", "Engine", "Trace", "TestKit",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Store", "Lineage", "Basics", "TestKit"]),
    ]
)
