import XCTest

/// Asserts that `expression` throws an error of type `E`, hands it to `check` for its case and
/// data, and returns it. Fails the test (and returns nil) when nothing is thrown or the error
/// has another type; the failure names the type that was thrown.
///
/// Tests branch on the error's type and data, never on its message text; check the message
/// only where the message itself is the contract (what a user reads: it must name the file,
/// the field and the fix).
@discardableResult
public func assertThrows<T, E: Error>(_ expression: @autoclosure () throws -> T, as type: E.Type,
                                      _ message: @autoclosure () -> String = "",
                                      file: StaticString = #filePath, line: UInt = #line,
                                      _ check: (E) -> Void = { _ in }) -> E? {
    do {
        _ = try expression()
    } catch let error as E {
        check(error)
        return error
    } catch {
        XCTFail("expected \(E.self), but \(Swift.type(of: error)) was thrown: \(error). \(message())", file: file, line: line)
        return nil
    }
    XCTFail("expected \(E.self) to be thrown, but nothing was. \(message())", file: file, line: line)
    return nil
}
