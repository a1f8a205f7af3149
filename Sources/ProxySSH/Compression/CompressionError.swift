/// A compressed payload that cannot be inflated, or would inflate past the
/// limit (a zip bomb): the session ends with SSH_DISCONNECT_COMPRESSION_ERROR.
public struct CompressionError: Error, Equatable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
