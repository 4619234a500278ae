package io.restage.anonymizer.transform;

import io.restage.common.policy.TransformerCatalog;
import io.restage.common.policy.TransformerSpec;

/**
 * {@code phone}: by default a deterministic fake number that cannot ring anyone: from the range the source number's
 * country keeps for fiction, or under the unassigned country code +999 ({@link ReservedPhones}). The country is parsed
 * from the number's international prefix; a number without one is read as a national number of {@code country}
 * (default US). The source's separators and length are kept when the reserved number has as many digits.
 * {@code mode: blank} writes an empty string, {@code mode: null} NULL. NULL stays NULL.
 */
public final class PhoneTransformer extends FakeValueTransformer {
    private static final TransformerSpec SPEC = TransformerCatalog.spec("phone");
    private final String defaultCode;

    public PhoneTransformer(String mode, String country) {
        super(mode);
        String c = country == null ? "US" : country;
        this.defaultCode = ReservedPhones.codeOf(c);
        if (defaultCode == null && !c.equalsIgnoreCase("none")) {
            throw new IllegalArgumentException("phone country '" + c + "' has no reserved range here: use one of "
                    + ReservedPhones.SUPPORTED + ", or none (numbers without a country code get +999, never assigned)");
        }
    }

    @Override
    public TransformerSpec spec() {
        return SPEC;
    }

    @Override
    String fake(String value, TransformContext ctx) {
        return ReservedPhones.fake(value, defaultCode, ReservedPhones.pick(ctx.hmac("phone", value)));
    }
}
