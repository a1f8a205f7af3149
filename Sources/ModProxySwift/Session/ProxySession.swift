import CProFTPD
import CShims
import Glibc
import ProxyCore
import ProxyStore

/// One proxied FTP session (lives in the forked session process).
///
/// States: waiting for a backend (sticky policies choose after USER) ->
/// connected -> USER sent -> logged in. Data transfers run inside a command
/// handler, so they need no state of their own here.
final class ProxySession {
    enum State: Equatable {
        case awaitingBackend
        case connected
        case userSent(String)
        case loggedIn(String)
    }

    /// The options of the server the session runs in (HOST may change it).
    var options: SessionOptions
    /// How USER/PASS are answered (chosen at session start, again after HOST).
    var login: LoginStrategy
    var state: State = .awaitingBackend
    var backend: BackendControlChannel?
    var backendTarget: SelectedBackend?
    /// TLS on the backend control connection, when negotiated.
    var backendTLS: BackendTLS?
    let frontendData = FrontendDataChannel()
    let backendData = BackendDataChannel()
    var datastore = SessionDatastore(store: nil, vhostID: 0)
    /// The key of the sticky map entry (user name, client address) to write
    /// once the login succeeds; nil for non-sticky policies.
    var stickyKey: String?
    /// Chrooted into ProxyTables/empty, and root given up, after login.
    var chrooted = false
    var rootDropped = false
    var quitRequested = false
    /// The MLSD facts the client chose with OPTS MLST (ProxyDirectoryListPolicy LIST).
    var mlstFacts = MLSTFact.defaultSelection
    /// Logins the backend refused (MaxLoginAttempts).
    var failedLogins = 0
    /// Set by a handler that must end the session after its command's
    /// POST/LOG handlers ran (MaxLoginAttempts), with the reason.
    var disconnectAfterCommand: String?
    /// The client's TYPE (ASCII until TYPE I, as RFC 959 and mod_xfer say):
    /// the backend applies it, the TransferLog reports it.
    var asciiType = true
    /// The backend's working directory for TransferLog paths: asked with
    /// PWD when a transfer needs it, forgotten when CWD/CDUP may change it.
    var backendDirectory: String?
    /// Forward proxying with a proxy login: the local account that logged
    /// in to the proxy, and (proxyuser@host,user) the destination its USER
    /// named.
    var proxyUser: String?
    var pendingDestination: BackendURL?

    init(options: SessionOptions, login: LoginStrategy) {
        self.options = options
        self.login = login
    }

    var isLoggedIn: Bool {
        if case .loggedIn = state { return true }
        return false
    }

    /// A deadline for ordinary command replies from the backend.
    var replyDeadline: Deadline { .after(seconds: options.backendReplyTimeout) }

    /// Closes the backend side and updates the datastore's connection count.
    func closeBackend() {
        frontendData.reset()
        backendData.reset()
        backend?.close()
        backend = nil
        backendTLS = nil
        if let url = backendTarget?.url.description {
            datastore.write("recording the disconnect from \(url)") { try $0.recordDisconnected(vhostID: $1, url: url) }
        }
        backendTarget = nil
    }
}

/// The session process's one proxied session.
var currentSession: ProxySession?
