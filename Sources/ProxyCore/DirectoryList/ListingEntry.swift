/// One file as a LIST line describes it: what the MLSD writer needs, and
/// nothing the line did not say (unknown facts stay nil and are left out).
public struct ListingEntry: Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        case file, directory
        /// `target` is nil when the line gave none (no " -> ").
        case symlink(target: [UInt8]?)
        case pipe, socket, characterDevice, blockDevice, door
    }

    /// An owner or group as listed: a number (ls -n, or an unmapped id) or a name.
    public enum Principal: Equatable, Sendable {
        case id(UInt64)
        case name([UInt8])
    }

    /// The name as the backend sent it (any bytes but NUL, CR and LF).
    public var name: [UInt8]
    public var kind: Kind
    /// The permission bits (07777) of a Unix listing; nil for Windows.
    public var mode: UInt16?
    /// Bytes; nil for directories and devices, and when not listed.
    public var size: UInt64?
    public var modified: CivilTime?
    public var owner: Principal?
    public var group: Principal?

    public init(name: [UInt8], kind: Kind, mode: UInt16? = nil, size: UInt64? = nil,
                modified: CivilTime? = nil, owner: Principal? = nil, group: Principal? = nil) {
        self.name = name
        self.kind = kind
        self.mode = mode
        self.size = size
        self.modified = modified
        self.owner = owner
        self.group = group
    }
}
