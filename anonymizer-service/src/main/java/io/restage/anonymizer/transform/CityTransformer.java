package io.restage.anonymizer.transform;

import io.restage.common.policy.TransformerCatalog;
import io.restage.common.policy.TransformerSpec;

/**
 * {@code city}: a deterministic fake city name for the {@code locale} (datafaker); {@code mode: blank} or
 * {@code null} instead. NULL stays NULL.
 */
public final class CityTransformer extends FakeValueTransformer {
    private static final TransformerSpec SPEC = TransformerCatalog.spec("city");
    private final Fakes fakes;

    public CityTransformer(String mode, String locale) {
        super(mode);
        this.fakes = new Fakes(locale);
    }

    @Override
    public TransformerSpec spec() {
        return SPEC;
    }

    @Override
    String fake(String value, TransformContext ctx) {
        return fakes.fake(ctx.hmacLong("city", value), f -> f.address().city());
    }
}
