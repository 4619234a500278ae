package io.restage.anonymizer.transform;

import io.restage.common.config.RestageConfigLoader;
import java.util.HexFormat;
import java.util.Set;

/**
 * {@code email}: a unique address on a reserved domain that can never deliver (RFC 2606/6761), e.g.
 * {@code u3f9a0c2e7b1d4a55@staging.invalid}. The local part is 16 hex digits of the keyed HMAC of the whole input,
 * so distinct inputs stay distinct (unique indexes survive) and equal inputs stay equal (joins on email survive).
 * Parameter {@code domain} (default {@code staging.invalid}) must end in .invalid, .test, .example or .localhost.
 */
public final class EmailTransformer implements Transformer {
    private final String domain;

    public EmailTransformer(String domain) {
        String d = domain == null ? "staging.invalid" : domain.trim().toLowerCase();
        if (!RestageConfigLoader.isReservedDomain("x@" + d)) {
            throw new IllegalArgumentException("email domain '" + d + "' can deliver mail: use a reserved domain"
                    + " ending in .invalid, .test, .example or .localhost");
        }
        this.domain = d;
    }

    @Override
    public String name() {
        return "email";
    }

    @Override
    public Set<String> acceptedTypes() {
        return TEXT_TYPES;
    }

    @Override
    public String apply(String value, TransformContext ctx) {
        if (value == null) {
            return null;
        }
        byte[] h = ctx.hmac("email", value);
        return "u" + HexFormat.of().formatHex(h, 0, 8) + "@" + domain;
    }
}
