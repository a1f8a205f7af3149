import Glibc

/// strerror(3) text for an errno value.
func errnoText(_ code: Int32) -> String {
    String(cString: strerror(code))
}

/// A failed system call: what was attempted and errno.
struct SystemError: Error, CustomStringConvertible {
    let operation: String
    let code: Int32
    init(_ operation: String, _ code: Int32 = errno) {
        self.operation = operation
        self.code = code
    }
    var description: String { "\(operation): \(errnoText(code))" }
}
