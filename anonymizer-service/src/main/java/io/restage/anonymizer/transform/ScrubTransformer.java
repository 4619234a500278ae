package io.restage.anonymizer.transform;

import java.util.Set;

/** {@code scrub}: text becomes a fixed marker (parameter {@code text}, default {@code [scrubbed for staging]}); NULL stays NULL. */
public final class ScrubTransformer implements Transformer {
    public static final String DEFAULT_MARKER = "[scrubbed for staging]";
    private final String marker;

    public ScrubTransformer(String marker) {
        this.marker = marker == null ? DEFAULT_MARKER : marker;
    }

    @Override
    public String name() {
        return "scrub";
    }

    @Override
    public Set<String> acceptedTypes() {
        return TEXT_TYPES;
    }

    @Override
    public String apply(String value, TransformContext ctx) {
        return value == null ? null : marker;
    }
}
