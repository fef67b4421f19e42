<?php

declare(strict_types=1);

namespace TraceKit\PHP;

/**
 * A checkpoint's variables as one JSON object, whatever they hold.
 *
 * Objects become their public properties (JsonSerializable: its
 * jsonSerialize(), DateTimeInterface: ISO 8601); an object already on the
 * path is "[CIRCULAR]"; closures and others that cannot be read are
 * "[UNSERIALIZABLE:Class]", resources "[RESOURCE:type]", INF/NAN strings.
 * The walk is bounded (depth and items per container) so a huge or
 * self-referencing array costs little; the engine then scrubs PII and
 * applies the configured depth and payload limits.
 */
final class Variables
{
    public const MAX_DEPTH = 64;
    public const MAX_ITEMS = 1000;

    private const FLAGS = JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE
        | JSON_PRESERVE_ZERO_FRACTION | JSON_PARTIAL_OUTPUT_ON_ERROR;

    /** @param array<mixed> $variables */
    public static function toJson(array $variables): string
    {
        $normalized = self::normalizeArray($variables, 0, []);
        $json = json_encode((object) $normalized, self::FLAGS);
        return is_string($json) ? $json : '{}';
    }

    /**
     * @param array<int, true> $path ids of the objects being walked
     */
    private static function normalize(mixed $value, int $depth, array $path): mixed
    {
        if ($value === null || is_bool($value) || is_int($value) || is_string($value)) {
            return $value;
        }
        if (is_float($value)) {
            return is_finite($value) ? $value : (string) $value;
        }
        if (is_array($value)) {
            return $depth >= self::MAX_DEPTH ? ['_truncated' => true, '_depth' => $depth]
                : self::normalizeArray($value, $depth, $path);
        }
        if (is_object($value)) {
            return self::normalizeObject($value, $depth, $path);
        }
        if (is_resource($value) || gettype($value) === 'resource (closed)') {
            return '[RESOURCE:' . get_resource_type($value) . ']';
        }
        return '[UNSERIALIZABLE:' . get_debug_type($value) . ']';
    }

    /**
     * @param array<mixed> $array
     * @param array<int, true> $path
     * @return array<mixed>
     */
    private static function normalizeArray(array $array, int $depth, array $path): array
    {
        $result = [];
        $count = 0;
        foreach ($array as $key => $item) {
            if (++$count > self::MAX_ITEMS) {
                $result['_truncated_items'] = count($array) - self::MAX_ITEMS;
                break;
            }
            $result[$key] = self::normalize($item, $depth + 1, $path);
        }
        return $result;
    }

    /** @param array<int, true> $path */
    private static function normalizeObject(object $object, int $depth, array $path): mixed
    {
        $id = spl_object_id($object);
        if (isset($path[$id])) {
            return '[CIRCULAR]';
        }
        if ($depth >= self::MAX_DEPTH) {
            return ['_truncated' => true, '_depth' => $depth];
        }
        $path[$id] = true;
        try {
            if ($object instanceof \DateTimeInterface) {
                return $object->format(\DateTimeInterface::RFC3339_EXTENDED);
            }
            if ($object instanceof \JsonSerializable) {
                return self::normalize($object->jsonSerialize(), $depth, $path);
            }
            if ($object instanceof \Closure || $object instanceof \Generator) {
                return '[UNSERIALIZABLE:' . get_class($object) . ']';
            }
            if ($object instanceof \UnitEnum) {
                return $object instanceof \BackedEnum ? $object->value : $object->name;
            }
            return self::normalizeArray(get_object_vars($object), $depth, $path);
        } catch (\Throwable) {
            return '[UNSERIALIZABLE:' . get_class($object) . ']';
        }
    }
}
