import Testing
@testable import TraceKitClient
@testable import TraceKitCore

/// What the sync thread shares with the rest of the client: refresh requests
/// and the stream flag (SyncStatus), poll telemetry (TelemetryEvents).
@Suite("Sync thread's shared state")
struct SyncSignalsTests {
    @Test("a refresh request is taken once; the stream flag reports only the moment it comes up")
    func syncStatus() {
        let status = SyncStatus()
        #expect(!status.takeRefreshRequest())
        status.requestRefresh()
        status.requestRefresh()
        #expect(status.takeRefreshRequest())
        #expect(!status.takeRefreshRequest())

        #expect(!status.isStreamConnected)
        #expect(status.markStreamConnected())
        #expect(!status.markStreamConnected())
        #expect(status.isStreamConnected)
        status.markStreamDisconnected()
        #expect(!status.isStreamConnected)
        #expect(status.markStreamConnected())
    }

    @Test("telemetry events are bounded, taken all at once, and put back ahead of newer ones")
    func telemetryEvents() {
        let events = TelemetryEvents()
        for index in 0..<(TelemetryEvents.capacity + 5) { events.add(.int(Int64(index))) }
        let taken = events.takeAll()
        #expect(taken == (0..<TelemetryEvents.capacity).map { .int(Int64($0)) })
        #expect(events.takeAll().isEmpty)

        events.add(.string("newer"))
        events.putBack([.string("first"), .string("second")])
        #expect(events.takeAll() == [.string("first"), .string("second"), .string("newer")])
    }
}
