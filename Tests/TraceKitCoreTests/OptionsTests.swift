import Testing
@testable import TraceKitClient
@testable import TraceKitCore

/// docs/ARCHITECTURE.md "Capture semantics" defaults; every setter validates and names its option.
@Suite("Options")
struct OptionsTests {
    @Test func defaultsAreThoseOfTheDesign() {
        let options = Options()
        #expect(options.captureDepth == 10)
        #expect(options.maxPayload == 65_536)
        #expect(options.captureTimeoutMs == 5_000)
        #expect(options.piiScrubbing)
        #expect(options.codeMonitoring)
        #expect(options.circuitBreaker == Options.CircuitBreakerSettings())
        #expect(options.circuitBreaker.maxFailures == 3)
        #expect(options.circuitBreaker.windowMs == 60_000)
        #expect(options.circuitBreaker.cooldownMs == 300_000)
        #expect(options.pollIntervalMs == 30_000)
        #expect(options.maxQueue == 1_000)
        #expect(options.maxCapturesPerSecond == 100)
        #expect(options.sse)
    }

    struct BadValue: CustomTestStringConvertible, Sendable {
        let option: String
        let apply: @Sendable (inout Options) throws -> Void
        var testDescription: String { option }
    }

    @Test(arguments: [
        BadValue(option: "capture_depth") { try $0.setCaptureDepth(-1) },
        BadValue(option: "max_payload") { try $0.setMaxPayload(-5) },
        BadValue(option: "max_string_length") { try $0.setMaxStringLength(-1) },
        BadValue(option: "capture_timeout_ms") { try $0.setCaptureTimeoutMs(-1) },
        BadValue(option: "circuit_breaker.max_failures") { try $0.setCircuitBreaker(maxFailures: 0, windowMs: 1, cooldownMs: 1) },
        BadValue(option: "circuit_breaker.window_ms") { try $0.setCircuitBreaker(maxFailures: 1, windowMs: 0, cooldownMs: 1) },
        BadValue(option: "poll_interval_ms") { try $0.setPollIntervalMs(99) },
        BadValue(option: "max_queue") { try $0.setMaxQueue(0) },
        BadValue(option: "max_captures_per_second") { try $0.setMaxCapturesPerSecond(.nan) },
        BadValue(option: "max_captures_per_second") { try $0.setMaxCapturesPerSecond(-1) },
        BadValue(option: "service_name") { try $0.setServiceName("") },
        BadValue(option: "service_name") { try $0.setServiceName("has/slash") },
        BadValue(option: "endpoint") { try $0.setEndpoint("ftp://host") },
        BadValue(option: "endpoint") { try $0.setEndpoint("http://") },
        BadValue(option: "endpoint") { try $0.setEndpoint("http://host with space") },
        BadValue(option: "api_key") { try $0.setAPIKey("") },
    ])
    func aBadValueIsRejectedNamingTheOptionAndChangesNothing(_ bad: BadValue) {
        var options = Options()
        let before = String(describing: options)
        #expect {
            try bad.apply(&options)
        } throws: { error in
            (error as? OptionError)?.message.hasPrefix(bad.option + ":") ?? false
        }
        #expect(String(describing: options) == before)
    }

    @Test func anAPIKeyWithAControlCharacterIsRejectedWithoutEchoingIt() {
        var options = Options()
        #expect {
            try options.setAPIKey("secret-key-123\r\nX-Evil: 1")
        } throws: { error in
            let message = (error as? OptionError)?.message ?? ""
            return message.hasPrefix("api_key:") && !message.contains("secret-key-123")
        }
    }

    @Test(arguments: [
        ("http://127.0.0.1:7070", "http://127.0.0.1:7070"),
        ("https://app.tracekit.dev/", "https://app.tracekit.dev"),
        ("https://app.tracekit.dev/v1/traces", "https://app.tracekit.dev"),
        ("HTTP://Host:80/prefix/", "HTTP://Host:80/prefix"),
    ])
    func endpointsKeepTheBaseURL(_ input: String, _ base: String) throws {
        var options = Options()
        try options.setEndpoint(input)
        #expect(options.endpoint == base)
    }

    @Test func environmentVariablesApplyOnTopOfTheDefaults() throws {
        let environment = [
            "TRACEKIT_API_KEY": "k-123", "TRACEKIT_SERVICE_NAME": "checkout", "TRACEKIT_ENDPOINT": "http://localhost:7070",
            "TRACEKIT_CODE_MONITORING": "false", "TRACEKIT_CAPTURE_DEPTH": "4", "TRACEKIT_MAX_PAYLOAD": "2048",
            "TRACEKIT_CAPTURE_TIMEOUT_MS": "250", "TRACEKIT_PII_SCRUBBING": "off",
        ]
        var options = Options()
        try options.applyEnvironment { environment[$0] }
        #expect(options.apiKey == "k-123")
        #expect(options.serviceName == "checkout")
        #expect(options.endpoint == "http://localhost:7070")
        #expect(!options.codeMonitoring)
        #expect(options.captureDepth == 4)
        #expect(options.maxPayload == 2048)
        #expect(options.captureTimeoutMs == 250)
        #expect(!options.piiScrubbing)
    }

    @Test(arguments: [
        ("TRACEKIT_CAPTURE_DEPTH", "deep"), ("TRACEKIT_MAX_PAYLOAD", "-1"), ("TRACEKIT_PII_SCRUBBING", "maybe"),
        ("TRACEKIT_ENDPOINT", "localhost:7070"),
    ])
    func aBadEnvironmentValueNamesTheVariable(_ name: String, _ value: String) {
        var options = Options()
        #expect {
            try options.applyEnvironment { $0 == name ? value : nil }
        } throws: { error in
            (error as? OptionError)?.message.hasPrefix(name + ":") ?? false
        }
    }
}
