/// One v2 Type-Length-Value record, as carried after the address block.
public struct ProxyProtocolTLV: Equatable, Sendable {
    public var type: UInt8
    public var value: [UInt8]

    public init(type: UInt8, value: [UInt8]) {
        self.type = type
        self.value = value
    }

    public init(type: UInt8, text: String) {
        self.init(type: type, value: Array(text.utf8))
    }

    /// A TLV's value length is a 16-bit field.
    public static let maxValueLength = Int(UInt16.max)

    /// Wire form: type, big-endian length, value (the caller checks the length).
    func append(to out: inout [UInt8]) {
        out.append(type)
        out.append(UInt8(truncatingIfNeeded: value.count >> 8))
        out.append(UInt8(truncatingIfNeeded: value.count))
        out.append(contentsOf: value)
    }
}

/// Registered v2 TLV type codes (HAProxy's proxy-protocol.txt, plus the cloud
/// vendors' custom range 0xE0-0xEF).
public enum ProxyProtocolTLVType {
    public static let alpn: UInt8 = 0x01
    public static let authority: UInt8 = 0x02
    public static let crc32c: UInt8 = 0x03
    public static let noop: UInt8 = 0x04
    public static let uniqueID: UInt8 = 0x05
    public static let ssl: UInt8 = 0x20
    public static let netns: UInt8 = 0x30
    /// Google Cloud Private Service Connect (value: 8-byte connection ID).
    public static let gcp: UInt8 = 0xE0
    /// AWS (value: subtype byte, then data; subtype 0x01 = VPC endpoint ID).
    public static let aws: UInt8 = 0xEA
    /// Azure (value: subtype byte, then data; subtype 0x01 = private endpoint
    /// LinkID, a little-endian UInt32).
    public static let azure: UInt8 = 0xEE
}

/// Sub-TLV type codes inside a PP2_TYPE_SSL (0x20) value.
public enum ProxyProtocolSSLSubTLVType {
    public static let version: UInt8 = 0x21
    public static let commonName: UInt8 = 0x22
    public static let cipher: UInt8 = 0x23
    public static let signatureAlgorithm: UInt8 = 0x24
    public static let keyAlgorithm: UInt8 = 0x25
}

/// Subtypes of the cloud vendors' custom TLVs.
public enum ProxyProtocolCloudSubtype {
    public static let awsVPCEndpointID: UInt8 = 0x01
    public static let azurePrivateEndpointLinkID: UInt8 = 0x01
}
