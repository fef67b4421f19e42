<?php

declare(strict_types=1);

use TraceKit\PHP\Tracekit;

if (!function_exists('tracekit_snapshot')) {
    /**
     * Captures a snapshot here when a breakpoint for this call site is
     * enabled (the Laravel package's helper). Never throws.
     *
     * Untyped parameters: a wrong type is ignored rather than thrown.
     *
     * @param string $label
     * @param array<mixed> $variables
     */
    function tracekit_snapshot(mixed $label, mixed $variables = []): void
    {
        try {
            $snapshotClient = Tracekit::client()->getSnapshotClient();
            if ($snapshotClient !== null) {
                $caller = debug_backtrace(DEBUG_BACKTRACE_IGNORE_ARGS, 1)[0];
                $snapshotClient->checkpoint($caller['file'] ?? '', $caller['line'] ?? 0, $label, $variables, null, 1);
            }
        } catch (\Throwable) {
            // A checkpoint never breaks the application.
        }
    }
}
