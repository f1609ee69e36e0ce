import CHDF5
import Foundation

/// A 1-D or 2-D dataset of doubles, 64-bit integers or strings.
///
/// Fixed datasets are written whole when created. Extendible datasets have an
/// unlimited first dimension and grow by `append`; rows are the first index
/// (a 2-D extendible dataset is a table that gains rows). `length()` reads the
/// current first dimension from the file, so after a reopen it tells how much
/// was stored before the writer stopped.
public final class HDF5Dataset: HDF5Object, HDF5AttributeHolder {
    init(core: FileCore, id: hid_t, path: String) {
        super.init(core: core, id: id, path: path, close: H5Dclose, closeName: "H5Dclose")
    }

    public var attributeOwner: HDF5Object { self }

    // MARK: Shape and type

    /// Current dimensions, e.g. [n] or [rows, columns].
    public func shape() throws -> [Int] { try extent().dims }

    /// The first dimension (elements of a 1-D dataset, rows of a 2-D one).
    public func length() throws -> Int { try extent().dims.first ?? 0 }

    /// True if the first dimension is unlimited (the dataset can be appended to).
    public func isExtendible() throws -> Bool { try extent().extendible }

    /// The kind of element stored, or an error for types Storage does not read.
    public func elementKind() throws -> HDF5ElementKind {
        try withFileType("H5Dget_type") { t in
            guard let k = ElementCodec.kind(of: t) else {
                throw HDF5Error(function: "H5Dget_type", object: location,
                                detail: "holds \(ElementCodec.describe(t)), which Storage does not read")
            }
            return k
        }
    }

    // MARK: Reading

    /// All elements of a 1-D dataset.
    public func read<T: HDF5Element>(as type: T.Type) throws -> [T] {
        let e = try extent()
        try requireRank(1, e, function: "H5Dread", hint: "use readRows(as:)")
        return try readBlock(T.self, start: [0], count: e.dims)
    }

    /// Elements `range` of a 1-D dataset.
    public func read<T: HDF5Element>(as type: T.Type, range: Range<Int>) throws -> [T] {
        let e = try extent()
        try requireRank(1, e, function: "H5Dread", hint: "use readRows(as:range:)")
        try requireRange(range, within: e.dims[0])
        return try readBlock(T.self, start: [range.lowerBound], count: [range.count])
    }

    /// All rows of a 2-D dataset.
    public func readRows<T: HDF5Element & Equatable>(as type: T.Type) throws -> RowMajorArray<T> {
        let e = try extent()
        try requireRank(2, e, function: "H5Dread", hint: "use read(as:)")
        let values = try readBlock(T.self, start: [0, 0], count: e.dims)
        return try RowMajorArray(rows: e.dims[0], columns: e.dims[1], values: values)
    }

    /// Rows `range` of a 2-D dataset.
    public func readRows<T: HDF5Element & Equatable>(as type: T.Type, range: Range<Int>) throws -> RowMajorArray<T> {
        let e = try extent()
        try requireRank(2, e, function: "H5Dread", hint: "use read(as:range:)")
        try requireRange(range, within: e.dims[0])
        let values = try readBlock(T.self, start: [range.lowerBound, 0], count: [range.count, e.dims[1]])
        return try RowMajorArray(rows: range.count, columns: e.dims[1], values: values)
    }

    // MARK: Appending

    /// Appends elements to a 1-D extendible dataset.
    public func append<T: HDF5Element>(_ values: [T]) throws {
        let e = try extent()
        try requireRank(1, e, function: "H5Dset_extent", hint: "append rows with append(rows:)")
        try appendBlock(values, rows: values.count, extent: e)
    }

    /// Appends rows to a 2-D extendible dataset; their width must match the dataset's.
    public func append<T: HDF5Element & Equatable>(rows: RowMajorArray<T>) throws {
        let e = try extent()
        try requireRank(2, e, function: "H5Dset_extent", hint: "append elements with append(_:)")
        guard rows.columns == e.dims[1] || rows.rows == 0 else {
            throw HDF5Error(function: "H5Dset_extent", object: location,
                            detail: "appending rows of width \(rows.columns) to a dataset of width \(e.dims[1])")
        }
        try appendBlock(rows.values, rows: rows.rows, extent: e)
    }

    /// Appends one row to a 2-D extendible dataset.
    public func append<T: HDF5Element & Equatable>(row: [T]) throws {
        try append(rows: RowMajorArray(rows: 1, columns: row.count, values: row))
    }

    /// Sets the first dimension of an extendible dataset: shrinking drops the
    /// last rows (e.g. a partly written block found on resume), growing pads
    /// with the fill value (0, or "" for strings).
    public func resize(length: Int) throws {
        let e = try extent()
        guard e.extendible else {
            throw HDF5Error(function: "H5Dset_extent", object: location, detail: "the dataset is not extendible (it was created with a fixed size)")
        }
        guard length >= 0 else { throw HDF5Error(function: "H5Dset_extent", object: location, detail: "negative length \(length)") }
        var dims = e.dims.map { hsize_t($0) }
        dims[0] = hsize_t(length)
        try h5check(H5Dset_extent(try liveID("H5Dset_extent"), &dims), "H5Dset_extent", location)
    }

    // MARK: Internals

    struct Extent {
        let dims: [Int]
        let extendible: Bool
    }

    func extent() throws -> Extent {
        let did = try liveID("H5Dget_space")
        let space = try h5id(H5Dget_space(did), "H5Dget_space", location)
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank >= 0 else { throw HDF5Error.fromStack("H5Sget_simple_extent_ndims", location) }
        var dims = [hsize_t](repeating: 0, count: max(rank, 1))
        var maxDims = [hsize_t](repeating: 0, count: max(rank, 1))
        try h5check(H5Sget_simple_extent_dims(space, &dims, &maxDims), "H5Sget_simple_extent_dims", location)
        return Extent(dims: dims.prefix(rank).map { Int($0) },
                      extendible: rank > 0 && maxDims[0] == spill_H5S_UNLIMITED())
    }

    private func requireRank(_ rank: Int, _ e: Extent, function: String, hint: String) throws {
        guard e.dims.count == rank else {
            throw HDF5Error(function: function, object: location,
                            detail: "the dataset is \(e.dims.count)-D (shape \(e.dims)), not \(rank)-D; \(hint)")
        }
    }

    private func requireRange(_ range: Range<Int>, within n: Int) throws {
        guard range.lowerBound >= 0, range.upperBound <= n else {
            throw HDF5Error(function: "H5Sselect_hyperslab", object: location,
                            detail: "rows \(range.lowerBound)..<\(range.upperBound) requested; the dataset has \(n)")
        }
    }

    private func withFileType<R>(_ function: String, _ body: (hid_t) throws -> R) throws -> R {
        let t = try h5id(H5Dget_type(try liveID(function)), "H5Dget_type", location)
        defer { H5Tclose(t) }
        return try body(t)
    }

    /// Reads the hyperslab starting at `start` with `count` elements per dimension.
    private func readBlock<T: HDF5Element>(_: T.Type, start: [Int], count: [Int]) throws -> [T] {
        let did = try liveID("H5Dread")
        let total = count.reduce(1, *)
        return try withFileType("H5Dread") { ftype in
            let fspace = try h5id(H5Dget_space(did), "H5Dget_space", location)
            defer { H5Sclose(fspace) }
            var s = start.map { hsize_t($0) }, c = count.map { hsize_t($0) }
            if total > 0 {
                try h5check(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &s, nil, &c, nil), "H5Sselect_hyperslab", location)
            }
            var m = [hsize_t(total)]
            let mspace = try h5id(H5Screate_simple(1, &m, nil), "H5Screate_simple", location)
            defer { H5Sclose(mspace) }
            return try ElementCodec.read(T.self, count: total, fileType: ftype, function: "H5Dread", object: location) { mem, buf in
                H5Dread(did, mem, mspace, fspace, spill_H5P_DEFAULT(), buf)
            }
        }
    }

    /// Grows the first dimension by `rows` and writes `values` into the new rows;
    /// on a failed write the dataset is shrunk back so its length stays truthful.
    private func appendBlock<T: HDF5Element>(_ values: [T], rows: Int, extent e: Extent) throws {
        guard e.extendible else {
            throw HDF5Error(function: "H5Dset_extent", object: location,
                            detail: "the dataset is not extendible (created with a fixed size); create it with createExtendibleDataset")
        }
        if rows == 0 { return }
        let did = try liveID("H5Dwrite")
        try withFileType("H5Dwrite") { ftype in
            try ElementCodec.checkWritable(ftype, kind: T.hdf5Kind, function: "H5Dwrite", object: location)
        }
        var newDims = e.dims.map { hsize_t($0) }
        newDims[0] += hsize_t(rows)
        try h5check(H5Dset_extent(did, &newDims), "H5Dset_extent", location)
        do {
            let fspace = try h5id(H5Dget_space(did), "H5Dget_space", location)
            defer { H5Sclose(fspace) }
            var start = [hsize_t](repeating: 0, count: e.dims.count)
            start[0] = hsize_t(e.dims[0])
            var count = newDims
            count[0] = hsize_t(rows)
            try h5check(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &start, nil, &count, nil), "H5Sselect_hyperslab", location)
            var m = [hsize_t(values.count)]
            let mspace = try h5id(H5Screate_simple(1, &m, nil), "H5Screate_simple", location)
            defer { H5Sclose(mspace) }
            try ElementCodec.write(values, function: "H5Dwrite", object: location) { mem, buf in
                H5Dwrite(did, mem, mspace, fspace, spill_H5P_DEFAULT(), buf)
            }
        } catch {
            var oldDims = e.dims.map { hsize_t($0) }
            _ = H5Dset_extent(did, &oldDims)
            H5Eclear2(spill_H5E_DEFAULT())
            throw error
        }
    }
}
