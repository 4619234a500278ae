package io.restage.anonymizer.transform;

/**
 * The shape shared by the contact-data transformers ({@code phone}, {@code street-address}, {@code postal-code},
 * {@code city}): parameter {@code mode} chooses a deterministic fake (default), an empty string or NULL; NULL stays
 * NULL. Subclasses only say how to make the fake.
 */
abstract class FakeValueTransformer implements Transformer {
    private final Shapes.Mode mode;

    FakeValueTransformer(String mode) {
        this.mode = Shapes.Mode.of(mode);
    }

    /** The fake for a non-null value. */
    abstract String fake(String value, TransformContext ctx);

    @Override
    public final String apply(String value, TransformContext ctx) {
        if (value == null) {
            return null;
        }
        return mode.replacesWithoutFake() ? mode.fixed() : fake(value, ctx);
    }
}
