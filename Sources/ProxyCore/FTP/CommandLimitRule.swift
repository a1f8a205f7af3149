import Glibc

/// How ProFTPD looks up `<Limit>` sections for a command, and what a plain
/// ProFTPD answers when they deny it. The proxy has no files, so only the
/// `<Limit>` part of dir_check() applies: the command's own name, then its
/// group (the group of the module command table that handles it on a plain
/// server: mod_core, mod_xfer, mod_ls, mod_facts), then ALL.
public struct CommandLimitRule: Equatable, Sendable {
    /// The names to check in order (e.g. ["RETR", "READ", "ALL"]); empty
    /// for commands whose handler on a plain server checks no `<Limit>`
    /// (TYPE, MODE, STRU, REST, ALLO, SYST, ...).
    public let names: [String]

    public init(command: String, argument: String) {
        let name = Self.limitName(command: command, argument: argument)
        let group = Self.group(of: name)
        guard group != nil || Self.checkedWithoutGroup.contains(name) || name.hasPrefix("SITE_") else {
            self.names = []
            return
        }
        var names = [name]
        if let group { names.append(group) }
        // dir_check_full leaves these out of ALL.
        if !["EPRT", "EPSV", "PASV", "PORT", "PROT"].contains(name), !name.hasPrefix("OPTS") {
            names.append("ALL")
        }
        self.names = names
    }

    /// SITE subcommands are limited as SITE_<sub> (`<Limit SITE_CHMOD>`).
    static func limitName(command: String, argument: String) -> String {
        let cmd = command.uppercased()
        guard cmd == "SITE" else { return cmd }
        let sub = argument.split(separator: " ", maxSplits: 1).first.map { String($0).uppercased() } ?? ""
        return sub.isEmpty ? cmd : "SITE_\(sub)"
    }

    /// Handlers outside the three groups that call dir_check on a plain server.
    static let checkedWithoutGroup: Set<String> = ["PASV", "EPSV", "PORT", "EPRT", "NOOP", "HELP", "FEAT", "OPTS"]

    static let readCommands: Set<String> = ["RETR", "SIZE"]
    static let dirsCommands: Set<String> = ["LIST", "NLST", "MLSD", "MLST", "STAT", "CWD", "XCWD",
                                            "CDUP", "XCUP", "PWD", "XPWD", "MDTM"]
    static let writeCommands: Set<String> = ["APPE", "STOR", "STOU", "DELE", "MKD", "XMKD", "RMD", "XRMD",
                                             "RNFR", "RNTO", "SITE_CHMOD", "SITE_CHGRP", "SITE_MKDIR",
                                             "SITE_RMDIR", "SITE_SYMLINK", "SITE_UTIME", "SITE_CPFR",
                                             "SITE_CPTO", "SITE_COPY", "MFMT", "MFF"]

    static func group(of name: String) -> String? {
        if readCommands.contains(name) { return "READ" }
        if dirsCommands.contains(name) { return "DIRS" }
        if writeCommands.contains(name) { return "WRITE" }
        return nil
    }

    /// The reply a plain ProFTPD gives for a denied command: most handlers
    /// answer "550 <argument>: <strerror(errno)>" (or the command name when
    /// there is no argument); a few use a fixed errno or code.
    public static func denialReply(command: String, argument: String, errno code: Int32) -> (code: String, text: String) {
        let cmd = command.uppercased()
        switch cmd {
        case "PWD", "XPWD":
            return ("550", "\(cmd): \(errnoText(EACCES))")
        case "MKD", "XMKD":
            return ("550", "\(argument): \(errnoText(EACCES))")
        case "HELP":
            return ("501", "\(cmd): \(errnoText(EACCES))")
        case "NOOP":
            return ("550", errnoText(code))
        case "STAT" where argument.isEmpty:
            return ("500", "\(cmd): \(errnoText(code))")
        default:
            return ("550", "\(argument.isEmpty ? cmd : argument): \(errnoText(code))")
        }
    }

    static func errnoText(_ code: Int32) -> String {
        guard let s = strerror(code) else { return "Permission denied" }
        return String(cString: s)
    }
}
