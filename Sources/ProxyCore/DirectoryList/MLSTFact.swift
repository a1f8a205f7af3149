/// The MLSD/MLST facts (RFC 3659) a translated LIST can give, in the order
/// and spelling of ProFTPD's mod_facts. `unique` is not among them: a
/// listing does not name the device and inode.
public enum MLSTFact: String, CaseIterable, Sendable {
    case modify, perm, size, type
    case unixGroup = "UNIX.group"
    case unixGroupName = "UNIX.groupname"
    case unixMode = "UNIX.mode"
    case unixOwner = "UNIX.owner"
    case unixOwnerName = "UNIX.ownername"

    /// The facts shown until the client chooses others with OPTS MLST.
    public static let defaultSelection = Set(MLSTFact.allCases)

    /// The FEAT line: every fact we can give, the selected ones starred.
    public static func featureLine(selected: Set<MLSTFact> = defaultSelection) -> String {
        "MLST " + allCases.map { $0.rawValue + (selected.contains($0) ? "*" : "") + ";" }.joined()
    }

    /// "OPTS MLST type;size;": the facts named (case-insensitive, unknown
    /// ones ignored, as RFC 3659 7.9 asks) and the reply text naming them.
    public static func selection(fromOptions text: String) -> (facts: Set<MLSTFact>, reply: String) {
        var chosen = Set<MLSTFact>()
        for name in text.split(separator: ";", omittingEmptySubsequences: true) {
            if let fact = allCases.first(where: { ASCII.equalsIgnoringCase($0.rawValue, String(name)) }) {
                chosen.insert(fact)
            }
        }
        let listed = allCases.filter(chosen.contains).map { $0.rawValue + ";" }.joined()
        return (chosen, "MLST OPTS " + listed)
    }
}
