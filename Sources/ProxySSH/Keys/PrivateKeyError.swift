/// A private key (file, agent, passphrase) that cannot be used, saying why.
public struct PrivateKeyError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
