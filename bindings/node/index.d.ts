// Type declarations for tracekit-native: the code-monitoring API of the
// official @tracekit/node-apm, on libtracekit.

import type { IncomingMessage, ServerResponse } from 'node:http';

/** A custom PII pattern: the official SDK's form, or a name and PCRE2 source. */
export type PIIPatternEntry =
  | { pattern: RegExp; marker: string } // marker: "[REDACTED:<name>]"
  | { name: string; pattern: string | RegExp };

export interface CircuitBreakerConfig {
  /** Failed sends within windowMs that open the circuit. Default 3. */
  maxFailures?: number;
  /** Default 60000. */
  windowMs?: number;
  /** How long captures stay suppressed once open. Default 300000. */
  cooldownMs?: number;
}

export interface CaptureConfig {
  /** Containers deeper than this are cut. Default 10 (0: no limit of its own). */
  captureDepth?: number;
  /** Largest variables document in bytes; larger ones are replaced by a marker. Default 65536 (0: unlimited). */
  maxPayload?: number;
  /** Bounds each request to the backend and shutdown's final send, in milliseconds. Default 5000. */
  captureTimeout?: number;
  /** Log the library's messages to stderr. */
  debug?: boolean;
  /** Scrub PII (emails, cards, keys, ...). Default true. */
  piiScrubbing?: boolean;
  /** Extra patterns, after the built-in ones. */
  piiPatterns?: PIIPatternEntry[];
  circuitBreaker?: CircuitBreakerConfig;
  /** Strings longer than this many bytes are cut. Default 8192 (0: unlimited). */
  maxStringLength?: number;
  /** Breakpoint polling interval while SSE is not up, ≥ 100. Default 30000. */
  pollIntervalMs?: number;
  /** Use the server's SSE stream when offered. Default true. */
  sse?: boolean;
  /** Snapshots waiting to be sent. Default 1000. */
  maxQueue?: number;
  /** Process-wide capture budget. Default 100 (0: unlimited). */
  maxCapturesPerSecond?: number;
}

export interface TracekitConfig {
  /** Unset: TRACEKIT_API_KEY. */
  apiKey?: string;
  /** Unset: TRACEKIT_SERVICE_NAME, else "default". */
  serviceName?: string;
  /** Backend base URL (an OTLP ".../v1/traces" URL is accepted). Unset: TRACEKIT_ENDPOINT, else https://app.tracekit.dev. */
  endpoint?: string;
  /** Unset: TRACEKIT_CODE_MONITORING, else true. */
  enableCodeMonitoring?: boolean;
  captureConfig?: CaptureConfig;
  /** The official SDK's tracing options: accepted and ignored. */
  enabled?: boolean;
  sampleRate?: number;
  serviceNameMappings?: Record<string, string>;
  autoInstrumentHttpClient?: boolean;
  tracesPath?: string;
  metricsPath?: string;
}

/** The library's counters, plus this package's invalid_input and sites_overflow. */
export interface Stats {
  captured: number;
  sent: number;
  failed: number;
  dropped_queue_full: number;
  suppressed_kill_switch: number;
  redactions: number;
  invalid_input: number;
  sites_overflow: number;
  kill_switch: boolean;
  circuit_state: 'closed' | 'open' | 'half_open';
  sse_connected: boolean;
  [counter: string]: number | boolean | string;
}

export declare class Client {
  /**
   * The checkpoint. When a breakpoint is enabled on this call site, captures
   * the variables (scrubbed and bounded) with the caller's location, stack
   * and request context, and queues them; never waits on the network and
   * never throws. Inactive: a Map lookup and a typed-array read.
   */
  captureSnapshot(label: string, variables?: Record<string, unknown>): Promise<void>;
  /** The official SnapshotClient's name for captureSnapshot. */
  checkAndCaptureWithContext(label: string, variables?: Record<string, unknown>): Promise<void>;
  /** This client (the official SDK's snapshot client). */
  getSnapshotClient(): Client;
  /** Waits (off the event loop) until what is queued is sent; false on timeout. */
  flush(timeoutMs?: number): Promise<boolean>;
  stats(): Stats;
  /** Sends what is queued (bounded by captureTimeout), stops and frees the client. Idempotent. */
  shutdown(): Promise<void>;
  readonly isShutDown: boolean;
}

export declare class TraceKitError extends Error {
  /** The library's status name, e.g. "TK_ERR_INVALID_ARGUMENT". */
  readonly code: string;
}

export declare const Status: Readonly<{
  OK: 0; INVALID_ARGUMENT: 1; INVALID_JSON: 2; INVALID_PATTERN: 3; NO_MEMORY: 4;
  SHUT_DOWN: 5; QUEUE_FULL: 6; DISABLED: 7; INTERNAL: 8; TIMEOUT: 9;
}>;

/** The request context of the current request (inside middleware / wrapHandler). */
export interface RequestContext {
  method: string;
  path: string;
  url: string;
  remote_addr: string;
  user_agent: string;
  query: string;
  headers: Record<string, string>;
}

/** Creates the client (and makes it the global one). Throws TraceKitError for invalid options. */
export declare function init(config?: TracekitConfig): Client;
/** The client of the last init(); throws before init(). */
export declare function getClient(): Client;
/** getClient().captureSnapshot for the caller's site; does nothing before init(). */
export declare function captureSnapshot(label: string, variables?: Record<string, unknown>): Promise<void>;
/** Express/Connect middleware making the request context available to checkpoints. */
export declare function middleware(): (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;
/** A node:http request handler with the request context available to checkpoints. */
export declare function wrapHandler<H extends (req: IncomingMessage, res: ServerResponse) => unknown>(handler: H): H;
export declare function getRequestContext(): RequestContext | undefined;
/** The loaded libtracekit's version. */
export declare function libraryVersion(): string;
