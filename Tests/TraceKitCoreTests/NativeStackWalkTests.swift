import CTraceKitSupport
import Testing

/// The cached stack walker (CTraceKitSupport/cfi_walk.c) finds the frames
/// libgcc's unwinder finds: both are called from one call site, so the two
/// lists are equal from the first frame on.
@Suite("Native stack walk")
struct NativeStackWalkTests {
    typealias Walker = @convention(c) (UnsafeMutablePointer<UnsafeMutableRawPointer?>?, Int32) -> Int32

    /// Both walkers from the same call instruction: (cached, libgcc).
    @inline(never)
    static func bothWalks(maxFrames: Int) -> (cached: [UInt]?, libgcc: [UInt]) {
        let walkers: [Walker] = [tk_cfi_backtrace, tk_libgcc_backtrace]
        var results: [[UInt]?] = []
        for walker in walkers {
            var addresses = [UnsafeMutableRawPointer?](repeating: nil, count: maxFrames)
            let count = Int(walker(&addresses, Int32(maxFrames)))
            results.append(count < 0 ? nil : addresses[..<count].map { UInt(bitPattern: $0) })
        }
        return (results[0], results[1] ?? [])
    }

    /// Recursion that keeps a frame per level (a variable-sized buffer on
    /// odd levels, so rbp- and rsp-based frames alternate in debug builds).
    @inline(never)
    static func walks(depth: Int, maxFrames: Int) -> (cached: [UInt]?, libgcc: [UInt]) {
        if depth == 0 { return bothWalks(maxFrames: maxFrames) }
        if depth % 2 == 1 {
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: depth * 24) { buffer in
                buffer.initialize(repeating: 0)
                return walks(depth: depth - 1, maxFrames: maxFrames + Int(buffer[0]))
            }
        }
        return walks(depth: depth - 1, maxFrames: maxFrames)
    }

    @Test("the same frames as libgcc's unwinder, at every depth and frame limit")
    func sameFramesAsLibgcc() throws {
        for depth in [0, 1, 2, 7, 20] {
            for maxFrames in [1, 2, 5, 50, 128] {
                let (cached, libgcc) = Self.walks(depth: depth, maxFrames: maxFrames)
                let frames = try #require(cached, "the cached walker gave up on an ordinary stack")
                #expect(frames == libgcc, "depth \(depth), at most \(maxFrames) frames")
                #expect(frames.count == min(maxFrames, libgcc.count))
                #expect(frames.count >= min(maxFrames, depth + 1))
            }
        }
    }

    @Test("the second walk of a stack, from the remembered frames, is the same")
    func rememberedFramesGiveTheSameWalk() throws {
        var walks: [[UInt]] = []
        for _ in 0..<2 { walks.append(try #require(Self.walks(depth: 5, maxFrames: 64).cached)) }
        #expect(walks[0] == walks[1])
        #expect(walks[0].count > 6)
    }

    @Test("no frames asked for, none written")
    func zeroFrames() {
        var addresses = [UnsafeMutableRawPointer?](repeating: nil, count: 1)
        #expect(tk_stack_addresses(&addresses, 0) == 0)
        #expect(tk_cfi_backtrace(&addresses, 0) == 0)
        #expect(tk_cfi_backtrace(&addresses, -1) == 0)
        #expect(addresses[0] == nil)
    }
}
