package io.restage.anonymizer.transform;

import io.restage.common.policy.TransformerCatalog;
import io.restage.common.policy.TransformerSpec;
import java.util.Map;

/**
 * {@code iban}: a format-valid IBAN that no bank issued. The country code and length are kept; the bank identifier
 * (the first characters of the BBAN, as long as the country's: 8 in DE, 5 in AT and CH, 10 in FR, 4 letters plus a
 * 6-digit sort code in GB, ...; 4 elsewhere) becomes all zeros, its letters X; the account part is keyed, digits for
 * digits and letters for letters; the check digits are computed (ISO 13616 mod 97), so validators accept it. The
 * source's spacing is kept. A value that is not shaped like an IBAN becomes a German one of the same kind.
 * NULL stays NULL, an empty string stays empty.
 */
public final class IbanTransformer implements Transformer {
    private static final TransformerSpec SPEC = TransformerCatalog.spec("iban");
    /** Length of the bank (and branch) identifier at the start of the BBAN, per country. */
    static final Map<String, Integer> BANK_ID = Map.ofEntries(
            Map.entry("DE", 8), Map.entry("AT", 5), Map.entry("CH", 5), Map.entry("LI", 5), Map.entry("FR", 10),
            Map.entry("MC", 10), Map.entry("ES", 8), Map.entry("IT", 11), Map.entry("SM", 11), Map.entry("BE", 3),
            Map.entry("NL", 4), Map.entry("GB", 10), Map.entry("IE", 10), Map.entry("PL", 8), Map.entry("PT", 8),
            Map.entry("LU", 3), Map.entry("DK", 4), Map.entry("FI", 3), Map.entry("NO", 4), Map.entry("SE", 3),
            Map.entry("CZ", 4), Map.entry("SK", 4), Map.entry("HU", 7), Map.entry("GR", 7), Map.entry("HR", 7),
            Map.entry("SI", 5), Map.entry("RO", 4), Map.entry("BG", 8));

    @Override
    public TransformerSpec spec() {
        return SPEC;
    }

    @Override
    public String apply(String value, TransformContext ctx) {
        if (value == null || value.isBlank()) {
            return value;
        }
        String compact = value.replace(" ", "").toUpperCase();
        boolean shaped = compact.matches("[A-Z]{2}\\d{2}[A-Z0-9]{11,30}");
        String template = shaped ? compact : "DE00" + "0".repeat(18);
        String country = template.substring(0, 2);
        String bban = template.substring(4);
        int bank = Math.min(BANK_ID.getOrDefault(country, 4), bban.length() - 4);
        byte[] h = ctx.hmac("iban", compact);
        StringBuilder fake = new StringBuilder(bban.length());
        for (int i = 0; i < bban.length(); i++) {
            char c = bban.charAt(i);
            boolean letter = c >= 'A' && c <= 'Z';
            if (i < bank) {
                fake.append(letter ? 'X' : '0');
            } else {
                int b = h[i % h.length] & 0xff;
                fake.append(letter ? (char) ('A' + b % 26) : (char) ('0' + b % 10));
            }
        }
        String body = fake.toString();
        String iban = country + checkDigits(country, body) + body;
        return shaped ? pour(value, iban) : iban;
    }

    /** ISO 13616: 98 minus the remainder of BBAN + country + 00, letters as 10..35, modulo 97. */
    static String checkDigits(String country, String bban) {
        int mod = 0;
        for (char c : (bban + country + "00").toCharArray()) {
            String d = Character.isDigit(c) ? String.valueOf(c) : String.valueOf(c - 'A' + 10);
            for (char x : d.toCharArray()) {
                mod = (mod * 10 + (x - '0')) % 97;
            }
        }
        return String.format("%02d", 98 - mod);
    }

    /** The IBAN's characters in the source's layout (its spaces where they were). */
    private static String pour(String source, String iban) {
        StringBuilder sb = new StringBuilder(source.length());
        int k = 0;
        for (int i = 0; i < source.length(); i++) {
            char c = source.charAt(i);
            sb.append(c == ' ' ? c : iban.charAt(k++));
        }
        return sb.toString();
    }
}
