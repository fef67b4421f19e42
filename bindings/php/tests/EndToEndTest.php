<?php

declare(strict_types=1);

namespace TraceKit\PHP\Tests;

use PHPUnit\Framework\TestCase;
use TraceKit\PHP\Tests\Support\TestServer;

/**
 * examples/php/checkout_service.php in two web SAPIs, each one process serving
 * many requests: PHP's built-in web server, and PHP-FPM with one worker
 * (requests sent over FastCGI with cgi-fcgi). Against a real tracekit-server:
 * breakpoint through the management API -> scrubbed snapshot stored; kill
 * switch stops captures; one native client across requests, polling only.
 */
final class EndToEndTest extends TestCase
{
    private const ORDER = ['email' => 'jane.doe@example.com', 'card_number' => '4111 1111 1111 1111',
                           'items' => ['book'], 'total' => 42.5];

    private TestServer $server;
    private string $service;
    private string $example;
    private string $directory;
    /** @var resource|null */
    private $process = null;
    private string $sapi;
    private int $port;

    protected function setUp(): void
    {
        $this->server = TestServer::shared();
        $this->service = 'php-e2e-' . bin2hex(random_bytes(4));
        $this->example = dirname(__DIR__, 3) . '/examples/php/checkout_service.php';
        $this->directory = sys_get_temp_dir() . '/tracekit-php-e2e-' . bin2hex(random_bytes(4));
        mkdir($this->directory);
        $this->port = self::freePort();
    }

    protected function tearDown(): void
    {
        if ($this->process !== null) {
            proc_terminate($this->process);
            proc_close($this->process);
        }
        array_map('unlink', glob("{$this->directory}/*") ?: []);
        rmdir($this->directory);
    }

    /** @return array<string, array{string}> */
    public static function webSapis(): array
    {
        return ['built-in web server' => ['cli-server'], 'PHP-FPM' => ['fpm-fcgi']];
    }

    private function start(string $sapi): void
    {
        $this->sapi = $sapi;
        $environment = getenv() + [];
        $environment['TRACEKIT_API_KEY'] = $this->server->sdkKey($this->service);
        $environment['TRACEKIT_SERVICE_NAME'] = $this->service;
        $environment['TRACEKIT_ENDPOINT'] = $this->server->baseUrl;
        $environment['TRACEKIT_CODE_MONITORING_POLL_INTERVAL'] = '0.2';
        $log = "{$this->directory}/sapi.log";
        $command = $sapi === 'cli-server'
            ? [PHP_BINARY, '-d', 'ffi.enable=1', '-S', "127.0.0.1:{$this->port}", $this->example]
            : $this->fpmCommand();
        $this->process = proc_open($command, [0 => ['pipe', 'r'], 1 => ['file', $log, 'w'], 2 => ['file', $log, 'a']],
            $pipes, null, $environment);
        $this->assertNotEmpty(TestServer::waitFor(fn () => $this->request('GET', '/health', null, false), 15.0),
            "the example did not start under {$sapi}: " . @file_get_contents($log));
    }

    /** php-fpm in the foreground with one worker, FFI allowed, the environment passed on. */
    private function fpmCommand(): array
    {
        $binary = trim((string) shell_exec('command -v php-fpm' . PHP_MAJOR_VERSION . '.' . PHP_MINOR_VERSION
            . ' || command -v php-fpm'));
        $this->assertNotSame('', $binary, 'php-fpm is not installed (scripts/install-deps.sh installs it)');
        $root = function_exists('posix_getuid') && posix_getuid() === 0;
        file_put_contents("{$this->directory}/fpm.conf", implode("\n", [
            '[global]', "error_log = {$this->directory}/fpm.log", 'daemonize = no', "pid = {$this->directory}/fpm.pid",
            '[example]', $root ? "user = root\ngroup = root" : '', "listen = 127.0.0.1:{$this->port}",
            'pm = static', 'pm.max_children = 1', 'clear_env = no', 'php_admin_value[ffi.enable] = 1', '',
        ]));
        return array_merge([$binary, '-F', '-y', "{$this->directory}/fpm.conf"], $root ? ['-R'] : []);
    }

    /** @dataProvider webSapis */
    public function testBreakpointCaptureRedactionAndKillSwitchThroughTheExampleService(string $sapi): void
    {
        $this->start($sapi);
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

    /** @return array<string, mixed>|null the JSON answer (asserted unless $required is false) */
    private function request(string $method, string $path, ?array $body = null, bool $required = true): ?array
    {
        $content = $body === null ? '' : json_encode($body);
        $text = $this->sapi === 'cli-server' ? $this->http($method, $path, $content) : $this->fastCgi($method, $path, $content);
        $response = json_decode((string) $text, true);
        if ($required) {
            $this->assertIsArray($response, "{$method} {$path} under {$this->sapi}: " . @file_get_contents("{$this->directory}/sapi.log"));
        }
        return is_array($response) ? $response : null;
    }

    private function http(string $method, string $path, string $content): ?string
    {
        $context = stream_context_create(['http' => ['method' => $method, 'timeout' => 10, 'ignore_errors' => true,
            'header' => "Content-Type: application/json\r\n", 'content' => $content]]);
        $text = @file_get_contents("http://127.0.0.1:{$this->port}{$path}", false, $context);
        return $text === false ? null : $text;
    }

    /** One FastCGI request through cgi-fcgi (libfcgi-bin); returns the body. */
    private function fastCgi(string $method, string $path, string $content): ?string
    {
        $environment = ['SCRIPT_FILENAME' => $this->example, 'REQUEST_METHOD' => $method, 'REQUEST_URI' => $path,
                        'QUERY_STRING' => '', 'SERVER_NAME' => '127.0.0.1', 'SERVER_PORT' => '80',
                        'REMOTE_ADDR' => '127.0.0.1', 'CONTENT_TYPE' => 'application/json',
                        'CONTENT_LENGTH' => (string) strlen($content), 'PATH' => getenv('PATH')];
        $process = proc_open(['cgi-fcgi', '-bind', '-connect', "127.0.0.1:{$this->port}"],
            [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null, $environment);
        fwrite($pipes[0], $content);
        fclose($pipes[0]);
        $output = stream_get_contents($pipes[1]);
        fclose($pipes[1]);
        fclose($pipes[2]);
        proc_close($process);
        $parts = preg_split("/\r?\n\r?\n/", (string) $output, 2);
        return count($parts) === 2 ? $parts[1] : null;
    }

    private static function freePort(): int
    {
        $socket = stream_socket_server('tcp://127.0.0.1:0');
        $port = (int) substr(strrchr(stream_socket_get_name($socket, false), ':'), 1);
        fclose($socket);
        return $port;
    }
}
