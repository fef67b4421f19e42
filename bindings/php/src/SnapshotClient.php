<?php

declare(strict_types=1);

namespace TraceKit\PHP;

use FFI;
use TraceKit\PHP\Native\Library;

/**
 * Checkpoints on a native libtracekit client (php-apm's SnapshotClient).
 *
 * The engine keeps the breakpoints in sync from its own threads (polling in
 * web mode, SSE in CLI and worker processes), scrubs and bounds the
 * variables and sends snapshots in the background: a checkpoint never waits
 * on the network.
 *
 * The inactive path makes no FFI call: each call site (file, line, label)
 * caches its site's active flag, an FFI pointer into the engine's memory,
 * and a checkpoint reads it (a CData dereference, not a call). Only an
 * active site builds its variables' JSON and calls tk_site_capture.
 *
 * Nothing here throws into the caller: every entry point catches \Throwable
 * and keeps the message for lastError().
 */
final class SnapshotClient
{
    private const STACK_FRAMES = 32;

    /** @var array<string, array<int, array<string, FFI\CData>>> file => line => label => active flag */
    private array $cells = [];
    /** @var array<string, array<int, array<string, FFI\CData>>> file => line => label => tk_site * */
    private array $sites = [];
    private ?FFI\CData $inertCell = null;
    private ?string $lastError = null;

    public function __construct(private ?FFI\CData $client)
    {
    }

    /**
     * Captures a snapshot here if a breakpoint for this call site is enabled.
     * php-apm's checkAndCaptureWithContext: $requestContext replaces the
     * request taken from the middleware or $_SERVER when given.
     *
     * Untyped parameters: a wrong type is reported through lastError(), not thrown.
     *
     * @param array<string, mixed>|null $requestContext
     * @param string $label
     * @param array<mixed> $variables
     */
    public function checkAndCaptureWithContext(mixed $requestContext, mixed $label, mixed $variables = []): void
    {
        try {
            $caller = debug_backtrace(DEBUG_BACKTRACE_IGNORE_ARGS, 1)[0];
            $this->checkpoint($caller['file'] ?? '', $caller['line'] ?? 0, $label, $variables, $requestContext, 1);
        } catch (\Throwable $error) {
            $this->fail($error);
        }
    }

    /**
     * One checkpoint at ($file, $line). $frames: how many frames the public
     * entry point is above this method, to find the caller's function name.
     *
     * @internal for TracekitClient and tracekit_snapshot()
     */
    public function checkpoint(string $file, int $line, mixed $label, mixed $variables, mixed $requestContext,
                               int $frames): void
    {
        try {
            // Types are checked off the inactive path: in intern() and capture().
            $cell = $this->cells[$file][$line][$label] ?? $this->intern($file, $line, $label, $frames + 1);
            if ($cell[0] === 0) {
                return;
            }
            $this->capture($this->sites[$file][$line][$label], $variables, $requestContext, $frames + 1);
        } catch (\Throwable $error) {
            $this->fail($error);
        }
    }

    /** php-apm's pollOnce: the engine syncs on its own; kept for API compatibility. */
    public function pollOnce(): void
    {
    }

    /**
     * Waits until queued snapshots are sent (at most $timeoutSeconds).
     * True when the queue drained in time.
     */
    public function flush(float $timeoutSeconds = 5.0): bool
    {
        try {
            return $this->client !== null
                && Library::ffi()->tk_client_flush($this->client, (int) max(0, $timeoutSeconds * 1000)) === 0;
        } catch (\Throwable $error) {
            $this->fail($error);
            return false;
        }
    }

    /** @return array<string, mixed> the engine's counters (captured, sent, dropped_*, kill_switch, ...) */
    public function getStats(): array
    {
        try {
            if ($this->client === null) {
                return [];
            }
            $stats = json_decode(Library::takeString(Library::ffi()->tk_client_stats($this->client)) ?? '{}', true);
            return is_array($stats) ? $stats : [];
        } catch (\Throwable $error) {
            $this->fail($error);
            return [];
        }
    }

    /** The message of the last failure inside a checkpoint or call, if any. */
    public function lastError(): ?string
    {
        return $this->lastError;
    }

    /**
     * Forgets the client (its sites are freed with it). Called before the
     * native client is freed; every checkpoint afterwards is a no-op.
     *
     * @internal
     */
    public function detach(): void
    {
        $this->client = null;
        $this->cells = [];
        $this->sites = [];
    }

    /** The active flag of a call site seen for the first time (one FFI call per site and request). */
    private function intern(string $file, int $line, mixed $label, int $frames): FFI\CData
    {
        if (!is_string($label)) {
            $this->lastError = 'captureSnapshot: the label must be a string, got ' . get_debug_type($label);
            return $this->inertCell ??= FFI::new('int32_t[1]');
        }
        $cell = null;
        if ($this->client !== null && $label !== '') {
            $ffi = Library::ffi();
            $site = $ffi->tk_site_get($this->client, $label, $file, $line, self::callerFunction($frames + 1));
            if (!Library::isNull($site)) {
                $this->sites[$file][$line][$label] = $site;
                $cell = $ffi->tk_site_active_cell($site);
                if ($cell[0] === 0) {
                    // The library registers the site with the backend; it never
                    // captures, even if a breakpoint has arrived since the check.
                    $ffi->tk_site_register($site);
                }
            } else {
                $this->lastError = Library::lastError();
            }
        }
        // No site (empty label, shut down): a flag that stays 0.
        $cell ??= $this->inertCell ??= FFI::new('int32_t[1]');
        return $this->cells[$file][$line][$label] = $cell;
    }

    /**
     * @param array<mixed> $variables
     * @param array<string, mixed>|null $requestContext
     */
    private function capture(FFI\CData $site, mixed $variables, mixed $requestContext, int $frames): void
    {
        if (!is_array($variables) || ($requestContext !== null && !is_array($requestContext))) {
            $this->lastError = 'captureSnapshot: variables must be an array and the request context an array or null, got '
                . get_debug_type($variables) . ' and ' . get_debug_type($requestContext);
            return;
        }
        $json = Variables::toJson($variables);
        $context = $requestContext === null ? RequestContext::current() : ['request' => $requestContext];
        $context['stack_trace'] = self::stack($frames + 1);
        $contextJson = json_encode($context, JSON_UNESCAPED_SLASHES | JSON_INVALID_UTF8_SUBSTITUTE
            | JSON_PARTIAL_OUTPUT_ON_ERROR);
        $status = Library::ffi()->tk_site_capture($site, $json, strlen($json), is_string($contextJson) ? $contextJson : null);
        if ($status !== 0) {
            $this->lastError = Library::lastError();
        }
    }

    /** The function containing the checkpoint, "Class::method" or "function" ("" at top level). */
    private static function callerFunction(int $frames): string
    {
        $frame = debug_backtrace(DEBUG_BACKTRACE_IGNORE_ARGS, $frames + 2)[$frames + 1] ?? [];
        return self::functionName($frame);
    }

    /**
     * The PHP stack from the checkpoint's caller outwards, innermost first.
     *
     * @return list<array{function: string, file: string, line: int}>
     */
    private static function stack(int $frames): array
    {
        $trace = array_slice(debug_backtrace(DEBUG_BACKTRACE_IGNORE_ARGS, $frames + 1 + self::STACK_FRAMES), $frames);
        $stack = [];
        foreach ($trace as $index => $frame) {
            // A frame says where its call happened; the function running there is the next frame's.
            $stack[] = ['function' => self::functionName($trace[$index + 1] ?? []),
                        'file' => (string) ($frame['file'] ?? ''), 'line' => (int) ($frame['line'] ?? 0)];
        }
        return $stack;
    }

    /** @param array<string, mixed> $frame */
    private static function functionName(array $frame): string
    {
        $function = (string) ($frame['function'] ?? '');
        if (in_array($function, ['include', 'include_once', 'require', 'require_once'], true)) {
            return '';
        }
        return isset($frame['class']) ? $frame['class'] . '::' . $function : $function;
    }

    private function fail(\Throwable $error): void
    {
        $this->lastError = $error->getMessage();
    }
}
