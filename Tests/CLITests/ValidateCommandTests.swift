import Foundation
import Testing

@Suite("xeroflow validate (process)", .serialized)
struct ValidateCommandTests {
    @Test func examplesAreValid() throws {
        let r = try Xeroflow.run(["validate", "pipelines/"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("0 errors, 0 warnings in"))
    }

    @Test func defaultPathIsPipelines() throws {
        let r = try Xeroflow.run(["validate", "--strict"])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        let files = try FileManager.default.contentsOfDirectory(atPath: Xeroflow.packageRoot.appendingPathComponent("pipelines").path)
            .filter { $0.hasSuffix(".yaml") }
        #expect(r.stdout.contains("in \(files.count) files"))
    }

    /// A broken copy of an example: exit 78 with file:line:col diagnostics.
    @Test func brokenCopyOfAnExample() throws {
        let dir = try Xeroflow.temporaryDirectory()
        let original = try String(contentsOf: Xeroflow.packageRoot.appendingPathComponent("pipelines/qonto.yaml"), encoding: .utf8)
        let lines = original.components(separatedBy: "\n")
        let i = try #require(lines.firstIndex { $0.contains("from:") })
        var broken = lines
        broken[i] = broken[i].replacingOccurrences(of: "from:", with: "frm:")
        try broken.joined(separator: "\n").write(to: dir.appendingPathComponent("qonto.yaml"), atomically: true, encoding: .utf8)
        let r = try Xeroflow.run(["validate", dir.appendingPathComponent("qonto.yaml").path])
        #expect(r.status == 78)
        let column = broken[i].distance(from: broken[i].startIndex, to: broken[i].range(of: "frm:")!.lowerBound) + 1
        #expect(r.stdout.contains("qonto.yaml:\(i + 1):\(column): error: unknown field 'frm'"), "\(r.stdout)")
        #expect(r.stdout.contains("hint: did you mean 'from'?"))
    }

    @Test func jsonFormat() throws {
        let r = try Xeroflow.run(["validate", "--format", "json", "Tests/Fixtures/pipelines/invalid/unknown_xero_field.yaml"])
        #expect(r.status == 78)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let list = try #require(obj["diagnostics"] as? [[String: Any]])
        #expect(list.count == 1)
        #expect(list[0]["id"] as? String == "unknown_xero_field")
        #expect(list[0]["line"] as? Int == 11)
        #expect(list[0]["column"] as? Int == 7)
        #expect(list[0]["hint"] as? String == "did you mean 'EmailAddress'?")
        #expect((obj["summary"] as? [String: Int])?["errors"] == 1)
    }

    @Test func githubFormat() throws {
        let r = try Xeroflow.run(["validate", "--format", "github", "Tests/Fixtures/pipelines/invalid/unknown_lookup.yaml"])
        #expect(r.status == 78)
        #expect(r.stdout.hasPrefix("::error file=Tests/Fixtures/pipelines/invalid/unknown_lookup.yaml,line=12,col=21,"))
        #expect(r.stdout.contains("title=unknown_lookup::'$acounts' is not a lookup of this pipeline%0Ahint: did you mean '$accounts'?"))
    }

    @Test func warningsPassUnlessStrict() throws {
        let path = "Tests/Fixtures/pipelines/invalid/unused_parts.yaml"
        let lenient = try Xeroflow.run(["validate", path])
        #expect(lenient.status == 0)
        #expect(lenient.stdout.contains("0 errors, 2 warnings in 1 file"))
        let strict = try Xeroflow.run(["validate", "--strict", path])
        #expect(strict.status == 78)
        #expect(strict.stdout.contains("2 errors, 0 warnings in 1 file"))
    }

    @Test func environmentVariables() throws {
        let path = "Tests/Fixtures/pipelines/valid/interpolation.yaml"
        let missing = try Xeroflow.run(["validate", path])
        #expect(missing.status == 78)
        #expect(missing.stdout.contains("environment variable 'XF_TEST_TENANT' is not set"))
        let allowed = try Xeroflow.run(["validate", "--allow-missing-env", path])
        #expect(allowed.status == 0)
        let set = try Xeroflow.run(["validate", path], environment: [
            "XF_TEST_TENANT": "Demo", "XF_TEST_ACCOUNT": "acme", "XF_TEST_TOKEN": "tok-12345",
        ])
        #expect(set.status == 0, "\(set.stdout)")
        #expect(!set.stdout.contains("tok-12345"))
    }

    @Test func quietPrintsNothingWhenValid() throws {
        let r = try Xeroflow.run(["validate", "-q", "pipelines/"])
        #expect(r.status == 0)
        #expect(r.stdout.isEmpty)
    }

    @Test func usageErrors() throws {
        let missing = try Xeroflow.run(["validate", "no/such/place.yaml"])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("no such file or folder 'no/such/place.yaml'"))
        let badFormat = try Xeroflow.run(["validate", "--format", "xml"])
        #expect(badFormat.status == 64)
        let unknownFlag = try Xeroflow.run(["validate", "--nope"])
        #expect(unknownFlag.status == 64)
        let empty = try Xeroflow.temporaryDirectory()
        let none = try Xeroflow.run(["validate", empty.path])
        #expect(none.status == 64)
        #expect(none.stderr.contains("no pipeline files"))
    }

    @Test func manyFilesSortedAndCounted() throws {
        let r = try Xeroflow.run(["validate", "Tests/Fixtures/pipelines/invalid/"])
        #expect(r.status == 78)
        let heads = r.stdout.components(separatedBy: "\n").filter { $0.hasPrefix("Tests/Fixtures") }
        #expect(heads.count >= 40)
        let files = heads.map { $0.components(separatedBy: ":")[0] }
        #expect(files == files.sorted())
        #expect(r.stdout.hasSuffix("in 47 files\n") || r.stdout.contains(" files\n"))
    }

    @Test func badInputNeverCrashes() throws {
        let dir = try Xeroflow.temporaryDirectory()
        var big = Data("version: 1\nname: big\ndescription: |\n".utf8)
        big.append(Data(repeating: UInt8(ascii: "x"), count: 10 * 1024 * 1024))
        try big.write(to: dir.appendingPathComponent("big.yaml"))
        try Data([0xFF, 0xFE, 0x00, 0x41]).write(to: dir.appendingPathComponent("bin.yaml"))
        let deep = "version: 1\nname: d\nx: " + String(repeating: "{a: ", count: 10_000) + "1" + String(repeating: "}", count: 10_000)
        try deep.write(to: dir.appendingPathComponent("deep.yaml"), atomically: true, encoding: .utf8)
        let r = try Xeroflow.run(["validate", "--format", "json", dir.path])
        #expect(r.status == 78)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let ids = (obj["diagnostics"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }.sorted()
        #expect(ids == ["binary_file", "file_too_large", "nesting_too_deep"])
    }

    @Test func versionAndHelp() throws {
        let v = try Xeroflow.run(["--version"])
        #expect(v.status == 0)
        #expect(v.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0.1.0")
        let h = try Xeroflow.run(["validate", "--help"])
        #expect(h.status == 0)
        #expect(h.stdout.contains("--strict"))
    }

    /// Package.swift links jemalloc in when the system has its archive (libjemalloc-dev), unless
    /// the build was told not to; jemalloc prints its statistics at exit when `MALLOC_CONF` asks.
    @Test("the binary runs on jemalloc, with xeroflow's settings, exactly when the system has it to link")
    func allocator() throws {
        let archive = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib", "/usr/local/lib"]
            .contains { FileManager.default.fileExists(atPath: $0 + "/libjemalloc_pic.a") }
        #if os(Linux)
        let expected = archive && ProcessInfo.processInfo.environment["XEROFLOW_SYSTEM_MALLOC"] == nil
        #else
        let expected = false
        #endif
        let r = try Xeroflow.run(["--version"], environment: ["MALLOC_CONF": "stats_print:true"])
        #expect(r.status == 0)
        #expect(r.stderr.contains("jemalloc statistics") == expected, "expected jemalloc: \(expected); stderr starts \(r.stderr.prefix(200))")
        // with the settings of Sources/AllocatorSettings
        #expect(r.stderr.contains("opt.dirty_decay_ms: 1000") == expected)
    }
}
