import ArgumentParser
import Foundation
import Numerics
import Storage

extension Spillsim {
    /// Reports the linked C libraries and the machine, to diagnose set-up problems.
    struct Doctor: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the linked GSL, HDF5 and BLAS/LAPACK versions, the BLAS kernel, gnuplot availability and core count.")

        func run() throws {
            NumericsRuntime.ensureInitialised()
            print("spillsim \(Spillsim.version)")
            print("GSL        \(NumericsRuntime.gslVersion)")
            print("HDF5       \(HDF5Library.version)")
            print("BLAS       OpenBLAS (\(NumericsRuntime.blasConfig.trimmingCharacters(in: .whitespaces)))")
            let kernel = BLASKernel.current
            let simd = kernel.cpuHasAVX512 ? "AVX-512" : (kernel.cpuHasAVX2 ? "AVX2" : "no AVX2")
            let how = kernel.forcedCoreType.map { "forced by OPENBLAS_CORETYPE=\($0)" } ?? "detected"
            print("kernel     \(kernel.coreName) (\(how); CPU: \(simd))")
            if let warning = kernel.warning { print("warning    \(warning)") }
            print("LAPACK     LAPACKE over the BLAS above")
            print("gnuplot    \(Doctor.gnuplotVersion() ?? "not installed (figures need it: run scripts/setup)")")
            print("cores      \(ProcessInfo.processInfo.activeProcessorCount)")
        }

        static func gnuplotVersion() -> String? {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["gnuplot", "--version"]
            let out = Pipe()
            p.standardOutput = out
            p.standardError = Pipe()
            do { try p.run() } catch { return nil }
            p.waitUntilExit()
            guard p.terminationStatus == 0 else { return nil }
            let s = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            return s.trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }
}
