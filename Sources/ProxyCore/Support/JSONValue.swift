/// A parsed JSON document (RFC 8259). Objects keep their members in file order.
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    /// The number as written (already validated against the JSON grammar), so
    /// no precision is lost; use `doubleValue` / `intValue` to convert.
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var doubleValue: Double? {
        if case .number(let n) = self { return Double(n) }
        return nil
    }

    /// The number as an Int, when it is written as an integer that fits.
    public var intValue: Int? {
        if case .number(let n) = self { return Int(n) }
        return nil
    }

    /// The value of the first member named `key`, for objects.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self {
            return members.first(where: { $0.key == key })?.value
        }
        return nil
    }

    /// A short name of the value's type, for error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

public struct JSONMember: Equatable, Sendable {
    public let key: String
    public let value: JSONValue

    public init(key: String, value: JSONValue) {
        self.key = key
        self.value = value
    }
}
