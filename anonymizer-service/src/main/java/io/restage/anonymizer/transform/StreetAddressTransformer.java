package io.restage.anonymizer.transform;

import io.restage.common.policy.TransformerCatalog;
import io.restage.common.policy.TransformerSpec;

/**
 * {@code street-address}: a deterministic fake street address for the {@code locale} (datafaker:
 * {@code 843 Rufus Shore}, {@code Heerweg 525}); {@code mode: blank} or {@code null} instead. NULL stays NULL.
 */
public final class StreetAddressTransformer extends FakeValueTransformer {
    private static final TransformerSpec SPEC = TransformerCatalog.spec("street-address");
    private final Fakes fakes;

    public StreetAddressTransformer(String mode, String locale) {
        super(mode);
        this.fakes = new Fakes(locale);
    }

    @Override
    public TransformerSpec spec() {
        return SPEC;
    }

    @Override
    String fake(String value, TransformContext ctx) {
        return fakes.fake(ctx.hmacLong("street-address", value), f -> f.address().streetAddress());
    }
}
