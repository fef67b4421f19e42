<?php

declare(strict_types=1);

namespace TraceKit\PHP\Tests;

use PHPUnit\Framework\TestCase;
use TraceKit\PHP\Config;
use TraceKit\PHP\Laravel\TracekitServiceProvider;
use TraceKit\PHP\Tests\Support\TestServer;
use TraceKit\PHP\Tracekit;
use TraceKit\PHP\TracekitClient;

/** The container calls TracekitServiceProvider makes of a Laravel application. */
final class Container
{
    /** @var array<string, callable> */
    public array $factories = [];
    /** @var array<string, object> */
    private array $instances = [];

    public function singleton(string $abstract, callable $factory): void
    {
        $this->factories[$abstract] = $factory;
    }

    public function make(string $abstract): object
    {
        return $this->instances[$abstract] ??= ($this->factories[$abstract])($this);
    }
}

/**
 * The Laravel surface without Laravel: .env configuration, the service
 * provider's registration, the global tracekit_snapshot() helper.
 */
final class LaravelTest extends TestCase
{
    private const VARIABLES = ['TRACEKIT_API_KEY', 'TRACEKIT_SERVICE_NAME', 'TRACEKIT_ENDPOINT',
                               'TRACEKIT_CODE_MONITORING_ENABLED', 'TRACEKIT_CODE_MONITORING_POLL_INTERVAL', 'APP_NAME'];

    protected function tearDown(): void
    {
        Tracekit::client()->shutdown();
        Tracekit::reset();
        foreach (self::VARIABLES as $variable) {
            putenv($variable);
        }
    }

    public function testConfigurationComesFromTheDocumentedEnvironmentVariables(): void
    {
        $this->assertSame([
            'api_key' => 'tk_abc', 'service_name' => 'shop', 'endpoint' => 'http://127.0.0.1:1',
            'code_monitoring_enabled' => true, 'poll_interval' => 30,
        ], Config::fromEnvironment([
            'TRACEKIT_API_KEY' => 'tk_abc', 'TRACEKIT_SERVICE_NAME' => 'shop', 'TRACEKIT_ENDPOINT' => 'http://127.0.0.1:1',
            'TRACEKIT_CODE_MONITORING_ENABLED' => 'true', 'TRACEKIT_CODE_MONITORING_POLL_INTERVAL' => '30',
        ]));
        $this->assertSame(['code_monitoring_enabled' => false],
            Config::fromEnvironment(['TRACEKIT_CODE_MONITORING_ENABLED' => 'false']));
    }

    public function testAnInvalidEnvironmentValueLeavesMonitoringOffWithTheVariableNamed(): void
    {
        putenv('TRACEKIT_API_KEY=tk_abc');
        putenv('TRACEKIT_CODE_MONITORING_ENABLED=true');
        putenv('TRACEKIT_CODE_MONITORING_POLL_INTERVAL=soon');
        $client = Tracekit::init();
        $this->assertFalse($client->isCodeMonitoringEnabled());
        $this->assertStringContainsString('poll_interval', (string) $client->lastError());
    }

    public function testTheServiceProviderRegistersOneClientAndTheHelperCapturesThroughIt(): void
    {
        $server = TestServer::shared();
        $service = 'laravel-' . bin2hex(random_bytes(4));
        putenv('TRACEKIT_API_KEY=' . $server->sdkKey($service));
        putenv("APP_NAME={$service}");
        putenv("TRACEKIT_ENDPOINT={$server->baseUrl}");
        putenv('TRACEKIT_CODE_MONITORING_ENABLED=true');
        putenv('TRACEKIT_CODE_MONITORING_POLL_INTERVAL=0.1');

        $app = new Container();
        $provider = new TracekitServiceProvider($app);
        $provider->register();
        $provider->callBootingCallbacks();
        $provider->boot();
        $provider->callBootedCallbacks();
        $client = $app->make(TracekitClient::class);
        $this->assertTrue($client->isCodeMonitoringEnabled(), (string) $client->lastError());
        $this->assertSame($client, Tracekit::client(), 'the helper uses the container singleton');

        $line = self::checkoutStart();
        $breakpoint = $server->registeredBreakpoint($service, 'checkout-start');
        $this->assertSame([__CLASS__ . '::checkoutStart', __FILE__, $line],
            [$breakpoint['function_name'], $breakpoint['file_path'], $breakpoint['line_number']]);
        $server->setEnabled($breakpoint['id'], true);
        $this->assertNotEmpty(TestServer::waitFor(fn () => TestServer::siteActive($client, 'checkout-start')));
        self::checkoutStart();
        $this->assertTrue($client->flush(5.0));
        $snapshot = TestServer::waitFor(fn () => $server->snapshots($service))[0] ?? [];
        $this->assertEquals(['user_email' => '[REDACTED:email]', 'cart_total' => 99.5, 'items_count' => 3],
            $snapshot['variables'] ?? null);
    }

    public function testTheHelperNeverThrowsWithoutConfiguration(): void
    {
        tracekit_snapshot('checkout-start', ['a' => fopen('php://memory', 'r')]);
        $this->assertFalse(Tracekit::client()->isCodeMonitoringEnabled());
    }

    private static function checkoutStart(): int
    {
        tracekit_snapshot('checkout-start', ['user_email' => 'jane@example.com', 'cart_total' => 99.5, 'items_count' => 3]);
        return __LINE__ - 1;
    }
}
