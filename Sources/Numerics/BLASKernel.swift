import CLAPACK
import Foundation

/// The compute kernel OpenBLAS chose at start-up, and whether it fits the CPU.
///
/// A `DYNAMIC_ARCH` OpenBLAS (Debian's) picks its kernels from the CPU it runs on, but
/// older releases (0.3.21 in Debian 12) do not recognise every newer CPU and fall back to
/// a generic kernel such as Prescott (SSE3). Results stay correct — only the rounding
/// differs — but dense products and eigen-solvers run several times slower. Setting
/// `OPENBLAS_CORETYPE` to a kernel the CPU supports (Haswell for AVX2, SkylakeX for
/// AVX-512) restores the speed.
public struct BLASKernel: Sendable, Equatable {
    /// OpenBLAS's name of the kernel in use, e.g. "Haswell", "SkylakeX", "Prescott".
    public let coreName: String
    /// The CPU's vector extensions, from /proc/cpuinfo (empty where it cannot be read).
    public let cpuHasAVX2: Bool
    public let cpuHasAVX512: Bool
    /// `OPENBLAS_CORETYPE` when set: the kernel was forced rather than detected. Some
    /// machines set it on purpose, because an older OpenBLAS computes wrongly or crashes
    /// with the kernel it would detect on that CPU.
    public let forcedCoreType: String?

    /// Kernels that use AVX2 or AVX-512 (OpenBLAS 0.3.x names, compared case-insensitively).
    static let wideKernels: Set<String> = ["haswell", "zen", "skylakex", "cooperlake", "sapphirerapids", "excavator"]
    static let avx512Kernels: Set<String> = ["skylakex", "cooperlake", "sapphirerapids"]

    /// The kernel of this process and the CPU's flags.
    public static var current: BLASKernel {
        NumericsRuntime.ensureInitialised()
        let flags = cpuFlags()
        let forced = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"].flatMap { $0.isEmpty ? nil : $0 }
        return BLASKernel(coreName: String(cString: openblas_get_corename()),
                          cpuHasAVX2: flags.contains("avx2"), cpuHasAVX512: flags.contains("avx512f"),
                          forcedCoreType: forced)
    }

    public init(coreName: String, cpuHasAVX2: Bool, cpuHasAVX512: Bool, forcedCoreType: String? = nil) {
        self.coreName = coreName
        self.cpuHasAVX2 = cpuHasAVX2
        self.cpuHasAVX512 = cpuHasAVX512
        self.forcedCoreType = forcedCoreType
    }

    /// True when the CPU has AVX2 but OpenBLAS runs a kernel without it.
    public var isGenericFallback: Bool {
        cpuHasAVX2 && !Self.wideKernels.contains(coreName.lowercased())
    }

    /// The `OPENBLAS_CORETYPE` value to suggest for this CPU, or nil when the kernel fits it.
    public var suggestedCoreType: String? {
        guard isGenericFallback else { return nil }
        return cpuHasAVX512 ? "SkylakeX" : "Haswell"
    }

    /// A warning for people, or nil when the kernel fits the CPU.
    public var warning: String? {
        guard let suggestion = suggestedCoreType else { return nil }
        let ext = cpuHasAVX512 ? "AVX-512" : "AVX2"
        let check = "check it with `OPENBLAS_CORETYPE=\(suggestion) bash scripts/test` (results change only by rounding)"
        if let forced = forcedCoreType {
            return "OPENBLAS_CORETYPE=\(forced) forces the generic \(coreName) kernel on a CPU with \(ext), so dense "
                + "products and the spectrum of W run several times slower. If it was set to avoid an OpenBLAS fault on "
                + "this CPU, keep it; otherwise try OPENBLAS_CORETYPE=\(suggestion) and \(check)."
        }
        return "OpenBLAS chose the generic \(coreName) kernel on a CPU with \(ext), so dense products and the spectrum "
            + "of W run several times slower. Set OPENBLAS_CORETYPE=\(suggestion) and \(check)."
    }

    static func cpuFlags() -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return [] }
        for line in text.split(separator: "\n") where line.hasPrefix("flags") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
        }
        return []
    }
}
