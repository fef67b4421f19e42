<?php

/*
 * The PSR-7 / PSR-15 interfaces TracekitMiddleware uses, declared only when
 * the real packages (psr/http-message, psr/http-server-handler,
 * psr/http-server-middleware) are not installed: then the middleware works
 * with any framework that passes objects having these methods. With the
 * real packages, these declarations are skipped and theirs are used.
 */

declare(strict_types=1);

namespace Psr\Http\Message {
    if (!interface_exists(ServerRequestInterface::class)) {
        /** The subset of PSR-7's ServerRequestInterface the middleware reads. */
        interface ServerRequestInterface
        {
            public function getMethod();

            /** @return object|string a UriInterface (string-convertible) */
            public function getUri();

            /** @return array<string, string[]> */
            public function getHeaders();

            /** @return array<string, mixed> */
            public function getServerParams();
        }
    }

    if (!interface_exists(ResponseInterface::class)) {
        /** PSR-7's ResponseInterface (the middleware only passes it on). */
        interface ResponseInterface
        {
        }
    }
}

namespace Psr\Http\Server {
    use Psr\Http\Message\ResponseInterface;
    use Psr\Http\Message\ServerRequestInterface;

    if (!interface_exists(RequestHandlerInterface::class)) {
        interface RequestHandlerInterface
        {
            public function handle(ServerRequestInterface $request): ResponseInterface;
        }
    }

    if (!interface_exists(MiddlewareInterface::class)) {
        interface MiddlewareInterface
        {
            public function process(ServerRequestInterface $request, RequestHandlerInterface $handler): ResponseInterface;
        }
    }
}
