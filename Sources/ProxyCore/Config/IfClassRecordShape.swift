/// What an <IfClass> section's record must look like before it is used.
///
/// mod_ifsession keeps each section's class expression in a private config
/// record (ProFTPD 1.3.8, contrib/mod_ifsession.c, start_ifctxt): named
/// "_IfClassList", config_type 100; argv[0] the section's argument text,
/// argv[1] one byte (PR_EXPR_EVAL_AND 0, _OR 1, _REGEX 2); for AND/OR one
/// class name per further slot and a NULL after them (argc = names + 2),
/// for REGEX a compiled regex in argv[2] (argc 3). That is no API, so it is
/// read only on the ProFTPD versions whose layout is known, and even there
/// each record is checked first.
public enum IfClassRecordShape {
    public static let recordName = "_IfClassList"
    public static let configType: Int32 = 100
    /// Bounds for reading C strings out of the record.
    public static let maxArgumentText = 4096
    public static let maxClassName = 1024
    public static let maxNames = 1024

    /// PROFTPD_VERSION_NUMBER of 1.3.8 to 1.3.8d (0x00010308xx); the layout
    /// above was checked against these.
    public static func isKnownLayout(versionNumber: UInt) -> Bool {
        versionNumber >> 8 == 0x0001_0308
    }

    public enum Evaluation: Equatable, Sendable { case and, or, regex }

    public enum Problem: Error, Equatable, CustomStringConvertible, Sendable {
        case wrongConfigType(Int32)
        case wrongArgumentCount(Int)
        case missingArgument(index: Int)
        case unknownEvaluation(UInt8)
        case namesNotTerminated
        case badClassName(index: Int)
        case nameNotInSection(String)

        public var description: String {
            switch self {
            case .wrongConfigType(let type): return "config_type \(type), expected \(configType)"
            case .wrongArgumentCount(let argc): return "\(argc) arguments, expected 3 to \(maxNames + 2)"
            case .missingArgument(let index): return "argument \(index) is NULL"
            case .unknownEvaluation(let byte): return "unknown evaluation type \(byte)"
            case .namesNotTerminated: return "the class names are not NULL-terminated"
            case .badClassName(let index): return "class name \(index) is empty or too long"
            case .nameNotInSection(let name):
                return "class name '\(ConfigText.printable(name, limit: 60))' is not in the section's arguments"
            }
        }
    }

    /// The record's fixed part: its type, argc, and the evaluation byte
    /// (nil: argv[1] is NULL).
    public static func evaluation(configType type: Int32, argc: Int, evaluationByte: UInt8?) throws -> Evaluation {
        guard type == configType else { throw Problem.wrongConfigType(type) }
        guard (3...(maxNames + 2)).contains(argc) else { throw Problem.wrongArgumentCount(argc) }
        guard let byte = evaluationByte else { throw Problem.missingArgument(index: 1) }
        switch byte {
        case 0: return .and
        case 1: return .or
        case 2:
            guard argc == 3 else { throw Problem.wrongArgumentCount(argc) }
            return .regex
        default: throw Problem.unknownEvaluation(byte)
        }
    }

    /// The names of an AND/OR record (nil: a NULL slot; a name that was
    /// longer than `maxClassName` comes as nil too), whether the slot after
    /// them is NULL, and the section's argument text: every name (without
    /// its "!") must come from that text, as mod_ifsession split it from
    /// there.
    public static func checkNames(_ names: [String?], terminatorIsNull: Bool, argumentText: String?) throws {
        guard let text = argumentText else { throw Problem.missingArgument(index: 0) }
        guard terminatorIsNull else { throw Problem.namesNotTerminated }
        for (offset, name) in names.enumerated() {
            guard let name else { throw Problem.missingArgument(index: offset + 2) }
            let bare = name.hasPrefix("!") ? String(name.dropFirst()) : name
            guard !bare.isEmpty, bare.utf8.count <= maxClassName else { throw Problem.badClassName(index: offset + 2) }
            guard text.contains(bare) else { throw Problem.nameNotInSection(bare) }
        }
    }
}
