package io.restage.anonymizer.transform;

import io.restage.common.policy.TransformerCatalog;
import io.restage.common.policy.TransformerSpec;

/**
 * {@code ip}: an IPv4 or IPv6 address (an {@code inet}, {@code cidr} or text column) becomes a deterministic address
 * of the same family. The first {@code prefix} (IPv4) or {@code prefix6} (IPv6) bits are kept, so a {@code /24}
 * network stays the same network; the rest is keyed. A netmask suffix ({@code /16}) is kept as written; a
 * {@code cidr} value stays a network (its host bits zero). With {@code range: documentation} every address comes
 * from the ranges kept for documentation (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24; 2001:db8::/32), which route
 * nowhere. Text that is not an address (a typo, "unknown") becomes a documentation address: nothing is copied
 * through. NULL stays NULL.
 */
public final class IpTransformer implements Transformer {
    private static final TransformerSpec SPEC = TransformerCatalog.spec("ip");
    private static final int[][] DOC4 = {{192, 0, 2}, {198, 51, 100}, {203, 0, 113}};

    private final int prefix4;
    private final int prefix6;
    private final boolean documentation;
    private final boolean cidr;

    public IpTransformer(String columnType, String prefix, String prefix6, String range) {
        this.prefix4 = Params.intParam("ip", "prefix", prefix, 0, 0, 30);
        this.prefix6 = Params.intParam("ip", "prefix6", prefix6, 0, 0, 124);
        String r = range == null ? "any" : range.trim().toLowerCase();
        if (!r.equals("any") && !r.equals("documentation")) {
            throw new IllegalArgumentException("ip range must be any or documentation, got '" + range + "'");
        }
        this.documentation = r.equals("documentation");
        if (documentation && (prefix != null || prefix6 != null)) {
            throw new IllegalArgumentException("ip range: documentation replaces the whole address: drop prefix and prefix6");
        }
        this.cidr = columnType != null && columnType.toLowerCase().startsWith("cidr");
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
        String v = value.strip();
        int slash = v.indexOf('/');
        String host = slash < 0 ? v : v.substring(0, slash);
        Integer mask = slash < 0 ? null : maskOf(v.substring(slash + 1));
        byte[] addr = IpAddresses.parse(host);
        byte[] h = ctx.hmac("ip", v);
        if (addr == null || (slash >= 0 && (mask == null || mask > addr.length * 8))) {
            return IpAddresses.format(documentation4(h, 32));
        }
        int bits = addr.length * 8;
        // a cidr value is a network: only the bits inside its mask are an address, the rest must stay zero
        int significant = cidr && mask != null ? mask : bits;
        byte[] out;
        if (documentation) {
            out = addr.length == 4 ? documentation4(h, significant) : documentation6(h, significant);
        } else {
            int keep = Math.min(addr.length == 4 ? prefix4 : prefix6, significant);
            out = addr.clone();
            for (int i = keep; i < bits; i++) {
                int bit = i < significant ? (h[(i / 8) % h.length] >>> (7 - i % 8)) & 1 : 0;
                setBit(out, i, bit);
            }
        }
        String text = IpAddresses.format(out);
        return mask == null ? text : text + "/" + (documentation && addr.length == 4 && cidr ? Math.max(mask, 24)
                : documentation && addr.length == 16 && cidr ? Math.max(mask, 32) : mask);
    }

    private static Integer maskOf(String s) {
        try {
            int m = Integer.parseInt(s.trim());
            return m < 0 ? null : m;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /** An address in one of the three IPv4 documentation networks; bits from {@code significant} on are zero. */
    private static byte[] documentation4(byte[] h, int significant) {
        int[] net = DOC4[(h[0] & 0xff) % 3];
        int last = significant >= 32 ? h[1] & 0xff : significant <= 24 ? 0 : (h[1] & 0xff) & (0xff << (32 - significant));
        return new byte[]{(byte) net[0], (byte) net[1], (byte) net[2], (byte) last};
    }

    /** An address in 2001:db8::/32; bits from {@code significant} on are zero. */
    private static byte[] documentation6(byte[] h, int significant) {
        byte[] out = new byte[16];
        out[0] = 0x20;
        out[1] = 0x01;
        out[2] = 0x0d;
        out[3] = (byte) 0xb8;
        for (int i = 32; i < 128; i++) {
            setBit(out, i, i < significant ? (h[(i / 8) % h.length] >>> (7 - i % 8)) & 1 : 0);
        }
        return out;
    }

    private static void setBit(byte[] b, int i, int bit) {
        int mask = 1 << (7 - i % 8);
        b[i / 8] = (byte) (bit == 1 ? (b[i / 8] | mask) : (b[i / 8] & ~mask));
    }
}
