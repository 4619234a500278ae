package io.restage.anonymizer.transform;

import io.restage.common.policy.TransformerCatalog;
import io.restage.common.policy.TransformerSpec;
import java.util.HexFormat;

/**
 * {@code hash}: a keyed replacement of an identifier that keeps distinct values distinct, so it can sit on a
 * primary key, unique index or join column.
 * <ul>
 *   <li>text: the first {@code length} hex digits (16 to 64, default 32) of the keyed HMAC;</li>
 *   <li>integer and bigint: a keyed permutation of the type's range (an 8-round Feistel network with cycle
 *       walking that keeps the sign), so it is a bijection: collisions are impossible, not just unlikely;</li>
 *   <li>uuid: a version-4-shaped UUID from the keyed HMAC (122 random bits).</li>
 * </ul>
 */
public final class HashTransformer implements Transformer {
    private static final TransformerSpec SPEC = TransformerCatalog.spec("hash");
    private static final int ROUNDS = 8;

    private enum Kind { TEXT, INT, BIGINT, UUID }

    private final Kind kind;
    private final int length;

    public HashTransformer(String columnType, String length) {
        String t = columnType == null ? "text" : columnType.toLowerCase();
        this.kind = t.equals("integer") ? Kind.INT : t.equals("bigint") ? Kind.BIGINT : t.equals("uuid") ? Kind.UUID : Kind.TEXT;
        this.length = Params.intParam("hash", "length", length, 32, 16, 64); // fewer would collide
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
        return switch (kind) {
            case TEXT -> HexFormat.of().formatHex(ctx.hmac("hash", value)).substring(0, length);
            case INT -> Integer.toString(permute32(Integer.parseInt(value.trim()), ctx.roundKeys("hash-int", ROUNDS)));
            case BIGINT -> Long.toString(permute64(Long.parseLong(value.trim()), ctx.roundKeys("hash-bigint", ROUNDS)));
            case UUID -> uuid(ctx.hmac("hash-uuid", value.trim().toLowerCase()));
        };
    }

    /** A keyed permutation of int that maps non-negative to non-negative and negative to negative. */
    static int permute32(int x, long[] keys) {
        int y = x;
        do {
            int l = y >>> 16;
            int r = y & 0xffff;
            for (long k : keys) {
                int f = (int) (mix(r ^ k) & 0xffff);
                int nl = r;
                r = l ^ f;
                l = nl;
            }
            y = (l << 16) | r;
        } while ((y < 0) != (x < 0)); // cycle walking: stay in the input's half of the range
        return y;
    }

    /** A keyed permutation of long that keeps the sign. */
    static long permute64(long x, long[] keys) {
        long y = x;
        do {
            long l = y >>> 32;
            long r = y & 0xffffffffL;
            for (long k : keys) {
                long f = mix(r ^ k) & 0xffffffffL;
                long nl = r;
                r = l ^ f;
                l = nl;
            }
            y = (l << 32) | r;
        } while ((y < 0) != (x < 0));
        return y;
    }

    /** MurmurHash3's 64-bit finaliser: the Feistel round function (any function keeps the network a bijection). */
    static long mix(long z) {
        z ^= z >>> 33;
        z *= 0xff51afd7ed558ccdL;
        z ^= z >>> 33;
        z *= 0xc4ceb9fe1a85ec53L;
        z ^= z >>> 33;
        return z;
    }

    private static String uuid(byte[] h) {
        h[6] = (byte) ((h[6] & 0x0f) | 0x40);
        h[8] = (byte) ((h[8] & 0x3f) | 0x80);
        String hex = HexFormat.of().formatHex(h, 0, 16);
        return hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
                + hex.substring(16, 20) + "-" + hex.substring(20, 32);
    }
}
