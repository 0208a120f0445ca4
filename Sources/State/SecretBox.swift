import Crypto
import Foundation

/// Encrypts secrets at rest (tokens, client secrets) with AES-256-GCM.
///
/// The key comes from `XEROFLOW_SECRET_KEY` (32 bytes, base64; any other text is stretched to 32
/// bytes with SHA-256), or from a key file created on first use with mode 0600
/// (`XEROFLOW_SECRET_KEY_FILE`, default `~/.config/xeroflow/secret.key`). The key never goes into
/// the state database, so a copy of the database alone reveals no token.
public struct SecretBox: Sendable {
    let key: SymmetricKey

    public struct KeyError: Error, CustomStringConvertible {
        public let description: String
    }

    public init(key: SymmetricKey) { self.key = key }

    /// The key from the environment or the key file (created when missing).
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> SecretBox {
        if let text = environment["XEROFLOW_SECRET_KEY"], !text.isEmpty {
            if let data = Data(base64Encoded: text), data.count == 32 { return SecretBox(key: SymmetricKey(data: data)) }
            return SecretBox(key: SymmetricKey(data: Data(SHA256.hash(data: Data(text.utf8)))))
        }
        let path = environment["XEROFLOW_SECRET_KEY_FILE"] ?? defaultKeyPath(environment)
        let fm = FileManager.default
        if let data = fm.contents(atPath: path) {
            guard data.count == 32 else {
                throw KeyError(description: "the key file \(path) is not a 32-byte key; restore it, or remove it and reconnect (stored tokens become unreadable)")
            }
            if let attrs = try? fm.attributesOfItem(atPath: path), let mode = attrs[.posixPermissions] as? Int, mode & 0o077 != 0 {
                throw KeyError(description: "the key file \(path) can be read by other users (mode \(String(mode, radix: 8))); run `chmod 600 \(path)`")
            }
            return SecretBox(key: SymmetricKey(data: data))
        }
        let dir = (path as NSString).deletingLastPathComponent
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let key = SymmetricKey(size: .bits256)
        let bytes = key.withUnsafeBytes { Data($0) }
        // Created with 0600 from the start: never readable by others, even briefly.
        guard fm.createFile(atPath: path, contents: bytes, attributes: [.posixPermissions: 0o600]) else {
            throw KeyError(description: "cannot create the key file \(path)")
        }
        return SecretBox(key: key)
    }

    static func defaultKeyPath(_ environment: [String: String]) -> String {
        let config = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.config")
        return config + "/xeroflow/secret.key"
    }

    public func seal(_ plaintext: Data) throws -> Data {
        guard let combined = try AES.GCM.seal(plaintext, using: key).combined else {
            throw KeyError(description: "encryption failed")
        }
        return combined
    }

    public func open(_ sealed: Data) throws -> Data {
        do {
            return try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key)
        } catch {
            throw KeyError(description: "stored secrets cannot be decrypted with this key (was XEROFLOW_SECRET_KEY or the key file changed?); run `xeroflow connect` again")
        }
    }
}
