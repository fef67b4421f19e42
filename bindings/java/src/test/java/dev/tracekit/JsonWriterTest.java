package dev.tracekit;

import dev.tracekit.internal.JsonWriter;
import dev.tracekit.support.Json;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** JsonWriter.variables: any Java value becomes bounded JSON, never an exception. */
class JsonWriterTest {
    public record Money(String currency, long cents) {
    }

    public static final class Customer {
        private final String email = "jane@example.com";
        public Customer friend;

        public String getEmail() {
            return email;
        }

        public boolean isVip() {
            return true;
        }

        @Override
        public String toString() {
            throw new IllegalStateException("never called");
        }
    }

    enum Status { PAID }

    private static Map<String, Object> write(Map<String, ?> variables) {
        return Json.object(JsonWriter.variables(variables));
    }

    @Test
    void pojosRecordsEnumsAndDatesBecomeJson() {
        Customer customer = new Customer();
        Map<String, Object> json = write(Map.of("customer", customer, "price", new Money("EUR", 4250),
                "status", Status.PAID, "at", Instant.parse("2026-01-02T03:04:05Z")));
        assertEquals(Map.of("email", "jane@example.com", "vip", true), withoutNulls(Json.get(json, "customer")));
        assertEquals(Map.of("currency", "EUR", "cents", 4250L), json.get("price"));
        assertEquals("PAID", json.get("status"));
        assertEquals("2026-01-02T03:04:05Z", json.get("at"));
    }

    @Test
    void cyclesAreMarkedButSharedObjectsAreNot() {
        Customer customer = new Customer();
        customer.friend = customer;
        Map<String, Object> shared = new LinkedHashMap<>();
        shared.put("a", 1);
        Map<String, Object> json = write(Map.of("customer", customer, "first", shared, "second", shared));
        assertEquals("[CIRCULAR]", Json.get(json, "customer", "friend"));
        assertEquals(Map.of("a", 1L), json.get("first"));
        assertEquals(Map.of("a", 1L), json.get("second"));
    }

    @Test
    void hugeCollectionsAndDeepNestingAreBounded() {
        List<Integer> numbers = IntStream.range(0, 100_000).boxed().collect(java.util.stream.Collectors.toList());
        Map<String, Object> json = write(Map.of("numbers", numbers, "array", new int[5000]));
        List<Object> written = Json.get(json, "numbers");
        assertEquals(JsonWriter.MAX_ITEMS + 1, written.size());
        assertEquals(Map.of("_truncated_items", (long) (100_000 - JsonWriter.MAX_ITEMS)), written.get(JsonWriter.MAX_ITEMS));
        assertEquals(JsonWriter.MAX_ITEMS + 1, ((List<?>) json.get("array")).size());

        Map<String, Object> deep = new HashMap<>();
        Map<String, Object> current = deep;
        for (int i = 0; i < 500; i++) {
            Map<String, Object> next = new HashMap<>();
            current.put("next", next);
            current = next;
        }
        String text = JsonWriter.variables(Map.of("deep", deep));
        assertTrue(text.contains("\"_truncated\":true"));
        assertTrue(text.length() < 2000);
    }

    @Test
    void whatCannotBeReadIsNamed() {
        Iterable<String> failing = () -> new Iterator<>() {
            public boolean hasNext() {
                return true;
            }

            public String next() {
                throw new IllegalStateException("broken iterator");
            }
        };
        Map<String, Object> variables = new HashMap<>();
        variables.put("thread", Thread.currentThread());
        variables.put("failing", failing);
        variables.put("nan", Double.NaN);
        variables.put("lone", "a\ud800b");
        variables.put("control", "tab\tnul\u0000");
        variables.put("nothing", null);
        Map<String, Object> json = write(variables);
        assertEquals("[UNSERIALIZABLE:java.lang.Thread]", json.get("thread"));
        assertEquals("[ERROR:java.lang.IllegalStateException]", json.get("failing"));
        assertEquals("NaN", json.get("nan"));
        assertEquals("a\ufffdb", json.get("lone"));
        assertEquals("tab\tnul\u0000", json.get("control"));
        assertTrue(json.containsKey("nothing"));
    }

    @Test
    void aConcurrentlyModifiedCollectionDoesNotEscape() {
        List<Object> list = new ArrayList<>(List.of(1, 2, 3));
        Object modifying = new Object() {
            public String getValue() {
                list.add(4);
                return "x";
            }
        };
        list.add(modifying);
        list.add(5);
        String json = JsonWriter.variables(Map.of("list", list));
        assertTrue(json.contains("[ERROR:java.util.ConcurrentModificationException]")
                || json.contains("[UNSERIALIZABLE:"), json);
    }

    private static Map<String, Object> withoutNulls(Map<String, Object> map) {
        Map<String, Object> result = new HashMap<>(map);
        result.values().removeIf(java.util.Objects::isNull);
        return result;
    }
}
