import Foundation

/// The dashboard's static files (`Resources/dashboard`: plain HTML, CSS and
/// JavaScript, no build step), loaded once from the bundle.
struct DashboardAssets: Sendable {
    struct Asset: Sendable {
        let bytes: [UInt8]
        let contentType: String
    }

    let files: [String: Asset]

    static func load() -> DashboardAssets {
        var files: [String: Asset] = [:]
        let types = ["html": "text/html; charset=utf-8", "css": "text/css; charset=utf-8",
                     "js": "text/javascript; charset=utf-8", "svg": "image/svg+xml"]
        if let directory = Bundle.module.url(forResource: "dashboard", withExtension: nil),
           let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) {
            for name in names {
                guard let type = types[(name as NSString).pathExtension],
                      let data = FileManager.default.contents(atPath: directory.appendingPathComponent(name).path) else { continue }
                files[name] = Asset(bytes: Array(data), contentType: type)
            }
        }
        return DashboardAssets(files: files)
    }

    subscript(name: String) -> Asset? { files[name] }
}
