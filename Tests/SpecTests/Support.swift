import Foundation

/// Paths into the package from tests (the package root is three levels above this file).
enum Paths {
    static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = packageRoot.appendingPathComponent("Tests/Fixtures/pipelines")
    static let pipelines = packageRoot.appendingPathComponent("pipelines")
    static let schemas = packageRoot.appendingPathComponent("schemas")

    static func files(in dir: URL, ext: Set<String> = ["yaml", "yml"]) -> [URL] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { ext.contains(($0 as NSString).pathExtension) }.sorted().map { dir.appendingPathComponent($0) }
    }

    static func bytes(_ url: URL) -> [UInt8] {
        (try? [UInt8](Data(contentsOf: url))) ?? []
    }
}

/// The environment every fixture is validated with (tests never read the process environment).
let fixtureEnvironment: [String: String] = [
    "XF_TEST_CONNECTION": "sandbox",
    "XF_TEST_TENANT": "Demo Company (UK)",
    "XF_TEST_ACCOUNT": "acme",
    "XF_TEST_TOKEN": "s3cr3t-token-value",
]
