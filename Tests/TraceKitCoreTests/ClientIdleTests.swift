import Foundation
import Testing
@testable import TraceKitClient
@testable import TraceKitCore
import TraceKitTestSupport

/// A client with nothing to do sleeps: its threads wake for the next poll,
/// a snapshot or shutdown, never in a loop. Measured as the CPU time of the
/// client's own threads (robust to a loaded machine, unlike wall time, and
/// blind to the other suites running in this process).
@Suite("Client: an idle client's threads sleep")
struct ClientIdleTests {
    /// What an idle client may use of one core. A spinning thread takes its
    /// whole share of the CPU (10-14 % of a core measured with ~18 runnable
    /// threads on 2 cores, all of it on an idle machine); a sleeping client's
    /// two threads use about 0.1 %.
    static let maxShareOfCore = 0.05

    enum Backend: String, CaseIterable, CustomTestStringConvertible {
        /// tracekit-server's answer with no breakpoints: a stream is offered,
        /// but there is nothing to stream for.
        case offersStreamNoBreakpoints
        /// A breakpoint is active and a stream offered, but the client has SSE off.
        case offersStreamSSEOff
        /// Every poll fails.
        case unreachable

        var testDescription: String { rawValue }
    }

    @Test("an idle client uses under 5 % of one core", arguments: Backend.allCases)
    func idleClientSleeps(backend kind: Backend) throws {
        let backend = InProcessBackend()
        switch kind {
        case .offersStreamNoBreakpoints: backend.offerSSE()
        case .offersStreamSSEOff: backend.offerSSE(); backend.setBreakpoints([breakpointJSON()])
        case .unreachable: backend.stop()
        }
        let client = try makeClient(backend, pollIntervalMs: 1_000, sse: kind != .offersStreamSSEOff)
        defer { client.shutdown() }
        #expect(eventually { client.counter("polls") >= 1 })

        let seconds = 2.0
        let before = client.threadsCPUTimeNanoseconds
        Thread.sleep(forTimeInterval: seconds)
        let share = (Double(client.threadsCPUTimeNanoseconds) - Double(before)) / (seconds * 1e9)
        #expect(share < Self.maxShareOfCore, "the idle client's threads used \(Int(share * 100)) % of a core")
    }
}
