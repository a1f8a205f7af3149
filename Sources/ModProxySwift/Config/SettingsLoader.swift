import CProFTPD
import ProxyCore

/// Typed settings of the server a session runs in, built from the string
/// records `DirectiveHandler` stored (after ProFTPD merged <Global>,
/// <VirtualHost> and mod_ifsession's <IfClass>/<IfUser> sections).
enum SettingsLoader {
    static func records(of module: ProxyModuleKind,
                        in set: UnsafeMutablePointer<xaset_t>? = ConfigRecords.mainServerSet) -> [(name: String, args: [String])] {
        var records: [(name: String, args: [String])] = []
        for name in DirectiveRegistry.directiveNames(of: module) {
            for args in ConfigRecords.all(name, in: set) { records.append((name, args)) }
        }
        return records
    }

    /// mod_proxy's settings; on an inconsistent record (cannot happen after
    /// DirectiveHandler validated it) the engine is reported off and logged.
    static func proxySettings(in set: UnsafeMutablePointer<xaset_t>? = ConfigRecords.mainServerSet) -> ProxySettings {
        do {
            return try ProxySettings(records: records(of: .proxy, in: set))
        } catch {
            ProxyLog.notice("invalid mod_proxy configuration: \(error)")
            return ProxySettings()
        }
    }

    /// mod_proxy_protocol's settings, including <IfClass> sections that match
    /// the connecting address (they take precedence, as mod_ifsession's would).
    static func proxyProtocolSettings(in set: UnsafeMutablePointer<xaset_t>? = ConfigRecords.mainServerSet) -> ProxyProtocolSettings {
        let classRecords = ClassSections.matchingSets(in: set).flatMap { records(of: .proxyProtocol, in: $0) }
        do {
            return try ProxyProtocolSettings(records: classRecords + records(of: .proxyProtocol, in: set))
        } catch {
            ProxyLog.notice("invalid mod_proxy_protocol configuration: \(error)")
            return ProxyProtocolSettings()
        }
    }
}
