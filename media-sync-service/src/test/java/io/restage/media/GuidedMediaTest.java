package io.restage.media;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.messages.Item;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restage.common.Topics;
import io.restage.common.messages.Command;
import io.restage.common.messages.MediaReply;
import io.restage.common.staging.StagingLayout;
import io.restage.stack.testing.KafkaProbe;
import io.restage.stack.testing.StackTestResource;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Media guided by the database (StackTestResource's policy {@code guided}, source {@code production-guided}): only the
 * objects the staged rows reference reach the target, personal files as placeholders, nothing outside {@code media/}
 * is touched, a second run writes nothing, and the prune deletes what no committed row references. And a copy between
 * two S3 servers with different endpoints and credentials, which must stream.
 */
@QuarkusTest
@QuarkusTestResource(StackTestResource.class)
class GuidedMediaTest {
    private static final String SECRET_MARK = "PERSONAL-ORIGINAL-0xC0FFEE";
    private MinioClient s3;
    private MinioClient s3b;
    private byte[] scan;
    private byte[] letter;

    @BeforeEach
    void buckets() throws Exception {
        s3 = MinioClient.builder().endpoint(StackTestResource.stack().s3Endpoint())
                .credentials(StackTestResource.stack().s3AccessKey(), StackTestResource.stack().s3SecretKey()).build();
        s3b = MinioClient.builder().endpoint(StackTestResource.stack().s3bEndpoint())
                .credentials(StackTestResource.stack().s3bAccessKey(), StackTestResource.stack().s3bSecretKey()).build();
        for (MinioClient c : List.of(s3, s3b)) {
            for (String bucket : List.of("production-media", "staging-media")) {
                for (String key : listing(c, bucket).keySet()) {
                    c.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
                }
            }
        }
        // a real JPEG (300 x 200) with a personal marker in a comment-like trailer, and a "scanned letter" PDF
        BufferedImage img = new BufferedImage(300, 200, BufferedImage.TYPE_INT_RGB);
        for (int x = 0; x < 300; x++) {
            img.setRGB(x, x % 200, 0xff0000);
        }
        ByteArrayOutputStream jpg = new ByteArrayOutputStream();
        ImageIO.write(img, "jpeg", jpg);
        jpg.writeBytes(SECRET_MARK.getBytes(StandardCharsets.US_ASCII));
        scan = jpg.toByteArray();
        letter = ("%PDF-1.4\n% " + SECRET_MARK + " Dear Ms. Example, your diagnosis ...\n%%EOF\n").getBytes(StandardCharsets.US_ASCII);
        put(s3, "production-media", "media/att/1.png", "attachment one".getBytes(StandardCharsets.UTF_8), "image/png");
        put(s3, "production-media", "media/att/2.png", ("unreferenced " + SECRET_MARK).getBytes(StandardCharsets.UTF_8), "image/png");
        put(s3, "production-media", "media/doc/scan.jpg", scan, "image/jpeg");
        put(s3, "production-media", "media/doc/letter.pdf", letter, "application/pdf");
        put(s3, "production-media", "outside/x.txt", "outside the prefix".getBytes(StandardCharsets.UTF_8), "text/plain");
        put(s3, "staging-media", "media/att/1.png", "stale".getBytes(StandardCharsets.UTF_8), "image/png");
        put(s3, "staging-media", "media/old/orphan.txt", "old".getBytes(StandardCharsets.UTF_8), "text/plain");
        put(s3, "staging-media", "outside/keep.txt", "not restage's".getBytes(StandardCharsets.UTF_8), "text/plain");
    }

    private static void put(MinioClient c, String bucket, String key, byte[] b, String type) throws Exception {
        c.putObject(PutObjectArgs.builder().bucket(bucket).object(key).stream(new ByteArrayInputStream(b), (long) b.length, null)
                .contentType(type).build());
    }

    private static TreeMap<String, String> listing(MinioClient c, String bucket) throws Exception {
        TreeMap<String, String> out = new TreeMap<>();
        for (Result<Item> r : c.listObjects(ListObjectsArgs.builder().bucket(bucket).recursive(true).build())) {
            out.put(r.get().objectName(), r.get().etag().replace("\"", ""));
        }
        return out;
    }

    private byte[] read(String key) throws Exception {
        try (InputStream in = s3.getObject(GetObjectArgs.builder().bucket("staging-media").object(key).build())) {
            return in.readAllBytes();
        }
    }

    /** The rows the import staged for {@code id}, as the import lays them out (StagingLayout), in the staging database. */
    private static void stage(String id) throws Exception {
        String schema = StagingLayout.schemaFor(id);
        try (Connection c = DriverManager.getConnection(StackTestResource.stack().jdbcUrl("staging"), "postgres", "");
             Statement st = c.createStatement()) {
            st.execute("create schema " + schema);
            st.execute("create table " + schema + "._tables (source_table text primary key, stage_table text, skipped boolean not null)");
            st.execute("insert into " + schema + "._tables values ('public.attachments', 't_a', false), ('public.documents', 't_d', false)");
            st.execute("create table " + schema + ".t_a (id int, storage_key text)");
            st.execute("insert into " + schema + ".t_a values (1, 'media/att/1.png'), (2, 'media/att/1.png'), (3, 'media/att/missing.png'),"
                    + " (4, null), (5, 'outside/x.txt')");
            st.execute("create table " + schema + ".t_d (id int, scan_key text, thumb_key text, mime text)");
            st.execute("insert into " + schema + ".t_d values (1, 'media/doc/scan.jpg', 'media/doc/letter.pdf', 'image/jpeg')");
        }
    }

    /** The committed rows (what the prune reads): the same references, in the target's live tables. */
    private static void commitRows() throws Exception {
        try (Connection c = DriverManager.getConnection(StackTestResource.stack().jdbcUrl("staging"), "postgres", "");
             Statement st = c.createStatement()) {
            st.execute("drop table if exists public.attachments, public.documents");
            st.execute("create table public.attachments (id int, storage_key text)");
            st.execute("insert into public.attachments values (1, 'media/att/1.png'), (3, 'media/att/missing.png')");
            st.execute("create table public.documents (id int, scan_key text, thumb_key text, mime text)");
            st.execute("insert into public.documents values (1, 'media/doc/scan.jpg', 'media/doc/letter.pdf', 'image/jpeg')");
        }
    }

    @Test
    void onlyReferencedObjectsReachTheTargetPersonalFilesAsPlaceholdersAndTheSecondRunWritesNothing() throws Exception {
        String id = UUID.randomUUID().toString();
        stage(id);
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.CopyMedia(UUID.randomUUID().toString(), id,
                    Instant.now(), "production-guided", "staging"));
            MediaReply.MediaCopied copied = kafka.awaitEvent(id, MediaReply.MediaCopied.class, Duration.ofSeconds(60));
            assertEquals(3, copied.copied(), copied.toString());
            assertEquals(2, copied.placeholders(), copied.toString());
            assertEquals(1, copied.overwritten(), copied.toString());
            assertEquals(2, copied.missing(), "missing.png is not in the source, outside/x.txt is outside media/: " + copied);
            assertEquals(0, copied.unchanged(), copied.toString());
        }
        TreeMap<String, String> target = listing(s3, "staging-media");
        assertEquals("attachment one", new String(read("media/att/1.png"), StandardCharsets.UTF_8));
        assertFalse(target.containsKey("media/att/2.png"), "an object no row references never reaches the target");
        assertFalse(target.containsKey("outside/x.txt"), "a key outside the prefix is not copied");
        assertTrue(target.containsKey("media/old/orphan.txt") && target.containsKey("outside/keep.txt"), "nothing deleted before the commit");

        byte[] jpeg = read("media/doc/scan.jpg");
        BufferedImage placeholder = ImageIO.read(new ByteArrayInputStream(jpeg));
        assertEquals(300, placeholder.getWidth(), "the scan's placeholder keeps its dimensions");
        assertEquals(200, placeholder.getHeight());
        assertEquals("image/jpeg", s3.statObject(StatObjectArgs.builder().bucket("staging-media").object("media/doc/scan.jpg").build())
                .contentType());
        byte[] pdf = read("media/doc/letter.pdf");
        String pdfText = new String(pdf, StandardCharsets.US_ASCII);
        assertTrue(pdfText.startsWith("%PDF-1.4") && pdfText.contains("/Type /Page ") && pdfText.endsWith("%%EOF\n"));
        assertEquals("application/pdf", s3.statObject(StatObjectArgs.builder().bucket("staging-media").object("media/doc/letter.pdf")
                .build()).contentType());
        for (String key : target.keySet()) {
            if (key.startsWith("media/")) {
                String body = new String(read(key), StandardCharsets.ISO_8859_1);
                assertFalse(body.contains(SECRET_MARK), key + " holds bytes of a personal original");
            }
        }
        assertFalse(java.util.Arrays.equals(scan, jpeg));
        assertFalse(java.util.Arrays.equals(letter, pdf));

        // the same rows again: everything is in place, nothing is written
        String again = UUID.randomUUID().toString();
        stage(again);
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.CopyMedia(UUID.randomUUID().toString(), again,
                    Instant.now(), "production-guided", "staging"));
            MediaReply.MediaCopied second = kafka.awaitEvent(again, MediaReply.MediaCopied.class, Duration.ofSeconds(60));
            assertEquals(0, second.copied(), second.toString());
            assertEquals(3, second.unchanged(), second.toString());
            assertEquals(0, second.bytes());
        }
        TreeMap<String, String> afterSecond = listing(s3, "staging-media");
        afterSecond.keySet().removeIf(k -> k.startsWith(".restage/"));
        target.keySet().removeIf(k -> k.startsWith(".restage/"));
        assertEquals(target, afterSecond, "same keys and ETags");

        // after the commit: the prune deletes what no committed row references, under media/ only
        commitRows();
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.PruneMedia(UUID.randomUUID().toString(), again,
                    Instant.now(), "production-guided", "staging"));
            MediaReply.MediaPruned pruned = kafka.awaitEvent(again, MediaReply.MediaPruned.class, Duration.ofSeconds(60));
            assertNull(pruned.held(), pruned.toString());
            assertEquals(1, pruned.deleted());
            assertEquals(4, pruned.targetObjects(), "objects under media/");
        }
        TreeMap<String, String> pruned = listing(s3, "staging-media");
        assertFalse(pruned.containsKey("media/old/orphan.txt"));
        assertTrue(pruned.containsKey("outside/keep.txt"), "the prune never touches keys outside the prefix");
        assertTrue(pruned.containsKey("media/doc/scan.jpg") && pruned.containsKey("media/att/1.png"));
    }

    @Test
    void aCopyBetweenTwoS3ServersWithOtherCredentialsStreams() throws Exception {
        // production-remote's bucket is on the second server, with its own account: the target's client cannot read it
        byte[] big = new byte[12 * 1024 * 1024 + 17]; // over one part of a streamed copy: a multipart upload
        new java.util.Random(7).nextBytes(big);
        put(s3b, "production-media", "big.bin", big, "application/octet-stream");
        put(s3b, "production-media", "small.txt", "small".getBytes(StandardCharsets.UTF_8), "text/plain");
        String id = UUID.randomUUID().toString();
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            kafka.sendSigned(Topics.REFRESH_COMMANDS.name(), new Command.CopyMedia(UUID.randomUUID().toString(), id,
                    Instant.now(), "production-remote", "staging"));
            MediaReply.MediaCopied copied = kafka.awaitEvent(id, MediaReply.MediaCopied.class, Duration.ofSeconds(60));
            assertEquals(2, copied.copied(), copied.toString());
            assertEquals(big.length + 5, copied.bytes());
        }
        assertTrue(java.util.Arrays.equals(big, read("big.bin")), "byte for byte");
        assertEquals("small", new String(read("small.txt"), StandardCharsets.UTF_8));
        assertEquals("text/plain", s3.statObject(StatObjectArgs.builder().bucket("staging-media").object("small.txt").build())
                .contentType());
    }
}
