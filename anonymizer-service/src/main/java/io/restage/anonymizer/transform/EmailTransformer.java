package io.restage.anonymizer.transform;

import io.restage.common.config.RestageConfigLoader;
import io.restage.common.policy.TransformerCatalog;
import io.restage.common.policy.TransformerSpec;
import java.util.HexFormat;

/**
 * {@code email}: an address on a reserved domain that can never deliver (RFC 2606/6761). By default
 * ({@code shape: hash}) the local part is {@code u} plus 16 hex digits of the keyed HMAC of the whole input, so
 * distinct inputs stay distinct (unique indexes survive) and equal inputs stay equal (joins on email survive).
 * {@code shape: keep} keeps the local part's length and character classes ({@code Jane.Doe} to {@code Qkxm.Zpa}),
 * which is not unique. Parameter {@code domain} (default {@code staging.invalid}) must end in .invalid, .test,
 * .example or .localhost.
 */
public final class EmailTransformer implements Transformer {
    private static final TransformerSpec SPEC = TransformerCatalog.spec("email");
    private final String domain;
    private final boolean keepShape;

    public EmailTransformer(String domain, String shape) {
        String d = domain == null ? "staging.invalid" : domain.trim().toLowerCase();
        if (!RestageConfigLoader.isReservedDomain("x@" + d)) {
            throw new IllegalArgumentException("email domain '" + d + "' can deliver mail: use a reserved domain"
                    + " ending in .invalid, .test, .example or .localhost");
        }
        if (shape != null && !shape.equals("hash") && !shape.equals("keep")) {
            throw new IllegalArgumentException("email shape must be hash or keep, got '" + shape + "'");
        }
        this.domain = d;
        this.keepShape = "keep".equals(shape);
    }

    @Override
    public TransformerSpec spec() {
        return SPEC;
    }

    @Override
    public String apply(String value, TransformContext ctx) {
        if (value == null) {
            return null;
        }
        if (keepShape) {
            int at = value.lastIndexOf('@');
            String local = at < 0 ? value : value.substring(0, at);
            return Shapes.substitute(local, ctx, "email-shape", 0, true) + "@" + domain;
        }
        byte[] h = ctx.hmac("email", value);
        return "u" + HexFormat.of().formatHex(h, 0, 8) + "@" + domain;
    }
}
