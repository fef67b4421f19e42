<?php

declare(strict_types=1);

namespace TraceKit\PHP\Tests;

use FFI;
use PHPUnit\Framework\TestCase;
use TraceKit\PHP\Native\Library;

/** Which libtracekit the package accepts: the same major version only. */
final class LibraryTest extends TestCase
{
    public function testTheLoadedLibraryHasThisPackagesMajorVersion(): void
    {
        $loaded = (string) Library::ffi()->tk_version();
        self::assertSame(explode('.', Library::BINDING_VERSION)[0], explode('.', $loaded)[0]);
    }

    public function testALibraryOfAnotherMajorVersionIsRefusedNamingBothVersions(): void
    {
        try {
            Library::checkVersion('7.0.0', '0.1.0');
            self::fail('a libtracekit of another major version was accepted');
        } catch (FFI\Exception $error) {
            self::assertStringContainsString('7.0.0', $error->getMessage());
            self::assertStringContainsString('0.1.0', $error->getMessage());
        }
        Library::checkVersion('0.9.3', '0.1.0');
        self::addToAssertionCount(1);
    }
}
