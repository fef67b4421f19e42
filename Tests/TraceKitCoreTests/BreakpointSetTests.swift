import Testing
@testable import TraceKitClient
@testable import TraceKitCore

/// docs/PROTOCOL.md matching: `function:label`, then `file:line`; an enabled
/// breakpoint is never hidden behind a disabled one.
@Suite("Breakpoint matching")
struct BreakpointSetTests {
    private func breakpoint(_ id: String, function: String = "", label: String = "", file: String = "",
                            line: Int = 0, enabled: Bool) throws -> Breakpoint {
        let json = #"{"id":"\#(id)","function_name":"\#(function)","label":"\#(label)","file_path":"\#(file)","line_number":\#(line),"enabled":\#(enabled)}"#
        return try #require(Breakpoint(try JSONValue.parse(json)))
    }

    private let site = SiteKey(label: "before-charge", file: "checkout.c", line: 14, function: "charge")

    @Test func functionAndLabelComeFirst() throws {
        let set = BreakpointSet([try breakpoint("a", function: "charge", label: "before-charge", enabled: true),
                                 try breakpoint("b", file: "checkout.c", line: 14, enabled: true)], killSwitch: false)
        #expect(set.match(site)?.id == "a")
    }

    @Test func anEnabledLineBreakpointWinsOverADisabledAutoRegisteredOne() throws {
        let set = BreakpointSet([try breakpoint("auto", function: "charge", label: "before-charge", enabled: false),
                                 try breakpoint("line", file: "checkout.c", line: 14, enabled: true)], killSwitch: false)
        #expect(set.match(site)?.id == "line")
    }

    @Test func aDisabledMatchIsStillReportedWhenNothingIsEnabled() throws {
        let set = BreakpointSet([try breakpoint("auto", function: "charge", label: "before-charge", enabled: false)],
                                killSwitch: false)
        #expect(set.match(site)?.id == "auto")
        #expect(set.match(SiteKey(label: "other", file: "x.c", line: 1, function: "f")) == nil)
    }

    @Test func amongBreakpointsOnOneLineTheEnabledOneWins() throws {
        let set = BreakpointSet([try breakpoint("a", file: "checkout.c", line: 14, enabled: false),
                                 try breakpoint("b", file: "checkout.c", line: 14, enabled: true)], killSwitch: false)
        #expect(set.match(SiteKey(label: "x", file: "checkout.c", line: 14, function: ""))?.id == "b")
    }
}
