import CHDF5
import Foundation

public extension HDF5Container {
    /// Creates a 1-D dataset holding `values` (fixed size).
    @discardableResult
    func createDataset<T: HDF5Element>(_ name: String, values: [T]) throws -> HDF5Dataset {
        let d = try makeDataset(name, kind: T.hdf5Kind, dims: [values.count], extendible: false, chunkRows: nil,
                                compressionLevel: nil)
        try d.writeAll(values)
        return d
    }

    /// Creates a 2-D dataset holding `rows` (fixed size).
    @discardableResult
    func createDataset<T: HDF5Element & Equatable>(_ name: String, rows: RowMajorArray<T>) throws -> HDF5Dataset {
        let d = try makeDataset(name, kind: T.hdf5Kind, dims: [rows.rows, rows.columns], extendible: false,
                                chunkRows: nil, compressionLevel: nil)
        try d.writeAll(rows.values)
        return d
    }

    /// Creates an empty extendible dataset of `T`: 1-D when `columns` is nil,
    /// otherwise 2-D with that many columns. Its first dimension is unlimited.
    ///
    /// - Parameters:
    ///   - chunkRows: rows per HDF5 chunk. The default makes chunks of about
    ///     64 KiB (at least 16 rows): large enough that appending one
    ///     replication's row at a time stays cheap, small enough that reading a
    ///     few rows does not pull megabytes.
    ///   - compressionLevel: gzip level 1–9 (with the shuffle filter for numbers),
    ///     or nil for none. gzip is readable by h5py, R and h5dump everywhere.
    @discardableResult
    func createExtendibleDataset<T: HDF5Element>(_ name: String, of type: T.Type, columns: Int? = nil,
                                                 chunkRows: Int? = nil, compressionLevel: Int? = nil) throws -> HDF5Dataset {
        let object = "\(containerGroup.core.diskPath):\(containerGroup.childPath(name))"
        if let c = columns, c < 1 {
            throw HDF5Error(function: "H5Dcreate2", object: object, detail: "a 2-D dataset needs at least one column, got \(c)")
        }
        let width = columns ?? 1
        let rowBytes = (T.hdf5Kind == .string ? 16 : 8) * width
        let rows = chunkRows ?? max(16, 65_536 / rowBytes)
        guard rows >= 1 else { throw HDF5Error(function: "H5Pset_chunk", object: object, detail: "chunkRows must be ≥ 1, got \(rows)") }
        if let level = compressionLevel, !(1...9).contains(level) {
            throw HDF5Error(function: "H5Pset_deflate", object: object, detail: "gzip level must be 1–9, got \(level)")
        }
        return try makeDataset(name, kind: T.hdf5Kind, dims: columns.map { [0, $0] } ?? [0], extendible: true,
                               chunkRows: rows, compressionLevel: compressionLevel)
    }

    internal func makeDataset(_ name: String, kind: HDF5ElementKind, dims: [Int], extendible: Bool,
                              chunkRows: Int?, compressionLevel: Int?) throws -> HDF5Dataset {
        let g = containerGroup
        let gid = try g.liveID("H5Dcreate2")
        let object = "\(g.core.diskPath):\(g.childPath(name))"
        if try exists(name) {
            throw HDF5Error(function: "H5Dcreate2", object: object,
                            detail: "an object with this name already exists; remove it first or choose another name")
        }
        let lcpl = try h5id(H5Pcreate(spill_H5P_LINK_CREATE()), "H5Pcreate", object)
        defer { H5Pclose(lcpl) }
        try h5check(H5Pset_create_intermediate_group(lcpl, 1), "H5Pset_create_intermediate_group", object)
        let dcpl = try h5id(H5Pcreate(spill_H5P_DATASET_CREATE()), "H5Pcreate", object)
        defer { H5Pclose(dcpl) }
        if extendible, let chunkRows {
            var chunk = dims.map { hsize_t(max($0, 1)) }
            chunk[0] = hsize_t(chunkRows)
            try h5check(H5Pset_chunk(dcpl, Int32(chunk.count), &chunk), "H5Pset_chunk", object)
            if let level = compressionLevel {
                guard H5Zfilter_avail(H5Z_filter_t(H5Z_FILTER_DEFLATE)) > 0 else {
                    throw HDF5Error(function: "H5Pset_deflate", object: object, detail: "this HDF5 library was built without gzip")
                }
                if kind != .string { try h5check(H5Pset_shuffle(dcpl), "H5Pset_shuffle", object) }
                try h5check(H5Pset_deflate(dcpl, UInt32(level)), "H5Pset_deflate", object)
            }
        }
        var current = dims.map { hsize_t($0) }
        var maximum = current
        if extendible { maximum[0] = spill_H5S_UNLIMITED() }
        let space = try h5id(H5Screate_simple(Int32(dims.count), &current, &maximum), "H5Screate_simple", object)
        defer { H5Sclose(space) }
        let ftype = try ElementCodec.fileType(kind, object: object)
        defer { ftype.release() }
        let id = try h5id(H5Dcreate2(gid, name, ftype.id, space, lcpl, dcpl, spill_H5P_DEFAULT()), "H5Dcreate2", object)
        return HDF5Dataset(core: g.core, id: id, path: g.childPath(name))
    }
}

extension HDF5Dataset {
    /// Writes the whole (fixed-size) dataset from `values` in row-major order.
    func writeAll<T: HDF5Element>(_ values: [T]) throws {
        let did = try liveID("H5Dwrite")
        if values.isEmpty { return }
        try ElementCodec.write(values, function: "H5Dwrite", object: location) { mem, buf in
            H5Dwrite(did, mem, spill_H5S_ALL(), spill_H5S_ALL(), spill_H5P_DEFAULT(), buf)
        }
    }
}
