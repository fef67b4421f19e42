import Glibc
import Synchronization
import TraceKitCore

/// Counts fork()s into child processes. A client remembers the generation it
/// was created in; in a forked child the number differs and the client goes
/// inert (its threads do not exist there). One atomic load per check.
enum ForkGeneration {
    private static let generation = Atomic<Int>(0)
    private static let installed = Atomic<Bool>(false)

    static var current: Int {
        installHandler()
        return generation.load(ordering: .acquiring)
    }

    private static func installHandler() {
        guard !installed.load(ordering: .relaxed),
              installed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        pthread_atfork(nil, nil) { ForkGeneration.childAfterFork() }
    }

    private static func childAfterFork() {
        generation.wrappingAdd(1, ordering: .releasing)
    }
}
