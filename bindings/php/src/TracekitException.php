<?php

declare(strict_types=1);

namespace TraceKit\PHP;

/** A configuration or library error. Never thrown out of a checkpoint: see TracekitClient::lastError(). */
final class TracekitException extends \RuntimeException
{
}
