package io.restage.anonymizer.transform;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Phone numbers that cannot ring anyone: numbers the regulators keep for fiction, or a country code nobody has.
 * The country is parsed from the source value's international prefix ({@code +CC} or {@code 00CC}); a number without
 * one is read as a national number of the rule's {@code country}. Supported, with their ranges:
 * <ul>
 *   <li>NANP (+1): {@code NXX 555-0100..0199} (the 100 numbers kept for fiction; the area code is kept);</li>
 *   <li>United Kingdom (+44): {@code 07700 900000..900999} (Ofcom's drama range);</li>
 *   <li>Australia (+61): {@code 0491 570 006..156} (ACMA's fictitious mobile numbers);</li>
 *   <li>Germany (+49): {@code 030 23125 000..999} (kept by the Bundesnetzagentur for film and television);</li>
 *   <li>France (+33): {@code 01 99 00 00 00..99 99} (ARCEP's numbers for fiction).</li>
 * </ul>
 * Every other country, and a national number whose country is not one of these, becomes a number under country code
 * +999, which the ITU keeps unassigned: it can ring nobody, anywhere (the fallback; the country is lost).
 */
final class ReservedPhones {

    /** A reserved block: the national significant number is {@code head} then {@code width} digits from first..last. */
    record Block(String country, String code, String trunk, String head, int width, int first, int last) {
        int size() {
            return last - first + 1;
        }
    }

    static final Block NANP = new Block("US", "1", "", "", 2, 0, 99); // head is area code + "55501", set per value
    static final Map<String, Block> BY_CODE = Map.of(
            "1", NANP,
            "44", new Block("GB", "44", "0", "7700900", 3, 0, 999),
            "61", new Block("AU", "61", "0", "491570", 3, 6, 156),
            "49", new Block("DE", "49", "0", "3023125", 3, 0, 999),
            "33", new Block("FR", "33", "0", "19900", 4, 0, 9999));
    static final Map<String, String> CODE_BY_COUNTRY = Map.of("US", "1", "CA", "1", "GB", "44", "UK", "44", "AU", "61",
            "DE", "49", "FR", "33");
    static final String UNASSIGNED = "999";
    private static final List<String> CODES = List.copyOf(BY_CODE.keySet());
    static final List<String> SUPPORTED = List.of("US", "CA", "GB", "AU", "DE", "FR");

    private ReservedPhones() {
    }

    /** The country code a rule's {@code country} parameter stands for (null: the fallback). */
    static String codeOf(String country) {
        return country == null ? null : CODE_BY_COUNTRY.get(country.trim().toUpperCase(Locale.ROOT));
    }

    /**
     * The fake for {@code value}: a reserved number chosen by {@code pick} (a keyed, deterministic number), written in
     * the source's layout (its separators and length) when the digit count allows, else in the country's usual layout.
     */
    static String fake(String value, String defaultCode, long pick) {
        String digits = digitsOf(value); // per value: no regular expression (it was a tenth of the anonymizer's time)
        if (digits.isEmpty()) {
            return value; // no number in it ("", "n/a"): nothing that could ring
        }
        String trimmed = value.strip();
        boolean international = trimmed.startsWith("+") || trimmed.startsWith("00");
        String rest = trimmed.startsWith("00") ? digits.substring(2) : digits;
        String code;
        String nsn;
        if (international) {
            code = null;
            for (String c : CODES) { // no code is a prefix of another: the order does not matter
                if (rest.startsWith(c)) {
                    code = c;
                    break;
                }
            }
            nsn = code == null ? rest.substring(Math.min(rest.length(), 3)) : rest.substring(code.length());
        } else {
            code = defaultCode;
            nsn = code != null && code.equals("1") && digits.length() == 11 && digits.startsWith("1") ? digits.substring(1)
                    : digits.startsWith("0") ? digits.substring(1) : digits;
        }
        long n = Math.floorMod(pick, Long.MAX_VALUE);
        if (code == null) {
            // +999: never assigned. Keep the number's length where it fits E.164 (at most 12 digits after the code).
            int len = Math.max(6, Math.min(12, nsn.isEmpty() ? 9 : nsn.length()));
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < len; i++) {
                sb.append((char) ('0' + (int) ((n >>> (i * 3)) % 10 + 10) % 10));
            }
            // always the canonical layout: poured into the source's groups, 999 would read as another country code
            return "+" + UNASSIGNED + " " + sb;
        }
        Block b = BY_CODE.get(code);
        String head = b.head();
        if (b == NANP) {
            String area = nsn.length() >= 10 && nsn.charAt(0) >= '2' ? nsn.substring(0, 3) : "201";
            head = area + "55501";
        }
        String tail = zeroPadded(b.first() + (int) (n % b.size()), b.width());
        String national = head + tail;
        String canonical = canonical(b, national, international);
        return pour(value, international ? b.code() + national : b.trunk() + national, canonical);
    }

    /**
     * The reserved digits poured into the source's own layout (same separators, same positions) when the source has
     * exactly as many digits (its international prefix, + or 00, kept); otherwise the canonical layout.
     */
    private static String pour(String value, String digits, String canonical) {
        if (digits == null) {
            return canonical;
        }
        String trimmed = value.strip();
        String template = trimmed.startsWith("00") ? trimmed.substring(2) : trimmed;
        long count = digitsOf(template).length();
        if (count != digits.length()) {
            return canonical;
        }
        StringBuilder sb = new StringBuilder(value.length());
        if (trimmed.startsWith("00")) {
            sb.append("00");
        }
        int d = 0;
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            sb.append(c >= '0' && c <= '9' ? digits.charAt(d++) : c);
        }
        return sb.toString();
    }

    /** The ASCII digits of a value, in order. */
    static String digitsOf(String value) {
        StringBuilder sb = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c >= '0' && c <= '9') {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** {@code n} in decimal, left-padded with zeros to {@code width} digits (as {@code %0<width>d}). */
    static String zeroPadded(int n, int width) {
        String s = Integer.toString(n);
        return s.length() >= width ? s : "0".repeat(width - s.length()) + s;
    }

    private static String canonical(Block b, String national, boolean international) {
        String grouped = switch (b.country()) {
            case "US" -> national.substring(0, 3) + "-" + national.substring(3, 6) + "-" + national.substring(6);
            case "GB" -> national.substring(0, 4) + " " + national.substring(4);
            case "AU" -> national.substring(0, 3) + " " + national.substring(3, 6) + " " + national.substring(6);
            case "DE" -> national.substring(0, 2) + " " + national.substring(2);
            default -> national.charAt(0) + " " + national.substring(1, 3) + " " + national.substring(3, 5) + " "
                    + national.substring(5, 7) + " " + national.substring(7);
        };
        if (international) {
            return "+" + b.code() + " " + grouped;
        }
        return b.country().equals("US") ? grouped : b.trunk() + grouped;
    }

    /** A keyed number from the transform context's HMAC of the value. */
    static long pick(byte[] hmac) {
        return ByteBuffer.wrap(hmac, 0, 8).getLong();
    }
}
