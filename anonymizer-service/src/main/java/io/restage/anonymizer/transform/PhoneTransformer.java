package io.restage.anonymizer.transform;

import io.restage.common.policy.TransformerCatalog;
import io.restage.common.policy.TransformerSpec;

/**
 * {@code phone}: by default a deterministic fake number of the same format: every digit after the first
 * {@code keep-prefix} digits is replaced by a keyed digit, separators, spaces, {@code +} and parentheses stay
 * ({@code +49 30 1234567} with keep-prefix 2 becomes {@code +49 81 5519023}). {@code mode: blank} writes an empty
 * string, {@code mode: null} NULL. NULL stays NULL.
 */
public final class PhoneTransformer implements Transformer {
    private static final TransformerSpec SPEC = TransformerCatalog.spec("phone");
    private final Shapes.Mode mode;
    private final int keepPrefix;

    public PhoneTransformer(String mode, String keepPrefix) {
        this.mode = Shapes.Mode.of(mode);
        try {
            this.keepPrefix = keepPrefix == null ? 0 : Integer.parseInt(keepPrefix.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("keep-prefix must be a number of digits, got '" + keepPrefix + "'");
        }
        if (this.keepPrefix < 0 || this.keepPrefix > 6) {
            throw new IllegalArgumentException("keep-prefix must be between 0 and 6 digits, got " + this.keepPrefix);
        }
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
        return Shapes.substitute(value, ctx, "phone", keepPrefix, false);
    }
}
