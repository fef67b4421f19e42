<?php

declare(strict_types=1);

namespace TraceKit\PHP\Tests;

use PHPUnit\Framework\TestCase;
use TraceKit\PHP\Variables;

final class ThrowingSerializable implements \JsonSerializable
{
    public function jsonSerialize(): mixed
    {
        throw new \RuntimeException('broken');
    }
}

final class Order
{
    public int $id = 7;
    public ?Order $parent = null;
    private string $secret = 'hidden';
}

enum Status: string
{
    case Paid = 'paid';
}

/** Variables::toJson: any PHP value becomes bounded JSON, never an exception. */
final class VariablesTest extends TestCase
{
    private static function decode(array $variables): mixed
    {
        return json_decode(Variables::toJson($variables), true, 512, JSON_THROW_ON_ERROR);
    }

    public function testObjectsBecomeTheirPublicPropertiesAndCyclesAreMarked(): void
    {
        $order = new Order();
        $order->parent = $order;
        $this->assertSame(['order' => ['id' => 7, 'parent' => '[CIRCULAR]']], self::decode(['order' => $order]));
    }

    public function testTheSameObjectTwiceIsNotACycle(): void
    {
        $shared = new Order();
        $this->assertSame(['a' => ['id' => 7, 'parent' => null], 'b' => ['id' => 7, 'parent' => null]],
            self::decode(['a' => $shared, 'b' => $shared]));
    }

    public function testValuesThatCannotBeSerializedAreNamed(): void
    {
        $stream = fopen('php://memory', 'r');
        $decoded = self::decode(['serializable' => new ThrowingSerializable(), 'closure' => fn () => 1,
                                 'stream' => $stream, 'inf' => INF, 'nan' => NAN, 'status' => Status::Paid,
                                 'when' => new \DateTimeImmutable('2026-01-02T03:04:05Z')]);
        $this->assertSame('[UNSERIALIZABLE:' . ThrowingSerializable::class . ']', $decoded['serializable']);
        $this->assertSame('[UNSERIALIZABLE:Closure]', $decoded['closure']);
        $this->assertSame('[RESOURCE:stream]', $decoded['stream']);
        $this->assertSame(['INF', 'NAN', 'paid'], [$decoded['inf'], $decoded['nan'], $decoded['status']]);
        $this->assertSame('2026-01-02T03:04:05.000+00:00', $decoded['when']);
    }

    public function testHugeAndDeepValuesAreBounded(): void
    {
        $decoded = self::decode(['list' => range(1, 100000)]);
        $this->assertCount(Variables::MAX_ITEMS + 1, $decoded['list']);
        $this->assertSame(100000 - Variables::MAX_ITEMS, $decoded['list']['_truncated_items']);

        $deep = [];
        for ($i = 0; $i < 200; $i++) {
            $deep = ['next' => $deep];
        }
        $json = Variables::toJson(['deep' => $deep]);
        $this->assertStringContainsString('"_truncated":true', $json);
        $this->assertLessThan(2000, strlen($json));
    }

    public function testSelfReferencingArraysAreBoundedByDepth(): void
    {
        $array = ['a' => 1];
        $array['self'] = &$array;
        $this->assertStringContainsString('"_truncated":true', Variables::toJson($array));
    }

    public function testInvalidUtf8IsReplacedAndTheTopLevelIsAnObject(): void
    {
        $this->assertSame("{\"bytes\":\"\u{FFFD}\u{FFFD}ok\"}", Variables::toJson(['bytes' => "\xff\xfeok"]));
        $this->assertSame('{}', Variables::toJson([]));
        $this->assertSame('{"0":"a","1":"b"}', Variables::toJson(['a', 'b']));
    }
}
