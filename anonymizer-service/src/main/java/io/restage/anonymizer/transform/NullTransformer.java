package io.restage.anonymizer.transform;

import java.util.Set;

/** {@code null}: the column becomes NULL (the target column must be nullable). */
public final class NullTransformer implements Transformer {
    @Override
    public String name() {
        return "null";
    }

    @Override
    public Set<String> acceptedTypes() {
        return Set.of();
    }

    @Override
    public String apply(String value, TransformContext ctx) {
        return null;
    }
}
