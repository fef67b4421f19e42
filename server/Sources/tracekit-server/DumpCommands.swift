import ArgumentParser
import Foundation
import Logging
import TraceKitServer

/// `tracekit-server export`: the whole database as JSON lines on stdout.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write every table of --database to stdout as JSON lines (see `import`).")

    /// `--database` is the server's option: `tracekit-server --database X export`
    /// or `tracekit-server export --database X`.
    @ParentCommand var server: TraceKitServerCommand

    func run() async throws {
        let store = try await openDatabase(server.database)
        var buffer = Data()
        let counts = try await StoreDump.export(store) { line in
            buffer.append(contentsOf: line.utf8)
            buffer.append(UInt8(ascii: "\n"))
            if buffer.count >= 1 << 16 { try FileHandle.standardOutput.write(contentsOf: buffer); buffer.removeAll(keepingCapacity: true) }
        }
        try FileHandle.standardOutput.write(contentsOf: buffer)
        report("exported", counts)
    }
}

/// `tracekit-server import`: reads an export from stdin into a new database.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Read an export from stdin into --database, a new (empty) one, e.g. to move from SQLite to PostgreSQL.")

    @ParentCommand var server: TraceKitServerCommand

    func run() async throws {
        let store = try await openDatabase(server.database)
        let counts = try await StoreDump.import(into: store, lines: AnyIterator { readLine(strippingNewline: true) })
        report("imported", counts)
    }
}

/// Opens `--database` or TRACEKIT_SERVER_DATABASE; there is no default here,
/// so a dump is never read from or written to a database by accident.
private func openDatabase(_ flag: String?) async throws -> any ServerStore {
    guard let text = flag ?? ProcessInfo.processInfo.environment["TRACEKIT_SERVER_DATABASE"] else {
        throw ValidationError("name the database with --database (or TRACEKIT_SERVER_DATABASE)")
    }
    var logger = Logger(label: "tracekit-server")
    logger.logLevel = .warning
    return try await storeLocation(text).open(logger: logger)
}

/// The database location, with a parse error as a usage error (password redacted).
func storeLocation(_ text: String) throws -> StoreLocation {
    do { return try StoreLocation(text) } catch { throw ValidationError(error.description) }
}

/// Rows per table, on stderr (stdout carries the dump).
private func report(_ verb: String, _ counts: [String: Int]) {
    let summary = StoreDump.tables.map { "\($0.name) \(counts[$0.name] ?? 0)" }.joined(separator: ", ")
    FileHandle.standardError.write(Data("\(verb): \(summary)\n".utf8))
}
