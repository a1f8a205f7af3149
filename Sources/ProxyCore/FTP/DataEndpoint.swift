/// Where a data connection goes: a numeric IP address and a port, as carried
/// by PASV/EPSV replies and PORT/EPRT arguments.
public struct DataEndpoint: Hashable, Sendable, CustomStringConvertible {
    public enum Family: Sendable {
        case ipv4
        case ipv6
    }

    /// Numeric, normalised address text ("10.0.0.1", "2001:db8::1").
    public let address: String
    public let port: UInt16
    public let family: Family

    /// Validates and normalises `address`; throws `DataAddressError`.
    public init(address: String, port: UInt16) throws {
        if let v4 = IPAddress.ipv4(address)?.description {
            self.init(validated: v4, port: port, family: .ipv4)
        } else if let v6 = IPAddress.ipv6(address)?.description {
            self.init(validated: v6, port: port, family: .ipv6)
        } else {
            throw DataAddressError(input: address, reason: "not a numeric IPv4 or IPv6 address")
        }
    }

    init(validated address: String, port: UInt16, family: Family) {
        self.address = address
        self.port = port
        self.family = family
    }

    public var description: String {
        family == .ipv6 ? "[\(address)]:\(port)" : "\(address):\(port)"
    }

    /// The IPv4 form of this endpoint: itself, or the address inside an
    /// IPv4-mapped IPv6 address; nil for other IPv6 addresses.
    public var ipv4Address: String? {
        guard let ip = IPAddress(address) else { return nil }
        return ip.ipv4Bytes.flatMap(IPAddress.init(bytes:))?.description
    }
}

/// Why a PASV/EPSV reply or PORT/EPRT argument was refused.
public struct DataAddressError: Error, Equatable, CustomStringConvertible, Sendable {
    public let input: String
    public let reason: String

    public var description: String { "invalid data address '\(input)': \(reason)" }

    init(input: String, reason: String) {
        self.input = ConfigText.printable(input, limit: 100)
        self.reason = reason
    }
}
