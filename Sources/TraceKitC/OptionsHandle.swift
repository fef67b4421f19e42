import Synchronization
import TraceKitCore

/// What a `tk_options *` points to. Setters and readers may run on any
/// thread; the sanitizer built from the options is cached until the next change.
final class OptionsHandle: Sendable {
    private struct State {
        var options: Options
        var sanitizer: Sanitizer?
    }

    private let state: Mutex<State>

    init(_ options: Options) {
        state = Mutex(State(options: options))
    }

    var options: Options { state.withLock { $0.options } }

    func update(_ change: (inout Options) throws(OptionError) -> Void) throws(Failure) {
        let error: OptionError? = state.withLock { state in
            var copy = state.options
            do throws(OptionError) {
                try change(&copy)
            } catch {
                return error
            }
            state.options = copy
            state.sanitizer = nil
            return nil
        }
        if let error { throw Failure(error) }
    }

    var sanitizer: Sanitizer {
        state.withLock { state in
            if let cached = state.sanitizer { return cached }
            let made = Sanitizer(options: state.options)
            state.sanitizer = made
            return made
        }
    }

    // MARK: - Handles

    var opaque: OpaquePointer { OpaquePointer(Unmanaged.passRetained(self).toOpaque()) }

    static func from(_ pointer: OpaquePointer?) throws(Failure) -> OptionsHandle {
        guard let pointer else { throw Failure(.invalidArgument, "options must not be NULL") }
        return Unmanaged<OptionsHandle>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }
}
