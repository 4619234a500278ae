package io.restage.media.placeholder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restage.media.placeholder.Placeholders.Dimensions;
import io.restage.media.placeholder.Placeholders.Placeholder;
import io.restage.media.placeholder.Placeholders.Type;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PlaceholdersTest {

    @ParameterizedTest(name = "{0} at {1} -> {2}")
    @CsvSource({
            "image/png, a, PNG",
            "IMAGE/JPEG; q=1, a, JPEG",
            "image/jpg, a, JPEG",
            "image/gif, a, GIF",
            "image/webp, a, WEBP",
            "application/pdf, a, PDF",
            "text/csv, a, TEXT",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document, cv.docx, OTHER",
            "application/octet-stream, scan.PDF, PDF",
            "'', photo.jpeg, JPEG",
            "'', photo.webp, WEBP",
            "'', notes.txt, TEXT",
            "'', archive.zip, OTHER",
    })
    void typeFromContentTypeThenExtension(String contentType, String key, Type expected) {
        assertEquals(expected, Placeholders.typeOf(contentType, key));
    }

    @ParameterizedTest(name = "{0} {1}x{2} -> {3}x{4}")
    @CsvSource({
            "image/png, 640, 480, 640, 480",
            "image/jpeg, 1, 1, 1, 1",
            "image/gif, 33, 7, 33, 7",
            "image/png, 8192, 2048, 4096, 1024",
            "image/jpeg, 3000, 9000, 1365, 4096",
    })
    void imagesDecodeFlatAtTheKeptSize(String contentType, int w, int h, int ew, int eh) throws Exception {
        Placeholder p = Placeholders.of(contentType, "x", new Dimensions(w, h));
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(p.bytes()));
        assertEquals(ew, img.getWidth());
        assertEquals(eh, img.getHeight());
        int first = img.getRGB(0, 0);
        assertEquals(first, img.getRGB(ew - 1, eh - 1), "flat");
        assertEquals(first, img.getRGB(ew / 2, eh / 2), "flat");
        assertEquals(new Dimensions(ew, eh), Placeholders.dimensionsOf(p.bytes()));
        assertEquals(contentType, p.contentType());
    }

    @ParameterizedTest(name = "webp {0}x{1}")
    @CsvSource({"1, 1", "640, 480", "16384, 3", "4096, 4096"})
    void webpIsAValidLosslessContainerOfTheSize(int w, int h) {
        Placeholder p = Placeholders.of("image/webp", "x.webp", new Dimensions(w, h));
        byte[] b = p.bytes();
        assertEquals("RIFF", new String(b, 0, 4, StandardCharsets.US_ASCII));
        assertEquals(b.length - 8, le32(b, 4), "RIFF size");
        assertEquals("WEBPVP8L", new String(b, 8, 8, StandardCharsets.US_ASCII));
        assertEquals(b.length - 20, le32(b, 16) + (le32(b, 16) & 1), "chunk size (padded to even)");
        assertEquals(0x2f, b[20] & 0xff, "VP8L signature");
        Dimensions kept = w > Placeholders.MAX_SIDE || h > Placeholders.MAX_SIDE ? Placeholders.fit(new Dimensions(w, h))
                : new Dimensions(w, h);
        assertEquals(kept, Placeholders.dimensionsOf(b));
        assertTrue(b.length <= 40, "zero bits per pixel: " + b.length + " bytes");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"application/pdf, scan.pdf", "'', contract.pdf"})
    void pdfHasACrossReferenceTableThatPointsAtItsObjects(String contentType, String key) {
        Placeholder p = Placeholders.of(contentType, key, null);
        String pdf = new String(p.bytes(), StandardCharsets.US_ASCII);
        assertTrue(pdf.startsWith("%PDF-1.4\n") && pdf.endsWith("%%EOF\n"));
        Matcher sx = Pattern.compile("startxref\n(\\d+)\n").matcher(pdf);
        assertTrue(sx.find());
        int xref = Integer.parseInt(sx.group(1));
        assertTrue(pdf.startsWith("xref\n0 6\n", xref), "startxref points at the table");
        Matcher entry = Pattern.compile("(\\d{10}) 00000 n \n").matcher(pdf.substring(xref));
        int n = 0;
        while (entry.find()) {
            n++;
            assertTrue(pdf.startsWith(n + " 0 obj\n", Integer.parseInt(entry.group(1))), "object " + n + " at its offset");
        }
        assertEquals(5, n);
        assertEquals("application/pdf", p.contentType());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"text/plain, text/plain", "application/msword, application/msword", "'', application/octet-stream"})
    void textAndOtherTypesGetTheNoteUnderTheirContentType(String contentType, String stored) {
        Placeholder p = Placeholders.of(contentType, "file.bin", new Dimensions(100, 100));
        assertArrayEquals(Placeholders.NOTE.getBytes(StandardCharsets.UTF_8), p.bytes());
        assertEquals(stored, p.contentType());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"})
    void oneObjectPerTypeAndSize(String contentType) {
        assertEquals(Placeholders.of(contentType, "a", null).name(), Placeholders.of(contentType, "b", null).name());
        Placeholder small = Placeholders.of(contentType, "a", new Dimensions(10, 10));
        Placeholder large = Placeholders.of(contentType, "a", new Dimensions(20, 10));
        if (Placeholders.sized(Placeholders.typeOf(contentType, "a"))) {
            assertNotEquals(small.name(), large.name());
        } else {
            assertEquals(small.name(), large.name(), "no size for " + contentType);
        }
    }

    private static int le32(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }
}
