package io.restage.anonymizer.transform;

import java.util.Set;

/** {@code keep}: an explicit decision that the column is not personal; the value passes unchanged. */
public final class KeepTransformer implements Transformer {
    @Override
    public String name() {
        return "keep";
    }

    @Override
    public Set<String> acceptedTypes() {
        return Set.of();
    }

    @Override
    public String apply(String value, TransformContext ctx) {
        return value;
    }
}
