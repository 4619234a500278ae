package io.restage.anonymizer.transform;

import io.restage.common.policy.TransformerCatalog;
import io.restage.common.policy.TransformerSpec;

/** {@code null}: the column becomes NULL (credentials, tokens, anything staging must not have at all). */
public final class NullTransformer implements Transformer {
    private static final TransformerSpec SPEC = TransformerCatalog.spec("null");

    @Override
    public TransformerSpec spec() {
        return SPEC;
    }

    @Override
    public String apply(String value, TransformContext ctx) {
        return null;
    }
}
