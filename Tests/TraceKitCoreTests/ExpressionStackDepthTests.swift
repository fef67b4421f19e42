import Foundation
import Synchronization
import Testing
import TraceKitCore

/// Conditions run on the host's threads, whose stacks may be small. The
/// largest expressions and deepest documents accepted must work on a 512 KiB
/// stack (a common size for secondary threads) — in this debug build, whose
/// stack frames are the largest.
@Suite struct ExpressionStackDepthTests {
    private static func onSmallStack(_ work: @escaping @Sendable () -> Void) {
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            work()
            done.signal()
        }
        thread.stackSize = 512 * 1024
        thread.start()
        done.wait()
    }

    @Test func largestExpressionsEvaluateOnASmallStack() {
        let sources = [
            Array(repeating: "1", count: 500).joined(separator: "+"),
            Array(repeating: "a", count: 1000).joined(separator: "."),
            String(repeating: "!", count: 63) + "true",
            String(repeating: "(", count: 63) + "1" + String(repeating: ")", count: 63),
        ]
        let results = Mutex<[JSONValue?]>([])
        Self.onSmallStack {
            for source in sources {
                let value = try? ConditionExpression(source).evaluate(.object([:]), mode: .server)
                results.withLock { $0.append(value) }
            }
        }
        #expect(results.withLock { $0 } == [.int(500), .null, .bool(false), .int(1)])
    }

    @Test func deepestDocumentsCompareAndPrintOnASmallStack() {
        let text = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        let results = Mutex<(Bool?, String?)>((nil, nil))
        Self.onSmallStack {
            guard let document = try? JSONValue.parse(text) else { return }
            let variables = JSONValue.object(["a": document, "b": document])
            let equal = try? ConditionExpression("a == b").holds(variables)
            let text = document.jsonText
            results.withLock { $0 = (equal, text) }
        }
        #expect(results.withLock { $0.0 } == true)
        #expect(results.withLock { $0.1 } == text)
    }
}
