/// Loads a private key file's text in any format OpenSSH writes (see
/// OpenSSHKeyFile, PEMKeyFile), asking for a passphrase only when the key
/// is encrypted.
public enum PrivateKeyFile {
    /// Whether `text` needs a passphrase; throws for text that is no key.
    public static func isEncrypted(_ text: String) throws -> Bool {
        if text.contains(OpenSSHKeyFile.beginMarker) {
            return try OpenSSHKeyFile.isEncrypted(try OpenSSHKeyFile.unarmor(text))
        }
        guard text.contains("-----BEGIN ") && text.contains("PRIVATE KEY-----") else {
            throw PrivateKeyError("no PEM or OPENSSH private key block")
        }
        return PEMKeyFile.isEncrypted(text)
    }

    public static func load(text: String, passphrase: [UInt8]? = nil) throws -> PrivateKey {
        if text.contains(OpenSSHKeyFile.beginMarker) {
            return try OpenSSHKeyFile.load(try OpenSSHKeyFile.unarmor(text), passphrase: passphrase)
        }
        guard text.contains("-----BEGIN ") && text.contains("PRIVATE KEY-----") else {
            throw PrivateKeyError("no PEM or OPENSSH private key block")
        }
        return try PEMKeyFile.load(text, passphrase: passphrase)
    }
}
