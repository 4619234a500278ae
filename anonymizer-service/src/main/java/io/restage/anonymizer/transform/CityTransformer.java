package io.restage.anonymizer.transform;

import io.restage.common.policy.TransformerCatalog;
import io.restage.common.policy.TransformerSpec;

/**
 * {@code city}: a deterministic fake city name for the {@code locale} (datafaker); {@code mode: blank} or
 * {@code null} instead. NULL stays NULL.
 */
public final class CityTransformer implements Transformer {
    private static final TransformerSpec SPEC = TransformerCatalog.spec("city");
    private final Shapes.Mode mode;
    private final Fakes fakes;

    public CityTransformer(String mode, String locale) {
        this.mode = Shapes.Mode.of(mode);
        this.fakes = new Fakes(locale);
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
        return fakes.fake(ctx.hmacLong("city", value), f -> f.address().city());
    }
}
