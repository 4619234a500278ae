package io.restage.anonymizer.transform;

import java.util.Locale;
import java.util.Random;
import java.util.function.Function;
import net.datafaker.Faker;

/**
 * Realistic fake values from datafaker, made deterministic: each thread keeps one Faker per locale over a Random
 * that is re-seeded with the keyed HMAC of the input before every value, so the same input gives the same fake in
 * every batch, instance and refresh (for one datafaker version), with no per-row Faker or formatter.
 */
final class Fakes {
    private final Locale locale;
    private final ThreadLocal<Seeded> perThread;

    private record Seeded(Random random, Faker faker) {
    }

    private static final java.util.Map<String, Fakes> BY_COUNTRY = new java.util.concurrent.ConcurrentHashMap<>();

    /** The fakes of a country's locale ({@link Countries#locale}), made once per country and process. */
    static Fakes ofCountry(String iso2, Fakes fallback) {
        java.util.Locale l = Countries.locale(iso2);
        return l == null ? fallback : BY_COUNTRY.computeIfAbsent(iso2, k -> new Fakes(l.toLanguageTag()));
    }

    Fakes(String locale) {
        String tag = locale == null || locale.isBlank() ? "en" : locale.trim();
        this.locale = Locale.forLanguageTag(tag);
        if (this.locale.getLanguage().isEmpty()) {
            throw new IllegalArgumentException("locale '" + tag + "' is not a language tag (use en, de, fr, ...)");
        }
        this.perThread = ThreadLocal.withInitial(() -> {
            Random r = new Random(0);
            return new Seeded(r, new Faker(this.locale, r));
        });
        // fail at plan compile time, not on the first row, if datafaker has nothing for the locale
        perThread.get().faker().name().firstName();
    }

    String fake(long seed, Function<Faker, String> what) {
        Seeded s = perThread.get();
        s.random().setSeed(seed);
        return what.apply(s.faker());
    }
}
