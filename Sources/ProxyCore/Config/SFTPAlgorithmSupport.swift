/// Which of the spec's SSH algorithm names the backend transport
/// (`ProxySSH`) speaks today. A name in the spec's list that is not here is
/// refused at `proftpd -t` as "not implemented yet" rather than accepted and
/// silently never offered. ProxyCore cannot import ProxySSH (libcrypto), so
/// `ProxySSHTests` checks that these lists equal `SSHAlgorithms.supported`.
public enum SFTPAlgorithmSupport {
    public static let ciphers: Set<String> = [
        "chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com",
        "aes128-ctr", "aes192-ctr", "aes256-ctr", "aes128-cbc", "aes192-cbc", "aes256-cbc",
        "3des-ctr", "3des-cbc", "blowfish-ctr", "blowfish-cbc", "cast128-cbc", "arcfour128", "arcfour256", "none",
    ]
    public static let digests: Set<String> = [
        "hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512",
        "hmac-sha1", "hmac-sha1-etm@openssh.com", "hmac-sha1-96", "hmac-sha1-96-etm@openssh.com",
        "hmac-md5", "hmac-md5-etm@openssh.com", "hmac-md5-96", "hmac-md5-96-etm@openssh.com", "hmac-ripemd160",
        "umac-64@openssh.com", "umac-64-etm@openssh.com", "umac-128@openssh.com", "umac-128-etm@openssh.com", "none",
    ]
    public static let keyExchanges: Set<String> = [
        "curve25519-sha256", "curve25519-sha256@libssh.org", "curve448-sha512", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384",
        "ecdh-sha2-nistp521", "diffie-hellman-group1-sha1", "diffie-hellman-group14-sha1", "diffie-hellman-group14-sha256",
        "diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512", "diffie-hellman-group-exchange-sha1",
        "diffie-hellman-group-exchange-sha256", "rsa1024-sha1",
    ]
    /// ProxySFTPCompression values the session offers (all of them: the transport has zlib).
    public static let compression: Set<String> = ["off", "on", "delayed"]
}
