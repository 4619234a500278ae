package io.restage.anonymizer.transform;

import io.restage.common.policy.TransformerCatalog;
import io.restage.common.policy.TransformerSpec;
import java.util.List;

/**
 * {@code city}: a deterministic fake city name for the {@code locale} (or, with {@code country-column}, of the
 * country that column of the row names: a Brazilian row gets a Brazilian one; datafaker); {@code mode: blank} or
 * {@code null} instead. NULL stays NULL.
 */
public final class CityTransformer extends FakeValueTransformer {
    private static final TransformerSpec SPEC = TransformerCatalog.spec("city");
    private final Fakes fakes;
    private final String countryColumn;

    public CityTransformer(String mode, String locale, String countryColumn) {
        super(mode);
        this.fakes = new Fakes(locale);
        this.countryColumn = countryColumn == null || countryColumn.isBlank() ? null : countryColumn.trim();
    }

    @Override
    public List<String> reads() {
        return countryColumn == null ? List.of() : List.of(countryColumn);
    }

    @Override
    String fake(String value, String[] row, TransformContext ctx) {
        Fakes f = countryColumn == null ? fakes : Fakes.ofCountry(Countries.iso2(row[0]), fakes);
        return f.fake(ctx.hmacLong("city", value), x -> x.address().city());
    }

    @Override
    public TransformerSpec spec() {
        return SPEC;
    }

}
