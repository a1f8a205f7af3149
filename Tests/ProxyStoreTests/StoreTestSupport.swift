import Foundation
import Glibc
@testable import ProxyStore
import XCTest

/// A fresh directory per test, removed afterwards.
final class TemporaryDirectory {
    let path: String

    init() {
        var template = Array("/tmp/proxystore-test-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(created != nil, "mkdtemp failed")
        path = String(cString: template)
    }

    var databasePath: String { path + "/" + SQLiteReverseDatastore.fileName }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Runs `statements` on the tables file through a separate raw connection.
func rawSQL(_ path: String, _ statements: String...) throws {
    let connection = try SQLiteConnection(path: path, busyDeadline: 5)
    defer { connection.close() }
    for statement in statements {
        try connection.exec(statement)
    }
}

func rawScalar(_ path: String, _ sql: String) throws -> Int? {
    let connection = try SQLiteConnection(path: path, busyDeadline: 5)
    defer { connection.close() }
    return try connection.scalar(sql)
}

/// Asserts that `body` throws a `DatastoreError` of `kind`, and returns it.
@discardableResult
func XCTAssertDatastoreError<T>(_ kind: DatastoreError.Kind, _ body: @autoclosure () throws -> T,
                                file: StaticString = #filePath, line: UInt = #line) -> DatastoreError? {
    do {
        let value = try body()
        XCTFail("expected \(kind) error, got value \(value)", file: file, line: line)
    } catch let error as DatastoreError {
        XCTAssertEqual(error.kind, kind, "wrong kind: \(error)", file: file, line: line)
        return error
    } catch {
        XCTFail("expected DatastoreError.\(kind), got \(error)", file: file, line: line)
    }
    return nil
}

/// A forked child process whose result comes back as text over a pipe.
struct ChildProcess {
    let pid: pid_t
    let output: Int32

    /// Forks; the child runs `body`, writes what it returns and `_exit`s
    /// (status 0 when body returned, 3 when the pipe write failed).
    static func spawn(_ body: () -> String) -> ChildProcess {
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0, "pipe failed")
        let pid = fork()
        precondition(pid >= 0, "fork failed")
        if pid == 0 {
            Glibc.close(fds[0])
            let bytes = Array(body().utf8)
            var written = 0
            while written < bytes.count {
                let result = bytes[written...].withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }
                if result <= 0 { _exit(3) }
                written += result
            }
            _exit(0)
        }
        Glibc.close(fds[1])
        return ChildProcess(pid: pid, output: fds[0])
    }

    /// Reads everything the child wrote, then reaps it; kills it and
    /// reports nil if it has not finished within `timeout` seconds.
    func finish(timeout: Double = 120) -> (status: Int32, output: String)? {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let deadline = Date().addingTimeInterval(timeout)
        var pollSet = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
        while Date() < deadline {
            let ready = poll(&pollSet, 1, 100)
            if ready <= 0 { continue }
            let count = read(output, &buffer, buffer.count)
            if count <= 0 { break }
            data.append(contentsOf: buffer[0..<count])
        }
        Glibc.close(output)
        var status: Int32 = 0
        while Date() < deadline {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { return ((status >> 8) & 0xff, String(decoding: data, as: UTF8.self)) }
            usleep(10_000)
        }
        kill(pid, SIGKILL)
        _ = waitpid(pid, &status, 0)
        return nil
    }
}
