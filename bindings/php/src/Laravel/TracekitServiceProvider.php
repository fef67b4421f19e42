<?php

declare(strict_types=1);

namespace TraceKit\PHP\Laravel;

use TraceKit\PHP\Config;
use TraceKit\PHP\Tracekit;
use TraceKit\PHP\TracekitClient;

// Laravel's ServiceProvider when Laravel is installed, else the plain one.
if (!class_exists(ServiceProviderBase::class, false)) {
    class_alias(class_exists(\Illuminate\Support\ServiceProvider::class)
        ? \Illuminate\Support\ServiceProvider::class : PlainServiceProvider::class, ServiceProviderBase::class);
}

/**
 * Registers TraceKit code monitoring in a Laravel application:
 *
 *     // config/app.php (or bootstrap/providers.php)
 *     TraceKit\PHP\Laravel\TracekitServiceProvider::class,
 *
 * Configuration comes from .env: TRACEKIT_API_KEY, TRACEKIT_SERVICE_NAME
 * (default: APP_NAME), TRACEKIT_ENDPOINT, TRACEKIT_CODE_MONITORING_ENABLED,
 * TRACEKIT_CODE_MONITORING_POLL_INTERVAL (seconds). The client is a
 * container singleton shared with the tracekit_snapshot() helper.
 */
class TracekitServiceProvider extends ServiceProviderBase
{
    public function register(): void
    {
        $this->app->singleton(TracekitClient::class, static fn () => Tracekit::init(self::configuration()));
    }

    /** Makes the client at boot, so the first request does not pay for starting it. */
    public function boot(): void
    {
        try {
            $this->app->make(TracekitClient::class);
        } catch (\Throwable) {
            // A monitoring problem never stops the application from booting.
        }
    }

    /** @return array<string, mixed> */
    public static function configuration(): array
    {
        $config = Config::fromEnvironment();
        $appName = getenv('APP_NAME');
        if (!isset($config['service_name']) && is_string($appName) && $appName !== '') {
            $config['service_name'] = preg_replace('/[^A-Za-z0-9._~-]/', '-', $appName);
        }
        return $config;
    }
}
