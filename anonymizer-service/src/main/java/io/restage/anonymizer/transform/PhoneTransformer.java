package io.restage.anonymizer.transform;

import io.restage.common.policy.TransformerCatalog;
import io.restage.common.policy.TransformerSpec;

/**
 * {@code phone}: by default a deterministic fake number of the same format: every digit after the first
 * {@code keep-prefix} digits is replaced by a keyed digit, separators, spaces, {@code +} and parentheses stay
 * ({@code +49 30 1234567} with keep-prefix 2 becomes {@code +49 81 5519023}). {@code mode: blank} writes an empty
 * string, {@code mode: null} NULL. NULL stays NULL.
 */
public final class PhoneTransformer extends FakeValueTransformer {
    private static final TransformerSpec SPEC = TransformerCatalog.spec("phone");
    private final int keepPrefix;

    public PhoneTransformer(String mode, String keepPrefix) {
        super(mode);
        this.keepPrefix = Params.intParam("phone", "keep-prefix", keepPrefix, 0, 0, 6);
    }

    @Override
    public TransformerSpec spec() {
        return SPEC;
    }

    @Override
    String fake(String value, TransformContext ctx) {
        return Shapes.substitute(value, ctx, "phone", keepPrefix, false);
    }
}
