import Foundation
import Testing
import TraceKitCore
@testable import TraceKitServer

/// The capture path's building blocks: ids, the stored document, count
/// announcements and the rows a batch carries to the next.
@Suite("Capture ingest")
struct CaptureIngestTests {
    @Test("Snapshot ids are distinct lowercase version-4 UUIDs")
    func snapshotIDs() {
        let ids = (0..<2_000).map { _ in StoreIDs.newID() }  // several refills of the random pool
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(300) {
            let parts = id.split(separator: "-").map(\.count)
            #expect(parts == [8, 4, 4, 4, 12], "\(id)")
            #expect(id.allSatisfy { "0123456789abcdef-".contains($0) }, "\(id)")
            #expect(Array(id)[14] == "4", "version: \(id)")
            #expect("89ab".contains(Array(id)[19]), "variant: \(id)")
        }
    }

    @Test("The stored document is the body as sent with id and received_at appended, which win over the body's own")
    func storedDocument() throws {
        let body = "{ \"variables\": {\"a\": [1, 2]},\n \"id\": \"mine\", \"label\": \"é\" }\n "
        let text = CaptureDocument.text(body: body, id: "0b5e-id", receivedAt: "2026-12-02T07:00:00.000Z")
        #expect(text.hasPrefix("{ \"variables\": {\"a\": [1, 2]},\n \"id\": \"mine\", \"label\": \"é\" "))
        let stored = try JSONValue.parse(text)
        #expect(stored["id"]?.stringValue == "0b5e-id")
        #expect(stored["received_at"]?.stringValue == "2026-12-02T07:00:00.000Z")
        #expect(stored["label"]?.stringValue == "é")
        #expect(stored["variables"]?["a"]?.arrayValue?.count == 2)
        let empty = try JSONValue.parse(CaptureDocument.text(body: "{ }", id: "x", receivedAt: "t"))
        #expect(empty == .object(["id": .string("x"), "received_at": .string("t")]))
    }

    @Test("Count changes: the first announced at once, a burst within the interval once at its end, then quiet")
    func countAnnouncements() async throws {
        let feed = ChangeFeed()
        let counts = CountAnnouncements(changes: feed, interval: .milliseconds(500))
        let bp = Breakpoint(id: "bp-1", serviceName: "checkout", now: 0)
        let change = StoreChange(.breakpointUpdated, id: "bp-1", service: "checkout")
        counts.countChanged(bp)
        #expect(feed.take()?.changes == [change])
        for _ in 0..<50 { counts.countChanged(bp) }
        #expect(feed.take() == nil)  // waiting for the interval's end
        let deadline = ContinuousClock.now + .seconds(5)
        var atTheEnd: [StoreChange]?
        while atTheEnd == nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
            atTheEnd = feed.take()?.changes
        }
        #expect(atTheEnd == [change])  // the 50 as one
        try await Task.sleep(for: .milliseconds(1_200))
        #expect(feed.take() == nil)  // nothing changed in the last interval: no more announcements
        counts.countChanged(bp)
        #expect(feed.take()?.changes == [change])  // a new burst starts with an announcement at once
    }

    @Test("A batch reuses the rows the last one left only while nobody else wrote: changes made meanwhile are seen")
    func carriedRowsFollowOtherWrites() async throws {
        try await TestServer.run { server in
            let id = try await server.createBreakpoint(#"{"service_name": "checkout", "file_path": "a.py", "line_number": 1, "max_captures": 3}"#)
            #expect(try await server.capture(id).status == .created)
            // Through the API (the same writer connection): disabling must stop the next capture.
            #expect(try await server.admin(.patch, "/api/breakpoints/\(id)", #"{"enabled": false}"#).status == .ok)
            #expect(try await server.capture(id)["reason"]?.stringValue == "breakpoint_disabled")
            #expect(try await server.admin(.patch, "/api/breakpoints/\(id)", #"{"enabled": true}"#).status == .ok)
            #expect(try await server.capture(id).status == .created)
            // The kill switch too.
            #expect(try await server.admin(.post, "/api/services/checkout/kill-switch", #"{"enabled": true}"#).status == .ok)
            #expect(try await server.capture(id)["reason"]?.stringValue == "kill_switch")
            #expect(try await server.admin(.post, "/api/services/checkout/kill-switch", #"{"enabled": false}"#).status == .ok)
            #expect(try await server.capture(id).status == .created)  // the third: the limit, disabled
            #expect(try await server.capture(id)["reason"]?.stringValue == "breakpoint_disabled")
            let bp = try await server.admin(.get, "/api/breakpoints/\(id)")
            #expect(bp["capture_count"]?.intValue == 3)
            #expect(bp["enabled"]?.boolValue == false)
        }
    }
}
