/// An enum whose raw values are a directive's documented keywords.
public protocol ConfigKeyword: CaseIterable, RawRepresentable, Hashable, Sendable where RawValue == String {}

extension ConfigKeyword {
    /// The keyword matching `text`, ignoring ASCII case when upstream uses strcasecmp.
    public static func matching(_ text: String, ignoringCase: Bool = true) -> Self? {
        allCases.first { ignoringCase ? ASCII.equalsIgnoringCase($0.rawValue, text) : $0.rawValue == text }
    }

    /// "a, b, c" for error messages.
    public static var keywordList: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// An option set configured by a list of case-sensitive keywords
/// (upstream compares them with strcmp).
public protocol ConfigOptionSet: OptionSet, Sendable where RawValue == UInt32, Element == Self {
    /// Keyword and flag; the first keyword for a flag is its canonical spelling,
    /// later ones are accepted aliases.
    static var keywords: [(keyword: String, option: Self)] { get }
    /// The name used in "unknown <name> 'x'" messages, e.g. "ProxyOption".
    static var optionKindName: String { get }
}

extension ConfigOptionSet {
    /// Parses keywords; returns the set and the canonical keywords (in the
    /// given order, without repeats).
    static func parse(_ words: [String]) throws -> (options: Self, canonical: [String]) {
        var options: Self = []
        var canonical: [String] = []
        for word in words {
            guard let entry = keywords.first(where: { $0.keyword == word }) else {
                throw DirectiveError.invalidValue(unknownMessage(word))
            }
            options.formUnion(entry.option)
            if let name = canonicalKeyword(for: entry.option), !canonical.contains(name) {
                canonical.append(name)
            }
        }
        return (options, canonical)
    }

    static func canonicalKeyword(for option: Self) -> String? {
        keywords.first(where: { $0.option == option })?.keyword
    }

    private static func unknownMessage(_ word: String) -> String {
        let shown = ConfigText.printable(word)
        if let near = keywords.first(where: { ASCII.equalsIgnoringCase($0.keyword, word) }) {
            return "unknown \(optionKindName) '\(shown)' (did you mean '\(near.keyword)'? options are case-sensitive)"
        }
        var names: [String] = []
        for entry in keywords where canonicalKeyword(for: entry.option) == entry.keyword {
            names.append(entry.keyword)
        }
        return "unknown \(optionKindName) '\(shown)' (expected \(names.joined(separator: ", ")))"
    }

    /// The canonical keywords of the flags in this set, in table order.
    public var keywordNames: [String] {
        var names: [String] = []
        for entry in Self.keywords where contains(entry.option) && !names.contains(entry.keyword)
            && Self.canonicalKeyword(for: entry.option) == entry.keyword {
            names.append(entry.keyword)
        }
        return names
    }
}
