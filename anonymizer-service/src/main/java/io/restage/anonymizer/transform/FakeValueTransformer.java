package io.restage.anonymizer.transform;

/**
 * The shape shared by the contact-data transformers ({@code phone}, {@code street-address}, {@code postal-code},
 * {@code city}): parameter {@code mode} chooses a deterministic fake (default), an empty string or NULL; NULL stays
 * NULL. Subclasses only say how to make the fake; those with a {@code country-column} read it from the row.
 */
abstract class FakeValueTransformer implements Transformer {
    private final Shapes.Mode mode;

    FakeValueTransformer(String mode) {
        this.mode = Shapes.Mode.of(mode);
    }

    /** The fake for a non-null value, given the row's values of {@link #reads()} (nulls when there is no row). */
    abstract String fake(String value, String[] row, TransformContext ctx);

    /** Without a row (inside a json rule): as if the columns it reads were NULL. */
    @Override
    public final String apply(String value, TransformContext ctx) {
        return apply(value, new String[reads().size()], ctx);
    }

    @Override
    public final String apply(String value, String[] row, TransformContext ctx) {
        if (value == null) {
            return null;
        }
        return mode.replacesWithoutFake() ? mode.fixed() : fake(value, row, ctx);
    }
}
