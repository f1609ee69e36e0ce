import Foundation

/// Combines shard result files into the file an unsharded run would have made.
public enum ShardMerge {
    /// Checks that the inputs come from the same scenario text, seed, number
    /// of replications and spillsim version, and that their shards cover every
    /// replication exactly once; then writes the merged file atomically.
    public static func merge(inputs: [String], output: String, format: any ResultsFormat, overwrite: Bool = false) throws {
        guard !inputs.isEmpty else { throw RunError.failed("merge needs at least one input file") }
        if FileManager.default.fileExists(atPath: output) && !overwrite {
            throw RunError.mergeOutputExists(path: output)
        }
        if let input = inputs.first(where: { URL(fileURLWithPath: $0).standardized == URL(fileURLWithPath: output).standardized }) {
            throw RunError.mergeOutputIsInput(path: input)
        }
        try OutputPath.check(output)
        let sources = try inputs.map { path -> (String, any ResultsSource) in
            do { return (path, try format.open(path: path)) } catch let error as RunError {
                throw error   // already names the file and the reason
            } catch {
                throw RunError.failed("cannot open \(path) as a spillsim result file: \(error)")
            }
        }
        let first = sources[0].1.metadata
        for (path, source) in sources.dropFirst() {
            var m = source.metadata
            m.shard = first.shard
            for (field, same) in [("scenario text", m.scenarioText == first.scenarioText), ("seed", m.seed == first.seed),
                                  ("replications per cell", m.replications == first.replications),
                                  ("spillsim version", m.toolVersion == first.toolVersion),
                                  ("design cells or estimators", m.cells == first.cells && m.estimators == first.estimators)] where !same {
                throw RunError.failed("cannot merge \(path) with \(sources[0].0): their \(field) differ; shards of one run must come from the same scenario file, seed and spillsim version")
            }
            guard m == first else {
                throw RunError.failed("cannot merge \(path) with \(sources[0].0): their run settings differ")
            }
        }
        // Shards must tile 0..<R: sort by first (then end) replication, then require contiguity.
        let ordered = sources.sorted {
            let a = $0.1.metadata.replicationRange, b = $1.1.metadata.replicationRange
            return (a.lowerBound, a.upperBound) < (b.lowerBound, b.upperBound)   // an empty shard before a full one at the same start
        }
        var expected = 0
        for (path, source) in ordered {
            let r = source.metadata.replicationRange
            guard r.lowerBound == expected else {
                throw RunError.failed(r.lowerBound < expected
                    ? "\(path) (shard \(source.metadata.shard)) overlaps replications already merged; pass each shard once"
                    : "replications \(expected)..<\(r.lowerBound) are in none of the inputs; a shard is missing")
            }
            expected = r.upperBound
        }
        guard expected == first.replications else {
            throw RunError.failed("replications \(expected)..<\(first.replications) are in none of the inputs; a shard is missing")
        }
        // Each shard once (an empty shard — more shards than replications — tiles
        // nothing, so only its shard number can tell that it was passed twice).
        var seen: [Shard: String] = [:]
        for (path, source) in sources {
            if let other = seen[source.metadata.shard] {
                throw RunError.failed("\(path) and \(other) are both shard \(source.metadata.shard); pass each shard once")
            }
            seen[source.metadata.shard] = path
        }
        var metadata = first
        metadata.shard = .whole
        let sink = try format.create(path: output, metadata: metadata)
        do {
            for info in metadata.cells {
                var records: [ReplicationRecord] = []
                for (_, source) in ordered { records += try source.cell(info.ordinal).records }
                let cell = CellResults(info: info, records: records)
                try sink.write(cell: cell, measures: cell.measures(metadata))
            }
            try sink.commit()
        } catch {
            sink.discard()
            throw error
        }
    }
}
