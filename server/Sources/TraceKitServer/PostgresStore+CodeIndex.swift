import PostgresNIO

/// The code index behind "Browse Code", and the dashboard's change markers.
extension PostgresStore {
    public func recordCodeLocations(_ counts: [String: [CodeLocation: Int]], now: Double) async throws {
        guard !counts.isEmpty else { return }
        try await transaction { connection in
            for (service, locations) in counts {
                try await touchService(connection, name: service, now: now)
                var stored = try await rows("SELECT COUNT(*) AS n FROM code_locations WHERE service_name = \(service)", on: connection)
                    .first?["n"].decode(Int.self) ?? 0
                for (location, hits) in locations {
                    let updated = try await count("""
                        UPDATE code_locations SET hit_count = hit_count + \(hits), last_seen_at = \(now)
                        WHERE service_name = \(service) AND file_path = \(location.filePath) AND namespace = \(location.namespace)
                        AND function_name = \(location.functionName) AND line_number = \(location.lineNumber) RETURNING 1
                        """, on: connection)
                    guard updated == 0, stored < maxCodeLocationsPerService else { continue }
                    // Another instance may have inserted it meanwhile: then add the hits.
                    try await connection.query("""
                        INSERT INTO code_locations (service_name, file_path, namespace, function_name, line_number,
                                                    first_seen_at, last_seen_at, hit_count)
                        VALUES (\(service), \(location.filePath), \(location.namespace), \(location.functionName), \(location.lineNumber),
                                \(now), \(now), \(hits))
                        ON CONFLICT (service_name, file_path, namespace, function_name, line_number)
                        DO UPDATE SET hit_count = code_locations.hit_count + excluded.hit_count, last_seen_at = excluded.last_seen_at
                        """, logger: logger)
                    stored += 1
                }
            }
        }
    }

    public func codeLocations(service: String) async throws -> [CodeIndexRow] {
        try await rows("""
            SELECT * FROM code_locations WHERE service_name = \(service)
            ORDER BY file_path, namespace, function_name, line_number
            """).map { row in
            CodeIndexRow(
                location: CodeLocation(filePath: try row["file_path"].decode(String.self),
                                       functionName: try row["function_name"].decode(String.self),
                                       namespace: try row["namespace"].decode(String.self),
                                       lineNumber: try row["line_number"].decode(Int.self)),
                firstSeenAt: try row["first_seen_at"].decode(Double.self), lastSeenAt: try row["last_seen_at"].decode(Double.self),
                hitCount: try row["hit_count"].decode(Int.self))
        }
    }

    public func codeIndexSummary() async throws -> [CodeIndexSummary] {
        try await rows("""
            SELECT service_name, COUNT(DISTINCT file_path) AS files, COUNT(*) AS locations, SUM(hit_count)::BIGINT AS hits
            FROM code_locations GROUP BY service_name ORDER BY service_name
            """).map { row in
            CodeIndexSummary(service: try row["service_name"].decode(String.self), files: try row["files"].decode(Int.self),
                             locations: try row["locations"].decode(Int.self), hits: try row["hits"].decode(Int.self))
        }
    }

    public func dashboardMarkers() async throws -> (latestSnapshot: Int64, codeLocations: Int, codeHits: Int) {
        guard let row = try await rows("""
            SELECT (SELECT COALESCE(MAX(seq), 0) FROM snapshots) AS seq, COUNT(*) AS n, COALESCE(SUM(hit_count), 0)::BIGINT AS hits
            FROM code_locations
            """).first else { return (0, 0, 0) }
        return (try row["seq"].decode(Int64.self), try row["n"].decode(Int.self), try row["hits"].decode(Int.self))
    }
}
