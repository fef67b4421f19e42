/// The library version, kept equal to TK_VERSION_* in include/tracekit.h.
public enum TraceKitVersion {
    public static let major = 0
    public static let minor = 1
    public static let patch = 0
    public static let string = "0.1.0"
}
