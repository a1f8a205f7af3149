import ProxyCore
import XCTest

/// ProxyDataTransferPolicy: which command goes to the backend.
final class DataCommandTests: XCTestCase {
    func testEachPolicyOverIPv4() {
        let expected: [DataTransferPolicy: [DataCommand: DataCommand]] = [
            .client: [.pasv: .pasv, .epsv: .epsv, .port: .port, .eprt: .eprt],
            .passive: [.pasv: .pasv, .epsv: .pasv, .port: .pasv, .eprt: .pasv],
            .active: [.pasv: .port, .epsv: .port, .port: .port, .eprt: .port],
            .pasv: [.pasv: .pasv, .epsv: .pasv, .port: .pasv, .eprt: .pasv],
            .epsv: [.pasv: .epsv, .epsv: .epsv, .port: .epsv, .eprt: .epsv],
            .port: [.pasv: .port, .epsv: .port, .port: .port, .eprt: .port],
            .eprt: [.pasv: .eprt, .epsv: .eprt, .port: .eprt, .eprt: .eprt],
        ]
        for (policy, table) in expected {
            for (client, backend) in table {
                XCTAssertEqual(policy.backendCommand(clientCommand: client, backendIsIPv6: false), backend,
                               "\(policy) with client \(client)")
            }
        }
    }

    func testIPv6BackendsNeverGetPASVOrPORT() {
        for policy in [DataTransferPolicy.client, .passive, .active, .pasv, .epsv, .port, .eprt] {
            for client in DataCommand.allCases {
                let command = policy.backendCommand(clientCommand: client, backendIsIPv6: true)
                XCTAssertTrue(command == .epsv || command == .eprt, "\(policy)/\(client) gave \(command)")
                XCTAssertEqual(command.isPassive,
                               policy.backendCommand(clientCommand: client, backendIsIPv6: false).isPassive,
                               "the family changes the command, not the direction")
            }
        }
    }
}
