import Glibc
import TraceKitCore

/// `tk_status` of tracekit.h; raw values are the C enum's. New cases are
/// only ever appended (the values are ABI).
enum Status: CInt {
    case ok = 0
    case invalidArgument
    case invalidJSON
    case invalidPattern
    case noMemory
    case shutDown
    case queueFull
    case disabled
    case `internal`
    case timeout

    var description: StaticString {
        switch self {
        case .ok: "ok"
        case .invalidArgument: "invalid argument"
        case .invalidJSON: "invalid JSON"
        case .invalidPattern: "invalid pattern"
        case .noMemory: "out of memory"
        case .shutDown: "client shut down"
        case .queueFull: "queue full"
        case .disabled: "disabled"
        case .internal: "internal error"
        case .timeout: "timed out"
        }
    }
}

/// A failed call: its status and the message `tk_last_error` returns.
struct Failure: Error {
    var status: Status
    var message: String

    init(_ status: Status, _ message: String) {
        self.status = status
        self.message = message
    }

    init(_ error: OptionError) {
        self.init(error.kind == .invalidPattern ? .invalidPattern : .invalidArgument, error.message)
    }
}

/// Records `failure` for `tk_last_error` and returns its status.
func report(_ failure: Failure) -> CInt {
    LastError.set(failure.message)
    return failure.status.rawValue
}

/// Runs `body`; a thrown `Failure` is recorded and becomes its status.
func returningStatus(_ body: () throws(Failure) -> Void) -> CInt {
    do {
        try body()
        return Status.ok.rawValue
    } catch {
        return report(error)
    }
}

func staticCString(_ text: StaticString) -> UnsafePointer<CChar> {
    UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self)
}

@_cdecl("tk_status_str")
public func tk_status_str(_ status: CInt) -> UnsafePointer<CChar> {
    staticCString(Status(rawValue: status)?.description ?? "unknown status")
}

@_cdecl("tk_version")
public func tk_version() -> UnsafePointer<CChar> {
    staticCString("0.1.0")
}
