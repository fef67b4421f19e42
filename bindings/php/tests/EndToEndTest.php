<?php

declare(strict_types=1);

namespace TraceKit\PHP\Tests;

use PHPUnit\Framework\TestCase;
use TraceKit\PHP\Tests\Support\TestServer;

/**
 * examples/php/checkout_service.php served by PHP's built-in web server (a
 * web SAPI: one process, many requests) against a real tracekit-server:
 * breakpoint through the management API -> scrubbed snapshot stored; kill
 * switch stops captures; one native client across requests, polling only.
 */
final class EndToEndTest extends TestCase
{
    private const ORDER = ['email' => 'jane.doe@example.com', 'card_number' => '4111 1111 1111 1111',
                           'items' => ['book'], 'total' => 42.5];

    private TestServer $server;
    private string $service;
    /** @var resource */
    private $process;
    private string $baseUrl;
    private string $log;

    protected function setUp(): void
    {
        $this->server = TestServer::shared();
        $this->service = 'php-e2e-' . bin2hex(random_bytes(4));
        $port = self::freePort();
        $this->baseUrl = "http://127.0.0.1:{$port}";
        $this->log = tempnam(sys_get_temp_dir(), 'tracekit-php-example');
        $example = dirname(__DIR__, 3) . '/examples/php/checkout_service.php';
        $environment = getenv() + [];
        $environment['TRACEKIT_API_KEY'] = $this->server->sdkKey($this->service);
        $environment['TRACEKIT_SERVICE_NAME'] = $this->service;
        $environment['TRACEKIT_ENDPOINT'] = $this->server->baseUrl;
        $environment['TRACEKIT_CODE_MONITORING_POLL_INTERVAL'] = '0.2';
        $this->process = proc_open([PHP_BINARY, '-d', 'ffi.enable=1', '-S', "127.0.0.1:{$port}", $example],
            [0 => ['pipe', 'r'], 1 => ['file', $this->log, 'w'], 2 => ['file', $this->log, 'a']], $pipes, null,
            $environment);
        $this->assertNotEmpty(TestServer::waitFor(fn () => @file_get_contents("{$this->baseUrl}/health")),
            'the example did not start: ' . file_get_contents($this->log));
    }

    protected function tearDown(): void
    {
        proc_terminate($this->process);
        proc_close($this->process);
        @unlink($this->log);
    }

    public function testBreakpointCaptureRedactionAndKillSwitchThroughTheExampleService(): void
    {
        $health = $this->request('GET', '/health');
        $this->assertTrue($health['code_monitoring'], (string) $health['error']);
        $this->assertSame('paid', $this->request('POST', '/checkout', self::ORDER)['status']);

        $breakpoint = $this->server->registeredBreakpoint($this->service, 'order-checkout');
        $this->assertSame(['checkout', 'checkout_service.php'],
            [$breakpoint['function_name'], basename($breakpoint['file_path'])]);
        $this->server->setEnabled($breakpoint['id'], true);
        $this->assertNotEmpty(TestServer::waitFor(fn () => $this->stats()['breakpoints'] > 0));

        $this->request('POST', '/checkout', self::ORDER);
        $snapshots = TestServer::waitFor(fn () => $this->server->snapshots($this->service));
        $this->assertCount(1, $snapshots);
        $variables = $snapshots[0]['variables'];
        $this->assertSame(['[REDACTED:email]', '[REDACTED:credit_card]', 42.5],
            [$variables['email'], $variables['card_number'], $variables['total']]);
        $this->assertSame(['POST', '/checkout'],
            [$snapshots[0]['request_context']['method'], $snapshots[0]['request_context']['path']]);
        $this->assertStringNotContainsString('4111', json_encode($snapshots[0]));

        // Later requests see the same native client: its counters span requests.
        $stats = $this->stats();
        $this->assertSame(1, $stats['captured']);
        $this->assertSame(0, $stats['sse_connects'], 'a web SAPI polls only');
        $this->assertGreaterThan(1, $stats['polls']);

        $this->server->setKillSwitch($this->service, true);
        $this->assertNotEmpty(TestServer::waitFor(fn () => $this->stats()['kill_switch']));
        for ($i = 0; $i < 3; $i++) {
            $this->request('POST', '/checkout', self::ORDER);
        }
        usleep(500000);
        $this->assertCount(1, $this->server->snapshots($this->service));
        $this->assertSame(1, $this->stats()['captured']);
    }

    /** @return array<string, mixed> */
    private function stats(): array
    {
        return $this->request('GET', '/tracekit/stats');
    }

    /** @return array<string, mixed> */
    private function request(string $method, string $path, ?array $body = null): array
    {
        $context = stream_context_create(['http' => ['method' => $method, 'timeout' => 10, 'ignore_errors' => true,
            'header' => "Content-Type: application/json\r\n", 'content' => $body === null ? '' : json_encode($body)]]);
        $response = json_decode((string) file_get_contents($this->baseUrl . $path, false, $context), true);
        $this->assertIsArray($response, "{$method} {$path}: " . file_get_contents($this->log));
        return $response;
    }

    private static function freePort(): int
    {
        $socket = stream_socket_server('tcp://127.0.0.1:0');
        $port = (int) substr(strrchr(stream_socket_get_name($socket, false), ':'), 1);
        fclose($socket);
        return $port;
    }
}
