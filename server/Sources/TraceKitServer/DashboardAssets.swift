import Foundation

/// The dashboard's static files (`Resources/dashboard`: plain HTML, CSS and
/// JavaScript, no build step), embedded in the executable.
struct DashboardAssets: Sendable {
    struct Asset: Sendable {
        let bytes: [UInt8]
        let contentType: String
    }

    let files: [String: Asset]

    /// The files embedded in the executable (SwiftPM's `embedInCode`), or,
    /// for development, those of the `TRACEKIT_SERVER_DASHBOARD_DIR`
    /// directory (edit the dashboard without rebuilding).
    static func load() -> DashboardAssets {
        if let override = ProcessInfo.processInfo.environment["TRACEKIT_SERVER_DASHBOARD_DIR"], !override.isEmpty {
            let files = loadFiles(in: URL(fileURLWithPath: override))
            if files["index.html"] != nil { return DashboardAssets(files: files) }
        }
        return DashboardAssets(files: embedded)
    }

    static let embedded: [String: Asset] = {
        let files: [String: [UInt8]] = [
            "index.html": PackageResources.index_html, "login.html": PackageResources.login_html,
            "app.js": PackageResources.app_js, "login.js": PackageResources.login_js,
            "style.css": PackageResources.style_css,
        ]
        return files.reduce(into: [:]) { assets, file in
            if let type = contentType(of: file.key) { assets[file.key] = Asset(bytes: file.value, contentType: type) }
        }
    }()

    static func contentType(of name: String) -> String? {
        let types = ["html": "text/html; charset=utf-8", "css": "text/css; charset=utf-8",
                     "js": "text/javascript; charset=utf-8", "svg": "image/svg+xml"]
        return types[(name as NSString).pathExtension]
    }

    static func loadFiles(in directory: URL) -> [String: Asset] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [:] }
        var files: [String: Asset] = [:]
        for name in names {
            guard let type = contentType(of: name),
                  let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else { continue }
            files[name] = Asset(bytes: Array(data), contentType: type)
        }
        return files
    }

    subscript(name: String) -> Asset? { files[name] }
}
