import Testing
import TraceKitCore

/// A breakpoint's file path matches the path an SDK reports when it equals a
/// suffix of it on whole path components; the most specific match wins.
@Suite("Source path matching")
struct SourcePathTests {
    private let reported = "/srv/app/src/payment.go"

    @Test("a file name, a relative suffix and the same absolute path all match",
          arguments: ["payment.go", "src/payment.go", "app/src/payment.go", "/srv/app/src/payment.go",
                      "./src/payment.go", "src//payment.go", "src\\payment.go"])
    func suffixesMatch(_ written: String) {
        #expect(SourcePath.matches(breakpointPath: written, reportedPath: reported))
    }

    @Test("part of a component, another directory, a longer path or another root do not match",
          arguments: ["ayment.go", "c/payment.go", "app/payment.go", "/app/src/payment.go", "/x/srv/app/src/payment.go",
                      "payment", "payment.go/", "", "/", "."])
    func othersDoNotMatch(_ written: String) {
        #expect(!SourcePath.matches(breakpointPath: written, reportedPath: reported))
    }

    @Test("the more components, the more specific; an absolute path is the most specific")
    func specificity() throws {
        let name = try #require(SourcePath.matchLength(breakpointPath: "payment.go", reportedPath: reported))
        let directory = try #require(SourcePath.matchLength(breakpointPath: "src/payment.go", reportedPath: reported))
        let relative = try #require(SourcePath.matchLength(breakpointPath: "srv/app/src/payment.go", reportedPath: reported))
        let absolute = try #require(SourcePath.matchLength(breakpointPath: reported, reportedPath: reported))
        #expect(name < directory && directory < relative && relative < absolute)
    }

    @Test("relative paths reported by an SDK match too")
    func relativeReportedPath() {
        #expect(SourcePath.matches(breakpointPath: "payment.go", reportedPath: "src/payment.go"))
        #expect(SourcePath.matches(breakpointPath: "src/payment.go", reportedPath: "src/payment.go"))
        #expect(!SourcePath.matches(breakpointPath: "/src/payment.go", reportedPath: "src/payment.go"))
    }

    @Test func lastComponent() {
        #expect(SourcePath.lastComponent(reported) == "payment.go")
        #expect(SourcePath.lastComponent("payment.go") == "payment.go")
        #expect(SourcePath.lastComponent("C:\\app\\payment.go") == "payment.go")
        #expect(SourcePath.lastComponent("/") == nil)
    }
}
