/// Writes one MLSD line ("facts SP name CRLF") for a listing entry, like
/// ProFTPD's mod_facts: modify;perm;size;type;UNIX.group;UNIX.groupname;
/// UNIX.mode;UNIX.owner;UNIX.ownername; with only the facts the entry
/// knows and the client selected.
public struct MLSDLineWriter: Sendable {
    public var facts: Set<MLSTFact>
    /// ProxyDirectoryListPolicy ... UseSlink: symlinks as
    /// "OS.unix=slink:<target>" (FileZilla) instead of "OS.unix=symlink".
    public var useSlink: Bool

    public init(facts: Set<MLSTFact> = MLSTFact.defaultSelection, useSlink: Bool) {
        self.facts = facts
        self.useSlink = useSlink
    }

    public func line(for entry: ListingEntry) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(entry.name.count + 160)
        func fact(_ which: MLSTFact, _ value: [UInt8]?) {
            guard facts.contains(which), let value else { return }
            out += Array(which.rawValue.utf8)
            out.append(UInt8(ascii: "="))
            out += value
            out.append(UInt8(ascii: ";"))
        }
        func text(_ s: String?) -> [UInt8]? { s.map { Array($0.utf8) } }

        fact(.modify, text(entry.modified?.factValue))
        fact(.perm, text(entry.mode.map { permFact(mode: $0, kind: entry.kind) }))
        fact(.size, text(entry.size.map { String($0) }))
        fact(.type, typeFact(entry))
        fact(.unixGroup, text(numeric(entry.group)))
        fact(.unixGroupName, named(entry.group))
        fact(.unixMode, text(entry.mode.map { "0" + String($0, radix: 8) }))
        fact(.unixOwner, text(numeric(entry.owner)))
        fact(.unixOwnerName, named(entry.owner))
        out.append(0x20)
        out += entry.name
        out += [0x0D, 0x0A]
        return out
    }

    private func numeric(_ p: ListingEntry.Principal?) -> String? {
        if case .id(let id)? = p { return String(id) }
        return nil
    }

    /// A name that is safe inside a fact value (no ';', '=', blanks or
    /// controls); anything else is left out rather than break the line.
    private func named(_ p: ListingEntry.Principal?) -> [UInt8]? {
        guard case .name(let bytes)? = p, MLSDLineWriter.isSafeFactValue(bytes) else { return nil }
        return bytes
    }

    static func isSafeFactValue(_ bytes: [UInt8]) -> Bool {
        !bytes.isEmpty && bytes.allSatisfy { $0 > 0x20 && $0 != 0x7F && $0 != UInt8(ascii: ";") && $0 != UInt8(ascii: "=") }
    }

    private func typeFact(_ entry: ListingEntry) -> [UInt8] {
        switch entry.kind {
        case .file: return Array("file".utf8)
        case .directory:
            if entry.name == [0x2E] { return Array("cdir".utf8) }
            if entry.name == [0x2E, 0x2E] { return Array("pdir".utf8) }
            return Array("dir".utf8)
        case .symlink(let target):
            // A target with ';' or blanks would end the fact early: then
            // the plain form, which needs no target.
            if useSlink, let target, target.allSatisfy({ $0 > 0x20 && $0 != 0x7F && $0 != UInt8(ascii: ";") }) {
                return Array("OS.unix=slink:".utf8) + target
            }
            return Array("OS.unix=symlink".utf8)
        case .pipe: return Array("OS.unix=pipe".utf8)
        case .socket: return Array("OS.unix=socket".utf8)
        case .characterDevice: return Array("OS.unix=chardev".utf8)
        case .blockDevice: return Array("OS.unix=blockdev".utf8)
        case .door: return Array("OS.solaris=door".utf8)
        }
    }

    /// RFC 3659 7.5.5, from the mode alone (the listing cannot say what
    /// the logged-in user may do): a permission any class has counts.
    func permFact(mode: UInt16, kind: ListingEntry.Kind) -> String {
        let readable = mode & 0o444 != 0, writable = mode & 0o222 != 0, searchable = mode & 0o111 != 0
        var perm = ""
        if kind == .directory {
            if writable { perm += "c" }
            perm += "d"
            if searchable { perm += "e" }
            if writable { perm += "f" }
            if searchable { perm += "l" }
            if writable { perm += "mp" }
        } else {
            if writable { perm += "a" }
            perm += "d"
            if writable { perm += "f" }
            if readable { perm += "r" }
            if writable { perm += "w" }
        }
        return perm
    }
}
