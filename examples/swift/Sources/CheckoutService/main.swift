// POST /checkout with a JSON order: the handler's checkpoint "order-checkout"
// captures the order (customer email and card number included) whenever a
// breakpoint is enabled on it; TraceKit scrubs them before anything leaves.
//
//   TRACEKIT_API_KEY=... TRACEKIT_ENDPOINT=http://127.0.0.1:7070 \
//     swift run --package-path examples/swift CheckoutService 8083
import Foundation
import TraceKit

struct Order: Codable {
    var email: String
    var card: String
    var items: [Item]

    struct Item: Codable {
        var sku: String
        var qty: Int
        var price: Double
    }
}

struct CheckoutCapture: Encodable {
    var customerEmail: String
    var card: String
    var total: Double
}

/// The handler with the checkpoint.
func checkout(_ order: Order, client: TraceKit.Client) -> String {
    let total = order.items.reduce(0) { $0 + $1.price * Double($1.qty) }
    _ = try? client.capture("order-checkout", CheckoutCapture(customerEmail: order.email, card: order.card, total: total))
    return "{\"status\":\"accepted\",\"total\":\(total)}"
}

/// A minimal blocking HTTP/1.0 server on 127.0.0.1: one request per connection.
func serve(port: UInt16, handle: (String, String, Data) -> (Int, String)) throws {
    let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var yes: Int32 = 1
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard bound == 0, listen(listener, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
    print("checkout service on http://127.0.0.1:\(port)")
    while true {
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { continue }
        var request = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while request.count < 1 << 20 {
            let count = read(connection, &buffer, buffer.count)
            if count <= 0 { break }
            request.append(contentsOf: buffer[0..<count])
            if let text = String(data: request, encoding: .utf8), let end = text.range(of: "\r\n\r\n") {
                let length = text[..<end.lowerBound].split(separator: "\r\n")
                    .first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                if text.utf8.count - text.utf8.distance(from: text.startIndex, to: end.upperBound) >= length { break }
            }
        }
        let text = String(decoding: request, as: UTF8.self)
        let requestLine = text.split(separator: "\r\n").first.map { $0.split(separator: " ") } ?? []
        let body = text.range(of: "\r\n\r\n").map { Data(text[$0.upperBound...].utf8) } ?? Data()
        let (status, reply) = handle(requestLine.count > 1 ? String(requestLine[0]) : "",
                                     requestLine.count > 1 ? String(requestLine[1]) : "", body)
        let response = "HTTP/1.0 \(status) OK\r\nContent-Type: application/json\r\nContent-Length: \(reply.utf8.count)\r\n\r\n\(reply)"
        _ = response.withCString { write(connection, $0, strlen($0)) }
        close(connection)
    }
}

let environment = ProcessInfo.processInfo.environment
let port = CommandLine.arguments.dropFirst().first.flatMap(UInt16.init) ?? 8083
do {
    let options = try TraceKit.Options(apiKey: environment["TRACEKIT_API_KEY"] ?? "",
                                       serviceName: environment["TRACEKIT_SERVICE_NAME"] ?? "checkout",
                                       endpoint: environment["TRACEKIT_ENDPOINT"] ?? "http://127.0.0.1:7070")
    let client = try TraceKit.Client(options: options)
    try serve(port: port) { method, path, body in
        guard method == "POST", path == "/checkout",
              let order = try? JSONDecoder().decode(Order.self, from: body) else { return (404, "{\"error\":\"not found\"}") }
        return (200, checkout(order, client: client))
    }
} catch {
    print("checkout service: \(error)")
    exit(1)
}
