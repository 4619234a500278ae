package io.restage.launcher;

import io.minio.BucketExistsArgs;
import io.minio.MakeBucketArgs;
import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Random;
import org.mindrot.jbcrypt.BCrypt;

/**
 * The demo: a "production" with users (emails, names, phones, addresses, bcrypt passwords), organizations,
 * messages, attachments whose objects are in the bucket, partner integrations with API keys, its own audit rows and
 * sessions; and a "staging" with the same schema and stale data of its own.
 */
public final class DemoData {
    public static final String ADMIN_EMAIL = "admin@prod-corp.com";
    public static final String PROD_PASSWORD = "prod-secret-password";
    private static final String[] FIRST = {"Gwendolyn", "Bartholomew", "Ottilie", "Leopold", "Henrietta", "Ambrose",
            "Cordelia", "Florian", "Wilhelmina", "Cornelius", "Rosalind", "Thaddeus", "Evangeline", "Ignatius", "Seraphina"};
    private static final String[] LAST = {"Ashcombe", "Blackwood", "Featherstone", "Grimsby", "Hargreaves", "Kettering",
            "Lockhart", "Merriweather", "Pemberton", "Quimby", "Ravensworth", "Thistlewood", "Underhill", "Whitlock"};

    /** Sizes of the demo data. */
    public record Size(int organizations, int users, int messages, int attachments, int integrations, int auditRows,
                       int sessions) {
        public static final Size PRODUCTION = new Size(20, 1500, 3000, 600, 20, 50, 200);
        public static final Size STAGING = new Size(4, 30, 12, 8, 3, 7, 5);
    }

    public static void createSchema(Connection c) throws SQLException, IOException {
        try (InputStream in = DemoData.class.getResourceAsStream("demo-schema.sql")) {
            SqlScript.run(c, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    /**
     * Loads rows with the target's triggers off (as a restore would) so {@code updated_at} keeps the old values the
     * generator gives it. {@code tag} makes every value unique to the environment ("prod", "stale").
     */
    public static void load(Connection c, Size s, String tag, long seed) throws SQLException {
        Random rnd = new Random(seed);
        Instant base = Instant.parse("2023-03-01T10:00:00Z");
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("set session_replication_role = replica");
        }
        try (PreparedStatement ps = c.prepareStatement("insert into organizations (id, name, owner_user_id, created_at) values (?, ?, ?, ?)")) {
            for (int i = 1; i <= s.organizations(); i++) {
                ps.setLong(1, i);
                ps.setString(2, tag + " Organization " + i + " GmbH");
                ps.setLong(3, Math.min(s.users(), i * 3L));
                ps.setTimestamp(4, Timestamp.from(base.minus(i, ChronoUnit.DAYS)));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        String hash = BCrypt.hashpw(PROD_PASSWORD + tag, BCrypt.gensalt(4));
        try (PreparedStatement ps = c.prepareStatement("insert into users (id, organization_id, email, full_name, phone,"
                + " address, password_hash, role, deleted_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (int i = 1; i <= s.users(); i++) {
                String first = FIRST[i % FIRST.length];
                String last = LAST[(i / FIRST.length) % LAST.length];
                ps.setLong(1, i);
                ps.setLong(2, 1 + (i % s.organizations()));
                ps.setString(3, i == 1 && tag.equals("prod") ? ADMIN_EMAIL
                        : (first + "." + last + "." + i).toLowerCase() + "@" + tag + "-mail.example.com");
                ps.setString(4, first + " " + last + " " + tag + i);
                ps.setString(5, "+49 30 " + tag.length() + String.format("%07d", rnd.nextInt(10_000_000)));
                ps.setString(6, (i * 7 % 200 + 1) + " " + last + "strasse, " + (10000 + i) + " Berlin (" + tag + ")");
                // A few distinct hashes, so the demo loads in seconds; each is a real bcrypt hash of a real password.
                ps.setString(7, i % 50 == 0 ? BCrypt.hashpw(PROD_PASSWORD + i, BCrypt.gensalt(4)) : hash);
                ps.setString(8, i == 1 ? "admin" : "member");
                ps.setTimestamp(9, i % 17 == 0 ? Timestamp.from(base.plus(i, ChronoUnit.MINUTES)) : null);
                ps.setTimestamp(10, Timestamp.from(base.plus(i, ChronoUnit.HOURS)));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (PreparedStatement ps = c.prepareStatement("insert into messages (id, sender_id, recipient_id, subject, body, sent_at)"
                + " values (?, ?, ?, ?, ?, ?)")) {
            for (int i = 1; i <= s.messages(); i++) {
                ps.setLong(1, i);
                ps.setLong(2, 1 + rnd.nextInt(s.users()));
                ps.setLong(3, 1 + rnd.nextInt(s.users()));
                ps.setString(4, "Re: contract " + tag + " #" + i);
                ps.setString(5, "Dear customer,\nyour " + tag + " account " + i + " is\tready. Call me on +49 170 " + (1000000 + i)
                        + " — Grüße \\ \"quoted\" 🙂");
                ps.setTimestamp(6, Timestamp.from(base.plus(i, ChronoUnit.MINUTES)));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (PreparedStatement ps = c.prepareStatement("insert into attachments (id, message_id, object_key, filename,"
                + " content_type, size_bytes) values (?, ?, ?, ?, ?, ?)")) {
            for (int i = 1; i <= s.attachments(); i++) {
                ps.setLong(1, i);
                ps.setLong(2, 1 + (i % s.messages()));
                ps.setString(3, objectKey(i));
                ps.setString(4, "document-" + i + ".txt");
                ps.setString(5, "text/plain");
                ps.setLong(6, objectContent(tag, i).length);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (PreparedStatement ps = c.prepareStatement("insert into partner_integrations (id, organization_id, partner, api_key,"
                + " api_secret, webhook_url, enabled) values (?, ?, ?, ?, ?, ?, true)")) {
            for (int i = 1; i <= s.integrations(); i++) {
                ps.setInt(1, i);
                ps.setLong(2, 1 + (i % s.organizations()));
                ps.setString(3, i % 2 == 0 ? "stripe" : "salesforce");
                ps.setString(4, "sk_live_" + tag + "_" + Long.toHexString(rnd.nextLong()));
                ps.setString(5, "secret_" + tag + "_" + Long.toHexString(rnd.nextLong()));
                ps.setString(6, "https://hooks." + tag + "-partner.com/" + i);
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (PreparedStatement ps = c.prepareStatement("insert into import_export_audit (actor, action, happened_at) values (?, ?, ?)")) {
            for (int i = 1; i <= s.auditRows(); i++) {
                ps.setString(1, tag + "-operator-" + i);
                ps.setString(2, tag + " audit action " + i);
                ps.setTimestamp(3, Timestamp.from(base.plus(i, ChronoUnit.DAYS)));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (PreparedStatement ps = c.prepareStatement("insert into sessions (id, user_id) values (?, ?)")) {
            for (int i = 1; i <= s.sessions(); i++) {
                ps.setString(1, tag + "-session-" + i);
                ps.setLong(2, 1 + (i % s.users()));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        try (Statement st = c.createStatement()) {
            for (String t : new String[]{"organizations", "users", "messages", "attachments", "partner_integrations", "import_export_audit"}) {
                st.execute("select setval(pg_get_serial_sequence('" + t + "', 'id'), (select coalesce(max(id), 0) + 1 from " + t + "), false)");
            }
            st.execute("set session_replication_role = origin");
        }
        c.commit();
        c.setAutoCommit(true);
    }

    public static String objectKey(int i) {
        return "attachments/" + (i % 10) + "/" + i + "/document-" + i + ".txt";
    }

    public static byte[] objectContent(String tag, int i) {
        return ("attachment " + i + " of " + tag + "\n").repeat(1 + i % 7).getBytes(StandardCharsets.UTF_8);
    }

    /** Puts the objects the attachments reference; staging also gets objects production lacks (pruned later). */
    public static void loadBucket(MinioClient s3, String bucket, Size size, String tag, int extraOnlyHere) throws Exception {
        if (!s3.bucketExists(BucketExistsArgs.builder().bucket(bucket).build())) {
            s3.makeBucket(MakeBucketArgs.builder().bucket(bucket).build());
        }
        for (int i = 1; i <= size.attachments(); i++) {
            put(s3, bucket, objectKey(i), objectContent(tag, i));
        }
        for (int i = 0; i < extraOnlyHere; i++) {
            put(s3, bucket, "stale/" + tag + "-only-" + i + ".txt", ("only in " + tag + " " + i).getBytes(StandardCharsets.UTF_8));
        }
    }

    private static void put(MinioClient s3, String bucket, String key, byte[] data) throws Exception {
        s3.putObject(PutObjectArgs.builder().bucket(bucket).object(key)
                .stream(new ByteArrayInputStream(data), (long) data.length, null).contentType("text/plain").build());
    }

    private DemoData() {
    }
}
