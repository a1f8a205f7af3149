/// What the proxy's TransferLog/ExtendedLog need from the control stream:
/// the transfer type the client chose (TYPE), and the backend path of a
/// transfer (its working directory from PWD, joined with the argument).
public enum TransferLogNames {
    /// true for ASCII, false for binary, nil when the argument is neither
    /// (mod_xfer: A [N|T|C], I, L 8).
    public static func isASCII(typeArgument: String) -> Bool? {
        let words = typeArgument.uppercased().split(separator: " ")
        switch words.first {
        case "A"?: return true
        case "I"?: return false
        case "L"? where words.count == 2 && words[1] == "8": return false
        default: return nil
        }
    }

    /// The directory of a 257 reply text (`"/a ""b"" c" is the current
    /// directory`): quoted, doubled quotes inside.
    public static func directory(ofPWDText text: String) -> String? {
        guard let open = text.firstIndex(of: "\"") else { return nil }
        var out = ""
        var i = text.index(after: open)
        while i < text.endIndex {
            let c = text[i]
            let next = text.index(after: i)
            if c == "\"" {
                if next < text.endIndex, text[next] == "\"" {
                    out.append("\"")
                    i = text.index(after: next)
                    continue
                }
                return out
            }
            out.append(c)
            i = next
        }
        return nil
    }

    /// The path as the backend sees it: absolute arguments as given,
    /// relative ones under the backend's working directory.
    public static func backendPath(argument: String, workingDirectory: String?) -> String {
        guard !argument.hasPrefix("/"), let cwd = workingDirectory else { return argument }
        if argument.isEmpty { return cwd }
        return cwd.hasSuffix("/") ? cwd + argument : cwd + "/" + argument
    }
}
