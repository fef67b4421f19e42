<?php

declare(strict_types=1);

namespace TraceKit\PHP\Laravel;

/**
 * What TracekitServiceProvider needs of Laravel's ServiceProvider when
 * Laravel is not installed: the application (a container with singleton())
 * and the booting/booted callbacks Laravel's Application calls.
 */
abstract class PlainServiceProvider
{
    /** @var object the application container */
    protected $app;

    /** @var list<callable> */
    private array $bootingCallbacks = [];
    /** @var list<callable> */
    private array $bootedCallbacks = [];

    public function __construct(object $app)
    {
        $this->app = $app;
    }

    public function booting(callable $callback): void
    {
        $this->bootingCallbacks[] = $callback;
    }

    public function booted(callable $callback): void
    {
        $this->bootedCallbacks[] = $callback;
    }

    public function callBootingCallbacks(): void
    {
        foreach ($this->bootingCallbacks as $callback) {
            $callback($this->app);
        }
    }

    public function callBootedCallbacks(): void
    {
        foreach ($this->bootedCallbacks as $callback) {
            $callback($this->app);
        }
    }
}
