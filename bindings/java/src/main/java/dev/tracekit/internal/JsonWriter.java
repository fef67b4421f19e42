package dev.tracekit.internal;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Any Java value as JSON, safely: Maps, Collections, arrays, records and
 * POJOs (public getters and public fields), strings, numbers, booleans,
 * enums, dates. An object already on the path is "[CIRCULAR]"; a getter
 * or toString that throws gives "[ERROR:ExceptionClass]"; types of the JDK
 * it does not know, and anything else it cannot read, "[UNSERIALIZABLE:Class]".
 * The walk is bounded: MAX_DEPTH levels and MAX_ITEMS entries per container
 * (then "_truncated_items": how many were left out), so a huge collection
 * costs little; the engine then scrubs PII and applies its own limits.
 */
public final class JsonWriter {
    public static final int MAX_DEPTH = 32;
    public static final int MAX_ITEMS = 1000;

    /** Readable properties of a POJO class, looked up once per class. */
    private static final ClassValue<List<Property>> PROPERTIES = new ClassValue<>() {
        @Override
        protected List<Property> computeValue(Class<?> type) {
            return Property.of(type);
        }
    };

    private final StringBuilder out = new StringBuilder(256);
    private final IdentityHashMap<Object, Boolean> path = new IdentityHashMap<>();

    private JsonWriter() {
    }

    /** The variables as one JSON object; never throws. */
    public static String variables(Map<String, ?> variables) {
        if (variables == null) {
            return "{}";
        }
        JsonWriter writer = new JsonWriter();
        writer.value(variables, 0);
        return writer.out.length() > 0 && writer.out.charAt(0) == '{' ? writer.out.toString() : "{}";
    }

    /** A string as a JSON string literal. */
    public static String quote(String text) {
        JsonWriter writer = new JsonWriter();
        writer.string(text);
        return writer.out.toString();
    }

    private void value(Object value, int depth) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof String || value instanceof Character || value instanceof UUID) {
            string(value.toString());
        } else if (value instanceof Boolean) {
            out.append(value);
        } else if (value instanceof Number) {
            number((Number) value);
        } else if (value instanceof Enum<?>) {
            string(((Enum<?>) value).name());
        } else if (value instanceof TemporalAccessor || value instanceof Date) {
            string(value instanceof Date ? ((Date) value).toInstant().toString() : value.toString());
        } else if (value instanceof Optional<?>) {
            value(((Optional<?>) value).orElse(null), depth);
        } else if (path.containsKey(value)) {
            string("[CIRCULAR]");
        } else if (depth >= MAX_DEPTH) {
            out.append("{\"_truncated\":true,\"_depth\":").append(depth).append('}');
        } else {
            container(value, depth);
        }
    }

    private void container(Object value, int depth) {
        int mark = out.length();
        path.put(value, Boolean.TRUE);
        try {
            if (value instanceof Map<?, ?>) {
                map((Map<?, ?>) value, depth);
            } else if (value instanceof Iterable<?>) {
                iterable((Iterable<?>) value, value instanceof Collection<?> ? ((Collection<?>) value).size() : -1, depth);
            } else if (value.getClass().isArray()) {
                array(value, depth);
            } else {
                object(value, depth);
            }
        } catch (Throwable error) { // a throwing iterator, a concurrent modification, ...
            out.setLength(mark);
            string("[ERROR:" + error.getClass().getName() + "]");
        } finally {
            path.remove(value);
        }
    }

    private void map(Map<?, ?> map, int depth) {
        out.append('{');
        int count = 0;
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            if (count == MAX_ITEMS) {
                separator(count);
                out.append("\"_truncated_items\":").append(map.size() - MAX_ITEMS);
                break;
            }
            separator(count++);
            string(String.valueOf(entry.getKey()));
            out.append(':');
            value(entry.getValue(), depth + 1);
        }
        out.append('}');
    }

    private void iterable(Iterable<?> items, int size, int depth) {
        out.append('[');
        int count = 0;
        for (Object item : items) {
            if (count == MAX_ITEMS) {
                separator(count);
                out.append("{\"_truncated_items\":").append(size < 0 ? "null" : String.valueOf(size - MAX_ITEMS))
                        .append('}');
                break;
            }
            separator(count++);
            value(item, depth + 1);
        }
        out.append(']');
    }

    private void array(Object array, int depth) {
        int length = Array.getLength(array);
        out.append('[');
        for (int i = 0; i < Math.min(length, MAX_ITEMS); i++) {
            separator(i);
            value(Array.get(array, i), depth + 1);
        }
        if (length > MAX_ITEMS) {
            out.append(",{\"_truncated_items\":").append(length - MAX_ITEMS).append('}');
        }
        out.append(']');
    }

    private void object(Object object, int depth) {
        Class<?> type = object.getClass();
        String name = type.getName();
        if (name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jdk.") || name.startsWith("sun.")) {
            string("[UNSERIALIZABLE:" + name + "]"); // JDK internals: no meaningful public properties
            return;
        }
        List<Property> properties = PROPERTIES.get(type);
        out.append('{');
        int count = 0;
        for (Property property : properties) {
            separator(count++);
            string(property.name);
            out.append(':');
            Object value;
            try {
                value = property.read(object);
            } catch (Throwable error) {
                Throwable cause = error instanceof java.lang.reflect.InvocationTargetException && error.getCause() != null
                        ? error.getCause() : error;
                string("[ERROR:" + cause.getClass().getName() + "]");
                continue;
            }
            value(value, depth + 1);
        }
        out.append('}');
    }

    private void separator(int count) {
        if (count > 0) {
            out.append(',');
        }
    }

    private void number(Number number) {
        if (number instanceof Double || number instanceof Float) {
            double value = number.doubleValue();
            if (Double.isNaN(value) || Double.isInfinite(value)) {
                string(String.valueOf(value));
                return;
            }
        }
        out.append(number instanceof java.math.BigDecimal ? ((java.math.BigDecimal) number).toPlainString()
                : number.toString());
    }

    private void string(String text) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"': out.append("\\\""); break;
                case '\\': out.append("\\\\"); break;
                case '\n': out.append("\\n"); break;
                case '\r': out.append("\\r"); break;
                case '\t': out.append("\\t"); break;
                default:
                    if (c < 0x20 || Character.isSurrogate(c) && !validSurrogate(text, i)) {
                        // Control characters escaped; a lone surrogate becomes U+FFFD.
                        out.append(Character.isSurrogate(c) ? "\\ufffd" : String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
            }
        }
        out.append('"');
    }

    private static boolean validSurrogate(String text, int index) {
        char c = text.charAt(index);
        if (Character.isHighSurrogate(c)) {
            return index + 1 < text.length() && Character.isLowSurrogate(text.charAt(index + 1));
        }
        return index > 0 && Character.isHighSurrogate(text.charAt(index - 1));
    }

    /** A public getter (getX/isX, no arguments) or public field of a POJO, or a record component. */
    private static final class Property {
        final String name;
        private final Method getter;
        private final Field field;

        private Property(String name, Method getter, Field field) {
            this.name = name;
            this.getter = getter;
            this.field = field;
        }

        Object read(Object object) throws Exception {
            return getter != null ? getter.invoke(object) : field.get(object);
        }

        static List<Property> of(Class<?> type) {
            List<Property> properties = new ArrayList<>();
            if (type.isRecord()) {
                for (RecordComponent component : type.getRecordComponents()) {
                    Method accessor = component.getAccessor();
                    if (accessor.trySetAccessible()) {
                        properties.add(new Property(component.getName(), accessor, null));
                    }
                }
                return properties;
            }
            for (Method method : type.getMethods()) {
                String name = propertyName(method);
                if (name != null && method.trySetAccessible()) {
                    properties.add(new Property(name, method, null));
                }
            }
            for (Field field : type.getFields()) {
                if (!Modifier.isStatic(field.getModifiers()) && field.trySetAccessible()) {
                    properties.add(new Property(field.getName(), null, field));
                }
            }
            properties.sort((a, b) -> a.name.compareTo(b.name));
            return properties;
        }

        private static String propertyName(Method method) {
            if (Modifier.isStatic(method.getModifiers()) || method.getParameterCount() != 0
                    || method.getDeclaringClass() == Object.class || method.getReturnType() == void.class) {
                return null;
            }
            String name = method.getName();
            int prefix = name.startsWith("get") ? 3
                    : name.startsWith("is") && (method.getReturnType() == boolean.class) ? 2 : 0;
            if (prefix == 0 || name.length() == prefix) {
                return null;
            }
            return Character.toLowerCase(name.charAt(prefix)) + name.substring(prefix + 1);
        }
    }
}
