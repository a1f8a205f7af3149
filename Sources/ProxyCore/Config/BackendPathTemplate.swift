/// A ProxyReverseServers "file:" path with %U (user name) and/or %g (primary
/// group name), expanded once the user is known.
public struct BackendPathTemplate: Hashable, Sendable, CustomStringConvertible {
    public let template: String

    public init(_ template: String) { self.template = template }

    public var usesUser: Bool { template.contains("%U") }
    public var usesGroup: Bool { template.contains("%g") }
    public var isDynamic: Bool { usesUser || usesGroup }

    public var description: String { template }

    /// Substitutes %U and %g. Names are refused when they could leave the
    /// intended directory or break the path: empty, "/", "..", NUL or control
    /// characters.
    public func expand(user: String?, group: String?) throws -> String {
        var path = template
        if usesUser {
            guard let user else { throw BackendPathTemplateError.missingName(kind: "user", template: template) }
            try Self.check(user, kind: "user")
            path = path.replacingAll("%U", with: user)
        }
        if usesGroup {
            guard let group else { throw BackendPathTemplateError.missingName(kind: "group", template: template) }
            try Self.check(group, kind: "group")
            path = path.replacingAll("%g", with: group)
        }
        return path
    }

    static func check(_ name: String, kind: String) throws {
        let bytes = Array(name.utf8)
        let unsafe = bytes.isEmpty
            || bytes.contains(UInt8(ascii: "/"))
            || name.contains("..")
            || bytes.contains(where: { $0 < 0x20 || $0 == 0x7F })
        if unsafe { throw BackendPathTemplateError.unsafeName(kind: kind, name: ConfigText.printable(name)) }
    }
}

public enum BackendPathTemplateError: Error, Hashable, CustomStringConvertible, Sendable {
    case missingName(kind: String, template: String)
    case unsafeName(kind: String, name: String)

    public var description: String {
        switch self {
        case .missingName(let kind, let template):
            return "no \(kind) name known to expand '\(template)'"
        case .unsafeName(let kind, let name):
            return "refusing \(kind) name '\(name)' in a ProxyReverseServers path (empty, '/', '..' or control characters)"
        }
    }
}

fileprivate extension String {
    /// Replaces every occurrence of `target` (non-empty) with `replacement`.
    func replacingAll(_ target: String, with replacement: String) -> String {
        let source = Array(utf8), pattern = Array(target.utf8), insert = Array(replacement.utf8)
        guard !pattern.isEmpty, source.count >= pattern.count else { return self }
        var out: [UInt8] = []
        var index = 0
        while index < source.count {
            if index + pattern.count <= source.count,
               source[index..<(index + pattern.count)].elementsEqual(pattern) {
                out += insert
                index += pattern.count
            } else {
                out.append(source[index])
                index += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
