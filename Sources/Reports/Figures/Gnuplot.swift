import Foundation

/// A failure to draw a figure with gnuplot.
public enum GnuplotError: Error, CustomStringConvertible, Equatable {
    /// No gnuplot executable at the given path or on `PATH`.
    case notFound(String)
    /// gnuplot ran and exited with a non-zero status, or wrote no figure.
    case failed(script: String, status: Int32, stderr: String)
    /// The data file, script or output directory could not be written.
    case cannotWrite(String, reason: String)
    /// gnuplot drew the figure but warned (e.g. "Terminal canvas area too small to hold
    /// plot", "empty x range"): such a figure is wrong or cut off, so it is an error.
    case warning(figure: String, message: String)

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
        case .warning(let figure, let message):
            return "gnuplot warned while drawing \(figure), so the figure is not trustworthy:\n"
                + message.trimmingCharacters(in: .whitespacesAndNewlines)
                + "\n(a spillsim figure should draw without warnings: please report it with the .gp and .dat files beside the figure)"
        }
    }
}

/// What one figure is made of: a gnuplot script body that reads the data file
/// through the variable `datafile`, and that data file's text. Built only by Reports'
/// figure builders (`AppendixFigures`, `EstimateFigures`, `ForestPlot`), with the
/// memberwise initialiser.
public struct GnuplotFigure: Sendable {
    /// Base name of the figure's files (`NAME.gp`, `NAME.dat`, `NAME.png`).
    public var name: String
    public var script: String
    public var data: String
    /// Printed size in inches (`FigureStyle.textWidth` or `.columnWidth` wide); PNG
    /// figures have `FigureStyle.dpi` pixels per inch, the other formats this size.
    public var width = FigureStyle.textWidth
    public var height = 4.0
}

/// The files a rendered figure left on disk.
public struct RenderedFigure: Sendable, Equatable {
    public let figure: URL
    public let script: URL
    public let data: URL
    /// For cairolatex: the graphics `NAME.pdf` that `NAME.tex` includes.
    public var graphics: URL? { figure.pathExtension == "tex" ? figure.deletingPathExtension().appendingPathExtension("pdf") : nil }
    /// Printed size in inches.
    public let width: Double
    public let height: Double
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
            fig_format = '\(format.rawValue)'; fig_width = \(GP.num(figure.width)); fig_height = \(GP.num(figure.height))   # inches
            fig_output = '\(outURL.lastPathComponent)'
            load '\(FigureStyle.fileName)'
            # Defaults for a style file from an older spillsim that lacks them.
            if (!exists("line_height")) line_height = 1.25*8/72.0/fig_height
            if (!exists("char_width")) char_width = 0.6*8/72.0/fig_width
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
        guard stderr.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw GnuplotError.warning(figure: outURL.path, message: stderr)
        }
        switch format {
        case .png: try PrintSize.setPNGResolution(outURL, dpi: FigureStyle.dpi)
        case .svg: try PrintSize.setSVGSize(outURL, width: figure.width, height: figure.height)
        case .pdf, .cairolatex: break
        }
        return RenderedFigure(figure: outURL, script: scriptURL, data: dataURL, width: figure.width, height: figure.height)
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
        // A word longer than a line ("inverse_distance/1/500/row") breaks after its '/' or '_'.
        let words = text.split(separator: " ").flatMap { w -> [Substring] in
            guard w.count > width else { return [w] }
            var parts: [Substring] = [], start = w.startIndex, last = w.startIndex
            for i in w.indices where w[i] == "/" || w[i] == "_" {
                if w.distance(from: start, to: i) >= width, last > start { parts.append(w[start..<last]); start = last }
                last = w.index(after: i)
            }
            if w.distance(from: start, to: w.endIndex) > width, last > start { parts.append(w[start..<last]); start = last }
            parts.append(w[start...])
            // Pieces after the first continue the word: no space when they share a line.
            return parts.enumerated().map { $0.offset == 0 ? $0.element : "\u{1}" + $0.element }
        }
        for word in words {
            let glued = word.hasPrefix("\u{1}"), piece = glued ? String(word.dropFirst()) : String(word)
            if !line.isEmpty, line.count + piece.count + (glued ? 0 : 1) > width { lines.append(line); line = "" }
            line += (line.isEmpty || glued ? "" : " ") + piece
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    /// A "nice" tick increment (1, 2 or 5 × 10^k) giving about four ticks over `span`,
    /// so tick labels of narrow panels do not run into each other.
    static func tickStep(_ span: Double, ticks: Int = 4) -> Double {
        guard span > 0, span.isFinite else { return 1 }
        let raw = span / Double(max(1, ticks)), magnitude = pow(10, (log10(raw)).rounded(.down))
        let f = raw / magnitude
        return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * magnitude
    }

    /// A tick increment for an axis `inches` long over [lo, hi] whose labels ("%g" at
    /// 8 pt) do not touch: the most ticks (at most 6) whose labels fit side by side.
    static func tickStep(lo: Double, hi: Double, inches: Double) -> Double {
        let span = hi - lo
        guard span > 0, span.isFinite else { return 1 }
        for n in stride(from: 6, through: 2, by: -1) {
            let step = tickStep(span, ticks: n)
            let first = (lo / step).rounded(.up)
            let values = stride(from: first * step, through: hi + step * 1e-9, by: step).map { abs($0) < step * 1e-9 ? 0 : $0 }
            let chars = values.map { String(format: "%g", $0).count }.max() ?? 1
            if Double(values.count) * (Double(chars) * PanelLayout.char + 0.1) <= inches { return step }
        }
        return tickStep(span, ticks: 1)
    }

    /// A number as gnuplot data: NaN as gnuplot's missing-value token.
    static func num(_ x: Double) -> String { x.isFinite ? String(format: "%.10g", x) : "NaN" }
}
