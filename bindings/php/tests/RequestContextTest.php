<?php

declare(strict_types=1);

namespace TraceKit\PHP\Tests;

use PHPUnit\Framework\TestCase;
use Psr\Http\Message\ResponseInterface;
use Psr\Http\Message\ServerRequestInterface;
use Psr\Http\Server\RequestHandlerInterface;
use TraceKit\PHP\Middleware\TracekitMiddleware;
use TraceKit\PHP\RequestContext;

final class Psr7Request implements ServerRequestInterface
{
    public function __construct(private string $method, private string $uri, private array $headers,
                                private array $server)
    {
    }

    public function getMethod()
    {
        return $this->method;
    }

    public function getUri()
    {
        return $this->uri;
    }

    public function getHeaders()
    {
        return $this->headers;
    }

    public function getServerParams()
    {
        return $this->server;
    }
}

final class Psr7Response implements ResponseInterface
{
}

/** The request context of a checkpoint: from $_SERVER-shaped arrays and from the PSR-15 middleware. */
final class RequestContextTest extends TestCase
{
    public function testServerParametersBecomeTheRequestContext(): void
    {
        $context = RequestContext::fromServer([
            'REQUEST_METHOD' => 'GET', 'REQUEST_URI' => '/cart?id=7', 'QUERY_STRING' => 'id=7',
            'SERVER_NAME' => 'api', 'SERVER_PORT' => '8080', 'REMOTE_ADDR' => '10.0.0.1',
            'HTTP_X_FORWARDED_FOR' => '198.51.100.4, 10.0.0.1', 'HTTP_USER_AGENT' => 'curl',
            'CONTENT_TYPE' => 'application/json', 'HTTP_TRACEPARENT' => '00-' . str_repeat('0', 32) . '-00f067aa0ba902b7-01',
        ]);
        $this->assertSame([
            'method' => 'GET', 'path' => '/cart', 'url' => 'http://api:8080/cart?id=7', 'remote_addr' => '198.51.100.4',
            'user_agent' => 'curl', 'query' => 'id=7',
            'headers' => ['x-forwarded-for' => '198.51.100.4, 10.0.0.1', 'user-agent' => 'curl',
                          'content-type' => 'application/json', 'traceparent' => '00-' . str_repeat('0', 32) . '-00f067aa0ba902b7-01'],
        ], $context['request']);
        $this->assertArrayNotHasKey('trace_id', $context, 'an all-zero trace id is invalid');
    }

    public function testACliProcessHasNoRequest(): void
    {
        $this->assertSame([], RequestContext::current());
    }

    public function testTheMiddlewareMakesThePsr7RequestCurrentForTheHandlerOnly(): void
    {
        $seen = null;
        $handler = new class ($seen) implements RequestHandlerInterface {
            public function __construct(private mixed &$seen)
            {
            }

            public function handle(ServerRequestInterface $request): ResponseInterface
            {
                $this->seen = RequestContext::current();
                return new Psr7Response();
            }
        };
        $request = new Psr7Request('POST', 'https://shop.example/checkout?step=pay',
            ['Host' => ['shop.example'], 'Traceparent' => ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01']],
            ['REMOTE_ADDR' => '203.0.113.9']);
        $response = (new TracekitMiddleware())->process($request, $handler);

        $this->assertInstanceOf(Psr7Response::class, $response);
        $this->assertSame(['POST', '/checkout', 'https://shop.example/checkout?step=pay', '203.0.113.9'],
            [$seen['request']['method'], $seen['request']['path'], $seen['request']['url'], $seen['request']['remote_addr']]);
        $this->assertSame('4bf92f3577b34da6a3ce929d0e0e4736', $seen['trace_id']);
        $this->assertSame([], RequestContext::current(), 'restored after the request');
    }

    public function testTheMiddlewarePassesTheHandlersExceptionOnAndRestoresTheContext(): void
    {
        $handler = new class implements RequestHandlerInterface {
            public function handle(ServerRequestInterface $request): ResponseInterface
            {
                throw new \DomainException('handler failed');
            }
        };
        try {
            (new TracekitMiddleware())->process(new Psr7Request('GET', '/x', [], []), $handler);
            $this->fail('the exception was swallowed');
        } catch (\DomainException $error) {
            $this->assertSame('handler failed', $error->getMessage());
        }
        $this->assertSame([], RequestContext::current());
    }
}
