package io.restage.anonymizer.transform;

import io.restage.common.policy.TransformerCatalog;
import io.restage.common.policy.TransformerSpec;

/**
 * {@code card-number}: a Luhn-valid card number of the same length and brand, from the ranges the card networks
 * publish for testing: Visa {@code 4111 11}, Mastercard {@code 5555 55}, American Express {@code 3782 82}, Discover
 * {@code 6011 11}; any other brand gets {@code 0000 00} (major industry identifier 0, which no card issuer has). The
 * digits after the six-digit prefix are keyed, the last one is the Luhn check digit, and the source's separators stay
 * where they were. A value with fewer than 12 digits keeps its length with the same rule. NULL stays NULL.
 */
public final class CardNumberTransformer implements Transformer {
    private static final TransformerSpec SPEC = TransformerCatalog.spec("card-number");

    @Override
    public TransformerSpec spec() {
        return SPEC;
    }

    @Override
    public String apply(String value, TransformContext ctx) {
        if (value == null) {
            return null;
        }
        String digits = value.replaceAll("[^0-9]", "");
        if (digits.isEmpty()) {
            return value;
        }
        int n = digits.length();
        String prefix = testPrefix(digits);
        StringBuilder fake = new StringBuilder(n);
        fake.append(prefix, 0, Math.min(prefix.length(), n - 1));
        byte[] h = ctx.hmac("card-number", digits);
        for (int i = fake.length(); i < n - 1; i++) {
            fake.append((char) ('0' + (h[i % h.length] & 0xff) % 10));
        }
        fake.append(luhnDigit(fake));
        StringBuilder out = new StringBuilder(value.length());
        int k = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            out.append(c >= '0' && c <= '9' ? fake.charAt(k++) : c);
        }
        return out.toString();
    }

    static String testPrefix(String digits) {
        int two = digits.length() >= 2 ? Integer.parseInt(digits.substring(0, 2)) : -1;
        int four = digits.length() >= 4 ? Integer.parseInt(digits.substring(0, 4)) : -1;
        if (digits.startsWith("4")) {
            return "411111";
        }
        if (two >= 51 && two <= 55 || four >= 2221 && four <= 2720) {
            return "555555";
        }
        if (two == 34 || two == 37) {
            return "378282";
        }
        if (digits.startsWith("6011") || digits.startsWith("65") || two == 64) {
            return "601111";
        }
        return "000000";
    }

    /** The digit that makes {@code body} + digit pass the Luhn check. */
    static char luhnDigit(CharSequence body) {
        int sum = 0;
        boolean dbl = true; // the rightmost digit of the body is doubled once the check digit follows it
        for (int i = body.length() - 1; i >= 0; i--) {
            int d = body.charAt(i) - '0';
            if (dbl) {
                d *= 2;
                if (d > 9) {
                    d -= 9;
                }
            }
            sum += d;
            dbl = !dbl;
        }
        return (char) ('0' + (10 - sum % 10) % 10);
    }

    static boolean luhnValid(String digits) {
        return luhnDigit(digits.substring(0, digits.length() - 1)) == digits.charAt(digits.length() - 1);
    }
}
