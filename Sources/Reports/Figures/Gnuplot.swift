import Foundation

/// A failure to draw a figure with gnuplot.
public enum GnuplotError: Error, CustomStringConvertible, Equatable {
    /// No gnuplot executable at the given path or on `PATH`.
    case notFound(String)
    /// gnuplot ran and exited with a non-zero status, or wrote no figure.
    case failed(script: String, status: Int32, stderr: String)
    /// The data file, script or output directory could not be written.
    case cannotWrite(String, reason: String)

    public var description: String {
        switch self {
        case .notFound(let what):
            return "gnuplot not found (\(what)); install it (Debian: apt-get install gnuplot-nox, as scripts/setup does) "
                + "or give the path of the gnuplot executable"
        case .failed(let script, let status, let stderr):
            let detail = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            return "gnuplot failed on \(script) (exit status \(status))"
                + (detail.isEmpty ? "" : ":\n" + detail)
        case .cannotWrite(let path, let reason):
            return "cannot write \(path): \(reason); check that the directory exists and is writable"
        }
    }
}

/// What one figure is made of: a gnuplot script body that reads the data file
/// through the variable `datafile`, and that data file's text.
public struct GnuplotFigure: Sendable {
    /// Base name of the figure's files (`NAME.gp`, `NAME.dat`, `NAME.png`).
    public var name: String
    public var script: String
    public var data: String
    public var width: Int
    public var height: Int

    public init(name: String, script: String, data: String, width: Int = 900, height: Int = 600) {
        self.name = name
        self.script = script
        self.data = data
        self.width = width
        self.height = height
    }
}

/// The files a rendered figure left on disk.
public struct RenderedFigure: Sendable, Equatable {
    public let figure: URL
    public let script: URL
    public let data: URL
    /// For cairolatex: the graphics `NAME.pdf` that `NAME.tex` includes.
    public var graphics: URL? { figure.pathExtension == "tex" ? figure.deletingPathExtension().appendingPathExtension("pdf") : nil }
    /// What gnuplot printed on stderr although it succeeded (warnings).
    public let warnings: String
}

/// Draws figures by running the `gnuplot` program. No C library: the data and
/// the script are written next to the figure, so a user can restyle a figure by
/// editing its `.gp` file and running `gnuplot NAME.gp` in that directory.
public struct Gnuplot: Sendable {
    /// Absolute path of the gnuplot executable.
    public let executable: String

    /// Finds gnuplot: `path` if given, else the first `gnuplot` on `PATH`.
    public init(path: String? = nil) throws {
        let fm = FileManager.default
        if let path {
            guard fm.isExecutableFile(atPath: path) else { throw GnuplotError.notFound("no executable file at \(path)") }
            executable = path
            return
        }
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        guard let found = dirs.map({ "\($0)/gnuplot" }).first(where: { fm.isExecutableFile(atPath: $0) }) else {
            throw GnuplotError.notFound("no gnuplot on PATH")
        }
        executable = found
    }

    /// Writes `NAME.dat` and `NAME.gp` into `directory`, runs gnuplot there, and
    /// returns the paths of those files and of the figure `NAME.<format>`.
    @discardableResult
    public func render(_ figure: GnuplotFigure, in directory: URL, format: FigureFormat) throws -> RenderedFigure {
        let fm = FileManager.default
        do { try fm.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw GnuplotError.cannotWrite(directory.path, reason: error.localizedDescription)
        }
        let dataURL = directory.appendingPathComponent(figure.name + ".dat")
        let scriptURL = directory.appendingPathComponent(figure.name + ".gp")
        let outURL = directory.appendingPathComponent(figure.name + "." + format.fileExtension)
        try FigureStyle.install(in: directory)
        let header = """
            # \(figure.name): written by spillsim. Restyle all figures in \(FigureStyle.fileName);
            # redraw with  cd \(directory.path) && gnuplot \(scriptURL.lastPathComponent)
            fig_format = '\(format.rawValue)'; fig_width = \(figure.width); fig_height = \(figure.height)
            fig_output = '\(outURL.lastPathComponent)'
            load '\(FigureStyle.fileName)'
            # Defaults for a style file from an older spillsim that lacks them.
            if (!exists("line_height")) line_height = 0.03
            if (!exists("band_colour")) band_colour = '#c8c8c8'
            if (!exists("support_colour")) support_colour = '#ececec'
            datafile = '\(dataURL.lastPathComponent)'

            """
        try write(figure.data, to: dataURL)
        try write(header + figure.script + "\nunset output\n", to: scriptURL)
        try? fm.removeItem(at: outURL)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = [scriptURL.lastPathComponent]
        process.currentDirectoryURL = directory
        let errPipe = Pipe()
        process.standardError = errPipe
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            throw GnuplotError.notFound("cannot run \(executable): \(error.localizedDescription)")
        }
        // Read before waiting: a full pipe would otherwise block gnuplot.
        let stderr = String(decoding: errPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let size = (try? fm.attributesOfItem(atPath: outURL.path)[.size] as? Int) ?? 0
        guard process.terminationStatus == 0, size > 0 else {
            throw GnuplotError.failed(script: scriptURL.path, status: process.terminationStatus,
                                      stderr: stderr.isEmpty && size == 0 ? "no figure was written to \(outURL.path)" : stderr)
        }
        return RenderedFigure(figure: outURL, script: scriptURL, data: dataURL, warnings: stderr)
    }

    private func write(_ text: String, to url: URL) throws {
        do { try text.write(to: url, atomically: true, encoding: .utf8) } catch {
            throw GnuplotError.cannotWrite(url.path, reason: error.localizedDescription)
        }
    }
}

/// Text helpers for gnuplot scripts.
enum GP {
    /// A single-quoted gnuplot string: only `'` needs escaping (doubled).
    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }

    /// Several lines as one gnuplot string expression (`'a'."\n".'b'`): a
    /// newline inside a quoted string would end the script line.
    static func lines(_ lines: [String]) -> String { lines.map(quote).joined(separator: ".\"\\n\".") }

    /// Breaks a long text into lines of at most about `width` characters (gnuplot does not wrap titles).
    static func wrap(_ text: String, width: Int = 110) -> [String] {
        var lines: [String] = [], line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty, line.count + word.count + 1 > width { lines.append(line); line = "" }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    /// A "nice" tick increment (1, 2 or 5 × 10^k) giving about four ticks over `span`,
    /// so tick labels of narrow panels do not run into each other.
    static func tickStep(_ span: Double) -> Double {
        guard span > 0, span.isFinite else { return 1 }
        let raw = span / 4, magnitude = pow(10, (log10(raw)).rounded(.down))
        let f = raw / magnitude
        return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * magnitude
    }

    /// A number as gnuplot data: NaN as gnuplot's missing-value token.
    static func num(_ x: Double) -> String { x.isFinite ? String(format: "%.10g", x) : "NaN" }
}
