<?php

declare(strict_types=1);

namespace TraceKit\PHP\Tests\Support;

use TraceKit\PHP\SnapshotClient;
use TraceKit\PHP\TracekitClient;

/**
 * A real tracekit-server (TRACEKIT_SERVER_BIN) on a free port with a
 * temporary database and a known admin key, shared by the whole run.
 * A missing binary fails the tests that need it, with a clear message.
 */
final class TestServer
{
    private static ?self $instance = null;

    /** @var resource */
    private $process;
    private string $directory;

    private function __construct(public readonly string $baseUrl, public readonly string $adminKey, $process,
                                 string $directory)
    {
        $this->process = $process;
        $this->directory = $directory;
    }

    public static function shared(): self
    {
        return self::$instance ??= self::start();
    }

    private static function start(): self
    {
        $binary = getenv('TRACEKIT_SERVER_BIN') ?: '';
        if ($binary === '' || !is_executable($binary)) {
            throw new \RuntimeException("TRACEKIT_SERVER_BIN must name the tracekit-server binary (got '{$binary}')");
        }
        $directory = sys_get_temp_dir() . '/tracekit-php-' . bin2hex(random_bytes(6));
        mkdir($directory);
        $adminKey = 'tk_phpunit_' . bin2hex(random_bytes(16));
        $process = proc_open([$binary, '--port', '0', '--database', "{$directory}/test.sqlite", '--admin-key', $adminKey,
            '--auto-register-disabled'],
            [0 => ['pipe', 'r'], 1 => ['file', "{$directory}/server.log", 'w'], 2 => ['file', "{$directory}/server.log", 'a']],
            $pipes);
        if (!is_resource($process)) {
            throw new \RuntimeException('cannot start tracekit-server');
        }
        $deadline = microtime(true) + 60;
        while (microtime(true) < $deadline) {
            if (preg_match('/listening on [^:\s]+:(\d+)/', (string) @file_get_contents("{$directory}/server.log"), $match)) {
                $server = new self("http://127.0.0.1:{$match[1]}", $adminKey, $process, $directory);
                register_shutdown_function([$server, 'stop']);
                return $server;
            }
            usleep(20000);
        }
        proc_terminate($process);
        throw new \RuntimeException("tracekit-server did not report its port:\n" . file_get_contents("{$directory}/server.log"));
    }

    public function stop(): void
    {
        proc_terminate($this->process);
        proc_close($this->process);
        array_map('unlink', glob("{$this->directory}/*") ?: []);
        @rmdir($this->directory);
    }

    /**
     * A management or SDK call with the admin key.
     *
     * @return array{0: int, 1: mixed} status and decoded body
     */
    public function api(string $method, string $path, ?array $body = null): array
    {
        $context = stream_context_create(['http' => [
            'method' => $method, 'ignore_errors' => true, 'timeout' => 10,
            'header' => "X-API-Key: {$this->adminKey}\r\nContent-Type: application/json\r\n",
            'content' => $body === null ? '' : json_encode($body),
        ]]);
        $text = file_get_contents($this->baseUrl . $path, false, $context);
        preg_match('#^HTTP/\S+ (\d+)#', $http_response_header[0] ?? '', $status);
        return [(int) ($status[1] ?? 0), json_decode((string) $text, true)];
    }

    public function sdkKey(string $service): string
    {
        [$status, $body] = $this->api('POST', '/api/keys', ['name' => "phpunit {$service}", 'role' => 'sdk',
                                                            'services' => [$service]]);
        if ($status !== 201) {
            throw new \RuntimeException("cannot create an SDK key: {$status}");
        }
        return $body['key'];
    }

    /** @return list<array<string, mixed>> */
    public function breakpoints(string $service): array
    {
        return $this->api('GET', "/api/breakpoints?service={$service}")[1]['breakpoints'] ?? [];
    }

    /** @return list<array<string, mixed>> */
    public function snapshots(string $service): array
    {
        return $this->api('GET', "/api/snapshots?service={$service}&limit=100")[1]['snapshots'] ?? [];
    }

    /** The breakpoint auto-registered for $label, once the server has it. */
    public function registeredBreakpoint(string $service, string $label): array
    {
        $found = self::waitFor(fn () => array_values(array_filter($this->breakpoints($service),
            fn ($breakpoint) => $breakpoint['label'] === $label)));
        if ($found === []) {
            throw new \RuntimeException("site {$label} was not auto-registered");
        }
        return $found[0];
    }

    public function setEnabled(string $breakpointId, bool $enabled): void
    {
        [$status] = $this->api('PATCH', "/api/breakpoints/{$breakpointId}", ['enabled' => $enabled]);
        if ($status !== 200) {
            throw new \RuntimeException("cannot update breakpoint: {$status}");
        }
    }

    public function setKillSwitch(string $service, bool $on): void
    {
        [$status] = $this->api('POST', "/api/services/{$service}/kill-switch", ['enabled' => $on]);
        if ($status !== 200) {
            throw new \RuntimeException("cannot set the kill switch: {$status}");
        }
    }

    /** Calls $probe until it returns something non-empty or $timeout seconds pass; returns its last result. */
    public static function waitFor(callable $probe, float $timeout = 5.0): mixed
    {
        $deadline = microtime(true) + $timeout;
        while (($result = $probe()) == false && microtime(true) < $deadline) {
            usleep(20000);
        }
        return $result;
    }

    /** Whether a call site of $label is active, read from the client's cached active flags. */
    public static function siteActive(TracekitClient $client, string $label): bool
    {
        $cells = (new \ReflectionProperty(SnapshotClient::class, 'cells'))->getValue($client->getSnapshotClient());
        foreach ($cells as $lines) {
            foreach ($lines as $labels) {
                if (isset($labels[$label]) && $labels[$label][0] !== 0) {
                    return true;
                }
            }
        }
        return false;
    }
}
