<?php

declare(strict_types=1);

namespace TraceKit\PHP\Tests;

use FFI;
use PHPUnit\Framework\TestCase;
use TraceKit\PHP\Native\Library;
use TraceKit\PHP\RequestContext;
use TraceKit\PHP\TracekitClient;
use TraceKit\PHP\Tests\Support\TestServer;

final class Unreadable
{
    public function __get(string $name): never
    {
        throw new \LogicException('no');
    }
}

/** TracekitClient against a real tracekit-server: registration, capture, redaction, kill switch, failures. */
final class TracekitClientTest extends TestCase
{
    private const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

    private TestServer $server;
    private string $service;
    private ?TracekitClient $client = null;

    protected function setUp(): void
    {
        $this->server = TestServer::shared();
        $this->service = 'php-' . bin2hex(random_bytes(4));
    }

    protected function tearDown(): void
    {
        $this->client?->shutdown();
    }

    /** @return array<string, mixed> */
    private function config(array $overrides = []): array
    {
        return $overrides + [
            'api_key' => $this->server->sdkKey($this->service), 'service_name' => $this->service,
            'endpoint' => $this->server->baseUrl, 'code_monitoring_enabled' => true, 'poll_interval' => 0.1,
        ];
    }

    private function makeClient(array $overrides = []): TracekitClient
    {
        return $this->client = new TracekitClient($this->config($overrides));
    }

    /** The checkpoint under test; returns its line. */
    private function checkout(TracekitClient $client): int
    {
        $cart = new \stdClass();
        $cart->items = ['book', 'pen'];
        $cart->self = $cart;
        $client->captureSnapshot('order-checkout', [
            'email' => 'jane.doe@example.com', 'card_number' => '4111 1111 1111 1111', 'password' => 'hunter2',
            'cart' => $cart, 'callback' => fn () => 1, 'amount' => 42,
        ]);
        return __LINE__ - 4;
    }

    private function enable(TracekitClient $client): void
    {
        $breakpoint = $this->server->registeredBreakpoint($this->service, 'order-checkout');
        $this->server->setEnabled($breakpoint['id'], true);
        // The client may already hold the disabled breakpoint (pushed over the stream when it was
        // registered): wait until the site itself is active, not until some breakpoint is known.
        $this->assertNotEmpty(TestServer::waitFor(fn () => TestServer::siteActive($client, 'order-checkout')),
            'the enabled breakpoint did not reach the client');
    }

    public function testFirstCheckpointRegistersTheSiteAndCapturesNothingWhileDisabled(): void
    {
        $client = $this->makeClient();
        $this->assertTrue($client->isCodeMonitoringEnabled(), (string) $client->lastError());
        $line = $this->checkout($client);

        $breakpoint = $this->server->registeredBreakpoint($this->service, 'order-checkout');
        $this->assertFalse($breakpoint['enabled']);
        $this->assertSame(__CLASS__ . '::checkout', $breakpoint['function_name']);
        $this->assertSame(__FILE__, $breakpoint['file_path']);
        $this->assertSame($line, $breakpoint['line_number']);
        $this->checkout($client);
        $this->assertTrue($client->flush(5.0));
        $this->assertSame([], $this->server->snapshots($this->service));
    }

    public function testCaptureCarriesRequestContextStackAndRedactsPii(): void
    {
        $client = $this->makeClient();
        $this->checkout($client);
        $this->enable($client);

        $server = ['REQUEST_METHOD' => 'POST', 'REQUEST_URI' => '/checkout?step=pay', 'QUERY_STRING' => 'step=pay',
                   'HTTP_HOST' => 'shop.example', 'HTTPS' => 'on', 'REMOTE_ADDR' => '203.0.113.9',
                   'HTTP_USER_AGENT' => 'phpunit', 'HTTP_AUTHORIZATION' => 'Bearer secret-token',
                   'HTTP_COOKIE' => 'session=abc', 'HTTP_TRACEPARENT' => self::TRACEPARENT];
        $line = RequestContext::withRequest($server, fn () => $this->checkout($client));
        $this->assertTrue($client->flush(5.0));
        $snapshots = TestServer::waitFor(fn () => $this->server->snapshots($this->service));
        $this->assertCount(1, $snapshots);
        $snapshot = $snapshots[0];

        $this->assertSame([__FILE__, $line, __CLASS__ . '::checkout', 'order-checkout'],
            [$snapshot['file_path'], $snapshot['line_number'], $snapshot['function_name'], $snapshot['label']]);
        $variables = $snapshot['variables'];
        $this->assertSame('[REDACTED:email]', $variables['email']);
        $this->assertSame('[REDACTED:credit_card]', $variables['card_number']);
        $this->assertSame('[REDACTED:sensitive_name]', $variables['password']);
        $this->assertSame(42, $variables['amount']);
        $this->assertSame(['book', 'pen'], $variables['cart']['items']);
        $this->assertSame('[CIRCULAR]', $variables['cart']['self']);
        $this->assertSame('[UNSERIALIZABLE:Closure]', $variables['callback']);

        $request = $snapshot['request_context'];
        $this->assertSame(['POST', '/checkout', 'step=pay', 'https://shop.example/checkout?step=pay', '203.0.113.9'],
            [$request['method'], $request['path'], $request['query'], $request['url'], $request['remote_addr']]);
        $this->assertSame('[REDACTED:sensitive_name]', $request['headers']['authorization']);
        $this->assertSame('[REDACTED:sensitive_name]', $request['headers']['cookie']);
        $this->assertStringNotContainsString('secret-token', json_encode($snapshot));
        $this->assertSame(['4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7'],
            [$snapshot['trace_id'], $snapshot['span_id']]);

        $frames = explode("\n", $snapshot['stack_trace']);
        $this->assertSame(__CLASS__ . '::checkout (' . __FILE__ . ":{$line})", $frames[0]);
        $stats = $client->getSnapshotClient()->getStats();
        $this->assertSame([1, 1], [$stats['captured'], $stats['sent']]);
    }

    public function testKillSwitchStopsCapturesUntilLifted(): void
    {
        $client = $this->makeClient();
        $this->checkout($client);
        $this->enable($client);
        $this->checkout($client);
        $this->assertTrue($client->flush(5.0));
        $this->assertCount(1, TestServer::waitFor(fn () => $this->server->snapshots($this->service)));

        $this->server->setKillSwitch($this->service, true);
        $this->assertNotEmpty(TestServer::waitFor(fn () => $client->getSnapshotClient()->getStats()['kill_switch']));
        for ($i = 0; $i < 5; $i++) {
            $this->checkout($client);
        }
        $this->assertTrue($client->flush(5.0));
        $this->assertCount(1, $this->server->snapshots($this->service));
        $this->assertSame(1, $client->getSnapshotClient()->getStats()['captured']);

        $this->server->setKillSwitch($this->service, false);
        $this->assertNotEmpty(TestServer::waitFor(fn () => !$client->getSnapshotClient()->getStats()['kill_switch']
            && TestServer::siteActive($client, 'order-checkout')));
        $this->checkout($client);
        $this->assertTrue($client->flush(5.0));
        $this->assertCount(2, TestServer::waitFor(fn () => count($this->server->snapshots($this->service)) === 2
            ? $this->server->snapshots($this->service) : []));
    }

    public function testInactiveCheckpointMakesNoFfiCall(): void
    {
        $client = $this->makeClient();
        $this->checkout($client); // first hit: interns the site (one FFI call)
        $library = new \ReflectionProperty(Library::class, 'ffi');
        $real = $library->getValue();
        // Any FFI call through the library now fails (libc has no tk_* functions) and is recorded.
        $library->setValue(null, FFI::cdef('int abs(int);', 'libc.so.6'));
        try {
            for ($i = 0; $i < 1000; $i++) {
                $this->checkout($client);
            }
        } finally {
            $library->setValue(null, $real);
        }
        $this->assertNull($client->lastError());
    }

    public function testCheckpointsNeverThrow(): void
    {
        $client = $this->makeClient();
        $this->checkout($client);
        $this->enable($client);
        $stream = fopen('php://memory', 'r');
        $client->captureSnapshot('order-checkout', ['stream' => $stream, 'inf' => INF, 'bytes' => "\xff\xfe",
                                                   'unreadable' => new Unreadable()]);
        $client->captureSnapshot('', ['x' => 1]);
        $client->captureSnapshot(42, ['x' => 1]);
        $this->assertStringContainsString('label must be a string, got int', (string) $client->lastError());
        $client->captureSnapshot(['not a label'], []);
        tracekit_snapshot(42, null);
        $client->shutdown();
        $this->checkout($client); // after shutdown: a no-op
        $this->assertFalse($client->isCodeMonitoringEnabled());
        $this->client = null;
    }

    public function testInvalidConfigurationDisablesMonitoringWithAMessageNamingTheKey(): void
    {
        $cases = [
            [['service_name' => 'bad name!'], 'service_name'],
            [['capture_depth' => -1], 'capture_depth'],
            [['capture_depth' => 'deep'], 'capture_depth'],
            [['poll_interval' => -5], 'poll_interval'],
            [['pii_patterns' => ['card' => '([']], 'pii_patterns'],
            [['colour' => 'blue'], 'colour'],
            [['api_key' => ''], 'api_key'],
            [['api_key' => null], 'api_key'], // unset: the library refuses to start the client
        ];
        foreach ($cases as [$overrides, $key]) {
            $client = new TracekitClient($overrides + ['api_key' => 'tk_secret_key_123', 'service_name' => 'svc',
                'endpoint' => $this->server->baseUrl, 'code_monitoring_enabled' => true]);
            $this->assertFalse($client->isCodeMonitoringEnabled(), $key);
            $this->assertStringContainsString($key, (string) $client->lastError());
            $this->assertStringNotContainsString('tk_secret_key_123', (string) $client->lastError());
            $client->captureSnapshot('order-checkout', ['a' => 1]); // a no-op, no exception
        }
    }

    public function testClientsOfOneConfigurationShareTheProcessClient(): void
    {
        $first = $this->makeClient();
        $this->checkout($first);
        $config = ['api_key' => $this->server->sdkKey($this->service)];
        $second = new TracekitClient([
            'api_key' => $config['api_key'], 'service_name' => $this->service, 'endpoint' => $this->server->baseUrl,
            'code_monitoring_enabled' => true, 'poll_interval' => 0.1,
        ]);
        // Another API key is another configuration: it replaces the process's client.
        $this->assertNotSame($first->getSnapshotClient(), $second->getSnapshotClient());
        $this->assertFalse(@$first->flush(0.1)); // the replaced client is detached, not dangling
        $third = new TracekitClient([
            'api_key' => $config['api_key'], 'service_name' => $this->service, 'endpoint' => $this->server->baseUrl,
            'code_monitoring_enabled' => true, 'poll_interval' => 0.1,
        ]);
        $this->assertSame($second->getSnapshotClient(), $third->getSnapshotClient());
        $this->client = $third;
    }

    /** @requires extension pcntl */
    public function testAForkedChildMakesItsOwnClient(): void
    {
        $config = $this->config();
        $client = $this->client = new TracekitClient($config);
        $this->checkout($client);
        $result = tempnam(sys_get_temp_dir(), 'tracekit-fork');
        $pid = pcntl_fork();
        if ($pid === 0) {
            // The child: a client of the same configuration (the parent's is inert here), its own checkpoint.
            $child = new TracekitClient($config);
            $child->captureSnapshot('forked-child', ['pid' => getmypid()]);
            $registered = TestServer::waitFor(fn () => $child->getSnapshotClient()->getStats()['registrations'] ?? 0);
            file_put_contents($result, $registered >= 1 ? 'registered' : 'not registered: ' . $child->lastError());
            posix_kill(getmypid(), SIGKILL); // no PHPUnit shutdown in the child (it would stop the shared server)
        }
        pcntl_waitpid($pid, $status);
        $this->assertSame('registered', file_get_contents($result));
        unlink($result);
        $this->assertSame('forked-child', $this->server->registeredBreakpoint($this->service, 'forked-child')['label']);
        $this->checkout($client); // the parent's client still works
        $this->assertTrue($client->flush(5.0));
    }

    public function testCliProcessesUseTheEventStream(): void
    {
        $client = $this->makeClient();
        $this->checkout($client);
        $this->enable($client);
        $stats = TestServer::waitFor(fn () => ($stats = $client->getSnapshotClient()->getStats())['sse_connects'] > 0
            ? $stats : []);
        $this->assertNotEmpty($stats, 'a CLI process connects to the SSE stream');
    }
}
