package io.restage.anonymizer.transform;

import io.restage.common.policy.TransformerCatalog;
import io.restage.common.policy.TransformerSpec;

/**
 * {@code postal-code}: a deterministic fake of the same format, digits for digits and letters for letters of the
 * same case ({@code 10115} to {@code 38204}, {@code SW1A 1AA} to {@code KP4R 7XG}); {@code mode: blank} or
 * {@code null} instead. NULL stays NULL.
 */
public final class PostalCodeTransformer extends FakeValueTransformer {
    private static final TransformerSpec SPEC = TransformerCatalog.spec("postal-code");

    public PostalCodeTransformer(String mode) {
        super(mode);
    }

    @Override
    public TransformerSpec spec() {
        return SPEC;
    }

    @Override
    String fake(String value, String[] row, TransformContext ctx) {
        return Shapes.substitute(value, ctx, "postal-code", 0, true);
    }
}
