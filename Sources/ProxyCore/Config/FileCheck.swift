/// Filesystem work a directive needs at configuration time. Validation only
/// names it (so it stays pure); the bridge performs it with `perform`, which
/// runs the functions in ProxyTablesDirectory, BackendListFile and
/// ConfigFileChecks.
public enum FileCheck: Hashable, Sendable {
    /// ProxyTables: create the directory (0755) and its `empty/` chroot (0111)
    /// if missing, or check that `empty/` has exactly mode 0111.
    case prepareTablesDirectory(path: String)
    /// ProxyReverseServers file:path (no %U/%g): permission-check and load the
    /// JSON list now. Store the result as the record's args
    /// (`urls.map(\.stringWithCredentials)`), or keep "file:path" and let
    /// ProxySettings list it under `reverseServers.staticFiles`.
    case loadBackendList(path: String)
    /// TLS CA/CRL/certificate/key files: must exist.
    case fileMustExist(path: String)
    /// ProxyTLSCACertificatePath / ProxyTLSCARevocationPath: must be a directory.
    case directoryMustExist(path: String)
    /// ProxySFTPHostKey: must exist and not be group- or world-accessible.
    case privateKeyFile(path: String)
    /// ProxySFTPPassPhraseProvider: must be a regular file.
    case regularFile(path: String)
    /// ProxyTLSPreSharedKey: neither world-readable nor world-writable.
    case secretFile(path: String)
}

/// What a performed check produced.
public enum FileCheckResult: Equatable, Sendable {
    case passed
    /// The URLs loaded by `.loadBackendList`.
    case backends([BackendURL])
}

extension FileCheck {
    /// Performs the check. `ignoreConfigPerms` is ProxyOptions IgnoreConfigPerms.
    public func perform(ignoreConfigPerms: Bool = false) throws -> FileCheckResult {
        switch self {
        case .prepareTablesDirectory(let path):
            _ = try ProxyTablesDirectory.prepare(path: path)
            return .passed
        case .loadBackendList(let path):
            return .backends(try BackendListFile.load(path: path, ignorePerms: ignoreConfigPerms))
        case .fileMustExist(let path):
            try ConfigFileChecks.requireExisting(path: path, directory: false)
            return .passed
        case .directoryMustExist(let path):
            try ConfigFileChecks.requireExisting(path: path, directory: true)
            return .passed
        case .privateKeyFile(let path):
            try ConfigFileChecks.requirePrivateKeyFile(path: path)
            return .passed
        case .regularFile(let path):
            try ConfigFileChecks.requireRegularFile(path: path)
            return .passed
        case .secretFile(let path):
            try ConfigFileChecks.requireSecretFile(path: path)
            return .passed
        }
    }
}
