package io.restage.media.placeholder;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * The file that stands in for a personal one in the target: minimal and valid for its type, never a byte of the
 * original. PNG, JPEG and GIF are flat light-grey images (1x1, or the original's size when asked, up to
 * {@link #MAX_SIDE} px a side, larger ones scaled down keeping the aspect ratio); WebP is a flat lossless image of the
 * same kind; PDF one blank page that says the file was replaced; {@code text/*} a one-line note. Any other type gets the
 * same one-line note under the original Content-Type (a documented fallback: the bytes are not a valid file of that
 * type). The type comes from the Content-Type, else the key's extension.
 */
public final class Placeholders {
    /** The side above which a kept dimension is scaled down (a flat 4096 x 4096 image is a 16 MB raster to encode). */
    public static final int MAX_SIDE = 4096;
    static final String NOTE = "This file was replaced by restage: the original held personal data.\n";
    private static final int GREY = 0xE0;

    public enum Type { PNG, JPEG, GIF, WEBP, PDF, TEXT, OTHER }

    /** Width and height of an image. */
    public record Dimensions(int width, int height) {
    }

    /** A placeholder: its bytes, the Content-Type it is stored under, and a stable name (one object per name). */
    public record Placeholder(Type type, String contentType, byte[] bytes, String name) {
    }

    private Placeholders() {
    }

    public static Type typeOf(String contentType, String key) {
        String ct = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT).split(";")[0].trim();
        switch (ct) {
            case "image/png": return Type.PNG;
            case "image/jpeg", "image/jpg", "image/pjpeg": return Type.JPEG;
            case "image/gif": return Type.GIF;
            case "image/webp": return Type.WEBP;
            case "application/pdf": return Type.PDF;
            default:
                if (ct.startsWith("text/")) {
                    return Type.TEXT;
                }
        }
        if (!ct.isEmpty() && !ct.equals("application/octet-stream") && !ct.equals("binary/octet-stream")) {
            return Type.OTHER;
        }
        String k = key == null ? "" : key.toLowerCase(Locale.ROOT);
        if (k.endsWith(".png")) {
            return Type.PNG;
        } else if (k.endsWith(".jpg") || k.endsWith(".jpeg")) {
            return Type.JPEG;
        } else if (k.endsWith(".gif")) {
            return Type.GIF;
        } else if (k.endsWith(".webp")) {
            return Type.WEBP;
        } else if (k.endsWith(".pdf")) {
            return Type.PDF;
        } else if (k.endsWith(".txt") || k.endsWith(".csv") || k.endsWith(".md")) {
            return Type.TEXT;
        }
        return Type.OTHER;
    }

    /** Whether a placeholder of this type can keep the original's dimensions. */
    public static boolean sized(Type type) {
        return type == Type.PNG || type == Type.JPEG || type == Type.GIF || type == Type.WEBP;
    }

    /**
     * The placeholder for an object of {@code contentType} at {@code key}; {@code dims} null for the minimal one (1x1).
     * The Content-Type stored is the original's when it has one, else the type's own.
     */
    public static Placeholder of(String contentType, String key, Dimensions dims) {
        Type type = typeOf(contentType, key);
        Dimensions d = dims == null || !sized(type) ? new Dimensions(1, 1) : fit(dims);
        String stored = contentType == null || contentType.isBlank() || contentType.equalsIgnoreCase("application/octet-stream")
                ? defaultContentType(type) : contentType;
        byte[] bytes = switch (type) {
            case PNG -> image(d, "png", BufferedImage.TYPE_BYTE_GRAY);
            case JPEG -> image(d, "jpeg", BufferedImage.TYPE_BYTE_GRAY);
            case GIF -> image(d, "gif", BufferedImage.TYPE_BYTE_INDEXED);
            case WEBP -> webp(d);
            case PDF -> pdf();
            case TEXT, OTHER -> NOTE.getBytes(StandardCharsets.UTF_8);
        };
        return new Placeholder(type, stored, bytes, name(type, stored, d));
    }

    static String defaultContentType(Type type) {
        return switch (type) {
            case PNG -> "image/png";
            case JPEG -> "image/jpeg";
            case GIF -> "image/gif";
            case WEBP -> "image/webp";
            case PDF -> "application/pdf";
            case TEXT -> "text/plain; charset=utf-8";
            case OTHER -> "application/octet-stream";
        };
    }

    private static String name(Type type, String contentType, Dimensions d) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest((type + "|" + contentType + "|" + d.width() + "x" + d.height()
                    + "|v1").getBytes(StandardCharsets.UTF_8));
            return type.name().toLowerCase(Locale.ROOT) + "-" + d.width() + "x" + d.height() + "-" + HexFormat.of().formatHex(h, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static Dimensions fit(Dimensions d) {
        int w = Math.max(1, d.width());
        int h = Math.max(1, d.height());
        if (w <= MAX_SIDE && h <= MAX_SIDE) {
            return new Dimensions(w, h);
        }
        double scale = Math.min((double) MAX_SIDE / w, (double) MAX_SIDE / h);
        return new Dimensions(Math.max(1, (int) Math.round(w * scale)), Math.max(1, (int) Math.round(h * scale)));
    }

    /**
     * The dimensions an image's first bytes declare (PNG, JPEG, GIF through the JDK's readers, WebP from its header),
     * or null when they do not say.
     */
    public static Dimensions dimensionsOf(byte[] head) {
        Dimensions webp = webpDimensions(head);
        if (webp != null) {
            return webp;
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(head))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                return null;
            }
            ImageReader r = readers.next();
            try {
                r.setInput(in, true, true);
                return new Dimensions(r.getWidth(0), r.getHeight(0));
            } finally {
                r.dispose();
            }
        } catch (IOException | RuntimeException e) {
            return null; // a header cut short or not an image: the minimal placeholder
        }
    }

    private static byte[] image(Dimensions d, String format, int kind) {
        BufferedImage img = new BufferedImage(d.width(), d.height(), kind);
        Graphics2D g = img.createGraphics();
        try {
            g.setColor(new Color(GREY, GREY, GREY));
            g.fillRect(0, 0, d.width(), d.height());
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, format, out)) {
                throw new IllegalStateException("the JDK has no " + format + " writer");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * A flat lossless WebP (VP8L) of any size: no transform, no colour cache, and five prefix codes of one symbol each
     * (grey, grey, grey, opaque, distance 0), so every pixel takes zero bits and the file is 30 bytes whatever the size.
     */
    static byte[] webp(Dimensions d) {
        BitWriter w = new BitWriter();
        w.bits(0x2f, 8);                 // VP8L signature
        w.bits(d.width() - 1, 14);
        w.bits(d.height() - 1, 14);
        w.bits(0, 1);                    // alpha not used
        w.bits(0, 3);                    // version 0
        w.bits(0, 1);                    // no transform
        w.bits(0, 1);                    // no colour cache
        w.bits(0, 1);                    // no meta prefix codes
        for (int symbol : new int[]{GREY, GREY, GREY, 0xFF}) { // green, red, blue, alpha
            w.bits(1, 1);                // simple code
            w.bits(0, 1);                // one symbol
            w.bits(1, 1);                // 8-bit symbol
            w.bits(symbol, 8);
        }
        w.bits(1, 1);                    // distance: simple code,
        w.bits(0, 1);                    // one symbol,
        w.bits(0, 1);                    // 1-bit symbol:
        w.bits(0, 1);                    // 0
        byte[] vp8l = w.toBytes();
        int chunk = vp8l.length + (vp8l.length & 1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes("RIFF".getBytes(StandardCharsets.US_ASCII));
        le32(out, 4 + 8 + chunk);
        out.writeBytes("WEBPVP8L".getBytes(StandardCharsets.US_ASCII));
        le32(out, vp8l.length);
        out.writeBytes(vp8l);
        if ((vp8l.length & 1) == 1) {
            out.write(0);
        }
        return out.toByteArray();
    }

    static Dimensions webpDimensions(byte[] b) {
        if (b.length < 30 || !new String(b, 0, 4, StandardCharsets.US_ASCII).equals("RIFF")
                || !new String(b, 8, 4, StandardCharsets.US_ASCII).equals("WEBP")) {
            return null;
        }
        String chunk = new String(b, 12, 4, StandardCharsets.US_ASCII);
        switch (chunk) {
            case "VP8L": {
                if ((b[20] & 0xff) != 0x2f) {
                    return null;
                }
                long bits = (b[21] & 0xffL) | (b[22] & 0xffL) << 8 | (b[23] & 0xffL) << 16 | (b[24] & 0xffL) << 24;
                return new Dimensions((int) (bits & 0x3fff) + 1, (int) ((bits >> 14) & 0x3fff) + 1);
            }
            case "VP8 ": // lossy: frame tag (3), start code (3), then 14-bit width and height
                return new Dimensions(((b[26] & 0xff) | (b[27] & 0xff) << 8) & 0x3fff, ((b[28] & 0xff) | (b[29] & 0xff) << 8) & 0x3fff);
            case "VP8X": // extended: 24-bit width-1 and height-1 at 24
                return new Dimensions(((b[24] & 0xff) | (b[25] & 0xff) << 8 | (b[26] & 0xff) << 16) + 1,
                        ((b[27] & 0xff) | (b[28] & 0xff) << 8 | (b[29] & 0xff) << 16) + 1);
            default:
                return null;
        }
    }

    /** One blank A4 page with a line of text, offsets in the cross-reference table computed, not hard-coded. */
    static byte[] pdf() {
        String text = "BT /F1 12 Tf 72 770 Td (This file was replaced by restage: the original held personal data.) Tj ET";
        String[] objects = {
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            "<< /Length " + text.length() + " >>\nstream\n" + text + "\nendstream",
        };
        StringBuilder out = new StringBuilder("%PDF-1.4\n");
        int[] offsets = new int[objects.length];
        for (int i = 0; i < objects.length; i++) {
            offsets[i] = out.length(); // ASCII only: characters are bytes
            out.append(i + 1).append(" 0 obj\n").append(objects[i]).append("\nendobj\n");
        }
        int xref = out.length();
        out.append("xref\n0 ").append(objects.length + 1).append("\n0000000000 65535 f \n");
        for (int o : offsets) {
            out.append(String.format(Locale.ROOT, "%010d 00000 n \n", o));
        }
        out.append("trailer\n<< /Size ").append(objects.length + 1).append(" /Root 1 0 R >>\nstartxref\n").append(xref)
                .append("\n%%EOF\n");
        return out.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static void le32(ByteArrayOutputStream out, int v) {
        out.write(v & 0xff);
        out.write((v >> 8) & 0xff);
        out.write((v >> 16) & 0xff);
        out.write((v >> 24) & 0xff);
    }

    /** Bits packed least significant first, as VP8L reads them. */
    private static final class BitWriter {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private long acc;
        private int n;

        void bits(int value, int count) {
            acc |= ((long) value & ((1L << count) - 1)) << n;
            n += count;
            while (n >= 8) {
                out.write((int) (acc & 0xff));
                acc >>>= 8;
                n -= 8;
            }
        }

        byte[] toBytes() {
            if (n > 0) {
                out.write((int) (acc & 0xff));
                acc = 0;
                n = 0;
            }
            return out.toByteArray();
        }
    }
}
