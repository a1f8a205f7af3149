import CShims
import ProxyCore

/// One DNS query through glibc's resolver (res_query, the process's
/// resolv.conf), bounded as every lookup of the session is by
/// `ResolverTimeouts` (ProxyTimeoutConnect). The answer is parsed by
/// ProxyCore's `DNSMessage`, which trusts nothing in it.
enum DNSResolver {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func query(_ name: String, type: UInt16) throws -> DNSMessage {
        let kind = type == DNSMessage.typeSRV ? "SRV" : type == DNSMessage.typeTXT ? "TXT" : "type \(type)"
        var answer = [UInt8](repeating: 0, count: 65_535)
        var herr: Int32 = 0
        let length = answer.withUnsafeMutableBufferPointer {
            mps_dns_query(name, Int32(type), $0.baseAddress, Int32($0.count), &herr)
        }
        guard length >= 0 else {
            let reason: String
            switch herr {
            case 1: reason = "no such domain (NXDOMAIN)"
            case 2: reason = "no answer (SERVFAIL, a timeout, or an unusable reply)"
            case 3: reason = "refused or unanswerable (FORMERR, REFUSED or NOTIMP)"
            case 4: reason = "no \(kind) records"
            default: reason = "resolver error \(herr)"
            }
            throw Failure(description: "DNS \(kind) lookup of '\(name)': \(reason)")
        }
        do {
            let message = try DNSMessage(parsing: Array(answer.prefix(min(Int(length), answer.count))))
            guard message.responseCode == 0 else {
                throw Failure(description: "DNS \(kind) lookup of '\(name)': response code \(message.responseCode)")
            }
            return message
        } catch let error as DNSMessageError {
            throw Failure(description: "DNS \(kind) lookup of '\(name)': \(error)")
        }
    }
}
