package io.restage.stack.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.restage.stack.StackProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Starts the real stack (Kafka, PostgreSQL, S3) for a service's {@code @QuarkusTest} and points the service at it:
 * state database {@code restage}, environments {@code production} (database and bucket) and {@code staging}
 * (accepts imports), and a small policy for {@code public.users}.
 */
public class StackTestResource implements QuarkusTestResourceLifecycleManager {
    public static final String POLICY = """
            policy:
              secret: service-test-secret-0123456789
              audit-table: import_export_audit
              exclude-tables: [sessions]
              staging-password: staging-password
              bcrypt-cost: 4
              tables:
                users: { email: email, full_name: person-name, password_hash: password }
              integrations:
                partner_integrations: { api_key: null, enabled: false }
              admin:
                table: users
                match-column: email
                match-value: admin@prod.example.com
                email: admin@staging.invalid
                password-column: password_hash
                password: staging-admin
            """;

    /**
     * Policy {@code guided} (environment {@code production-guided}: production's bucket, a database of its own): media guided by
     * the database under {@code media/}: attachments.storage_key copied, documents.scan_key and documents.thumb_key
     * replaced by placeholders (scans keep their dimensions), half the target's objects may be pruned.
     */
    public static final String GUIDED_POLICY = """
            policies:
              guided:
                secret: service-test-secret-guided-0123456789
                audit-table: import_export_audit
                exclude-tables: [sessions]
                staging-password: staging-password
                bcrypt-cost: 4
                tables:
                  users: { email: email, full_name: person-name, password_hash: password }
                integrations:
                  partner_integrations: { api_key: null, enabled: false }
                media:
                  prefix: media/
                  keys: [attachments.storage_key]
                  placeholders:
                    - { column: documents.scan_key, keep-dimensions: true }
                    - documents.thumb_key
                  max-delete-percent: 50
            """;

    /** The source tables of {@link #POLICY}: users (plus an unruled, non-personal note), integrations, sessions. */
    public static final String SOURCE_SCHEMA = """
            create table users (id bigint primary key, email text not null unique, full_name text, password_hash text, note text);
            create table partner_integrations (id int primary key, api_key text, enabled boolean not null default true);
            create table sessions (id text primary key);
            """;

    /** The message key of the service tests: tests sign the replies they play and the forgeries they must not sign. */
    public static final String MESSAGE_KEY = "service-test-message-key-0123456789abcdef";
    /** The key that wraps the per-refresh data keys of raw batches (the export's and the anonymizer's). */
    public static final String BATCH_KEY = "service-test-batch-key-0123456789abcdef0123";
    public static final String OPERATOR = "operator@restage.example";
    public static final String VIEWER = "viewer@restage.example";
    /** Staff and an operator, but security.targets keeps staging for the first operator and the staging team. */
    public static final String OTHER_OPERATOR = "other-operator@restage.example";
    public static final String SECURITY = """
            security:
              message-key: %s
              batch-key: %s
              max-message-age: 10m
              staff:
                emails: [%s, %s, %s]
                groups: [platform-team]
              roles: { operator: [operator], viewer: [viewer] }
              targets:
                staging: [%s, "group:staging-team"]
              starts-per-minute: 5
            """.formatted(MESSAGE_KEY, BATCH_KEY, OPERATOR, VIEWER, OTHER_OPERATOR, OPERATOR);

    private static StackProcess stack;
    private static VersionedS3 versioned;
    private static Path signingKey;

    /**
     * The versioning S3 server behind environment {@code staging-versioned} (bucket {@code staging-media}), when the
     * module's build provides its jar ({@link VersionedS3#JAR_PROPERTY}); otherwise empty and the environment absent.
     */
    public static java.util.Optional<VersionedS3> versionedS3() {
        return java.util.Optional.ofNullable(versioned);
    }

    /** The private key that signs the tests' bearer tokens (the services verify with its public half). */
    public static Path signingKey() {
        return signingKey;
    }

    /** The running stack, for tests that need to reach PostgreSQL or S3 directly. */
    public static StackProcess stack() {
        return stack;
    }

    @Override
    public Map<String, String> start() {
        try {
            Path dir = Files.createTempDirectory("restage-stack-");
            java.util.Optional<Path> versionedJar = VersionedS3.jar();
            List<String> databases = new java.util.ArrayList<>(List.of("restage", "production", "staging", "production_guided",
                    "production_remote"));
            if (versionedJar.isPresent()) {
                databases.add("staging_versioned");
            }
            stack = StackProcess.start(dir, databases, List.of("production-media", "staging-media"), Duration.ofMinutes(2));
            // the source schema the policy covers, so every service test passes the policy check (VALIDATE)
            try (java.sql.Connection c = java.sql.DriverManager.getConnection(stack.jdbcUrl("production"), "postgres", "");
                 java.sql.Statement st = c.createStatement()) {
                st.execute(SOURCE_SCHEMA);
            }
            if (versionedJar.isPresent()) {
                versioned = VersionedS3.start(versionedJar.get(), dir.resolve("s3v"), List.of("staging-media"), Duration.ofMinutes(1));
            }
            String versionedEnvironment = versioned == null ? "" : """
                      staging-versioned:
                        hostname: staging-versioned.example.com
                        allow-import: true
                        database: { url: "%s", user: postgres }
                        bucket: { endpoint: "%s", access-key: "versioned", secret-key: "versioned-secret", name: staging-media }
                    """.formatted(stack.jdbcUrl("staging_versioned"), versioned.endpoint());
            Path config = dir.resolve("restage.yaml");
            Files.writeString(config, """
                    environments:
                      production:
                        hostname: db.prod.example.com
                        database: { url: "%s", user: restage_reader }
                        bucket: { endpoint: "%s", access-key: "%s", secret-key: "%s", name: production-media }
                      staging:
                        hostname: staging.example.com
                        allow-import: true
                        database: { url: "%s", user: postgres }
                        bucket: { endpoint: "%s", access-key: "%s", secret-key: "%s", name: staging-media }
                      production-guided:
                        hostname: db.prod.example.com
                        policy: guided
                        database: { url: "%s", user: restage_reader }
                        bucket: { endpoint: "%s", access-key: "%s", secret-key: "%s", name: production-media }
                      production-remote:
                        hostname: db.prod.example.com
                        database: { url: "%s", user: restage_reader }
                        bucket: { endpoint: "%s", access-key: "%s", secret-key: "%s", name: production-media }
                    """.formatted(stack.jdbcUrl("production"), stack.s3Endpoint(), stack.s3AccessKey(), stack.s3SecretKey(),
                    stack.jdbcUrl("staging"), stack.s3Endpoint(), stack.s3AccessKey(), stack.s3SecretKey(),
                    stack.jdbcUrl("production_guided"), stack.s3Endpoint(), stack.s3AccessKey(), stack.s3SecretKey(),
                    stack.jdbcUrl("production_remote"), stack.s3bEndpoint(), stack.s3bAccessKey(), stack.s3bSecretKey())
                    + versionedEnvironment + POLICY + GUIDED_POLICY + SECURITY);
            signingKey = io.restage.common.security.LocalTokens.ensureKeyPair(dir.resolve("keys"));
            Map<String, String> props = new HashMap<>();
            props.put("kafka.bootstrap.servers", stack.kafkaBootstrap());
            props.put("kafka.security.protocol", stack.kafkaClientProperties().getProperty("security.protocol"));
            props.put("kafka.sasl.mechanism", stack.kafkaClientProperties().getProperty("sasl.mechanism"));
            props.put("kafka.sasl.jaas.config", stack.kafkaJaasConfig());
            props.put("quarkus.datasource.jdbc.url", stack.jdbcUrl("restage"));
            props.put("quarkus.datasource.reactive.url", "postgresql://" + stack.postgresHost() + ":" + stack.postgresPort() + "/restage");
            props.put("quarkus.datasource.username", "postgres");
            props.put("restage.config-file", config.toString());
            props.put("mp.jwt.verify.publickey.location",
                    io.restage.common.security.LocalTokens.publicKeyOf(signingKey).toAbsolutePath().toString());
            props.put("mp.jwt.verify.issuer", io.restage.common.security.LocalTokens.ISSUER);
            props.put("mp.jwt.verify.audiences", io.restage.common.security.LocalTokens.AUDIENCE);
            return props;
        } catch (IOException | java.sql.SQLException e) {
            throw new IllegalStateException("cannot start the embedded stack for the test: " + e.getMessage(), e);
        }
    }

    @Override
    public void stop() {
        if (versioned != null) {
            versioned.close();
            versioned = null;
        }
        if (stack != null) {
            stack.close();
        }
    }
}
