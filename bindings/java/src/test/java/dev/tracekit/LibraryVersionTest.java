package dev.tracekit;

import dev.tracekit.internal.NativeApi;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Which libtracekit the binding accepts: the same major version only. */
class LibraryVersionTest {
    @Test
    void theLoadedLibraryIsAccepted() {
        assertNull(NativeApi.loadFailure(), () -> "library refused: " + NativeApi.loadFailure());
    }

    @Test
    void aLibraryOfAnotherMajorVersionIsRefusedNamingBothVersions() {
        Throwable refused = NativeApi.versionMismatch("7.0.0", "0.1.0");
        assertNotNull(refused);
        assertTrue(refused.getMessage().contains("7.0.0") && refused.getMessage().contains("0.1.0"), refused.getMessage());
        assertNull(NativeApi.versionMismatch("0.9.3", "0.1.0"));
    }
}
