import Foundation

/// The dashboard's static files (`Resources/dashboard`: plain HTML, CSS and
/// JavaScript, no build step), loaded once at start.
struct DashboardAssets: Sendable {
    struct Asset: Sendable {
        let bytes: [UInt8]
        let contentType: String
    }

    let files: [String: Asset]

    /// Loads the files from the first directory that has them: the
    /// `TRACEKIT_SERVER_DASHBOARD_DIR` override, the resource bundle SwiftPM
    /// puts next to the executable, or the source tree (development). The
    /// bundle is looked up by hand because `Bundle.module` traps when the
    /// bundle is missing (e.g. a binary copied without it); then the
    /// dashboard answers 500 "missing asset" and the API works on.
    static func load() -> DashboardAssets {
        for directory in candidateDirectories() {
            let files = loadFiles(in: directory)
            if files["index.html"] != nil { return DashboardAssets(files: files) }
        }
        return DashboardAssets(files: [:])
    }

    static func candidateDirectories() -> [URL] {
        var candidates: [URL] = []
        if let override = ProcessInfo.processInfo.environment["TRACEKIT_SERVER_DASHBOARD_DIR"], !override.isEmpty {
            candidates.append(URL(fileURLWithPath: override))
        }
        let bundleName = "tracekit-server_TraceKitServer.resources"
        for base in [Bundle.main.bundleURL, Bundle.main.executableURL?.deletingLastPathComponent()].compactMap({ $0 }) {
            candidates.append(base.appendingPathComponent(bundleName).appendingPathComponent("dashboard"))   // Linux layout
            candidates.append(base.appendingPathComponent("tracekit-server_TraceKitServer.bundle")
                .appendingPathComponent("Contents/Resources/dashboard"))                                 // macOS layout
        }
        candidates.append(URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Resources").appendingPathComponent("dashboard"))
        return candidates
    }

    static func loadFiles(in directory: URL) -> [String: Asset] {
        let types = ["html": "text/html; charset=utf-8", "css": "text/css; charset=utf-8",
                     "js": "text/javascript; charset=utf-8", "svg": "image/svg+xml"]
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [:] }
        var files: [String: Asset] = [:]
        for name in names {
            guard let type = types[(name as NSString).pathExtension],
                  let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else { continue }
            files[name] = Asset(bytes: Array(data), contentType: type)
        }
        return files
    }

    subscript(name: String) -> Asset? { files[name] }
}
