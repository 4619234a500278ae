package io.restage.anonymizer.transform;

import io.restage.common.policy.TransformerCatalog;
import io.restage.common.policy.TransformerSpec;

/**
 * {@code postal-code}: a deterministic fake of the same format, digits for digits and letters for letters of the
 * same case ({@code 10115} to {@code 38204}, {@code SW1A 1AA} to {@code KP4R 7XG}); {@code mode: blank} or
 * {@code null} instead. NULL stays NULL.
 */
public final class PostalCodeTransformer implements Transformer {
    private static final TransformerSpec SPEC = TransformerCatalog.spec("postal-code");
    private final Shapes.Mode mode;

    public PostalCodeTransformer(String mode) {
        this.mode = Shapes.Mode.of(mode);
    }

    @Override
    public TransformerSpec spec() {
        return SPEC;
    }

    @Override
    public String apply(String value, TransformContext ctx) {
        if (value == null) {
            return null;
        }
        if (mode.replacesWithoutFake()) {
            return mode.fixed();
        }
        return Shapes.substitute(value, ctx, "postal-code", 0, true);
    }
}
