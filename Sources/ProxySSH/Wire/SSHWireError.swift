/// What was wrong with bytes that did not decode as the SSH wire types of
/// RFC 4251 section 5. Every reader failure names the field it was reading.
public struct SSHWireError: Error, Equatable, CustomStringConvertible {
    public let field: String
    public let problem: String

    public init(field: String, problem: String) {
        self.field = field
        self.problem = problem
    }

    public var description: String { "\(field): \(problem)" }
}
