import Testing
@testable import TraceKitServer

/// Each runtime's exception stack format yields file, function and line.
@Suite("Stack trace parsing")
struct StackTraceParserTests {
    func frames(_ text: String) -> [String] {
        StackTraceParser.parse(text).map { loc in
            "\(loc.filePath):\(loc.lineNumber) \(loc.namespace.isEmpty ? "" : loc.namespace + "|")\(loc.functionName)"
        }
    }

    @Test("Python tracebacks")
    func python() {
        let trace = """
            Traceback (most recent call last):
              File "/app/shop/views.py", line 88, in checkout
                total = charge(cart)
              File "/app/shop/payments.py", line 42, in charge
                raise ValueError("card declined")
            ValueError: card declined
            """
        #expect(frames(trace) == ["/app/shop/views.py:88 checkout", "/app/shop/payments.py:42 charge"])
    }

    @Test("Go panics: function line, then the tab-indented file line")
    func go() {
        let trace = """
            panic: runtime error: index out of range [3] with length 3

            goroutine 1 [running]:
            main.(*Server).handle(0xc000010000, {0x4b2f40, 0x3})
            \t/app/server.go:42 +0x1d
            main.main()
            \t/app/main.go:17 +0x25
            created by main.startWorkers in goroutine 1
            \t/app/workers.go:9 +0x3e
            exit status 2
            """
        #expect(frames(trace) == [
            "/app/server.go:42 main.(*Server)|handle", "/app/main.go:17 main|main", "/app/workers.go:9 main|startWorkers",
        ])
    }

    @Test("Java: the package becomes the file's directory")
    func java() {
        let trace = """
            java.lang.IllegalStateException: declined
            \tat com.shop.pay.Payments.charge(Payments.java:42)
            \tat com.shop.pay.Payments$Retry.run(Payments.java:120)
            \tat java.base/java.lang.Thread.run(Thread.java:833)
            \tat com.shop.Native.call(Native Method)
            \t... 3 more
            """
        #expect(frames(trace) == [
            "com/shop/pay/Payments.java:42 com.shop.pay.Payments|charge",
            "com/shop/pay/Payments.java:120 com.shop.pay.Payments$Retry|run",
            "java/lang/Thread.java:833 java.lang.Thread|run",
        ])
    }

    @Test("Node.js: named, anonymous, async and file:// frames; node: internals skipped")
    func node() {
        let trace = """
            Error: declined
                at Payments.charge (/app/src/payments.js:42:11)
                at async checkout (file:///app/src/routes.mjs:17:5)
                at /app/src/index.js:9:3
                at processTicksAndRejections (node:internal/process/task_queues:95:5)
            """
        #expect(frames(trace) == [
            "/app/src/payments.js:42 Payments|charge", "/app/src/routes.mjs:17 checkout", "/app/src/index.js:9 <anonymous>",
        ])
    }

    @Test("Ruby: backtick and 3.4 quotes, blocks, the message on the first line")
    func ruby() {
        let trace = """
            /app/models/payment.rb:42:in `charge': declined (RuntimeError)
            \tfrom /app/controllers/checkout_controller.rb:17:in `block in create'
            /app/lib/retry.rb:9:in 'Retry#run'
            """
        #expect(frames(trace) == [
            "/app/models/payment.rb:42 charge", "/app/controllers/checkout_controller.rb:17 create", "/app/lib/retry.rb:9 Retry|run",
        ])
    }

    @Test(".NET: frames with ' in FILE:line N'; frames without a file are skipped")
    func dotNet() {
        let trace = """
            System.InvalidOperationException: declined
               at Shop.Payments.PaymentService.Charge(Decimal amount) in /src/Shop/PaymentService.cs:line 42
               at Shop.Controllers.CheckoutController.Post() in /src/Shop/Controllers/CheckoutController.cs:line 17
               at System.Threading.Tasks.Task.Run()
               at Shop.Orders.OrderService.<PlaceAsync>d__4.MoveNext() in /src/Shop/OrderService.cs:line 88
            """
        #expect(frames(trace) == [
            "/src/Shop/PaymentService.cs:42 Shop.Payments.PaymentService|Charge",
            "/src/Shop/Controllers/CheckoutController.cs:17 Shop.Controllers.CheckoutController|Post",
            "/src/Shop/OrderService.cs:88 Shop.Orders.OrderService|PlaceAsync",
        ])
    }

    @Test("Native: gdb, sanitizer, Swift runtime and LLDB backtraces")
    func native() {
        let gdb = """
            #0  0x00007ffff7a42e97 in raise () from /lib/x86_64-linux-gnu/libc.so.6
            #1  0x0000555555555189 in charge (amount=12) at src/pay.c:42
            #2  main () at src/main.c:10
            """
        #expect(frames(gdb) == ["src/pay.c:42 charge", "src/main.c:10 main"])
        let asan = """
            ==1234==ERROR: AddressSanitizer: heap-buffer-overflow
                #0 0x4f5c3e in charge /src/pay.c:42:5
                #1 0x4f5d10 in main /src/main.c:10:3
            """
        #expect(frames(asan) == ["/src/pay.c:42 charge", "/src/main.c:10 main"])
        let swift = """
            Thread 0 crashed:
            0      0x000055d4b5c2e0a4 charge(amount:) + 20 in shop at /src/Sources/Shop/Pay.swift:42:7
            1 [ra] 0x000055d4b5c2e1f0 main + 64 in shop at /src/Sources/Shop/main.swift:5:1
            """
        #expect(frames(swift) == ["/src/Sources/Shop/Pay.swift:42 charge(amount:)", "/src/Sources/Shop/main.swift:5 main"])
        let lldb = """
            * thread #1, name = 'shop', stop reason = signal SIGABRT
              * frame #0: 0x00007ffff7a42e97 libc.so.6`raise + 199
                frame #1: 0x0000555555555189 shop`charge(amount=12) at pay.c:42:5
                frame #2: 0x00005555555551c0 shop`main at main.c:10:3
            """
        #expect(frames(lldb) == ["pay.c:42 charge", "main.c:10 main"])
    }

    @Test("Near misses of each format yield nothing rather than a wrong frame")
    func nearMisses() {
        for line in [
            "File \"/app/a.py\", line x, in f", "at com.shop.Pay.charge(Pay.java:x)", "at charge (/app/pay.js:42)",
            "/app/pay.rb:42:in `charge", "at Shop.Pay.Charge() in /src/Pay.cs:line", "#1 0x1 in charge (x) at pay.c",
            "#1 0x1 in charge /src/pay.c", "frame #1: 0x1 app`charge at pay.c", "1 0x1 charge + 1 in app /src/Pay.swift:4",
        ] {
            #expect(frames(line).isEmpty, "\(line)")
        }
    }

    @Test("Hostile lines built to make a backtracking matcher explode yield no frames (and are scanned linearly)")
    func hostileLines() {
        let n = 4096
        for line in [
            "at " + String(repeating: "(", count: n), "at " + String(repeating: " [as ", count: n),
            "at f(" + String(repeating: ") in ", count: n) + ":line x", "File \"" + String(repeating: "\", line 1", count: n),
            "x" + String(repeating: ":1:in `", count: n), "#1 0x1 in f (" + String(repeating: ") at ", count: n),
            "frame #1: 0x1 m`" + String(repeating: " at ", count: n), "1 0x1 f" + String(repeating: " in x", count: n),
            "\t" + String(repeating: ".go:1", count: n) + "x",
        ] {
            #expect(StackTraceParser.parse(line, maxLineBytes: .max).isEmpty, "\(line.prefix(16))")
        }
    }

    @Test("Lines longer than maxLineBytes are skipped; the frames around them are kept")
    func longLinesSkipped() {
        let long = "  File \"/app/" + String(repeating: "a", count: StackTraceParser.maxLineBytes) + ".py\", line 1, in f"
        let trace = long + "\n  File \"/app/b.py\", line 2, in g"
        #expect(frames(trace) == ["/app/b.py:2 g"])
    }

    @Test("Unrecognised text yields nothing; huge input is bounded")
    func boundedWork() {
        #expect(frames("just a message\nwith two lines").isEmpty)
        let line = "  File \"/app/a.py\", line 1, in f\n"
        let huge = String(repeating: line, count: 100_000)
        #expect(StackTraceParser.parse(huge).count == StackTraceParser.maxFrames)
    }
}
