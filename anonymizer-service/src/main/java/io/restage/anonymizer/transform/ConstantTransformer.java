package io.restage.anonymizer.transform;

import io.restage.common.policy.TransformerCatalog;
import io.restage.common.policy.TransformerSpec;

/**
 * {@code constant}: every row (NULL included) gets {@code value}, in the column's text form ({@code false},
 * {@code 0}, {@code disabled}). Used to switch partner integrations off.
 */
public final class ConstantTransformer implements Transformer {
    private static final TransformerSpec SPEC = TransformerCatalog.spec("constant");
    private final String value;

    public ConstantTransformer(String value) {
        if (value == null) {
            throw new IllegalArgumentException("transformer 'constant' needs parameter value");
        }
        this.value = value;
    }

    @Override
    public TransformerSpec spec() {
        return SPEC;
    }

    @Override
    public String apply(String input, TransformContext ctx) {
        return value;
    }
}
