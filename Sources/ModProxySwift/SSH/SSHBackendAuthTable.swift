import CProFTPD
import CShims
import Glibc

// mod_proxy's authtable (Sources/CShims/module_tables.c). It answers only in
// reverse SSH sessions without UseReverseProxyAuth, before the login: `getpwnam` gives any user name a
// synthetic entry (nobody, homed in ProxyTables/empty) so that mod_sftp's
// password method asks our `auth`, whose answer is the backend's. AuthOrder
// must list mod_proxy.c first: ProFTPD asks `auth` of the module that
// answered `getpwnam`. Everywhere else both decline.

@_cdecl("mps_auth_getpwnam")
func mps_auth_getpwnam(_ cmd: UnsafeMutablePointer<cmd_rec>?) -> UnsafeMutablePointer<modret_t>? {
    guard let cmd, let ssh = ReverseSSHSession.current, ssh.backendDecidesPasswords, !ssh.loggedIn, cmd.pointee.argc >= 1,
          let name = cmd.pointee.argv[0]?.assumingMemoryBound(to: CChar.self) else {
        return mps_auth_declined()
    }
    return mps_auth_passwd(cmd, name, "\(ssh.options.tablesDirectory)/empty")
}

@_cdecl("mps_auth_authenticate")
func mps_auth_authenticate(_ cmd: UnsafeMutablePointer<cmd_rec>?) -> UnsafeMutablePointer<modret_t>? {
    guard let cmd, let ssh = ReverseSSHSession.current, ssh.backendDecidesPasswords, !ssh.loggedIn, cmd.pointee.argc >= 2,
          let user = cmd.pointee.argv[0]?.assumingMemoryBound(to: CChar.self),
          let password = cmd.pointee.argv[1]?.assumingMemoryBound(to: CChar.self) else {
        return mps_auth_declined()
    }
    switch ssh.authenticate(user: String(cString: user), password: String(cString: password)) {
    case true?:
        session.auth_mech = UnsafePointer(pstrdup(session.pool, "mod_proxy.c"))
        return mps_handled(cmd)
    case false?, nil:
        return mps_auth_bad_password(cmd)
    }
}

// mod_proxy's keyboard-interactive driver (Sources/CShims/sftp_frontend.c).

@_cdecl("mps_kbdint_open")
func mps_kbdint_open(_ user: UnsafePointer<CChar>?) -> Int32 {
    ReverseSSHSession.current == nil ? -1 : 0
}

@_cdecl("mps_kbdint_authenticate")
func mps_kbdint_authenticate(_ user: UnsafePointer<CChar>?) -> Int32 {
    guard let user, let ssh = ReverseSSHSession.current, !ssh.loggedIn,
          ssh.keyboardInteractive(user: String(cString: user)) else {
        errno = EPERM
        return -1
    }
    return 0
}
