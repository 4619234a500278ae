package io.restage.anonymizer.transform;

import io.restage.common.policy.TransformerCatalog;
import io.restage.common.policy.TransformerSpec;

/**
 * {@code token}: an API key, session token or reference becomes a keyed replacement that keeps its prefix, so the
 * application still recognises its kind ({@code sk_live_4eC39HqLyjWDarjtT1zdp7dc} to
 * {@code sk_live_Q8rT1mZ0c9...}). The rest is base62 of the keyed HMAC, as long as the original's rest but at least
 * 16 characters (95 bits), so distinct tokens stay distinct. {@code keep-prefix} fixes how many characters are kept;
 * by default everything up to the last {@code _} or {@code -} in the first 16 characters.
 */
public final class TokenTransformer implements Transformer {
    private static final TransformerSpec SPEC = TransformerCatalog.spec("token");
    private static final char[] BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final int MIN_RANDOM = 16;
    private final Integer keepPrefix;

    public TokenTransformer(String keepPrefix) {
        this.keepPrefix = keepPrefix == null ? null : Params.intParam("token", "keep-prefix", keepPrefix, 0, 0, 32);
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
        int prefix = keepPrefix != null ? Math.min(keepPrefix, value.length()) : defaultPrefix(value);
        int n = Math.max(MIN_RANDOM, value.length() - prefix);
        StringBuilder sb = new StringBuilder(prefix + n).append(value, 0, prefix);
        byte[] h = ctx.hmac("token", value);
        int block = 0;
        int used = 0;
        for (int i = 0; i < n; i++) {
            if (used == h.length) {
                h = ctx.hmac("token/" + (++block), value);
                used = 0;
            }
            sb.append(BASE62[(h[used++] & 0xff) % 62]);
        }
        return sb.toString();
    }

    private static int defaultPrefix(String v) {
        int limit = Math.min(16, v.length());
        int p = 0;
        for (int i = 0; i < limit; i++) {
            char c = v.charAt(i);
            if (c == '_' || c == '-') {
                p = i + 1;
            }
        }
        return p;
    }
}
