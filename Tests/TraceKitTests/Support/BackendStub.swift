import Foundation

/// Runs backend_stub.py (next to this file): one enabled breakpoint for
/// (function, label); captured snapshots are appended to a temporary file.
final class BackendStub {
    let port: Int
    private let process = Process()
    private let input = Pipe()
    private let capturesFile = FileManager.default.temporaryDirectory
        .appendingPathComponent("tracekit-stub-\(UUID().uuidString).jsonl")

    var baseURL: String { "http://127.0.0.1:\(port)" }

    init(function: String, label: String) throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("backend_stub.py")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, function, label, capturesFile.path]
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.hasPrefix("PORT "), let port = Int(text.dropFirst(5)) else {
            process.terminate()
            throw StubError.noPort(text)
        }
        self.port = port
    }

    /// The snapshots the stub received, as parsed JSON objects.
    func captured() throws -> [[String: Any]] {
        guard let text = try? String(contentsOf: capturesFile, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        process.terminate()
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: capturesFile)
    }

    enum StubError: Error { case noPort(String) }
}

/// Polls `condition` every 20 ms for up to `seconds`.
func eventually(seconds: Double = 5, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return try condition()
}
