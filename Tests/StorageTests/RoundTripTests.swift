import Foundation
import Storage
import TestSupport
import XCTest

/// Everything written comes back identical after the file is committed and reopened.
final class RoundTripTests: StorageTestCase {
    func testAttributesOnFileGroupAndDataset() throws {
        let p = path("attrs.h5")
        let f = try HDF5File.create(p)
        try f.setAttribute("title", "baseline — ρ = 0.4")   // non-ASCII: stored as UTF-8
        try f.setAttribute("seed", 20_260_401)
        try f.setAttribute("alpha", 0.05)
        try f.setAttribute("rhos", [0.0, 0.2, -0.4, 1e-300, .infinity])
        try f.setAttribute("sizes", [49, 100, -3, Int.max, Int.min])
        try f.setAttribute("estimators", ["sdm-ml", "psm-did", ""])
        try f.setAttribute("empty", [Double]())
        let g = try f.createGroup("cells/cell-1")
        try g.setAttribute("n", 49)
        let d = try g.createDataset("x", values: [1.0, 2.0])
        try d.setAttribute("unit", "percent")
        try d.setAttribute("seed", 1)
        try d.setAttribute("seed", "replaced with a string")   // setting again replaces type and value
        try f.close()

        let r = try HDF5File.open(p)
        XCTAssertEqual(try r.stringAttribute("title"), "baseline — ρ = 0.4")
        XCTAssertEqual(try r.intAttribute("seed"), 20_260_401)
        assertClose(0.05, try r.doubleAttribute("alpha"), tolerance: 0, "a double is stored bit for bit")
        XCTAssertEqual(try r.attribute("rhos"), .doubles([0.0, 0.2, -0.4, 1e-300, .infinity]))
        XCTAssertEqual(try r.intsAttribute("sizes"), [49, 100, -3, Int.max, Int.min])
        XCTAssertEqual(try r.stringsAttribute("estimators"), ["sdm-ml", "psm-did", ""])
        XCTAssertEqual(try r.attribute("empty"), .doubles([]))
        XCTAssertEqual(try r.attributeNames(), ["alpha", "empty", "estimators", "rhos", "seed", "sizes", "title"])
        XCTAssertEqual(try r.attribute("seed"), .int(20_260_401), "scalars come back as scalars")
        assertClose(20_260_401, try r.doubleAttribute("seed"), tolerance: 0, "integers widen to doubles exactly")
        XCTAssertEqual(try r.doublesAttribute("alpha"), [0.05])
        let g2 = try r.group("cells/cell-1")
        XCTAssertEqual(try g2.intAttribute("n"), 49)
        let d2 = try r.dataset("cells/cell-1/x")
        XCTAssertEqual(try d2.stringAttribute("unit"), "percent")
        XCTAssertEqual(try d2.stringAttribute("seed"), "replaced with a string")
        XCTAssertTrue(try d2.hasAttribute("unit"))
        XCTAssertFalse(try d2.hasAttribute("missing"))
        try r.close()
    }

    func testOneAndTwoDimensionalDatasets() throws {
        let p = path("data.h5")
        let f = try HDF5File.create(p)
        let doubles = [0.1, -2.5, .pi, Double.leastNonzeroMagnitude, -0.0, .greatestFiniteMagnitude]
        try f.createDataset("d1", values: doubles)
        try f.createDataset("i1", values: [Int64.min, -1, 0, 7, Int64.max])
        try f.createDataset("ints", values: [3, 1, 4, 1, 5])
        let m = try RowMajorArray(rowArrays: [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        try f.createDataset("g/d2", rows: m)
        try f.createDataset("g/i2", rows: try RowMajorArray(rowArrays: [[1, 2], [3, 4], [5, 6]] as [[Int64]]))
        try f.createDataset("empty", values: [Double]())
        try f.close()

        let r = try HDF5File.open(p)
        // Bit-for-bit: HDF5 stores IEEE doubles unchanged, so exact equality is the right check here.
        XCTAssertEqual(try r.dataset("d1").read(as: Double.self).map(\.bitPattern), doubles.map(\.bitPattern))
        XCTAssertEqual(try r.dataset("i1").read(as: Int64.self), [Int64.min, -1, 0, 7, Int64.max])
        XCTAssertEqual(try r.dataset("ints").read(as: Int.self), [3, 1, 4, 1, 5])
        XCTAssertEqual(try r.dataset("ints").read(as: Double.self), [3, 1, 4, 1, 5], "integers widen to doubles")
        XCTAssertEqual(try r.dataset("ints").read(as: Int.self, range: 1..<4), [1, 4, 1])
        let d2 = try r.dataset("g/d2")
        XCTAssertEqual(try d2.shape(), [2, 3])
        XCTAssertFalse(try d2.isExtendible())
        XCTAssertEqual(try d2.readRows(as: Double.self), m)
        XCTAssertEqual(try d2.readRows(as: Double.self, range: 1..<2).values, [4, 5, 6])
        XCTAssertEqual(try r.dataset("g/i2").readRows(as: Int64.self).rowArrays, [[1, 2], [3, 4], [5, 6]])
        XCTAssertEqual(try r.dataset("empty").read(as: Double.self), [])
        XCTAssertEqual(try r.dataset("d1").elementKind(), .double)
        XCTAssertEqual(try r.dataset("i1").elementKind(), .int64)
        try r.close()
    }

    func testStringDatasets() throws {
        let p = path("strings.h5")
        let f = try HDF5File.create(p)
        let names = ["sdm-ml", "psm-did (kernel)", "", "Zürich–Genève", String(repeating: "x", count: 5000)]
        try f.createDataset("labels", values: names)
        let log = try f.createExtendibleDataset("messages", of: String.self)
        try log.append(["replication 1: converged"])
        try log.append(["replication 2: rho on the boundary", "replication 3: ok"])
        try f.close()

        let r = try HDF5File.open(p)
        XCTAssertEqual(try r.dataset("labels").read(as: String.self), names)
        XCTAssertEqual(try r.dataset("labels").elementKind(), .string)
        XCTAssertEqual(try r.dataset("messages").read(as: String.self),
                       ["replication 1: converged", "replication 2: rho on the boundary", "replication 3: ok"])
        XCTAssertEqual(try r.dataset("messages").read(as: String.self, range: 2..<3), ["replication 3: ok"])
        try r.close()
    }

    func testGroupsCreateOpenListAndExist() throws {
        let p = path("groups.h5")
        let f = try HDF5File.create(p)
        try f.createGroup("a/b/c")   // intermediate groups are created
        let a = try f.group("a")
        try a.createGroup("z")
        try a.createDataset("values", values: [1.0])
        XCTAssertEqual(try a.children(), ["b", "values", "z"])
        XCTAssertEqual(try f.children(), ["a"])
        XCTAssertTrue(try f.exists("a/b/c"))
        XCTAssertTrue(try f.exists("/a/b"))
        XCTAssertTrue(try a.exists("b/c"))
        XCTAssertFalse(try f.exists("a/x/c"), "a missing intermediate group is not an error")
        XCTAssertFalse(try f.exists("nothing"))
        XCTAssertEqual(try f.kind(of: "a/values"), .dataset)
        XCTAssertEqual(try f.kind(of: "a/b"), .group)
        XCTAssertEqual(try f.group("a/b").path, "/a/b")
        XCTAssertEqual(try a.group("b/c").path, "/a/b/c")
        XCTAssertEqual(try f.groupCreatingIfNeeded("a/b").path, "/a/b")
        XCTAssertEqual(try f.groupCreatingIfNeeded("new").path, "/new")
        try a.remove("z")
        XCTAssertEqual(try a.children(), ["b", "values"])
        try f.close()

        let r = try HDF5File.open(p)
        XCTAssertEqual(try r.group("a").children(), ["b", "values"])
        XCTAssertEqual(try r.children(), ["a", "new"])
        try r.close()
    }

    /// Merging shards: groups copied from two files into a third keep their datasets and attributes.
    func testCopyBetweenFiles() throws {
        for shard in 0..<2 {
            let f = try HDF5File.create(path("shard-\(shard).h5"))
            let g = try f.createGroup("cell-\(shard)")
            try g.setAttribute("shard", shard)
            try g.createExtendibleDataset("bias", of: Double.self).append([Double(shard), 0.5])
            try f.close()
        }
        let merged = try HDF5File.create(path("merged.h5"))
        for shard in 0..<2 {
            let s = try HDF5File.open(path("shard-\(shard).h5"))
            try s.copy("cell-\(shard)", to: merged, as: "cells/cell-\(shard)")
            try s.close()
        }
        let e = expectHDF5Error {
            let s = try HDF5File.open(self.path("shard-0.h5"))
            try s.copy("cell-0", to: merged, as: "cells/cell-0")
        }
        XCTAssertTrue(e?.detail.contains("already exists") ?? false)
        try merged.close()
        let r = try HDF5File.open(path("merged.h5"))
        XCTAssertEqual(try r.group("cells").children(), ["cell-0", "cell-1"])
        XCTAssertEqual(try r.group("cells/cell-1").intAttribute("shard"), 1)
        XCTAssertEqual(try r.dataset("cells/cell-1/bias").read(as: Double.self), [1, 0.5])
        XCTAssertTrue(try r.dataset("cells/cell-0/bias").isExtendible(), "copies keep their layout")
        try r.close()
    }
}
