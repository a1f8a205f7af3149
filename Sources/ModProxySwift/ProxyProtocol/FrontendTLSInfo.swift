import CProFTPD
import ProxyCore

/// What mod_tls negotiated with the frontend client, read from the SSL
/// object mod_tls keeps in its control stream's notes ("mod_tls.SSL").
struct FrontendTLSInfo {
    let version: String?
    let cipher: String?
    let serverName: String?
    let peerCommonName: String?
    let peerVerified: Bool

    /// mod_tls's SSL object of a stream, when TLS is on it.
    static func ssl(of strm: UnsafeMutablePointer<pr_netio_stream_t>) -> OpaquePointer? {
        guard let notes = strm.pointee.notes, let raw = pr_table_get(notes, "mod_tls.SSL", nil) else { return nil }
        return OpaquePointer(raw)
    }

    static func current() -> FrontendTLSInfo? {
        guard let strm = session.c?.pointee.instrm, let ssl = ssl(of: strm) else { return nil }
        let version = SSL_get_version(ssl).map { String(cString: $0) }
        let cipher = SSL_CIPHER_get_name(SSL_get_current_cipher(ssl)).map { String(cString: $0) }
        let sni = SSL_get_servername(ssl, Int32(TLSEXT_NAMETYPE_host_name)).map { String(cString: $0) }
        var commonName: String?
        var verified = false
        if let cert = SSL_get1_peer_certificate(ssl) {
            defer { X509_free(cert) }
            verified = SSL_get_verify_result(ssl) == X509_V_OK
            if let subject = X509_get_subject_name(cert) {
                var buffer = [CChar](repeating: 0, count: 256)
                if X509_NAME_get_text_by_NID(subject, NID_commonName, &buffer, Int32(buffer.count)) > 0 {
                    commonName = String(cString: buffer)
                }
            }
        }
        return FrontendTLSInfo(version: version, cipher: cipher, serverName: sni,
                               peerCommonName: commonName, peerVerified: verified)
    }

    /// PP2_TYPE_SSL for the frontend session.
    func tlv() -> ProxyProtocolTLV? {
        var flags: ProxyProtocolSSLClientFlags = .ssl
        if peerCommonName != nil { flags.insert(.certificateOnConnection); flags.insert(.certificateInSession) }
        let info = ProxyProtocolSSLInfo(client: flags, verified: peerCommonName == nil || peerVerified,
                                version: version, cipher: cipher, commonName: peerCommonName)
        return try? info.encodedTLV()
    }
}
