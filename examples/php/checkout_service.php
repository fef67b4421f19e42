<?php

/*
 * A small checkout service: a plain front controller (every request goes
 * through this file) with a TraceKit checkpoint in the checkout handler.
 * Its variables include an email and a card number: the snapshot shows
 * them as [REDACTED:email] and [REDACTED:credit_card].
 *
 *   TRACEKIT_API_KEY=<key> TRACEKIT_ENDPOINT=http://127.0.0.1:7070 \
 *     php -d ffi.enable=1 -S 127.0.0.1:8084 examples/php/checkout_service.php
 *   curl -X POST -H 'Content-Type: application/json' \
 *     -d '{"email":"jane.doe@example.com","card_number":"4111 1111 1111 1111","items":["book"],"total":42.5}' \
 *     http://127.0.0.1:8084/checkout
 *
 * Enable the breakpoint "order-checkout" (function "checkout") in the
 * dashboard or with the management API; the next request is captured.
 * Web SAPIs (php -S, PHP-FPM) need ffi.enable=1; the process keeps one
 * native client across requests and polls for breakpoints.
 */

declare(strict_types=1);

use TraceKit\PHP\TracekitClient;

require getenv('TRACEKIT_PHP_AUTOLOAD') ?: __DIR__ . '/../../bindings/php/autoload.php';

$tracekit = new TracekitClient([
    'api_key' => getenv('TRACEKIT_API_KEY') ?: '',
    'service_name' => getenv('TRACEKIT_SERVICE_NAME') ?: 'checkout-php',
    'endpoint' => getenv('TRACEKIT_ENDPOINT') ?: 'http://127.0.0.1:7070',
    'code_monitoring_enabled' => true,
    'poll_interval' => (float) (getenv('TRACEKIT_CODE_MONITORING_POLL_INTERVAL') ?: 30),
]);

/** The handler: validates the order and "charges" the card. */
function checkout(TracekitClient $tracekit, array $order): array
{
    $total = (float) ($order['total'] ?? 0);
    $orderId = 'ord_' . (int) (microtime(true) * 1000);
    $tracekit->captureSnapshot('order-checkout', [
        'order_id' => $orderId, 'email' => $order['email'] ?? null, 'card_number' => $order['card_number'] ?? null,
        'items' => $order['items'] ?? [], 'total' => $total,
    ]);
    return ['order_id' => $orderId, 'status' => 'paid', 'total' => $total];
}

function respond(int $status, array $body): void
{
    http_response_code($status);
    header('Content-Type: application/json');
    echo json_encode($body), "\n";
}

$route = ($_SERVER['REQUEST_METHOD'] ?? 'GET') . ' ' . parse_url($_SERVER['REQUEST_URI'] ?? '/', PHP_URL_PATH);
switch ($route) {
    case 'POST /checkout':
        $order = json_decode((string) file_get_contents('php://input'), true);
        is_array($order) ? respond(200, checkout($tracekit, $order)) : respond(400, ['error' => 'bad order']);
        break;
    case 'GET /health':
        respond(200, ['status' => 'ok', 'code_monitoring' => $tracekit->isCodeMonitoringEnabled(),
                      'error' => $tracekit->lastError()]);
        break;
    case 'GET /tracekit/stats': // the engine's counters, for this demo
        respond(200, $tracekit->getSnapshotClient()?->getStats() ?? []);
        break;
    default:
        respond(404, ['error' => 'not found']);
}
