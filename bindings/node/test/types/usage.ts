// Compiles with tsc --strict: the README's use of tracekit-native.
import * as http from 'node:http';
import * as tracekit from '../..';

const client: tracekit.Client = tracekit.init({
  apiKey: 'key', serviceName: 'checkout', endpoint: 'http://127.0.0.1:7070', enableCodeMonitoring: true, sampleRate: 1,
  captureConfig: { captureDepth: 10, maxPayload: 65536, captureTimeout: 5000, piiScrubbing: true,
    piiPatterns: [{ pattern: /EMP-\d{6}/, marker: '[REDACTED:employee_id]' }, { name: 'order_ref', pattern: 'ORD-[0-9]+' }],
    circuitBreaker: { maxFailures: 3 } },
});

async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  await client.captureSnapshot('order-checkout', { url: req.url, nested: { list: [1, 2n, null] } });
  await tracekit.captureSnapshot('module-level');
  const context: tracekit.RequestContext | undefined = tracekit.getRequestContext();
  res.end(context?.path ?? '');
}

const handler = tracekit.wrapHandler(handle);
const express: (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => void = tracekit.middleware();

async function lifecycle(): Promise<void> {
  const drained: boolean = await client.flush(1000);
  const captured: number = client.stats().captured;
  const state: 'closed' | 'open' | 'half_open' = client.stats().circuit_state;
  await client.getSnapshotClient().checkAndCaptureWithContext('x', {});
  await client.shutdown();
  try {
    tracekit.init({ apiKey: 'has space' });
  } catch (error) {
    if (error instanceof tracekit.TraceKitError) console.log(error.code, tracekit.Status.TIMEOUT, drained, captured, state);
  }
  console.log(tracekit.libraryVersion(), client.isShutDown, handler, express);
}

void lifecycle();
