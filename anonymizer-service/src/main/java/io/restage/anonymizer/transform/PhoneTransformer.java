package io.restage.anonymizer.transform;

import java.util.Set;

/**
 * {@code phone}: a deterministic fictional number in the 555-01xx range reserved for fiction
 * ({@code +1-555-01XX-XXXX}); NULL stays NULL.
 */
public final class PhoneTransformer implements Transformer {
    @Override
    public String name() {
        return "phone";
    }

    @Override
    public Set<String> acceptedTypes() {
        return TEXT_TYPES;
    }

    @Override
    public String apply(String value, TransformContext ctx) {
        if (value == null) {
            return null;
        }
        long h = Long.remainderUnsigned(ctx.hmacLong("phone", value), 1_000_000L);
        return String.format("+1-555-01%02d-%04d", h / 10_000, h % 10_000);
    }
}
