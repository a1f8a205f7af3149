import XCTest
@testable import ProxyCore

/// The checks made before mod_ifsession's private <IfClass> record is read.
final class IfClassRecordShapeTests: XCTestCase {
    typealias Shape = IfClassRecordShape

    func testKnownLayoutIsTheProFTPD138Family() {
        for known: UInt in [0x0001_0308_05, 0x0001_0308_06, 0x0001_0308_09, 0x0001_0308_01, 0x0001_0308_FF] {
            XCTAssertTrue(Shape.isKnownLayout(versionNumber: known), String(known, radix: 16))
        }
        for unknown: UInt in [0, 0x0001_0307_05, 0x0001_0309_04, 0x0001_030A_05, 0x0002_0308_05, 0x0001_0308, .max] {
            XCTAssertFalse(Shape.isKnownLayout(versionNumber: unknown), String(unknown, radix: 16))
        }
    }

    func testEvaluationOfWellFormedRecords() throws {
        XCTAssertEqual(try Shape.evaluation(configType: 100, argc: 3, evaluationByte: 1), .or)
        XCTAssertEqual(try Shape.evaluation(configType: 100, argc: 5, evaluationByte: 0), .and)
        XCTAssertEqual(try Shape.evaluation(configType: 100, argc: 3, evaluationByte: 2), .regex)
    }

    func testHostileFixedParts() {
        let cases: [(Int32, Int, UInt8?, Shape.Problem)] = [
            (101, 3, 1, .wrongConfigType(101)),          // an <IfGroup> list
            (-1, 3, 1, .wrongConfigType(-1)),
            (100, 2, 1, .wrongArgumentCount(2)),         // no class name at all
            (100, 0, 1, .wrongArgumentCount(0)),
            (100, -7, 1, .wrongArgumentCount(-7)),
            (100, Shape.maxNames + 3, 1, .wrongArgumentCount(Shape.maxNames + 3)),
            (100, Int(Int32.max), 1, .wrongArgumentCount(Int(Int32.max))),
            (100, 3, nil, .missingArgument(index: 1)),
            (100, 3, 7, .unknownEvaluation(7)),
            (100, 3, 255, .unknownEvaluation(255)),
            (100, 4, 2, .wrongArgumentCount(4)),         // a regex record is always 3 long
        ]
        for (type, argc, byte, problem) in cases {
            XCTAssertThrowsError(try Shape.evaluation(configType: type, argc: argc, evaluationByte: byte)) { error in
                XCTAssertEqual(error as? Shape.Problem, problem, "\(type) \(argc) \(String(describing: byte))")
            }
        }
    }

    func testNamesMustBeConsistentWithTheSection() throws {
        XCTAssertNoThrow(try Shape.checkNames(["lb"], terminatorIsNull: true, argumentText: "lb"))
        XCTAssertNoThrow(try Shape.checkNames(["a", "!b"], terminatorIsNull: true, argumentText: "a,!b"))
        XCTAssertNoThrow(try Shape.checkNames(["a", "b"], terminatorIsNull: true, argumentText: "AND a b"))

        let cases: [([String?], Bool, String?, Shape.Problem)] = [
            (["lb"], true, nil, .missingArgument(index: 0)),
            (["lb"], false, "lb", .namesNotTerminated),
            (["lb", nil], true, "lb", .missingArgument(index: 3)),
            ([""], true, "lb", .badClassName(index: 2)),
            (["!"], true, "lb", .badClassName(index: 2)),
            ([String(repeating: "x", count: Shape.maxClassName + 1)], true,
             String(repeating: "x", count: Shape.maxClassName + 1), .badClassName(index: 2)),
            (["other"], true, "lb", .nameNotInSection("other")),
            (["\u{1B}[31mevil"], true, "lb", .nameNotInSection("\u{1B}[31mevil")),
        ]
        for (names, terminated, text, problem) in cases {
            XCTAssertThrowsError(try Shape.checkNames(names, terminatorIsNull: terminated, argumentText: text)) { error in
                XCTAssertEqual(error as? Shape.Problem, problem)
            }
        }
    }

    func testProblemTextsAreSafeToLog() {
        let text = Shape.Problem.nameNotInSection("\u{1B}[31m" + String(repeating: "A", count: 500)).description
        XCTAssertFalse(text.contains("\u{1B}"))
        XCTAssertLessThan(text.count, 150)
    }
}
