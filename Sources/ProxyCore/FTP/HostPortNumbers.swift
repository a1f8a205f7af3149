/// The "h1,h2,h3,h4,p1,p2" encoding shared by PORT arguments and PASV replies.
enum HostPortNumbers {
    /// Parses exactly six comma-separated numbers 0-255 starting at `start`
    /// (spaces allowed after commas, as some servers send). Returns the values
    /// and the index after the last digit, or nil when there are no six
    /// numbers here; throws when there are six but one is out of range.
    static func scan(_ bytes: [UInt8], from start: Int, input: String) throws -> (values: [Int], end: Int)? {
        var values: [Int] = []
        var index = start
        while true {
            let digitsStart = index
            while index < bytes.count, ASCII.isDigit(bytes[index]), index - digitsStart < 4 { index += 1 }
            let digits = bytes[digitsStart..<index]
            if digits.isEmpty { return nil }
            if index < bytes.count, ASCII.isDigit(bytes[index]) { return nil } // 5+ digits
            guard let value = ASCII.decimalValue(digits, limit: 9999) else { return nil }
            values.append(value)
            if values.count == 6 { break }
            guard index < bytes.count, bytes[index] == UInt8(ascii: ",") else { return nil }
            index += 1
            while index < bytes.count, bytes[index] == UInt8(ascii: " ") { index += 1 }
        }
        if let bad = values.first(where: { $0 > 255 }) {
            throw DataAddressError(input: input, reason: "number \(bad) is out of range (0-255)")
        }
        return (values, index)
    }

    static func endpoint(from values: [Int], input: String) throws -> DataEndpoint {
        let port = values[4] * 256 + values[5]
        if port == 0 { throw DataAddressError(input: input, reason: "port 0 is not usable") }
        let address = values[0..<4].map(String.init).joined(separator: ".")
        return DataEndpoint(validated: address, port: UInt16(port), family: .ipv4)
    }

    static func format(ipv4: String, port: UInt16) throws -> String {
        guard let bytes = IPAddress(ipv4)?.ipv4Bytes else {
            throw DataAddressError(input: ipv4, reason: "not an IPv4 address (PORT/PASV carry IPv4 only)")
        }
        let numbers = bytes.map(Int.init) + [Int(port >> 8), Int(port & 0xFF)]
        return numbers.map(String.init).joined(separator: ",")
    }
}
