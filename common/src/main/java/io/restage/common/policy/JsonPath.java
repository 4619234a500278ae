package io.restage.common.policy;

import java.util.ArrayList;
import java.util.List;

/**
 * The JSON path subset the {@code json} transformer understands: {@code $} then any of {@code .key},
 * {@code ['key']}, {@code .*}, {@code [*]}, {@code [3]} and {@code ..key} (the key at any depth). Parsed once per
 * policy, never per row.
 */
public record JsonPath(String text, List<Segment> segments) {

    /** One step of a path. */
    public sealed interface Segment {
    }

    /** A member by name. */
    public record Key(String name) implements Segment {
    }

    /** Every member of an object. */
    public record AnyKey() implements Segment {
    }

    /** One array element by position. */
    public record Index(int index) implements Segment {
    }

    /** Every array element. */
    public record AnyIndex() implements Segment {
    }

    /** A member by name at this level or any level below. */
    public record Deep(String name) implements Segment {
    }

    public static JsonPath parse(String text) {
        String p = text.trim();
        if (!p.startsWith("$")) {
            throw new IllegalArgumentException("JSON path '" + text + "' must start with $ (e.g. $.contact.email)");
        }
        List<Segment> out = new ArrayList<>();
        int i = 1;
        while (i < p.length()) {
            char ch = p.charAt(i);
            if (p.startsWith("..", i)) {
                int end = nameEnd(p, i + 2);
                if (end == i + 2) {
                    throw bad(text, i, "a name after ..");
                }
                out.add(new Deep(p.substring(i + 2, end)));
                i = end;
            } else if (ch == '.') {
                if (p.startsWith(".*", i)) {
                    out.add(new AnyKey());
                    i += 2;
                    continue;
                }
                int end = nameEnd(p, i + 1);
                if (end == i + 1) {
                    throw bad(text, i, "a name after .");
                }
                out.add(new Key(p.substring(i + 1, end)));
                i = end;
            } else if (ch == '[') {
                int close = p.indexOf(']', i);
                if (close < 0) {
                    throw bad(text, i, "a closing ]");
                }
                String inner = p.substring(i + 1, close).trim();
                if (inner.equals("*")) {
                    out.add(new AnyIndex());
                } else if ((inner.startsWith("'") && inner.endsWith("'") || inner.startsWith("\"") && inner.endsWith("\""))
                        && inner.length() >= 2) {
                    out.add(new Key(inner.substring(1, inner.length() - 1)));
                } else {
                    try {
                        out.add(new Index(Integer.parseInt(inner)));
                    } catch (NumberFormatException e) {
                        throw bad(text, i, "[*], [n] or ['name']");
                    }
                }
                i = close + 1;
            } else {
                throw bad(text, i, ". or [");
            }
        }
        return new JsonPath(text, List.copyOf(out));
    }

    private static int nameEnd(String p, int from) {
        int i = from;
        while (i < p.length() && p.charAt(i) != '.' && p.charAt(i) != '[') {
            i++;
        }
        return i;
    }

    private static IllegalArgumentException bad(String text, int at, String expected) {
        return new IllegalArgumentException("JSON path '" + text + "': expected " + expected + " at position " + at);
    }
}
