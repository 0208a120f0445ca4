import Foundation

/// Finding and reading the files a command was given.
enum Files {
    struct Missing: Error { let path: String }

    /// Expands folders into the YAML files below them (sorted, hidden folders skipped);
    /// files are kept as given, whatever their extension.
    static func pipelineFiles(in paths: [String], extensions: Set<String> = ["yaml", "yml"]) throws -> [String] {
        var out: [String] = []
        let fm = FileManager.default
        for path in paths {
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDir) else { throw Missing(path: path) }
            if !isDir.boolValue {
                out.append(path)
                continue
            }
            var found: [String] = []
            let base = path.hasSuffix("/") ? String(path.dropLast()) : path
            if let e = fm.enumerator(atPath: path) {
                while let rel = e.nextObject() as? String {
                    let name = (rel as NSString).lastPathComponent
                    if name.hasPrefix(".") {
                        e.skipDescendants()
                        continue
                    }
                    if extensions.contains((name as NSString).pathExtension.lowercased()) {
                        let full = base + "/" + rel
                        var d: ObjCBool = false
                        if fm.fileExists(atPath: full, isDirectory: &d), !d.boolValue { found.append(full) }
                    }
                }
            }
            out += found.sorted()
        }
        var seen = Set<String>()
        return out.filter { seen.insert($0).inserted }
    }

    /// Reads at most `limit + 1` bytes, so a huge file is refused without reading it all.
    static func read(_ path: String, limit: Int) throws -> [UInt8] {
        guard let h = FileHandle(forReadingAtPath: path) else {
            throw CocoaError(.fileReadNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        defer { try? h.close() }
        let data = try h.read(upToCount: limit + 1) ?? Data()
        return [UInt8](data)
    }
}

/// Writes to standard output and standard error without buffering surprises.
enum Console {
    static func out(_ s: String) {
        FileHandle.standardOutput.write(Data(s.utf8))
    }

    static func err(_ s: String) {
        FileHandle.standardError.write(Data(s.utf8))
    }
}
