package io.restage.anonymizer.transform;

import java.util.Set;

/** {@code constant}: every row gets parameter {@code value} (in the column type's text form, e.g. {@code false}). */
public final class ConstantTransformer implements Transformer {
    private final String value;

    public ConstantTransformer(String value) {
        if (value == null) {
            throw new IllegalArgumentException("transformer 'constant' needs parameter 'value' (use transformer 'null' for NULL)");
        }
        this.value = value;
    }

    @Override
    public String name() {
        return "constant";
    }

    @Override
    public Set<String> acceptedTypes() {
        return Set.of();
    }

    @Override
    public String apply(String in, TransformContext ctx) {
        return value;
    }
}
