/// Why a directive line was refused. `description` leaves out the directive
/// name: the bridge prints "ProxyFoo: <description>".
public enum DirectiveError: Error, Hashable, CustomStringConvertible, Sendable {
    case unknownDirective(name: String)
    /// `expected` reads naturally after "expected", e.g. "1", "1 or 2", "at least 1".
    case wrongNumberOfParameters(expected: String, got: Int)
    /// A value was refused; the message names the value and the reason.
    case invalidValue(String)

    public var description: String {
        switch self {
        case .unknownDirective(let name):
            return "unknown directive '\(ConfigText.printable(name))'"
        case .wrongNumberOfParameters(let expected, let got):
            return "wrong number of parameters: expected \(expected), got \(got)"
        case .invalidValue(let message):
            return message
        }
    }
}
