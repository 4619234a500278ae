package io.restage.anonymizer.transform;

import java.util.Set;

/**
 * {@code person-name}: a deterministic fake full name, {@code first-name} and {@code last-name} its parts. The
 * name is picked from {@link Names} by the keyed HMAC of the input, so the same person gets the same fake name in
 * every batch and refresh. Parameter {@code part}: {@code full} (default), {@code first} or {@code last}.
 */
public final class PersonNameTransformer implements Transformer {
    public enum Part { FULL, FIRST, LAST }

    private final Part part;
    private final String name;

    public PersonNameTransformer(Part part) {
        this.part = part;
        this.name = switch (part) {
            case FULL -> "person-name";
            case FIRST -> "first-name";
            case LAST -> "last-name";
        };
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Set<String> acceptedTypes() {
        return TEXT_TYPES;
    }

    @Override
    public String apply(String value, TransformContext ctx) {
        if (value == null) {
            return null;
        }
        long h = ctx.hmacLong("person-name", value);
        String first = Names.FIRST[(int) Long.remainderUnsigned(h, Names.FIRST.length)];
        String last = Names.LAST[(int) Long.remainderUnsigned(h >>> 20, Names.LAST.length)];
        return switch (part) {
            case FULL -> first + " " + last;
            case FIRST -> first;
            case LAST -> last;
        };
    }
}
