package io.restage.launcher;

import io.restage.stack.StackProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a restage.yaml for environments that live on the embedded stack. The demo's policy is the example in the
 * README; tests pass their own policy text.
 */
public final class Environments {

    public static final String DEMO_POLICY = """
            policy:
              # Keys every deterministic transformer (HMAC). Keep it secret and stable across refreshes.
              secret: ${env:RESTAGE_POLICY_SECRET:-demo-only-secret-0123456789abcdef}
              # The target's own audit table: never exported, never overwritten.
              audit-table: import_export_audit
              # Never copied, never touched in the target.
              exclude-tables: [sessions]
              # Every password hash becomes bcrypt(staging-password), hashed once per refresh.
              staging-password: ${env:RESTAGE_STAGING_PASSWORD:-staging-password}
              bcrypt-cost: 12
              # Every column that looks personal (by name or sampled content) needs a rule before a refresh starts;
              # `keep` records the decision that it is not personal. Transformers: see README, Policy.
              tables:
                organizations:
                  name: keep            # company names are not personal data here
                users:
                  email: email          # u<hmac>@staging.invalid: unique, so the unique index survives
                  full_name: { transformer: person-name, locale: de }
                  phone: phone          # +49 30 1234567 -> +49 30 23125xxx (a range kept for fiction)
                  address: { transformer: street-address, locale: de }
                  password_hash: password
                messages:
                  subject: scrub
                  body: { transformer: scrub, text: "[message body removed]" }
                attachments:
                  filename: keep        # the file list stays usable; the content in the bucket is not personal here
                partner_integrations:
                  webhook_url: null
              # Partner credentials neutralised: null or a constant, and the integration switched off.
              integrations:
                partner_integrations: { api_key: null, api_secret: null, enabled: false }
              # The production admin row keeps its id (it anchors foreign keys) and gets the staging admin's login.
              admin:
                table: users
                match-column: email
                match-value: admin@prod-corp.com
                email: admin@staging.invalid
                password-column: password_hash
                password: ${env:RESTAGE_STAGING_ADMIN_PASSWORD:-staging-admin-password}
            """;

    /**
     * One environment on the embedded stack: database name, bucket (null for none), hostname, import allowed, and
     * the named policy for data read from it (null: the default policy).
     */
    public record Env(String name, String database, String bucket, String hostname, boolean allowImport, String policy,
                      String user) {
        public Env(String name, String database, String bucket, String hostname, boolean allowImport, String policy) {
            this(name, database, bucket, hostname, allowImport, policy, null);
        }

        public Env(String name, String database, String bucket, String hostname, boolean allowImport) {
            this(name, database, bucket, hostname, allowImport, null, null);
        }

        /** Sources are read as a role that can only read (restage refuses one that can write); targets need more. */
        String databaseUser() {
            return user != null ? user : allowImport ? "postgres" : StackProcess.READER;
        }
    }

    /** The demo's staff: an operator and a viewer (the run command prints a token for the operator). */
    public static final String DEMO_OPERATOR = "operator@restage.example";
    public static final String DEMO_VIEWER = "viewer@restage.example";

    /**
     * The security section of the embedded default: a message key made for this run (never a fixed one), the demo's
     * staff, plus {@code extra} lines under {@code security:} (a test's per-target rules).
     */
    public static String security(String extra) {
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        return "security:\n"
                + "  # signs every message between restage's services; every service reads the same file\n"
                + "  message-key: ${env:RESTAGE_MESSAGE_KEY:-" + java.util.HexFormat.of().formatHex(key) + "}\n"
                + "  # wraps the keys of raw batches: only the export and the anonymizer are given RESTAGE_BATCH_KEY\n"
                + "  batch-key: ${env:RESTAGE_BATCH_KEY:-}\n"
                + "  max-message-age: 15m\n"
                + "  staff:\n"
                + "    emails: [" + DEMO_OPERATOR + ", " + DEMO_VIEWER + "]\n"
                + "    groups: [platform-team]\n"
                + "  roles:\n"
                + "    operator: [operator]\n"
                + "    viewer: [viewer]\n"
                + "  starts-per-minute: 30\n"
                + (extra == null ? "" : extra);
    }

    /** {@code policy} is the YAML of the policy section(s): {@code policy:} and, if any, {@code policies:}. */
    public static Path write(Path file, StackProcess stack, String policy, Env... envs) throws IOException {
        return write(file, stack, policy, security(null), envs);
    }

    /** As above, with the whole {@code security:} section given. */
    public static Path write(Path file, StackProcess stack, String policy, String security, Env... envs) throws IOException {
        StringBuilder y = new StringBuilder("# restage configuration, written by the launcher for the embedded stack.\n");
        y.append("environments:\n");
        for (Env e : envs) {
            y.append("  ").append(e.name()).append(":\n");
            y.append("    hostname: ").append(e.hostname()).append('\n');
            y.append("    allow-import: ").append(e.allowImport()).append('\n');
            if (e.policy() != null) {
                y.append("    policy: ").append(e.policy()).append('\n');
            }
            y.append("    database:\n");
            y.append("      url: ").append(stack.jdbcUrl(e.database())).append('\n');
            y.append("      user: ").append(e.databaseUser()).append('\n');
            y.append("      password: ${env:RESTAGE_DEMO_DB_PASSWORD:-}\n");
            if (e.bucket() != null) {
                y.append("    bucket:\n");
                y.append("      endpoint: ").append(stack.s3Endpoint()).append('\n');
                y.append("      access-key: ").append(stack.s3AccessKey()).append('\n');
                y.append("      secret-key: ${env:RESTAGE_DEMO_S3_SECRET:-").append(stack.s3SecretKey()).append("}\n");
                y.append("      name: ").append(e.bucket()).append('\n');
            }
        }
        y.append(policy);
        y.append(security);
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, y.toString());
        try {
            // the file holds the message key: readable by its owner only
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            // the folder's protection applies
        }
        return file;
    }

    private Environments() {
    }
}
