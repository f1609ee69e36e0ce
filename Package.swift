// swift-tools-version:6.0
// spillsim: a Monte Carlo testbed for spatial Durbin and PSM-DID estimators.
// The data flows one way: scenario → generate → fit → summarise → store → report.
// The target graph (each arrow "imports"):
//   Numerics, Storage                      leaves (over the C libraries)
//   Vocabulary                             leaf: effect kinds, curve shapes, null-when-absent (shared by the truth and the estimates)
//   CitySystem → Numerics, Vocabulary (+ Yams)   scenario document, generator, truth
//   Estimators → Numerics, Vocabulary      SDM family, PSM/DID family, their JSON reports
//   Calibration → CitySystem, Estimators, Numerics   observed designs (a real panel, a calibrated SDM)
//   MonteCarlo → CitySystem, Estimators, Calibration, Storage, Numerics
//   Reports    → MonteCarlo, Estimators, Numerics (reads results through MonteCarlo's reader; draws estimate figures)
//   spillsim   → all of them               (parses, validates, prints)
// Only Numerics imports CGSL, CLAPACK, CSuiteSparse and CKernels; only Storage imports CHDF5; only CitySystem imports Yams.
import PackageDescription

let package = Package(
    name: "spillsim",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "spillsim", targets: ["spillsim"]),
        .library(name: "Numerics", targets: ["Numerics"]),
        .library(name: "CitySystem", targets: ["CitySystem"]),
        .library(name: "Estimators", targets: ["Estimators"]),
        .library(name: "Calibration", targets: ["Calibration"]),
        .library(name: "MonteCarlo", targets: ["MonteCarlo"]),
        .library(name: "Storage", targets: ["Storage"]),
        .library(name: "Reports", targets: ["Reports"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        // C libraries (Debian: libgsl-dev, liblapacke-dev + libopenblas-dev, libhdf5-dev, libsuitesparse-dev).
        .systemLibrary(name: "CGSL", providers: [.apt(["libgsl-dev"])]),
        .systemLibrary(name: "CLAPACK", providers: [.apt(["liblapacke-dev", "libopenblas-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "CSuiteSparse", providers: [.apt(["libsuitesparse-dev"])]),

        // Runtime-dispatched AVX2 and AVX-512F kernels (C, compiled per function for that target; baseline x86-64
        // otherwise), each checked against the BLAS call or loop it replaces and giving its bits.
        .target(name: "CKernels"),
        .target(name: "Numerics", dependencies: ["CGSL", "CLAPACK", "CSuiteSparse", "CKernels"]),
        .target(name: "Storage", dependencies: ["CHDF5"]),
        .target(name: "Vocabulary"),
        .target(name: "CitySystem", dependencies: ["Numerics", "Vocabulary", "Yams"], exclude: ["README.md"]),
        .target(name: "Estimators", dependencies: ["Numerics", "Vocabulary"]),
        // An observed design: a real panel's regressors and W with a calibrated SDM outcome.
        .target(name: "Calibration", dependencies: ["Numerics", "CitySystem", "Estimators"]),
        .target(name: "MonteCarlo", dependencies: ["Numerics", "CitySystem", "Estimators", "Calibration", "Storage"]),
        .target(name: "Reports", dependencies: ["Numerics", "Estimators", "MonteCarlo"]),
        .executableTarget(
            name: "spillsim",
            dependencies: [
                "Numerics", "Storage", "CitySystem", "Estimators", "Calibration", "MonteCarlo", "Reports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .target(name: "TestSupport", dependencies: ["Numerics"], path: "Sources/TestSupport"),

        .testTarget(name: "NumericsTests", dependencies: ["Numerics", "TestSupport"]),
        .testTarget(name: "StorageTests", dependencies: ["Storage", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "CitySystemTests", dependencies: ["CitySystem", "Numerics", "TestSupport"]),
        .testTarget(
            name: "EstimatorsTests", dependencies: ["Estimators", "CitySystem", "Numerics", "TestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "CalibrationTests", dependencies: ["Calibration", "CitySystem", "Estimators", "Numerics", "TestSupport"]),
        .testTarget(name: "MonteCarloTests", dependencies: ["MonteCarlo", "Storage", "CitySystem", "Estimators", "Calibration", "TestSupport"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "MonteCarlo", "Storage", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["spillsim", "TestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
