package io.restage.anonymizer.transform;

import io.restage.common.policy.TransformerCatalog;
import io.restage.common.policy.TransformerSpec;

/**
 * {@code street-address}: a deterministic fake street address for the {@code locale} (datafaker:
 * {@code 843 Rufus Shore}, {@code Heerweg 525}); {@code mode: blank} or {@code null} instead. NULL stays NULL.
 */
public final class StreetAddressTransformer implements Transformer {
    private static final TransformerSpec SPEC = TransformerCatalog.spec("street-address");
    private final Shapes.Mode mode;
    private final Fakes fakes;

    public StreetAddressTransformer(String mode, String locale) {
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
        return fakes.fake(ctx.hmacLong("street-address", value), f -> f.address().streetAddress());
    }
}
