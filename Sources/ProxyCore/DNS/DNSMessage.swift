/// A DNS response (RFC 1035 §4) as the resolver returned it: the header's
/// response code and the answer section. Everything is bounds-checked: a
/// message from the network is hostile until parsed.
public struct DNSMessage: Sendable {
    public struct Record: Sendable, Equatable {
        public let name: String
        public let type: UInt16
        public let ttl: UInt32
        /// The record's data, with the whole message kept for name pointers.
        let rdataStart: Int
        let rdataLength: Int
    }

    public static let typeTXT: UInt16 = 16
    public static let typeSRV: UInt16 = 33
    static let classIN: UInt16 = 1

    /// RCODE: 0 no error, 2 SERVFAIL, 3 NXDOMAIN, ...
    public let responseCode: Int
    public let isTruncated: Bool
    public let answers: [Record]
    private let bytes: [UInt8]

    public init(parsing bytes: [UInt8]) throws {
        guard bytes.count >= 12 else { throw DNSMessageError("shorter than a DNS header (\(bytes.count) bytes)") }
        self.bytes = bytes
        var reader = DNSReader(bytes: bytes, offset: 0)
        _ = try reader.u16("header")
        let flags = try reader.u16("header")
        guard flags & 0x8000 != 0 else { throw DNSMessageError("not a response (QR bit clear)") }
        responseCode = Int(flags & 0x000F)
        isTruncated = flags & 0x0200 != 0
        let questions = try reader.u16("header")
        let answerCount = try reader.u16("header")
        _ = try reader.u16("header")
        _ = try reader.u16("header")
        for _ in 0..<questions {
            _ = try reader.name()
            _ = try reader.u16("question")
            _ = try reader.u16("question")
        }
        var answers: [Record] = []
        for _ in 0..<answerCount {
            let name = try reader.name()
            let type = try reader.u16("answer")
            let rrClass = try reader.u16("answer")
            let ttl = try reader.u32("answer")
            let length = Int(try reader.u16("answer"))
            let start = reader.offset
            try reader.skip(length, "record data")
            if rrClass == Self.classIN {
                // RFC 2181 §8: a TTL with the top bit set counts as 0.
                answers.append(Record(name: name, type: type, ttl: ttl & 0x8000_0000 == 0 ? ttl : 0,
                                      rdataStart: start, rdataLength: length))
            }
        }
        self.answers = answers
    }

    /// The SRV records of the answer (RFC 2782).
    public func srvRecords() throws -> [SRVRecord] {
        try answers.filter { $0.type == Self.typeSRV }.map { record in
            var reader = DNSReader(bytes: bytes, offset: record.rdataStart)
            let end = record.rdataStart + record.rdataLength
            let priority = try reader.u16("SRV record")
            let weight = try reader.u16("SRV record")
            let port = try reader.u16("SRV record")
            let target = try reader.name()
            guard reader.offset == end else { throw DNSMessageError("SRV record of \(record.name) has a wrong length") }
            return SRVRecord(priority: priority, weight: weight, port: port, target: target, ttl: record.ttl)
        }
    }

    /// The TXT records of the answer, each one's character-strings joined
    /// (RFC 7208 §3.3 joins them the same way).
    public func txtRecords() throws -> [TXTRecord] {
        try answers.filter { $0.type == Self.typeTXT }.map { record in
            var reader = DNSReader(bytes: bytes, offset: record.rdataStart)
            let end = record.rdataStart + record.rdataLength
            var text: [UInt8] = []
            while reader.offset < end {
                let length = Int(try reader.u8("TXT record"))
                guard reader.offset + length <= end else {
                    throw DNSMessageError("TXT record of \(record.name) has a string past its end")
                }
                text += bytes[reader.offset..<(reader.offset + length)]
                try reader.skip(length, "TXT record")
            }
            return TXTRecord(bytes: text, ttl: record.ttl)
        }
    }
}

public struct SRVRecord: Sendable, Equatable {
    public let priority: UInt16
    public let weight: UInt16
    public let port: UInt16
    /// Without the trailing dot; "" for the root ("."): no service there.
    public let target: String
    public let ttl: UInt32

    public init(priority: UInt16, weight: UInt16, port: UInt16, target: String, ttl: UInt32) {
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target
        self.ttl = ttl
    }
}

public struct TXTRecord: Sendable, Equatable {
    public let bytes: [UInt8]
    public let ttl: UInt32

    public init(bytes: [UInt8], ttl: UInt32) {
        self.bytes = bytes
        self.ttl = ttl
    }

    /// The text when it is printable ASCII, else nil.
    public var text: String? {
        bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) ? String(decoding: bytes, as: UTF8.self) : nil
    }
}

public struct DNSMessageError: Error, CustomStringConvertible, Equatable, Sendable {
    public let description: String
    init(_ description: String) { self.description = "malformed DNS answer: " + description }
}
