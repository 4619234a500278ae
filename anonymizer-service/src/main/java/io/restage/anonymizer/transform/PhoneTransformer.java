package io.restage.anonymizer.transform;

import io.restage.common.policy.TransformerCatalog;
import io.restage.common.policy.TransformerSpec;
import java.util.List;

/**
 * {@code phone}: by default a deterministic fake number that cannot ring anyone: from the range the source number's
 * country keeps for fiction, or under the unassigned country code +999 ({@link ReservedPhones}). The country is parsed
 * from the number's international prefix; a number without one is read as a national number of the country that
 * {@code country-column} of the row names (when given and recognised), else of {@code country} (default US). The
 * source's separators and length are kept when the reserved number has as many digits.
 * <p>
 * The reserved ranges are small (100 numbers per NANP area code), so distinct numbers share fakes. On a unique
 * index, {@code unique: true} writes {@code +999 d } followed by a keyed permutation of the source's digits in the
 * source's layout (the leading digit encodes whether it started with +, 00 or neither): distinct numbers stay
 * distinct, none can ring, the country is lost.
 * <p>
 * {@code mode: blank} writes an empty string, {@code mode: null} NULL. NULL stays NULL.
 */
public final class PhoneTransformer extends FakeValueTransformer {
    private static final TransformerSpec SPEC = TransformerCatalog.spec("phone");
    private static final int ROUNDS = 8;
    private final String defaultCode;
    private final String countryColumn;
    private final boolean unique;

    public PhoneTransformer(String mode, String country, String countryColumn, String unique) {
        super(mode);
        String c = country == null ? "US" : country;
        this.defaultCode = ReservedPhones.codeOf(c);
        if (defaultCode == null && !c.equalsIgnoreCase("none")) {
            throw new IllegalArgumentException("phone country '" + c + "' has no reserved range here: use one of "
                    + ReservedPhones.SUPPORTED + ", or none (numbers without a country code get +999, never assigned)");
        }
        this.countryColumn = countryColumn == null || countryColumn.isBlank() ? null : countryColumn.trim();
        if (unique != null && !unique.equals("true") && !unique.equals("false")) {
            throw new IllegalArgumentException("phone unique must be true or false, got '" + unique + "'");
        }
        this.unique = "true".equals(unique);
        if (this.unique && this.countryColumn != null) {
            throw new IllegalArgumentException("phone unique: true writes +999 numbers: country-column has no effect, drop it");
        }
    }

    @Override
    public TransformerSpec spec() {
        return SPEC;
    }

    @Override
    public List<String> reads() {
        return countryColumn == null ? List.of() : List.of(countryColumn);
    }

    @Override
    String fake(String value, String[] row, TransformContext ctx) {
        if (unique) {
            return permuted(value, ctx);
        }
        String code = defaultCode;
        String iso = countryColumn == null ? null : Countries.iso2(row[0]);
        if (iso != null) {
            code = ReservedPhones.codeOf(iso); // a recognised country without a fiction range: +999
        }
        return ReservedPhones.fake(value, code, ReservedPhones.pick(ctx.hmac("phone", value)));
    }

    /** {@code +999 d rest}: a bijection of (prefix kind, digits) poured into the source's layout. */
    private static String permuted(String value, TransformContext ctx) {
        int marker = value.startsWith("+") ? 1 : value.startsWith("00") ? 2 : 0;
        String template = marker == 1 ? value.substring(1) : marker == 2 ? value.substring(2) : value;
        String digits = template.replaceAll("[^0-9]", "");
        if (digits.isEmpty()) {
            return value; // nothing that could ring
        }
        String d = marker + digits;
        String p;
        if (d.length() <= 18) {
            long n = Long.parseLong(d);
            long limit = pow10(d.length());
            p = String.format("%0" + d.length() + "d", permuteBelow(n, limit, ctx.roundKeys("phone-unique", ROUNDS)));
        } else {
            // beyond 18 digits no number is dialable anyway; keyed digits, collisions 1 in 10^18
            StringBuilder sb = new StringBuilder();
            byte[] h = ctx.hmac("phone-unique", value);
            for (int i = 0; i < d.length(); i++) {
                sb.append((char) ('0' + (h[i % h.length] & 0xff) % 10));
            }
            p = sb.toString();
        }
        StringBuilder out = new StringBuilder("+999 ").append(p.charAt(0)).append(' ');
        int k = 1;
        for (int i = 0; i < template.length(); i++) {
            char c = template.charAt(i);
            out.append(c >= '0' && c <= '9' ? p.charAt(k++) : c);
        }
        return out.toString();
    }

    private static long pow10(int n) {
        long v = 1;
        for (int i = 0; i < n; i++) {
            v *= 10;
        }
        return v;
    }

    /** A keyed permutation of [0, limit): a balanced Feistel network over the next even bit width, cycle walking. */
    static long permuteBelow(long x, long limit, long[] keys) {
        int bits = 64 - Long.numberOfLeadingZeros(limit - 1);
        int half = Math.max(1, (bits + 1) / 2);
        long mask = (1L << half) - 1;
        long y = x;
        do {
            long l = y >>> half;
            long r = y & mask;
            for (long k : keys) {
                long f = HashTransformer.mix(r ^ k) & mask;
                long nl = r;
                r = l ^ f;
                l = nl;
            }
            y = (l << half) | r;
        } while (y >= limit);
        return y;
    }

}
