package io.restage.anonymizer.transform;

import io.restage.common.policy.TransformerCatalog;
import io.restage.common.policy.TransformerSpec;

/**
 * {@code person-name}, {@code first-name}, {@code last-name}: a deterministic realistic name for the configured
 * {@code locale} (default {@code en}), from datafaker's name lists. The full name is built from the same seed as its
 * parts, so a person keeps one fake identity within a column. The seed is the keyed HMAC of the input.
 */
public final class PersonNameTransformer implements Transformer {
    public enum Part { FULL, FIRST, LAST }

    private final Part part;
    private final TransformerSpec spec;
    private final Fakes fakes;

    public PersonNameTransformer(Part part, String locale) {
        this.part = part;
        this.spec = TransformerCatalog.spec(switch (part) {
            case FULL -> "person-name";
            case FIRST -> "first-name";
            case LAST -> "last-name";
        });
        this.fakes = new Fakes(locale);
    }

    @Override
    public TransformerSpec spec() {
        return spec;
    }

    @Override
    public String apply(String value, TransformContext ctx) {
        if (value == null) {
            return null;
        }
        long seed = ctx.hmacLong("person-name", value);
        return fakes.fake(seed, f -> switch (part) {
            case FULL -> f.name().firstName() + " " + f.name().lastName();
            case FIRST -> f.name().firstName();
            case LAST -> f.name().lastName();
        });
    }
}
