package io.restage.anonymizer.transform;

import io.restage.common.policy.TransformerCatalog;
import io.restage.common.policy.TransformerSpec;

/** {@code scrub}: free text becomes a fixed marker (parameter {@code text}, default {@code [scrubbed for staging]}). */
public final class ScrubTransformer implements Transformer {
    private static final TransformerSpec SPEC = TransformerCatalog.spec("scrub");
    private final String text;

    public ScrubTransformer(String text) {
        this.text = text == null ? "[scrubbed for staging]" : text;
    }

    @Override
    public TransformerSpec spec() {
        return SPEC;
    }

    @Override
    public String apply(String value, TransformContext ctx) {
        return value == null ? null : text;
    }
}
