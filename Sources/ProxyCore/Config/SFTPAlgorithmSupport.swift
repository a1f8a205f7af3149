/// Which of the spec's SSH algorithm names the backend transport
/// (`ProxySSH`) speaks today. A name in the spec's list that is not here is
/// refused at `proftpd -t` as "not implemented yet" rather than accepted and
/// silently never offered. ProxyCore cannot import ProxySSH (libcrypto), so
/// `ProxySSHTests` checks that these lists equal ProxySSH's own tables.
public enum SFTPAlgorithmSupport {
    public static let ciphers: Set<String> = [
        "chacha20-poly1305@openssh.com", "aes128-gcm@openssh.com", "aes256-gcm@openssh.com",
        "aes128-ctr", "aes192-ctr", "aes256-ctr",
    ]
    public static let digests: Set<String> = [
        "hmac-sha2-256-etm@openssh.com", "hmac-sha2-512-etm@openssh.com", "hmac-sha2-256", "hmac-sha2-512",
    ]
    public static let keyExchanges: Set<String> = [
        "curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256", "ecdh-sha2-nistp384",
        "ecdh-sha2-nistp521", "diffie-hellman-group14-sha256", "diffie-hellman-group16-sha512",
        "diffie-hellman-group18-sha512", "diffie-hellman-group-exchange-sha256",
    ]
    /// ProxySFTPCompression values: the transport has no zlib yet.
    public static let compression: Set<String> = ["off"]
}
