import ProxySSH

/// Command-line options of the probe.
struct ProbeOptions {
    var host = "127.0.0.1"
    var port: UInt16 = 22
    var user = ""
    var password = ""
    var command = "true"
    var expectFingerprint: String?
    /// Bytes of the pattern `i % 251` sent as the command's stdin, then EOF.
    var uploadBytes = 0
    var timeoutSeconds = 30
    /// Hostbased login instead of a password: key files or "agent:/socket".
    var hostbasedKeys: [String] = []
    var clientHost = "localhost"
    var passphraseProvider: String?
    var configuration = SSHClientTransport.Configuration()

    static let usage = """
    usage: ssh-transport-probe --port N --user U --password P [--host H] [--command CMD]
           [--expect-fingerprint SHA256:...] [--kex NAME] [--cipher NAME] [--mac NAME]
           [--hostkey NAME] [--compression on|off|delayed] [--rekey-bytes N] [--upload N] [--timeout SECONDS]
           [--hostbased-key FILE|agent:SOCKET]... [--client-host NAME] [--passphrase-provider PROG]
    Connects with SSHClientTransport, logs in with a password (or hostbased
    with the keys given, encrypted files' passphrases from PROG), runs CMD on a
    session channel: its stdout to stdout, its stderr to stderr, its exit
    status as ours. --upload sends N bytes (byte i is i % 251) as its stdin. Transport facts go to stderr as "probe: ..." lines.
    """

    static func parse(_ args: [String]) throws -> ProbeOptions {
        var o = ProbeOptions()
        var i = 0
        func value() throws -> String {
            i += 1
            guard i < args.count else { throw ProbeError("\(args[i - 1]) needs a value") }
            return args[i]
        }
        func number(minimum: Int) throws -> Int {
            let flag = args[i]
            guard let n = Int(try value()), n >= minimum else { throw ProbeError("\(flag): not a number >= \(minimum)") }
            return n
        }
        /// One algorithm by its SSH name: the probe offers only that one.
        func algorithm<A: RawRepresentable>() throws -> A where A.RawValue == String {
            let flag = args[i]
            let v = try value()
            guard let a = A(rawValue: v) else { throw ProbeError("\(flag): unknown algorithm \(v)") }
            return a
        }
        while i < args.count {
            switch args[i] {
            case "--host": o.host = try value()
            case "--port":
                guard let p = UInt16(try value()) else { throw ProbeError("--port: not a port number") }
                o.port = p
            case "--user": o.user = try value()
            case "--password": o.password = try value()
            case "--command": o.command = try value()
            case "--expect-fingerprint": o.expectFingerprint = try value()
            case "--timeout": o.timeoutSeconds = try number(minimum: 1)
            case "--upload": o.uploadBytes = try number(minimum: 0)
            case "--rekey-bytes": o.configuration.rekeyAfterBytes = try number(minimum: 1)
            case "--kex": o.configuration.algorithms.kex = [try algorithm()]
            case "--cipher": o.configuration.algorithms.ciphers = [try algorithm()]
            case "--mac": o.configuration.algorithms.macs = [try algorithm()]
            case "--hostkey": o.configuration.algorithms.hostKeys = [try algorithm()]
            case "--compression":
                let v = try value()
                guard let setting = CompressionSetting(rawValue: v) else { throw ProbeError("--compression: on, off or delayed, not \(v)") }
                o.configuration.algorithms.compression = CompressionAlgorithm.offer(for: setting)
            case "--hostbased-key": o.hostbasedKeys.append(try value())
            case "--client-host": o.clientHost = try value()
            case "--passphrase-provider": o.passphraseProvider = try value()
            default:
                throw ProbeError("unknown option \(args[i])")
            }
            i += 1
        }
        return o
    }
}

struct ProbeError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
