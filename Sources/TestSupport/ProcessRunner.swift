import Foundation

/// What a finished child process printed and how it ended.
public struct ProcessOutput {
    public let status: Int32
    public let out: String
    public let err: String
    /// stdout followed by stderr, for checks that do not care which stream a line went to.
    public var combined: String { out + err }
}

public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Runs programs from tests: the `spillsim` executable SwiftPM builds beside the test
/// bundle, or any other tool. One place, so every test reads both pipes the same way.
public enum ProcessRunner {
    /// The built `spillsim`; throws (the test fails, it is never skipped) when it is missing.
    public static func spillsim() throws -> URL {
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("spillsim")
        guard FileManager.default.isExecutableFile(atPath: exe.path) else {
            throw TestSetupError("spillsim is not built at \(exe.path); `swift build` (or `swift test`) builds it")
        }
        return exe
    }

    /// Runs `executable` with `arguments` and waits. stderr is drained on another thread
    /// while stdout is read, so a child that fills one pipe cannot block on it.
    /// `environment` entries are added to (or replace) this process's environment.
    public static func run(_ executable: URL, _ arguments: [String], currentDirectory: URL? = nil,
                           environment: [String: String] = [:]) throws -> ProcessOutput {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        if let currentDirectory { p.currentDirectoryURL = currentDirectory }
        if !environment.isEmpty {
            p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let errData = DrainedData()
        let drained = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            errData.value = err.fileHandleForReading.readDataToEndOfFile()
            drained.signal()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        drained.wait()   // orders the background write before the read below
        p.waitUntilExit()
        return ProcessOutput(status: p.terminationStatus, out: String(decoding: outData, as: UTF8.self),
                             err: String(decoding: errData.value, as: UTF8.self))
    }

    /// Runs the built `spillsim`.
    public static func spillsim(_ arguments: [String], currentDirectory: URL? = nil) throws -> ProcessOutput {
        try run(try spillsim(), arguments, currentDirectory: currentDirectory)
    }
}

/// Holds the stderr bytes read on a background thread; the semaphore in `run` orders access.
private final class DrainedData: @unchecked Sendable {
    var value = Data()
}
