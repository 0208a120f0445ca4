// swift-tools-version:6.1
import Foundation
import PackageDescription

/// The path of a library file in the system's usual library folders, if it is there.
func systemLibrary(_ file: String) -> String? {
    ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/lib"]
        .map { $0 + "/" + file }.first { FileManager.default.fileExists(atPath: $0) }
}

/// jemalloc, linked into `xeroflow` itself when the system has its static archive (Debian and
/// Ubuntu: `apt-get install libjemalloc-dev`). A run makes millions of small objects on one
/// thread and lets them go on another; glibc's allocator spends a tenth of a run's time on that,
/// jemalloc much less (bench/README.md). Without the archive, or with
/// `XEROFLOW_SYSTEM_MALLOC=1` set when building, the binary uses the system's allocator.
let jemalloc: [LinkerSetting] = {
    #if os(Linux)
    guard ProcessInfo.processInfo.environment["XEROFLOW_SYSTEM_MALLOC"] == nil,
          let archive = systemLibrary("libjemalloc_pic.a")
    else { return [] }
    // the whole archive: nothing in the executable calls malloc itself, the runtime's libraries do
    return [.unsafeFlags(["-Xlinker", "--whole-archive", "-Xlinker", archive, "-Xlinker", "--no-whole-archive"])]
    #else
    return []
    #endif
}()

/// OpenSSL's libcrypto, for the SHA-256 of every record a target writes, when the system has
/// its headers (Debian and Ubuntu: `apt-get install libssl-dev`). Without them, or with
/// `XEROFLOW_NO_LIBCRYPTO=1` set when building, swift-crypto hashes (about 2.5 times the time
/// per record: bench/README.md).
let libcrypto: (c: [CSetting], link: [LinkerSetting]) = {
    #if os(Linux)
    guard ProcessInfo.processInfo.environment["XEROFLOW_NO_LIBCRYPTO"] == nil,
          FileManager.default.fileExists(atPath: "/usr/include/openssl/evp.h"), systemLibrary("libcrypto.so") != nil
    else { return ([], []) }
    return ([.define("XEROFLOW_LIBCRYPTO")], [.linkedLibrary("crypto")])
    #else
    return ([], [])
    #endif
}()

// Targets are boundaries, not products: dependencies point toward the pure core
// (see ../shared/STYLE.md). Only `xeroflow` and the conformance runner are executables.
let package = Package(
    name: "xeroflow",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "xeroflow", targets: ["xeroflow"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // The sandbox's HTTP server; swift-configuration support is not needed.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: ["FullFoundation"]),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // Pure core: no dependencies beyond Foundation.
        .target(name: "Diagnostics", dependencies: ["JSONModel"]),
        .target(name: "JSONModel"),
        .target(name: "RuntimeSupport"),
        .target(name: "JSONSchema", dependencies: ["JSONModel", "RuntimeSupport"]),
        // JSONata: picture-string formatting of numbers and dates, then the language itself.
        .target(name: "ExpressionFormatting"),
        .target(name: "Expressions", dependencies: ["JSONModel", "ExpressionFormatting", "RuntimeSupport"]),
        // What pipelines add to JSONata: lookups and run context, Xero dates, Xero money.
        .target(name: "PipelineExpressions", dependencies: ["Expressions", "ExpressionFormatting", "JSONModel"]),
        .target(name: "Cron"),
        // `xeroflow schedule`: when pipelines are due, no overlap, catch-up, graceful stop.
        .target(name: "Scheduler", dependencies: ["Cron", .product(name: "Logging", package: "swift-log")]),
        .target(name: "Planner", dependencies: ["Diagnostics"]),
        .target(name: "XeroModel", dependencies: ["JSONModel"]),
        // The one way to Xero: OAuth, pacing within Xero's limits, batching, idempotency, retries.
        .target(
            name: "XeroClient",
            dependencies: [
                "JSONModel", "XeroModel",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // What xeroflow remembers: connections (secrets encrypted), locks; later runs and cursors.
        .target(
            name: "State",
            dependencies: [
                "XeroClient", "Engine", "JSONModel",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Running pipelines: the plan, steps over records, sources and targets through protocols.
        .target(
            name: "Engine",
            dependencies: [
                "Spec", "Planner", "Expressions", "PipelineExpressions", "JSONModel", "Diagnostics", "SystemDigest",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Sources and targets on files and databases, for the engine.
        .target(
            name: "Connectors",
            dependencies: [
                "Engine", "Spec", "JSONModel", "XeroClient", "XeroModel", "FileSync",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The local Xero: identity, Accounting API, limits, faults, persisted in SQLite.
        .target(
            name: "Sandbox",
            dependencies: [
                "JSONModel", "XeroModel",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Spec",
            dependencies: [
                "Diagnostics", "JSONModel", "JSONSchema", "XeroModel", "Cron", "Planner",
                "Expressions", "PipelineExpressions",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The command line, as a library so tests can drive it in process.
        .target(
            name: "CLI",
            dependencies: [
                "Diagnostics", "JSONModel", "JSONSchema", "Spec", "XeroModel", "Expressions", "PipelineExpressions",
                "Sandbox", "XeroClient", "State", "Engine", "Connectors", "Scheduler", "Cron",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // A file's writeback started early (one C function: Linux's sync_file_range).
        .target(name: "FileSync"),
        // SHA-256 through the system's libcrypto when there is one (one C function).
        .target(name: "SystemDigest", cSettings: libcrypto.c, linkerSettings: libcrypto.link),
        // jemalloc's settings (one C global), for when the build links it in.
        .target(name: "AllocatorSettings"),
        .executableTarget(name: "xeroflow", dependencies: ["CLI", "AllocatorSettings"], linkerSettings: jemalloc),
        // The official conformance suites in ../shared/conformance, as a library (the runner and
        // the tests share it) and as the runner that .ci/run calls.
        .target(name: "Conformance", dependencies: ["JSONModel", "JSONSchema", "Expressions"]),
        .executableTarget(name: "ConformanceRunner", dependencies: ["Conformance"]),
        .executableTarget(name: "ClientBench", dependencies: ["XeroClient", "JSONModel"], path: "bench/xero-client/swift"),
        .executableTarget(name: "ExpressionBench", dependencies: ["Expressions", "JSONModel"], path: "bench/jsonata/swift"),

        .testTarget(name: "JSONModelTests", dependencies: ["JSONModel"]),
        .testTarget(name: "JSONSchemaTests", dependencies: ["JSONSchema", "JSONModel"]),
        .testTarget(name: "SpecTests", dependencies: ["Spec", "Diagnostics", "JSONModel", "JSONSchema", "XeroModel", "Cron", "Planner"]),
        .testTarget(name: "CLITests", dependencies: ["CLI", "State", "JSONModel", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto")]),
        .testTarget(name: "XeroModelTests", dependencies: ["XeroModel", "JSONModel"]),
        .testTarget(
            name: "SandboxTests",
            dependencies: ["Sandbox", "XeroModel", "JSONModel", "JSONSchema", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(name: "CronTests", dependencies: ["Cron"]),
        .testTarget(name: "SchedulerTests", dependencies: ["Scheduler", "Cron", .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "EngineTests", dependencies: ["Engine", "Spec", "JSONModel"]),
        .testTarget(
            name: "StateTests",
            dependencies: ["State", "Engine", "SystemDigest", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto")]
        ),
        .testTarget(name: "XeroClientTests", dependencies: ["XeroClient", "State", "Sandbox", "JSONModel"]),
        .testTarget(name: "ConformanceTests", dependencies: ["Conformance"]),
        .testTarget(name: "ExpressionFormattingTests", dependencies: ["ExpressionFormatting"]),
        .testTarget(name: "ExpressionsTests", dependencies: ["Expressions", "JSONModel"]),
        .testTarget(name: "PipelineExpressionsTests", dependencies: ["PipelineExpressions", "Expressions", "JSONModel"]),
    ],
    swiftLanguageModes: [.v6]
)

// Release builds leave out the run-time checks of exclusive access to variables (about 2% of a
// streamed run's time, in bench/engine) and optimise across xeroflow's modules (the JSON model,
// the expressions and the engine inline into each other: about 6% of a grouping run's CPU);
// debug builds, which the tests run, keep the checks and build each module alone.
for target in package.targets where (target.type == .regular || target.type == .executable) && !["AllocatorSettings", "FileSync"].contains(target.name) {
    target.swiftSettings = (target.swiftSettings ?? []) + [.unsafeFlags(["-enforce-exclusivity=unchecked", "-cross-module-optimization"], .when(configuration: .release))]
}
