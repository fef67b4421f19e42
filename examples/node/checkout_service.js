'use strict';
// A small checkout service with a TraceKit checkpoint (plain node:http).
//
//   TRACEKIT_API_KEY=... TRACEKIT_ENDPOINT=http://127.0.0.1:7070 \
//     node examples/node/checkout_service.js --port 8081
//
// POST /checkout with a JSON order; the handler's checkpoint "order-checkout"
// captures the order (with the customer's email and card number) whenever a
// breakpoint is enabled on it: the library scrubs them before anything leaves.
// --port 0 picks a free port; the line printed at start names it.

const http = require('node:http');
const { parseArgs } = require('node:util');

const tracekit = require('../../bindings/node');

function readJSON(req) {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      try {
        resolve(body ? JSON.parse(body) : {});
      } catch (error) {
        reject(error);
      }
    });
    req.on('error', reject);
  });
}

function reply(res, status, body) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function checkout(req, res) {
  if (req.method !== 'POST' || req.url.split('?')[0] !== '/checkout') return reply(res, 404, { error: 'not found' });
  let order;
  try {
    order = await readJSON(req);
  } catch {
    return reply(res, 400, { error: 'invalid JSON' });
  }
  const items = Array.isArray(order.items) ? order.items : [];
  const total = items.reduce((sum, item) => sum + (item.price ?? 0) * (item.qty ?? 1), 0);
  const customer = { email: order.email, name: order.name };
  const payment = { card: order.card, amount: total };
  // The checkpoint: a no-op until someone enables a breakpoint on it.
  tracekit.captureSnapshot('order-checkout', { customer, payment, items, total });
  return reply(res, 200, { status: 'accepted', total });
}

function main() {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '8081' } } });
  const client = tracekit.init({
    serviceName: process.env.TRACEKIT_SERVICE_NAME ?? 'checkout',
    captureConfig: { pollIntervalMs: 1000 },
  });
  const server = http.createServer(tracekit.wrapHandler(checkout));
  server.listen(Number(values.port), '127.0.0.1', () => {
    console.log(`checkout service on http://127.0.0.1:${server.address().port}`);
  });
  const stop = () => server.close(() => client.shutdown());
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main();
