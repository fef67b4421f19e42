<?php

declare(strict_types=1);

namespace TraceKit\PHP\Middleware;

use Psr\Http\Message\ResponseInterface;
use Psr\Http\Message\ServerRequestInterface;
use Psr\Http\Server\MiddlewareInterface;
use Psr\Http\Server\RequestHandlerInterface;
use TraceKit\PHP\RequestContext;

/**
 * PSR-15 middleware: makes the PSR-7 request the request context of every
 * checkpoint the handler reaches (method, URL, client address, headers,
 * traceparent ids). Costs one array conversion per request; the context
 * document itself is built only when a snapshot is captured.
 */
final class TracekitMiddleware implements MiddlewareInterface
{
    public function process(ServerRequestInterface $request, RequestHandlerInterface $handler): ResponseInterface
    {
        try {
            $server = self::serverParameters($request);
        } catch (\Throwable) {
            return $handler->handle($request); // context is optional; the request is not
        }
        return RequestContext::withRequest($server, static fn () => $handler->handle($request));
    }

    /**
     * The request as $_SERVER-shaped parameters (what RequestContext reads).
     *
     * @return array<string, mixed>
     */
    private static function serverParameters(ServerRequestInterface $request): array
    {
        $server = $request->getServerParams();
        $uri = (string) $request->getUri();
        $parts = parse_url($uri) ?: [];
        $server['REQUEST_METHOD'] = (string) $request->getMethod();
        $server['REQUEST_URI'] = ($parts['path'] ?? '/') . (isset($parts['query']) ? '?' . $parts['query'] : '');
        $server['QUERY_STRING'] = $parts['query'] ?? '';
        $server['HTTPS'] = ($parts['scheme'] ?? 'http') === 'https' ? 'on' : 'off';
        foreach ($request->getHeaders() as $name => $values) {
            $server['HTTP_' . strtoupper(str_replace('-', '_', (string) $name))] = implode(', ', (array) $values);
        }
        if (isset($parts['host']) && !isset($server['HTTP_HOST'])) {
            $server['HTTP_HOST'] = $parts['host'] . (isset($parts['port']) ? ':' . $parts['port'] : '');
        }
        return $server;
    }
}
