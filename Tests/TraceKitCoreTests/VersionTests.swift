import Testing
@testable import TraceKitClient
@testable import TraceKitCore

@Suite struct VersionTests {
    @Test func versionStringMatchesComponents() {
        #expect(TraceKitVersion.string == "\(TraceKitVersion.major).\(TraceKitVersion.minor).\(TraceKitVersion.patch)")
    }
}
