package io.restage.anonymizer.transform;

import io.restage.common.policy.TransformerCatalog;
import io.restage.common.policy.TransformerSpec;
import java.util.Base64;
import java.util.HexFormat;

/**
 * {@code placeholder}: binary content (an avatar, a scanned document) becomes a valid 1x1 transparent PNG, in a
 * {@code bytea} column as bytes and in a text column as base64. Only the content column is ruled: a file row's
 * filename and MIME type columns are left as they are, so the application still lists the file. NULL stays NULL.
 */
public final class PlaceholderTransformer implements Transformer {
    private static final TransformerSpec SPEC = TransformerCatalog.spec("placeholder");
    /** A 1x1 transparent PNG (68 bytes), generated with zlib and checked by the test. */
    public static final byte[] PNG = HexFormat.of().parseHex("89504e470d0a1a0a0000000d4948445200000001000000010806"
            + "0000001f15c4890000000b49444154789c6360000200000500017a5eab3f0000000049454e44ae426082");
    private final String replacement;

    public PlaceholderTransformer(String columnType) {
        boolean bytea = columnType != null && columnType.toLowerCase().startsWith("bytea");
        this.replacement = bytea ? "\\x" + HexFormat.of().formatHex(PNG) : Base64.getEncoder().encodeToString(PNG);
    }

    @Override
    public TransformerSpec spec() {
        return SPEC;
    }

    @Override
    public String apply(String value, TransformContext ctx) {
        return value == null ? null : replacement;
    }
}
