import CTraceKitSupport
import TraceKitClient
import TraceKitCore

// tk_client_*, tk_capture, tk_site_*: see include/tracekit.h for the contract.

/// The client behind a `tk_client *` (retained by the handle).
private func client(_ pointer: OpaquePointer?) throws(Failure) -> CaptureClient {
    guard let pointer else { throw Failure(.invalidArgument, "client must not be NULL") }
    return Unmanaged<CaptureClient>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
}

@_cdecl("tk_client_new")
public func tk_client_new(_ options: OpaquePointer?) -> OpaquePointer? {
    do throws(Failure) {
        let options = try OptionsHandle.from(options).options
        tk_site_claim_set_full(fullClaim)  // before any site of any client exists
        do throws(CaptureClient.StartError) {
            let made = try CaptureClient(options: options)
            return OpaquePointer(Unmanaged.passRetained(made).toOpaque())
        } catch {
            switch error.kind {
            case .invalidOptions: throw Failure(.invalidArgument, error.message)
            case .threadsNotStarted: throw Failure(.internal, error.message)
            }
        }
    } catch {
        _ = report(error)
        return nil
    }
}

/// The message of `TK_ERR_SHUT_DOWN`.
private let shutDownMessage = "the client has been shut down"

@_cdecl("tk_client_flush")
public func tk_client_flush(_ pointer: OpaquePointer?, _ timeoutMs: Int64) -> CInt {
    returningStatus { () throws(Failure) in
        let client = try client(pointer)
        switch client.lifecycle {
        case .forkedChild: return
        case .shutDown: throw Failure(.shutDown, shutDownMessage)
        case .running: break
        }
        guard client.flush(timeoutMs: Int(clamping: timeoutMs)) else {
            throw Failure(.timeout, "flush timed out with snapshots still queued")
        }
    }
}

@_cdecl("tk_client_stats")
public func tk_client_stats(_ pointer: OpaquePointer?) -> UnsafeMutablePointer<CChar>? {
    do throws(Failure) {
        return mallocCString(Array(try client(pointer).statsJSON().utf8))
    } catch {
        _ = report(error)
        return nil
    }
}

@_cdecl("tk_client_shutdown")
public func tk_client_shutdown(_ pointer: OpaquePointer?) -> CInt {
    returningStatus { () throws(Failure) in
        guard try client(pointer).shutdown() else {
            throw Failure(.timeout, "shutdown timed out: snapshots still queued were dropped (counted as failed)")
        }
    }
}

@_cdecl("tk_client_free")
public func tk_client_free(_ pointer: OpaquePointer?) {
    guard let pointer else { return }
    let unmanaged = Unmanaged<CaptureClient>.fromOpaque(UnsafeRawPointer(pointer))
    unmanaged.takeUnretainedValue().shutdown()
    unmanaged.release()
}

/// Maps a capture's outcome to its status, recording a message on failure.
private func status(_ outcome: CaptureOutcome) -> CInt {
    switch outcome {
    case .captured, .skipped: return Status.ok.rawValue
    case .queueFull: return report(Failure(.queueFull, "captured, but the send queue is full: dropped"))
    case .invalidJSON(let message): return report(Failure(.invalidJSON, message))
    case .invalidArgument(let message): return report(Failure(.invalidArgument, message))
    case .shutDown: return report(Failure(.shutDown, shutDownMessage))
    }
}

private func optionalString(_ pointer: UnsafePointer<CChar>?) -> String {
    pointer.map { String(cString: $0) } ?? ""
}

private func site(_ client: CaptureClient, _ label: UnsafePointer<CChar>?, _ file: UnsafePointer<CChar>?,
                  _ line: Int32, _ function: UnsafePointer<CChar>?) throws(Failure) -> Site {
    let label = try requiredString(label, "label")
    guard !label.isEmpty else { throw Failure(.invalidArgument, "label must not be empty") }
    guard line >= 0 else { throw Failure(.invalidArgument, "line must not be negative") }
    return client.site(label: label, file: optionalString(file), line: Int(line), function: optionalString(function))
}

/// Inlined into the entry points, which take the native stack in their own
/// frame: the unwinder then walks one frame of this library, not five.
@inline(__always)
private func capture(_ client: CaptureClient, _ site: Site, _ json: UnsafePointer<CChar>?, _ length: Int,
                     _ context: UnsafePointer<CChar>?) -> CInt {
    do throws(Failure) {
        let variables = try requiredBytes(json, length, "variables_json")
        let contextBytes = try context.map { pointer throws(Failure) in
            try requiredBytes(pointer, nulTerminated, "context_json")
        }
        switch client.prepareCapture(site: site, variables: variables, context: contextBytes) {
        case .finished(let outcome):
            return status(outcome)
        case .prepared(let prepared):
            return status(client.finishCapture(prepared, nativeStack: prepared.takeNativeStack()))
        }
    } catch {
        return report(error)
    }
}

@_cdecl("tk_capture")
public func tk_capture(_ pointer: OpaquePointer?, _ label: UnsafePointer<CChar>?, _ file: UnsafePointer<CChar>?,
                       _ line: Int32, _ function: UnsafePointer<CChar>?, _ json: UnsafePointer<CChar>?,
                       _ length: Int, _ context: UnsafePointer<CChar>?) -> CInt {
    do throws(Failure) {
        let client = try client(pointer)
        if let refusal = client.lifecycle.captureRefusal { return status(refusal) }
        return capture(client, try site(client, label, file, line, function), json, length, context)
    } catch {
        return report(error)
    }
}

@_cdecl("tk_site_get")
public func tk_site_get(_ pointer: OpaquePointer?, _ label: UnsafePointer<CChar>?, _ file: UnsafePointer<CChar>?,
                        _ line: Int32, _ function: UnsafePointer<CChar>?) -> OpaquePointer? {
    do throws(Failure) {
        let client = try client(pointer)
        switch client.lifecycle {
        case .forkedChild: throw Failure(.shutDown, "the client belongs to the parent process (fork)")
        case .shutDown: throw Failure(.shutDown, shutDownMessage)
        case .running: break
        }
        // The client keeps its sites (and their cells) alive.
        return OpaquePointer(try site(client, label, file, line, function).cell)
    } catch {
        _ = report(error)
        return nil
    }
}

@_cdecl("tk_site_active")
public func tk_site_active(_ pointer: OpaquePointer?) -> CInt {
    guard let pointer else { return 0 }
    return tk_site_cell_load(UnsafePointer<tk_site_cell>(pointer))
}

@_cdecl("tk_site_active_cell")
public func tk_site_active_cell(_ pointer: OpaquePointer?) -> UnsafePointer<Int32>? {
    guard let pointer else { return nil }
    // `active` is the cell's first member: the address of the cell is the address of the flag.
    return UnsafeRawPointer(pointer).assumingMemoryBound(to: Int32.self)
}

/// `tk_site_claim` is C (CTraceKitSupport/site_claim.c): it refuses what a
/// site's suppression hint decides and hands everything else to this.
private let fullClaim: tk_full_claim = { cell in
    guard let owner = cell?.pointee.owner else { return 0 }
    // The client keeps the site alive: no retain/release on this path.
    return Unmanaged<Site>.fromOpaque(owner)._withUnsafeGuaranteedRef { $0.claim() } ? 1 : 0
}

@_cdecl("tk_site_register")
public func tk_site_register(_ pointer: OpaquePointer?) -> CInt {
    guard let pointer, let owner = UnsafePointer<tk_site_cell>(pointer).pointee.owner else {
        return report(Failure(.invalidArgument, "site must not be NULL"))
    }
    let site = Unmanaged<Site>.fromOpaque(owner).takeUnretainedValue()
    guard site.client.register(site: site) else { return report(Failure(.shutDown, shutDownMessage)) }
    return Status.ok.rawValue
}

@_cdecl("tk_site_capture")
public func tk_site_capture(_ pointer: OpaquePointer?, _ json: UnsafePointer<CChar>?, _ length: Int,
                            _ context: UnsafePointer<CChar>?) -> CInt {
    guard let pointer, let owner = UnsafePointer<tk_site_cell>(pointer).pointee.owner else {
        return report(Failure(.invalidArgument, "site must not be NULL"))
    }
    let site = Unmanaged<Site>.fromOpaque(owner).takeUnretainedValue()
    return capture(site.client, site, json, length, context)
}
