<?php

declare(strict_types=1);

require dirname(__DIR__) . '/autoload.php';

spl_autoload_register(static function (string $class): void {
    $prefix = 'TraceKit\\PHP\\Tests\\';
    if (str_starts_with($class, $prefix)) {
        require __DIR__ . '/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
    }
});

$library = getenv('TRACEKIT_LIBRARY');
if (!is_string($library) || !is_file($library)) {
    fwrite(STDERR, "TRACEKIT_LIBRARY must name a built libtracekit.so.0 (got '{$library}')\n");
    exit(1);
}
