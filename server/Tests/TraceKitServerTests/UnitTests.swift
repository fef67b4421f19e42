import Testing
@testable import TraceKitServer

@Suite("Building blocks")
struct UnitTests {
    @Test("SHA-256 matches the FIPS 180-4 test vectors")
    func sha256Vectors() {
        #expect(SHA256.hexDigest("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hexDigest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hexDigest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("RFC 3339 timestamps parse with fractions and offsets, and format back in UTC")
    func timestamps() throws {
        #expect(Timestamps.parse("1970-01-01T00:00:00Z") == 0)
        #expect(Timestamps.parse("2026-11-25T12:00:00.5Z") == 1_795_608_000.5)
        #expect(Timestamps.parse("2026-11-25T13:00:00+01:00") == 1_795_608_000)
        #expect(Timestamps.parse("2026-11-25T12:00:00.123456Z").map { abs($0 - 1_795_608_000.123456) < 1e-6 } == true)
        for bad in ["", "2026-11-25", "2026-13-01T00:00:00Z", "2026-11-25T12:00:00", "2026-11-25T12:00:00Zjunk", "yesterday"] {
            #expect(Timestamps.parse(bad) == nil, "\(bad)")
        }
        #expect(Timestamps.format(1_795_608_000.25) == "2026-11-25T12:00:00.250Z")
        let now = Timestamps.now()
        let roundTrip = try #require(Timestamps.parse(Timestamps.format(now)))
        #expect(abs(roundTrip - now) < 0.001)
    }

    @Test("The SSE hub disconnects a reader whose buffer is full instead of growing")
    func slowReaderIsDisconnected() async throws {
        let hub = SSEHub(bufferEvents: 4)
        let hungUp = HangUpFlag()
        // Kept alive, unread: its buffer fills.
        let subscription = try hub.subscribe(service: "checkout", keyID: "k1", hangUp: { hungUp.set() })
        defer { withExtendedLifetime(subscription) {} }
        for index in 0..<50 { await hub.publish(service: "checkout", event: "breakpoint_updated", data: .int(Int64(index))) }
        #expect(hungUp.value)
        #expect(hub.slowReadersDisconnected.load(ordering: .relaxed) == 1)
        #expect(hub.connectionCount(service: "checkout") == 0)
    }

    @Test("An event reaches every stream of the service, slice after slice, and no other service's")
    func fanOutInSlicesReachesEveryStream() async throws {
        let hub = SSEHub(bufferEvents: 8, deliverySlice: 2)
        let streams = try (0..<5).map { _ in try hub.subscribe(service: "checkout", keyID: "k1", hangUp: {}).stream }
        let other = try hub.subscribe(service: "billing", keyID: "k1", hangUp: {})
        await hub.publish(service: "checkout", event: "breakpoint_updated", data: .int(7))
        for stream in streams {
            var iterator = stream.makeAsyncIterator()
            let frame = try #require(await iterator.next())
            #expect(String(buffer: frame).contains("event: breakpoint_updated\nid: 1\ndata: 7\n\n"))
        }
        hub.unsubscribe(service: "billing", id: other.id)
        var otherIterator = other.stream.makeAsyncIterator()
        #expect(await otherIterator.next() == nil)  // finished, nothing was queued for it
    }

    @Test("sdk_count adds the other instances' reported streams; this instance's own report stays its own")
    func sdkCountSumsTheFleet() throws {
        let hub = SSEHub(bufferEvents: 8)
        let subscription = try hub.subscribe(service: "checkout", keyID: "k1", hangUp: {})
        defer { withExtendedLifetime(subscription) {} }
        hub.setOtherInstancesCounts(["checkout": 2, "billing": 5])
        #expect(hub.fleetConnectionCount(service: "checkout") == 3)
        #expect(hub.fleetConnectionCount(service: "billing") == 5)
        #expect(hub.connectionCounts() == ["checkout": 1])
        hub.setOtherInstancesCounts([:])
        #expect(hub.fleetConnectionCount(service: "checkout") == 1)
    }

    @Test("After closeAll the hub refuses new streams (graceful shutdown)")
    func closedHubRefuses() {
        let hub = SSEHub(bufferEvents: 8)
        hub.closeAll()
        let error = #expect(throws: APIError.self) { try hub.subscribe(service: "checkout", keyID: "k1", hangUp: {}) }
        #expect(error?.status == .serviceUnavailable)
    }

    @Test("Revoking a key closes exactly the streams it opened")
    func revocationClosesStreams() throws {
        let hub = SSEHub(bufferEvents: 8)
        let revokedHungUp = HangUpFlag()
        let otherHungUp = HangUpFlag()
        _ = try hub.subscribe(service: "checkout", keyID: "revoked", hangUp: { revokedHungUp.set() })
        _ = try hub.subscribe(service: "billing", keyID: "revoked", hangUp: { revokedHungUp.set() })
        _ = try hub.subscribe(service: "checkout", keyID: "other", hangUp: { otherHungUp.set() })
        #expect(hub.closeStreams(keyID: "revoked") == 2)
        #expect(revokedHungUp.value && !otherHungUp.value)
        #expect(hub.connectionCount(service: "checkout") == 1 && hub.connectionCount(service: "billing") == 0)
    }

    @Test("A key may open at most maxStreamsPerKey streams (429 beyond); closing one frees a place")
    func streamsPerKeyAreCapped() throws {
        let hub = SSEHub(bufferEvents: 8, maxStreamsPerKey: 2)
        let first = try hub.subscribe(service: "checkout", keyID: "k1", hangUp: {})
        _ = try hub.subscribe(service: "checkout", keyID: "k1", hangUp: {})
        let error = #expect(throws: APIError.self) { try hub.subscribe(service: "checkout", keyID: "k1", hangUp: {}) }
        #expect(error?.status == .tooManyRequests)
        _ = try hub.subscribe(service: "checkout", keyID: "k2", hangUp: {})
        hub.unsubscribe(service: "checkout", id: first.id)
        _ = try hub.subscribe(service: "checkout", keyID: "k1", hangUp: {})
    }
}

final class HangUpFlag: Sendable {
    private let flag = Synchronization.Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .relaxed) }
    var value: Bool { flag.load(ordering: .relaxed) }
}

import Synchronization
