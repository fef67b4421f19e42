<?php

/*
 * For use without Composer: registers the package's PSR-4 autoloader and
 * loads the files Composer's "files" section would load.
 */

declare(strict_types=1);

spl_autoload_register(static function (string $class): void {
    $prefix = 'TraceKit\\PHP\\';
    if (strncmp($class, $prefix, strlen($prefix)) !== 0) {
        return;
    }
    $path = __DIR__ . '/src/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
    if (is_file($path)) {
        require $path;
    }
});

require_once __DIR__ . '/src/Psr/interfaces.php';
require_once __DIR__ . '/src/helpers.php';
