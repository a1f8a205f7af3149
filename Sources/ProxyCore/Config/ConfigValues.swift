/// Parsers for the value shapes directives share.
enum ConfigValues {
    /// ProFTPD's get_boolean: on/off, yes/no, true/false, 1/0, any case.
    static func boolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "on", "yes", "true", "1": return true
        case "off", "no", "false", "0": return false
        default: return nil
        }
    }

    static func requireBoolean(_ text: String) throws -> Bool {
        guard let value = boolean(text) else {
            throw DirectiveError.invalidValue(
                "expected Boolean parameter (on/off, yes/no, true/false, 1/0), got '\(ConfigText.printable(text))'")
        }
        return value
    }

    static func onOff(_ value: Bool) -> String { value ? "on" : "off" }

    static func requireAbsolutePath(_ text: String, what: String = "path") throws {
        guard text.hasPrefix("/") else {
            throw DirectiveError.invalidValue("\(what) must be an absolute path, got '\(ConfigText.printable(text))'")
        }
    }

    /// A non-negative decimal integer without sign or garbage, at most `limit`.
    static func integer(_ text: String, limit: Int = Int(Int32.max)) -> Int? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 12 else { return nil }
        return ASCII.decimalValue(bytes, limit: limit)
    }

    static func duration(_ text: String) throws -> Int {
        do {
            return try parseDuration(text)
        } catch let error as DurationError {
            throw DirectiveError.invalidValue(error.description)
        }
    }

    static func requireCount(_ args: [String], exactly count: Int) throws {
        if args.count != count {
            throw DirectiveError.wrongNumberOfParameters(expected: "\(count)", got: args.count)
        }
    }

    static func requireCount(_ args: [String], atLeast count: Int) throws {
        if args.count < count {
            throw DirectiveError.wrongNumberOfParameters(expected: "at least \(count)", got: args.count)
        }
    }

    static func requireCount(_ args: [String], in range: ClosedRange<Int>) throws {
        if !range.contains(args.count) {
            throw DirectiveError.wrongNumberOfParameters(
                expected: "\(range.lowerBound) or \(range.upperBound)", got: args.count)
        }
    }

    /// A keyword from `K`, or an error listing the accepted keywords.
    static func keyword<K: ConfigKeyword>(_ text: String, _ type: K.Type, what: String,
                                          ignoringCase: Bool = true) throws -> K {
        guard let value = K.matching(text, ignoringCase: ignoringCase) else {
            throw DirectiveError.invalidValue(
                "unsupported \(what) '\(ConfigText.printable(text))' (expected \(K.keywordList))")
        }
        return value
    }
}
