package dev.tracekit.internal;

import com.sun.jna.Pointer;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A call site: the native tk_site and a direct ByteBuffer over its 32-bit
 * active flag (tk_site_active_cell). isActive() is one opaque 4-byte load
 * from native memory: no JNA call. Opaque (not plain) so that the JIT reloads
 * it on every pass of a loop and a breakpoint enabled meanwhile is seen.
 */
public final class Site {
    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());
    /** What every site reads once its client is freed: always 0. */
    private static final ByteBuffer INERT = ByteBuffer.allocateDirect(4);

    final Pointer handle;
    private ByteBuffer cell;

    Site(Pointer handle, Pointer cell) {
        this.handle = handle;
        this.cell = handle == null || cell == null ? INERT : cell.getByteBuffer(0, 4);
    }

    static Site inert() {
        return new Site(null, null);
    }

    /** True for a site that is not registered (client closed, site limit, invalid label): never active. */
    public boolean isInert() {
        return handle == null;
    }

    public boolean isActive() {
        return (int) INT.getOpaque(cell, 0) != 0;
    }

    /** Before the client is freed: the cell's memory goes with it. */
    void detach() {
        cell = INERT;
    }
}
