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

/// Line breakpoints as people write them: `payment.go:42` matches the SDK's
/// `/srv/app/src/payment.go` at line 42 (SourcePath); the most specific wins.
@Suite("Breakpoint matching by path suffix")
struct BreakpointPathMatchingTests {
    private func lineBreakpoint(_ id: String, _ file: String, line: Int = 42, enabled: Bool = true) throws -> Breakpoint {
        let json = #"{"id":"\#(id)","file_path":"\#(file)","line_number":\#(line),"enabled":\#(enabled)}"#
        return try #require(Breakpoint(try JSONValue.parse(json)))
    }

    private func site(_ file: String, line: Int = 42) -> SiteKey {
        SiteKey(label: "l", file: file, line: line, function: "pay")
    }

    @Test("payment.go, src/payment.go and the full path each match the SDK's full path",
          arguments: ["payment.go", "src/payment.go", "/srv/app/src/payment.go"])
    func writtenFormsMatch(_ written: String) throws {
        let set = BreakpointSet([try lineBreakpoint("a", written)], killSwitch: false)
        #expect(set.match(site("/srv/app/src/payment.go"))?.id == "a")
        #expect(set.match(site("/srv/app/src/payment.go", line: 43)) == nil)
    }

    @Test("ayment.go or another directory does not match")
    func nonMatches() throws {
        let set = BreakpointSet([try lineBreakpoint("a", "ayment.go"), try lineBreakpoint("b", "lib/payment.go")],
                                killSwitch: false)
        #expect(set.match(site("/srv/app/src/payment.go")) == nil)
    }

    @Test("the most specific matching path wins, whatever the ids")
    func mostSpecificWins() throws {
        let set = BreakpointSet([try lineBreakpoint("a", "src/payment.go"), try lineBreakpoint("b", "payment.go"),
                                 try lineBreakpoint("c", "/srv/app/src/payment.go"),
                                 try lineBreakpoint("d", "/srv/other/src/payment.go")], killSwitch: false)
        #expect(set.match(site("/srv/app/src/payment.go"))?.id == "c")
        #expect(set.match(site("/opt/app/src/payment.go"))?.id == "a")
        #expect(set.match(site("/opt/app/lib/payment.go"))?.id == "b")
    }

    @Test("an enabled match wins over a more specific disabled one")
    func enabledBeforeSpecific() throws {
        let set = BreakpointSet([try lineBreakpoint("a", "payment.go"),
                                 try lineBreakpoint("b", "src/payment.go", enabled: false)], killSwitch: false)
        #expect(set.match(site("/srv/app/src/payment.go"))?.id == "a")
    }
}

@Suite("Breakpoint matching: a person's breakpoint before an auto-registered one")
struct BreakpointOwnerMatchingTests {
    private let site = SiteKey(label: "before-charge", file: "/srv/app/checkout.c", line: 14, function: "charge")

    private func make(_ json: String) throws -> Breakpoint { try #require(Breakpoint(try JSONValue.parse(json))) }

    @Test("an enabled auto-registered label breakpoint does not shadow an enabled line breakpoint a person set")
    func personBeforeAuto() throws {
        let auto = try make(#"{"id":"a","function_name":"charge","label":"before-charge","enabled":true,"auto_registered":true}"#)
        let line = try make(#"{"id":"b","file_path":"checkout.c","line_number":14,"enabled":true}"#)
        #expect(BreakpointSet([auto, line], killSwitch: false).match(site)?.id == "b")
        #expect(BreakpointSet([auto], killSwitch: false).match(site)?.id == "a")
    }

    @Test("an auto-registered breakpoint at the same file and line does not shadow a person's, whatever the ids")
    func personBeforeAutoOnTheSameLine() throws {
        // The server stores a registered site's file and line: the auto-registered breakpoint is a
        // line candidate too, with the more specific (full) path.
        for (autoID, personID) in [("a", "b"), ("b", "a")] {
            let auto = try make(#"{"id":"\#(autoID)","function_name":"charge","label":"before-charge","file_path":"/srv/app/checkout.c","line_number":14,"enabled":true,"auto_registered":true}"#)
            let line = try make(#"{"id":"\#(personID)","function_name":"charge","file_path":"checkout.c","line_number":14,"enabled":true}"#)
            #expect(BreakpointSet([auto, line], killSwitch: false).match(site)?.id == personID)
        }
    }

    @Test("a label breakpoint a person set still comes before a line breakpoint")
    func labelFirstAmongPeople() throws {
        let label = try make(#"{"id":"a","function_name":"charge","label":"before-charge","enabled":true}"#)
        let line = try make(#"{"id":"b","file_path":"checkout.c","line_number":14,"enabled":true}"#)
        #expect(BreakpointSet([label, line], killSwitch: false).match(site)?.id == "a")
    }
}
