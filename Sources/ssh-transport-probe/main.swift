import Glibc

// ssh-transport-probe: proves SSHClientTransport against a real sshd
// (tests/integration/test_ssh_transport.py). Not installed.
do {
    let options = try ProbeOptions.parse(Array(CommandLine.arguments.dropFirst()))
    let socket = try ProbeSocket(host: options.host, port: options.port)
    let session = ProbeSession(options: options, socket: socket)
    try session.run()
    fflush(stdout)
    exit(session.exitStatus ?? 0)
} catch {
    fflush(stdout)
    fputs("probe: error: \(error)\n", stderr)
    if error is ProbeError, "\(error)".hasPrefix("unknown option") || "\(error)".contains("needs a value") {
        fputs(ProbeOptions.usage + "\n", stderr)
    }
    exit(255)
}
