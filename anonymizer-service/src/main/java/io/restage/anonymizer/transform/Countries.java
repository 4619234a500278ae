package io.restage.anonymizer.transform;

import java.text.Normalizer;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What a kept country column of a row says: its ISO 3166 code from the code itself ({@code BR}, {@code BRA}) or
 * the country's name in English or in one of the country's own languages ({@code Brazil}, {@code Brasil},
 * {@code Deutschland}), accents and case ignored; and the locale to draw addresses in for it ({@code pt-BR}).
 */
final class Countries {
    private static final Map<String, String> BY_NAME = new HashMap<>();
    private static final Map<String, Locale> LOCALE = new HashMap<>();

    static {
        Locale[] available = Locale.getAvailableLocales();
        for (String code : Locale.getISOCountries()) {
            Locale c = new Locale("", code);
            put(code, code);
            try {
                put(c.getISO3Country(), code);
            } catch (java.util.MissingResourceException ignored) {
                // no three-letter code known for it
            }
            put(c.getDisplayCountry(Locale.ENGLISH), code);
            Stream.of(available).filter(l -> l.getCountry().equals(code) && !l.getLanguage().isEmpty())
                    .sorted(Comparator.comparing(Locale::toLanguageTag))
                    .forEach(l -> {
                        put(c.getDisplayCountry(l), code);
                        LOCALE.putIfAbsent(code, new Locale(l.getLanguage(), code));
                    });
        }
        // the main language where the sorted first would not be it
        LOCALE.put("CA", Locale.forLanguageTag("en-CA"));
        LOCALE.put("CH", Locale.forLanguageTag("de-CH"));
        LOCALE.put("BE", Locale.forLanguageTag("nl-BE"));
        LOCALE.put("IN", Locale.forLanguageTag("en-IN"));
        LOCALE.put("US", Locale.forLanguageTag("en-US"));
        for (String[] alias : new String[][]{{"USA", "US"}, {"United States of America", "US"}, {"America", "US"},
                {"UK", "GB"}, {"Great Britain", "GB"}, {"England", "GB"}, {"Scotland", "GB"}, {"Wales", "GB"},
                {"Holland", "NL"}, {"The Netherlands", "NL"}, {"Czech Republic", "CZ"}, {"Russia", "RU"},
                {"South Korea", "KR"}, {"Korea", "KR"}, {"Vietnam", "VN"}}) {
            put(alias[0], alias[1]);
        }
    }

    private static void put(String name, String code) {
        if (name != null && !name.isBlank()) {
            BY_NAME.putIfAbsent(key(name), code);
        }
    }

    private static String key(String s) {
        return Normalizer.normalize(s.strip(), Normalizer.Form.NFD).replaceAll("\\p{M}", "").toLowerCase(Locale.ROOT);
    }

    /** The ISO 3166 alpha-2 code the value names, or null (NULL, blank, or no country known by that name). */
    static String iso2(String value) {
        return value == null || value.isBlank() ? null : BY_NAME.get(key(value));
    }

    /** The locale to draw addresses of that country in (its language), or null when none is known. */
    static Locale locale(String iso2) {
        return iso2 == null ? null : LOCALE.get(iso2);
    }

    private Countries() {
    }
}
