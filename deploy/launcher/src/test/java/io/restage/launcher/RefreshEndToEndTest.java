package io.restage.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.Result;
import io.minio.messages.Item;
import io.restage.common.Json;
import io.restage.stack.StackProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.mindrot.jbcrypt.BCrypt;

/**
 * The five services as separate processes against the real stack (KRaft Kafka, PostgreSQL, S3Proxy). Failures are
 * injected into every step before the pivot through real, broken inputs; the target must stay identical.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RefreshEndToEndTest {
    /** A complete policy for Pagila: every column that looks personal has a rule; actors and names of things are kept. */
    private static final String PAGILA_POLICY = """
              pagila:
                secret: pagila-e2e-secret-0123456789abcdef
                staging-password: staging-password
                bcrypt-cost: 4
                tables:
                  customer: { email: email, first_name: first-name, last_name: last-name }
                  staff: { email: email, first_name: first-name, last_name: last-name, username: first-name, password: password, picture: placeholder }
                  address: { address: street-address, address2: null, phone: phone, postal_code: postal-code, district: keep }
                  city: { city: keep }
                  actor: { first_name: keep, last_name: keep }
                  category: { name: keep }
                  language: { name: keep }
            """;
    private static final Map<String, List<String>> PAGILA_RULED = Map.of(
            "public.customer", List.of("email", "first_name", "last_name"),
            "public.staff", List.of("email", "first_name", "last_name", "username", "password", "picture"),
            "public.address", List.of("address", "address2", "phone", "postal_code"));

    /** The every-shape fixture: only {@code people} is personal; the notes table is the target's own. */
    private static final String SHAPES_POLICY = """
              shapes:
                secret: shapes-e2e-secret-0123456789abcdef
                exclude-tables: [cart_local_notes]
                tables:
                  people: { email: email, full_name: person-name, birth_date: null }
                  capitals: { region: keep }
            """;

    /**
     * A music store with mixed-case names (as Chinook has them) and a 200,000-row phone book. Rules name tables and
     * columns as stored ({@code Customer}), SQL-quoted ({@code '"Customer"'}) and schema-qualified
     * ({@code Sales.Invoice}); the phone book's numbers come from a small real-looking range.
     */
    private static final String MUSIC_POLICY = """
              music:
                secret: music-e2e-secret-0123456789abcdef
                tables:
                  Customer: { FirstName: first-name, LastName: last-name, Company: keep, State: keep, PostalCode: postal-code, Email: email,
                              Address: { transformer: street-address, country-column: Country },
                              City: { transformer: city, country-column: Country } }
                  '"Customer"': { '"Phone"': { transformer: phone, country-column: Country } }
                  Sales.Invoice: { BillingCity: { transformer: city, country-column: BillingCountry } }
                  public.phone_book: { phone: { transformer: phone, unique: "true" }, street: street-address, token: token,
                                       last_ip: { transformer: ip, prefix: "24" }, born: birth-date, iban: iban, card: card-number,
                                       seen_at: { transformer: date-shift, key-column: token } }
            """;
    private static final String MUSIC_SCHEMA = """
            create table public."Customer" ("CustomerId" int primary key, "FirstName" varchar(40) not null,
              "LastName" varchar(20) not null, "Company" varchar(80), "Address" varchar(70), "City" varchar(40),
              "State" varchar(40), "Country" varchar(40), "PostalCode" varchar(10), "Phone" varchar(24), "Email" varchar(60) not null);
            create schema "Sales";
            create table "Sales"."Invoice" ("InvoiceId" int primary key, "CustomerId" int not null references public."Customer",
              "BillingCity" varchar(40), "BillingCountry" varchar(40), "Total" numeric(10,2) not null);
            create table public.phone_book (id int primary key, phone text not null unique, street text, token text,
              last_ip inet, born date, iban text, card text, seen_at timestamptz)
            """;

    /** The demo policy under another name, plus a rule that marks a denormalised copy of users' emails as keep. */
    private static String invoicingPolicy() {
        String body = Environments.DEMO_POLICY.substring(Environments.DEMO_POLICY.indexOf('\n') + 1)
                .replace("  tables:\n", "  tables:\n    invoices:\n      customer_email: keep   # wrong: it copies users.email\n");
        return "  invoicing:\n" + body.lines().map(l -> "  " + l).collect(java.util.stream.Collectors.joining("\n")) + "\n";
    }

    static final String OPERATOR = "e2e-operator@restage.example";
    private static final String HOOK_TOKEN = "hook-token-" + java.util.UUID.randomUUID();
    private com.sun.net.httpserver.HttpServer hookServer;
    private final List<String> hookCalls = new java.util.concurrent.CopyOnWriteArrayList<>();
    private StackProcess stack;
    private ServiceProcesses services;
    private Path signingKey;
    private Path configFile;
    private String operatorToken;
    private MinioClient s3;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void startEverything() throws Exception {
        Path root = ServiceProcesses.findRepoRoot();
        Path work = Files.createTempDirectory("restage-e2e-");
        stack = StackProcess.start(work.resolve("stack"), List.of("restage", "production", "staging", "staging_strict", "staging_sched", "staging_hooked",
                "prod_bad_types", "prod_bad_data", "prod_no_admin", "prod_contact", "prod_invoice", "staging_invoice", "prod_missing_media", "prod_writable",
                "pagila_prod", "pagila_staging", "pagila_old", "shapes_prod", "shapes_staging", "shapes_lo", "staging_drift",
                "music_prod", "music_staging"),
                List.of(), Duration.ofMinutes(3));
        for (String db : List.of("production", "staging", "staging_strict", "staging_sched", "staging_hooked", "prod_bad_types", "prod_bad_data", "prod_no_admin",
                "prod_contact", "prod_invoice", "staging_invoice", "staging_drift", "prod_missing_media", "prod_writable")) {
            try (Connection c = Db.open(stack.jdbcUrl(db))) {
                DemoData.createSchema(c);
                boolean stale = db.startsWith("staging");
                DemoData.load(c, stale ? DemoData.Size.STAGING : DemoData.Size.PRODUCTION, stale ? "stale" : "prod", db.hashCode());
            }
        }
        // Broken sources, one per step: a column type no transformer accepts (anonymize), a value the target's type
        // rejects (stage), no admin row (stage's admin check); a target whose constraint rejects the data (commit).
        Db.exec(stack.jdbcUrl("prod_bad_types"), "alter table users alter column phone type bigint using 0");
        Db.exec(stack.jdbcUrl("prod_bad_data"), "alter table messages alter column sent_at type text",
                "update messages set sent_at = 'not a date' where id = 2999");
        Db.exec(stack.jdbcUrl("prod_no_admin"), "update users set email = 'not-the-admin@prod-corp.com' where id = 1");
        Db.exec(stack.jdbcUrl("staging_strict"), "alter table partner_integrations add constraint no_salesforce"
                + " check (partner <> 'salesforce') not valid");
        // Policy gaps: a new column that looks personal by name, and one whose values are emails under a neutral name.
        Db.exec(stack.jdbcUrl("prod_contact"), "alter table organizations add column contact_email text",
                "alter table organizations add column billing_ref text",
                "update organizations set contact_email = 'owner' || id || '@orgs.example.com', billing_ref = 'billing' || id || '@orgs.example.com'");
        // A denormalised copy of users' emails that the policy wrongly keeps: only the leak audit can see it.
        for (String db : List.of("prod_invoice", "staging_invoice")) {
            Db.exec(stack.jdbcUrl(db), "create table invoices (id bigserial primary key, user_id bigint references users (id),"
                    + " customer_email text not null, note text, amount numeric(10,2) not null)");
        }
        Db.exec(stack.jdbcUrl("prod_invoice"), "insert into invoices (user_id, customer_email, note, amount)"
                + " select id, email, 'sent to ' || email || ', paid', 19.99 from users where id % 3 = 0");
        s3 = MinioClient.builder().endpoint(stack.s3Endpoint()).credentials(stack.s3AccessKey(), stack.s3SecretKey()).build();
        DemoData.loadBucket(s3, "production-media", DemoData.Size.PRODUCTION, "prod", 0);
        DemoData.loadBucket(s3, "staging-media", DemoData.Size.STAGING, "stale", 5);

        // Pagila (PostgreSQL licence, see fixtures/pagila/LICENSE.txt) ships with the tests: a clone alone runs them
        Path pagila = System.getenv("RESTAGE_PAGILA_DIR") != null ? Path.of(System.getenv("RESTAGE_PAGILA_DIR"))
                : fixture("pagila/pagila-schema.sql").getParent();
        for (String db : List.of("pagila_prod", "pagila_staging", "pagila_old")) {
            try (Connection c = Db.open(stack.jdbcUrl(db))) {
                SqlScript.run(c, pagila.resolve("pagila-schema.sql"));
            }
        }
        try (Connection c = Db.open(stack.jdbcUrl("pagila_prod"))) {
            SqlScript.run(c, pagila.resolve("pagila-data.sql"));
        }
        // staging still runs the previous release: a table and a column it does not have yet, a table and a column it
        // still has, a key it has not widened yet
        Db.exec(stack.jdbcUrl("pagila_old"), "drop table public.film_actor cascade", "alter table public.staff drop column picture",
                "create table public.loyalty_tier (id int primary key, label text not null)",
                "insert into public.loyalty_tier values (1, 'gold')",
                "alter table public.customer add column newsletter boolean default false",
                "alter table public.actor alter column actor_id type bigint");
        // a target whose column is narrower than the source's values
        Db.exec(stack.jdbcUrl("staging_drift"), "alter table organizations alter column name type varchar(5) using left(name, 5)");

        for (String db : List.of("shapes_prod", "shapes_staging", "shapes_lo")) {
            try (Connection c = Db.open(stack.jdbcUrl(db))) {
                SqlScript.run(c, fixture("every-shape.sql"));
                try (java.sql.Statement st = c.createStatement()) {
                    st.execute(db.equals("shapes_staging")
                            ? "select set_config('restage.rows', '300', false), set_config('restage.offset', '100000', false)"
                            : "select set_config('restage.rows', '2000', false), set_config('restage.offset', '0', false)");
                }
                SqlScript.run(c, fixture("every-shape-data.sql"));
            }
        }
        Db.exec(stack.jdbcUrl("shapes_staging"), "insert into cart_local_notes select i, i, 'local note ' || i from generate_series(1, 30) i");
        // one field of 102,400,000 characters that barely compresses (hex): far beyond a batch and the 16 MiB record limit
        Db.exec(stack.jdbcUrl("shapes_prod"), "insert into loose_rows select -1, string_agg(md5(i::text), '') from generate_series(1, 3200000) i");
        Db.exec(stack.jdbcUrl("shapes_lo"), "select lo_from_bytea(0, 'a scanned contract'::bytea)");
        for (String db : List.of("music_prod", "music_staging")) {
            Db.exec(stack.jdbcUrl(db), MUSIC_SCHEMA.split(";"));
        }
        // national numbers in each country's layout; Brazil has no fiction range (+999), the others do
        Db.exec(stack.jdbcUrl("music_prod"), """
                insert into public."Customer" select i, 'First' || i, 'Last' || i, case when i % 4 = 0 then 'Company ' || i end,
                  (i % 900 + 1) || ' ' || (array['Rua Paulista','Hauptstrasse','High Street','Main Street'])[i % 4 + 1],
                  (array['São Paulo','Berlin','London','Chicago'])[i % 4 + 1], (array['SP',null,null,'IL'])[i % 4 + 1],
                  (array['Brazil','Germany','United Kingdom','USA'])[i % 4 + 1], lpad((10000 + i)::text, 5, '0'),
                  (array['(11) 3055-' || lpad((i % 10000)::text, 4, '0'), '030 ' || (2000000 + i), '07911 ' || (100000 + i),
                         '(312) 3' || lpad((i % 100)::text, 2, '0') || '-' || lpad(i::text, 4, '0')])[i % 4 + 1],
                  'customer' || i || '@music-prod.example.com'
                from generate_series(1, 400) i""",
                """
                insert into "Sales"."Invoice" select i, i % 400 + 1, (array['São Paulo','Berlin','London','Chicago'])[i % 4 + 1],
                  (array['Brazil','Germany','United Kingdom','USA'])[i % 4 + 1], i % 50 + 0.99 from generate_series(1, 2000) i""",
                // 200,000 distinct numbers in +1 415-200-0000..415-219-9999: fakes drawn freely would hit real ones
                """
                insert into public.phone_book select i, '+1 415-' || (200 + i / 10000) || '-' || lpad((i % 10000)::text, 4, '0'),
                  (i % 700) || ' Oak St', 'k' || (i % 5000), ('81.2.' || (i % 256) || '.' || (i % 250 + 1))::inet,
                  date '1950-01-01' + (i % 20000), 'DE' || lpad((i % 97)::text, 2, '0') || '37040044' || lpad(i::text, 10, '0'),
                  '4242 4242 ' || lpad((i % 10000)::text, 4, '0') || ' ' || lpad((i / 10000)::text, 4, '0'),
                  timestamptz '2024-01-01 12:00:00+00' + (i % 97) * interval '1 day'
                from generate_series(0, 199999) i""");

        String policy = Environments.DEMO_POLICY + "policies:\n" + PAGILA_POLICY + invoicingPolicy() + SHAPES_POLICY + MUSIC_POLICY
                // each database can record its schema version; unset counts as 0 on both sides
                + "schema-version:\n  query: \"select coalesce(current_setting('app.schema_version', true), '0')\"\n"
                // created paused: the schedule test resumes it, watches it run, and pauses it again
                + "schedules:\n  e2e-every-5s:\n    source: production\n    target: staging-sched\n    cron: \"0/5 * * * * ?\"\n"
                + "    confirm-target: sched.prod-corp.internal\n    media: false\n    paused: true\n"
                // one Pagila customer's world (Pagila does not declare store.manager_staff_id -> staff: the subset does)
                + "subsets:\n  one-customer:\n    roots:\n      customer: \"email = 'MARY.SMITH@sakilacustomer.org'\"\n"
                + "    relations: [\"store.manager_staff_id -> staff.staff_id\"]\n"
                + "  one-customer-no-managers:\n    roots:\n      customer: \"email = 'MARY.SMITH@sakilacustomer.org'\"\n";
        // one e2e operator starts every refresh: the start limit is lifted; staging-strict is kept for the e2e operator
        String security = Environments.security("  targets:\n    staging-strict: [" + OPERATOR + "]\n")
                .replace("starts-per-minute: 30", "starts-per-minute: 10000");
        // the target of the hooks test: an HTTP endpoint it calls after the commit (a real server, in this JVM)
        hookServer = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        hookServer.createContext("/flush", ex -> {
            hookCalls.add(ex.getRequestMethod() + " " + ex.getRequestHeaders().getFirst("Authorization") + " "
                    + new String(ex.getRequestBody().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        hookServer.start();
        Path config = Environments.write(work.resolve("restage.yaml"), stack, policy, security,
                new Environments.Env("production", "production", "production-media", "db.prod-corp.internal", false),
                new Environments.Env("staging", "staging", "staging-media", "staging.prod-corp.internal", true),
                new Environments.Env("staging-strict", "staging_strict", "staging-media", "strict.prod-corp.internal", true),
                new Environments.Env("staging-sched", "staging_sched", null, "sched.prod-corp.internal", true),
                new Environments.Env("staging-hooked", "staging_hooked", null, "hooked.prod-corp.internal", true),
                new Environments.Env("broken-source", "does_not_exist", "production-media", "broken.internal", false),
                new Environments.Env("bad-types", "prod_bad_types", "production-media", "bad-types.internal", false),
                new Environments.Env("bad-data", "prod_bad_data", "production-media", "bad-data.internal", false),
                new Environments.Env("no-admin", "prod_no_admin", "production-media", "no-admin.internal", false),
                new Environments.Env("missing-media", "prod_missing_media", "no-such-bucket", "missing-media.internal", false),
                new Environments.Env("contact-prod", "prod_contact", null, "contact.internal", false),
                // a source configured with a user that can write: refused, whatever the transaction mode
                new Environments.Env("writable-source", "prod_writable", null, "writable.internal", false, null, "postgres"),
                new Environments.Env("invoice-prod", "prod_invoice", null, "invoice.prod.internal", false, "invoicing"),
                new Environments.Env("invoice-staging", "staging_invoice", null, "invoice.staging.internal", true, "invoicing"),
                new Environments.Env("shapes-prod", "shapes_prod", null, "shapes.prod.internal", false, "shapes"),
                new Environments.Env("shapes-staging", "shapes_staging", null, "shapes.staging.internal", true, "shapes"),
                new Environments.Env("shapes-lo", "shapes_lo", null, "shapes.lo.internal", false, "shapes"),
                new Environments.Env("pagila-prod", "pagila_prod", null, "pagila.prod.internal", false, "pagila"),
                new Environments.Env("pagila-staging", "pagila_staging", null, "pagila.staging.internal", true, "pagila"),
                new Environments.Env("pagila-old", "pagila_old", null, "pagila.old.internal", true, "pagila"),
                new Environments.Env("staging-drift", "staging_drift", null, "drift.internal", true),
                new Environments.Env("music-prod", "music_prod", null, "music.prod.internal", false, "music"),
                new Environments.Env("music-staging", "music_staging", null, "music.staging.internal", true, "music"));
        // split every table of 256 KiB or more into page ranges: the chunked export runs in every refresh below
        // staging-hooked's hooks: SQL inside the commit (it reads the marker of the refresh being committed) and an
        // HTTP call after it, with a secret header from the environment
        Files.writeString(config, Files.readString(config).replace("    hostname: hooked.prod-corp.internal\n",
                "    hostname: hooked.prod-corp.internal\n    hooks:\n"
                        + "      - name: log-refresh\n        sql: \"insert into hook_log (refresh_id) select refresh_id from restage.marker\"\n"
                        + "      - name: flush-cache\n        url: \"http://127.0.0.1:" + hookServer.getAddress().getPort() + "/flush\"\n"
                        + "        headers: { Authorization: \"Bearer ${env:RESTAGE_HOOK_TOKEN:-}\" }\n"));
        assertTrue(Files.readString(config).contains("name: flush-cache"), "the hooks are in the configuration");
        configFile = config;
        services = new ServiceProcesses(root, work.resolve("logs"), stack, "restage", config)
                .withEnv("RESTAGE_EXPORT_SPLIT_BYTES", "262144")
                // participants beat every 2 s; a silent importer fails its step after 30 s (the deadline tests below)
                .withEnv("RESTAGE_HEARTBEAT_INTERVAL", "2s")
                // an export whose instance died is taken over within seconds (the export restart test below)
                .withEnv("RESTAGE_EXPORT_LEASE", "6s")
                .withEnv("RESTAGE_ORCHESTRATOR_SCHEDULE_TICK", "2s")
                .withEnv("RESTAGE_HOOK_TOKEN", HOOK_TOKEN)
                // every table's indexes and keys are dropped before the commit's load and built after it (by default only
                // those of tables from 50,000 rows): the fixtures' catalogs must come out exactly as they went in
                .withEnv("RESTAGE_IMPORT_REBUILD_INDEXES_FROM_ROWS", "0")
                .withEnv("RESTAGE_ORCHESTRATOR_DEADLINES_STAGE", "30s")
                .withEnv("RESTAGE_ORCHESTRATOR_DEADLINES_COMPENSATION", "30s");
        signingKey = services.withLocalSigningKey(work.resolve("keys"));
        operatorToken = token(OPERATOR, "operator");
        services.startAll(Duration.ofMinutes(3));
    }

    @AfterAll
    void stopEverything() {
        if (services != null) {
            services.close();
        }
        if (stack != null) {
            stack.close();
        }
        if (hookServer != null) {
            hookServer.stop(0);
        }
    }

    // ---- helpers ----

    private static Path fixture(String name) throws Exception {
        return Path.of(RefreshEndToEndTest.class.getResource("/fixtures/" + name).toURI());
    }

    /** A bearer token for a staff member of the e2e configuration (platform-team), signed with this run's key. */
    private String token(String email, String... groups) throws Exception {
        List<String> g = new ArrayList<>(List.of(groups));
        g.add("platform-team");
        return io.restage.common.security.LocalTokens.mint(io.restage.common.security.LocalTokens.readPrivateKey(signingKey),
                io.restage.common.security.LocalTokens.Claims.staff(email, g, Duration.ofHours(2)));
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(services.orchestratorUrl() + path))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + operatorToken)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(services.orchestratorUrl() + path))
                .header("Authorization", "Bearer " + operatorToken).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), path + " -> " + r.body());
        return Json.MAPPER.readTree(r.body());
    }

    private static String request(String source, String target, String hostname, boolean media) {
        return "{\"source\":\"" + source + "\",\"target\":\"" + target + "\",\"confirmTarget\":\"" + hostname + "\",\"media\":" + media + "}";
    }

    /** Starts a refresh and waits until it has ended; returns its report. */
    private JsonNode refresh(String body) throws Exception {
        HttpResponse<String> r = post("/api/refreshes", body);
        assertEquals(202, r.statusCode(), r.body());
        String id = Json.MAPPER.readTree(r.body()).get("id").asText();
        Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
                .until(() -> !Set.of("RUNNING", "COMPENSATING").contains(get("/api/refreshes/" + id).get("status").asText()));
        return get("/api/refreshes/" + id);
    }

    /**
     * The bucket's objects (key -> ETag/size), without restage's own {@code .restage/} area: the objects a refresh
     * overwrote or pruned stay there for its undo, as many refreshes back as the database keeps generations.
     */
    private Map<String, String> bucket(String name) throws Exception {
        Map<String, String> out = new TreeMap<>();
        for (Result<Item> r : s3.listObjects(ListObjectsArgs.builder().bucket(name).recursive(true).build())) {
            if (!r.get().objectName().startsWith(".restage/")) {
                out.put(r.get().objectName(), r.get().etag().replace("\"", "") + "/" + r.get().size());
            }
        }
        return out;
    }

    private void putObject(String bucket, String key, String content) throws Exception {
        byte[] b = content.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        s3.putObject(io.minio.PutObjectArgs.builder().bucket(bucket).object(key)
                .stream(new java.io.ByteArrayInputStream(b), (long) b.length, null).contentType("text/plain").build());
    }

    private void assertFailsBeforePivotLeavingTargetUntouched(String source, String target, String hostname, String failedStep,
                                                              String reasonContains) throws Exception {
        String targetDb = stack.jdbcUrl(target.equals("staging") ? "staging" : "staging_strict");
        Map<String, String> dbBefore = Db.fingerprint(targetDb);
        Map<String, String> bucketBefore = bucket("staging-media");
        JsonNode r = refresh(request(source, target, hostname, true));
        assertEquals("FAILED", r.get("status").asText(), r.toPrettyString());
        assertEquals("FAILED", r.get("steps").get(failedStep).get("status").asText(), r.toPrettyString());
        assertTrue(r.get("error").asText().contains(reasonContains), r.get("error").asText());
        String commit = r.get("steps").get("COMMIT").get("status").asText();
        assertTrue(Set.of("PENDING", "FAILED").contains(commit), "the pivot never happened, COMMIT is " + commit);
        assertEquals(dbBefore, Db.fingerprint(targetDb), "the target database is exactly as before");
        assertEquals(bucketBefore, bucket("staging-media"), "the target bucket has the same keys and ETags as before");
    }

    // ---- failures before the pivot: the target stays exactly as it was ----

    @Test
    @Order(1)
    void shouldRefuseARefreshWhoseSourceCannotBeReadAndStartNothing() throws Exception {
        // the policy check reads the source before anything starts: an unreachable source is refused up front
        assertRefusedTouchingNothing(request("broken-source", "staging", "staging.prod-corp.internal", true), 502,
                "source-unavailable", "'broken-source'");
    }

    @Test
    @Order(2)
    void shouldRefuseATransformerOnAColumnTypeItCannotWriteBeforeAnythingStarts() throws Exception {
        // prod_bad_types has users.phone as bigint: the phone transformer writes text
        JsonNode err = assertRefusedTouchingNothing(request("bad-types", "staging", "staging.prod-corp.internal", true), 422,
                "policy-incomplete", "public.users.phone");
        assertTrue(err.get("message").asText().contains("bigint"), err.toString());
    }

    @Test
    @Order(11)
    void shouldRefuseASourceWhoseDatabaseUserCanWrite() throws Exception {
        JsonNode err = assertRefusedTouchingNothing(request("writable-source", "staging", "staging.prod-corp.internal", false),
                422, "source-writable", "can write");
        assertTrue(err.get("message").asText().contains("superuser"), err.toString());
        assertFalse(err.get("message").asText().contains("jdbc:"), "no URL in the answer: " + err);
    }

    @Test
    @Order(11)
    void shouldRefuseASourceWithAnUnruledPersonalColumnNamingIt() throws Exception {
        JsonNode err = assertRefusedTouchingNothing(request("contact-prod", "staging", "staging.prod-corp.internal", false),
                422, "policy-incomplete", "public.organizations.contact_email");
        List<String> problems = new ArrayList<>();
        err.get("problems").forEach(p -> problems.add(p.asText()));
        assertEquals(2, problems.size(), problems.toString());
        assertTrue(problems.stream().anyMatch(p -> p.contains("public.organizations.billing_ref") && p.contains("look like emails")),
                "found by sampled content, not by name: " + problems);
        assertTrue(problems.stream().noneMatch(p -> p.contains("@orgs.example.com")), "no value in the error: " + problems);

        // the same check as a dry run, with every column and its rule
        JsonNode check = Json.MAPPER.readTree(post("/api/policies/check", "{\"source\":\"contact-prod\"}").body());
        assertFalse(check.get("ok").asBoolean(), check.toString());
        List<String> kinds = new ArrayList<>();
        check.get("problems").forEach(p -> kinds.add(p.get("kind").asText() + " " + p.get("table").asText() + "." + p.get("column").asText()));
        assertEquals(List.of("UNRULED_PERSONAL_NAME public.organizations.contact_email",
                "UNRULED_PERSONAL_CONTENT public.organizations.billing_ref"), kinds);
        JsonNode ok = Json.MAPPER.readTree(post("/api/policies/check", "{\"source\":\"production\"}").body());
        assertTrue(ok.get("ok").asBoolean(), ok.toString());
        boolean emailRuled = false;
        for (JsonNode rule : ok.get("rules")) {
            emailRuled |= rule.get("table").asText().equals("public.users") && rule.get("column").asText().equals("email")
                    && rule.get("transformer").asText().equals("email");
        }
        assertTrue(emailRuled, "the dry run lists every column with its rule");
    }

    @Test
    @Order(12)
    void shouldStopARefreshWhoseKeptColumnCopiesRuledValuesBeforeThePivot() throws Exception {
        String targetDb = stack.jdbcUrl("staging_invoice");
        Map<String, String> before = Db.fingerprint(targetDb);
        JsonNode r = refresh(request("invoice-prod", "invoice-staging", "invoice.staging.internal", false));
        assertEquals("FAILED", r.get("status").asText(), r.toPrettyString());
        assertEquals(0, r.get("policyProblems").size(), "the policy itself is complete");
        assertTrue(r.get("policy").get("columns").asInt() > 0, r.toPrettyString());
        assertEquals("FAILED", r.get("steps").get("STAGE").get("status").asText(), r.toPrettyString());
        String error = r.get("error").asText();
        assertTrue(error.contains("leak audit") && error.contains("public.invoices.customer_email")
                && error.contains("public.invoices.note"), error);
        assertFalse(error.contains("@prod-corp.com"), "the report names columns, never values: " + error);
        assertEquals("PENDING", r.get("steps").get("COMMIT").get("status").asText(), "the pivot never happened");
        assertEquals(before, Db.fingerprint(targetDb), "the target database is exactly as before");
    }

    // ---- every PostgreSQL shape ----

    @Test
    @Order(13)
    void shouldCopyEveryShapeByteForByte() throws Exception {
        String prod = stack.jdbcUrl("shapes_prod");
        String stg = stack.jdbcUrl("shapes_staging");
        Set<String> ruled = Set.of("public.people.email", "public.people.full_name", "public.people.birth_date");
        String catalog = Db.catalog(stg);
        JsonNode r = refresh(request("shapes-prod", "shapes-staging", "shapes.staging.internal", false));
        assertEquals("SUCCEEDED", r.get("status").asText(), r.toPrettyString());
        assertEquals(catalog, Db.catalog(stg), "every index, key, comment and view of the target is as it was");
        List<String> differing = new ArrayList<>();
        int tables = 0;
        for (String table : Db.tables(prod)) {
            if (table.equals("public.cart_local_notes")) {
                continue;
            }
            tables++;
            List<String> cols = Db.column(prod, "select quote_ident(attname) from pg_attribute where attrelid = '" + table
                    + "'::regclass and attnum > 0 and not attisdropped order by attnum").stream()
                    .filter(c -> !ruled.contains(table + "." + c)).toList();
            String sql = "select count(*) || ':' || coalesce(md5(string_agg(x.t, E'\\n' order by x.t)), '') from (select row("
                    + String.join(", ", cols) + ")::text as t from only " + table + ") x";
            if (!Db.one(prod, sql).equals(Db.one(stg, sql))) {
                differing.add(table + " (source " + Db.one(prod, sql) + ", target " + Db.one(stg, sql) + ")");
            }
        }
        assertEquals(List.of(), differing, "every row of every table (policy columns left out) is identical, per leaf table");
        assertEquals(14, tables, "all leaf tables compared, partitions and the inheritance parent and child apart");
        List<String> behind = new ArrayList<>();
        for (String seq : Db.column(prod, "select format('%I.%I|%I|%s', n.nspname, c.relname, a.attname, s.seqrelid::regclass)"
                + " from pg_depend d join pg_class s2 on s2.oid = d.objid and s2.relkind = 'S' join pg_sequence s on s.seqrelid = s2.oid"
                + " join pg_class c on c.oid = d.refobjid join pg_namespace n on n.oid = c.relnamespace"
                + " join pg_attribute a on a.attrelid = c.oid and a.attnum = d.refobjsubid where d.deptype in ('a', 'i')")) {
            String[] p = seq.split("\\|");
            String max = Db.one(prod, "select coalesce(max(" + p[1] + "), 0) from " + p[0]);
            long next = Long.parseLong(Db.one(stg, "select nextval('" + p[2] + "')"));
            if (next <= Long.parseLong(max)) {
                behind.add(p[2] + " gives " + next + " but " + p[0] + "." + p[1] + " reaches " + max);
            }
        }
        assertEquals(List.of(), behind, "every sequence (serial, bigserial, identity) is past the max");
        assertEquals("30", Db.one(stg, "select count(*) from cart_local_notes"),
                "emptying carts did not cascade into the target's own table");
        String sum = "select sum(\"MixedCase\") from \"Sales\".\"Order\"";
        assertEquals(Db.one(prod, sum), Db.one(stg, sum), "the trigger that adds 1000 on insert did not fire on load");
        assertEquals("u", Db.one(stg, "select relpersistence from pg_class where relname = 'cache_entries'"), "still unlogged");
        assertEquals("102400000", Db.one(stg, "select length(b) from loose_rows where a = -1"),
                "a 100 MB field went through in parts (and the checksum above says byte for byte)");
        assertEquals("0", Db.one(stg, "select count(*) from people where email not like '%.invalid'"));
    }

    @Test
    @Order(14)
    void shouldRefuseASourceWithLargeObjectsInsteadOfLosingThem() throws Exception {
        JsonNode err = assertRefusedTouchingNothing(request("shapes-lo", "shapes-staging", "shapes.staging.internal", false),
                422, "policy-incomplete", "large objects");
        assertTrue(err.get("message").asText().contains("1 large objects"), err.toString());
    }

    // ---- schema drift between releases ----

    @Test
    @Order(15)
    void shouldRefreshPagilaIntoAnOlderReleaseReportingExactlyTheDifferences() throws Exception {
        JsonNode r = refresh(request("pagila-prod", "pagila-old", "pagila.old.internal", false));
        assertEquals("SUCCEEDED", r.get("status").asText(), r.toPrettyString());
        assertEquals(List.of("public.film_actor"), strings(r.get("skippedTables")), "only in the source: skipped");
        assertEquals(List.of("public.loyalty_tier"), strings(r.get("missingTables")), "only in the target: emptied");
        assertEquals(List.of("public.staff.picture"), strings(r.get("droppedColumns")));
        assertEquals(List.of("public.customer.newsletter"), strings(r.get("defaultedColumns")));
        assertEquals(List.of("public.actor.actor_id: integer -> bigint"), strings(r.get("convertedColumns")));
        String old = stack.jdbcUrl("pagila_old");
        String prod = stack.jdbcUrl("pagila_prod");
        assertEquals(Db.projection(prod, "public.actor", List.of("actor_id", "first_name", "last_name", "last_update")),
                Db.projection(old, "public.actor", List.of("actor_id", "first_name", "last_name", "last_update")),
                "the widened key holds the same values");
        assertEquals("0", Db.one(old, "select count(*) from public.loyalty_tier"));
        assertEquals(Db.one(prod, "select count(*) from public.customer"),
                Db.one(old, "select count(*) from public.customer where newsletter = false"), "the target's default applies");
    }

    @Test
    @Order(16)
    void shouldFailBeforeThePivotWhenATypeDifferenceCannotBeBridged() throws Exception {
        String targetDb = stack.jdbcUrl("staging_drift");
        Map<String, String> before = Db.fingerprint(targetDb);
        JsonNode r = refresh(request("production", "staging-drift", "drift.internal", false));
        assertEquals("FAILED", r.get("status").asText(), r.toPrettyString());
        assertEquals("FAILED", r.get("steps").get("STAGE").get("status").asText());
        String error = r.get("error").asText();
        assertTrue(error.contains("public.organizations.name") && error.contains("is text in the source")
                && error.contains("character varying(5) in the target"), error);
        assertFalse(error.contains("Organization"), "no value in the message: " + error);
        assertEquals(before, Db.fingerprint(targetDb), "the target database is exactly as before");
    }

    @Test
    @Order(17)
    void shouldRefuseUpFrontATargetOnlyRequiredColumnWithoutDefault() throws Exception {
        Db.exec(stack.jdbcUrl("staging_drift"), "alter table organizations alter column name type text",
                "alter table users add column tenant_code text not null default 'x'",
                "alter table users alter column tenant_code drop default");
        int refreshes = get("/api/refreshes").size();
        HttpResponse<String> r = post("/api/refreshes", request("production", "staging-drift", "drift.internal", false));
        assertEquals(422, r.statusCode(), r.body());
        JsonNode err = Json.MAPPER.readTree(r.body());
        assertEquals("target-column-required", err.get("error").asText());
        assertTrue(err.get("message").asText().contains("public.users.tenant_code"), r.body());
        assertEquals(refreshes, get("/api/refreshes").size(), "nothing was started");
    }

    @Test
    @Order(18)
    void shouldRefuseUpFrontASourceWhoseSchemaVersionIsNewerThanTheTarget() throws Exception {
        Db.exec(stack.jdbcUrl("restage"), "alter database shapes_prod set app.schema_version = '1.10.0'",
                "alter database shapes_staging set app.schema_version = '1.9.2'");
        HttpResponse<String> r = post("/api/refreshes", request("shapes-prod", "shapes-staging", "shapes.staging.internal", false));
        assertEquals(409, r.statusCode(), r.body());
        JsonNode err = Json.MAPPER.readTree(r.body());
        assertEquals("schema-too-new", err.get("error").asText());
        assertEquals("source schema version 1.10.0 is newer than target's 1.9.2: upgrade the target first", err.get("message").asText());
        Db.exec(stack.jdbcUrl("restage"), "alter database shapes_staging set app.schema_version = '1.10.0'");
        JsonNode ok = refresh(request("shapes-prod", "shapes-staging", "shapes.staging.internal", false));
        assertEquals("SUCCEEDED", ok.get("status").asText(), "an equal version passes: " + ok.toPrettyString());
    }

    // ---- undo ----

    @Test
    @Order(19)
    void shouldUndoTheLatestRefreshRestoringThePreviousDataExactlyAndRefuseToUndoTheUndo() throws Exception {
        String prod = stack.jdbcUrl("shapes_prod");
        String stg = stack.jdbcUrl("shapes_staging");
        String earlier = null;
        for (JsonNode x : get("/api/refreshes")) {
            if (earlier == null && x.get("target").asText().equals("shapes-staging") && x.get("status").asText().equals("SUCCEEDED")) {
                earlier = x.get("id").asText();
            }
        }
        assertNotNull(earlier, "the shapes tests refreshed shapes-staging before");
        Map<String, String> before = Db.fingerprint(stg);
        // given: production moved on, and a refresh brought that into staging
        Db.exec(prod, "insert into loose_rows values (999, 'new in production')", "delete from staff_tree where id > 150",
                "insert into events (at, kind) values ('2024-07-01', 'new')", "update everything set body = 'changed' where id < 20");
        JsonNode r = refresh(request("shapes-prod", "shapes-staging", "shapes.staging.internal", false));
        assertEquals("SUCCEEDED", r.get("status").asText(), r.toPrettyString());
        assertNotEquals(before, Db.fingerprint(stg));
        String id = r.get("id").asText();
        assertEquals(id + "|shapes-prod|true", Db.one(stg, "select refresh_id || '|' || source || '|' || fully_anonymized"
                + " from restage.marker"), "the staging marker names the refresh the target now holds");
        assertEquals(java.time.Instant.parse(r.get("snapshotAt").asText()).toEpochMilli(), Long.parseLong(Db.one(stg,
                "select floor(extract(epoch from snapshot_at) * 1000)::bigint from restage.marker")),
                "the marker's as-of time is the export's snapshot");
        // the commit copied the previous data aside unlogged; once the refresh succeeded the importer made it crash-safe
        String gen = "restage_gen_" + id.replaceAll("[^A-Za-z0-9]", "").toLowerCase();
        Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200)).until(() -> "0".equals(Db.one(stg,
                "select count(*) from pg_class where relnamespace = '" + gen + "'::regnamespace and relkind = 'r'"
                        + " and relpersistence <> 'p'")));
        assertTrue(Integer.parseInt(Db.one(stg, "select count(*) from pg_class where relnamespace = '" + gen
                + "'::regnamespace and relkind = 'r'")) >= 14, "the generation holds every replaced table");

        // when: the operator undoes it
        HttpResponse<String> undo = post("/api/refreshes/" + id + "/undo", "{\"confirmTarget\":\"shapes.staging.internal\"}");
        assertEquals(202, undo.statusCode(), undo.body());
        Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
                .until(() -> !get("/api/refreshes/" + id).get("status").asText().equals("UNDOING"));
        JsonNode done = get("/api/refreshes/" + id);

        // then: every table and every sequence is exactly as before the refresh
        assertEquals("UNDONE", done.get("status").asText(), done.toPrettyString());
        assertEquals(before, Db.fingerprint(stg), "the previous staging is back, row for row and sequence for sequence");
        assertEquals("UNDONE", Db.one(stg, "select result from restage.refresh_audit where refresh_id = '" + id + "'"));
        assertEquals(earlier, Db.one(stg, "select refresh_id from restage.marker"), "the marker is back to the refresh undone to");
        assertTrue(done.get("undo").get("restored").size() >= 14, done.get("undo").toString());

        // an undo cannot be undone
        HttpResponse<String> again = post("/api/refreshes/" + id + "/undo", "{\"confirmTarget\":\"shapes.staging.internal\"}");
        assertEquals(409, again.statusCode(), again.body());
        assertTrue(again.body().contains("already undone"), again.body());

        // the earlier refresh's generation was dropped by the later commit (keep-generations: 1): refused, untouched
        String older = earlier;
        assertEquals(202, post("/api/refreshes/" + older + "/undo", "{\"confirmTarget\":\"shapes.staging.internal\"}").statusCode());
        Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200))
                .until(() -> !get("/api/refreshes/" + older).get("status").asText().equals("UNDOING"));
        JsonNode refused = get("/api/refreshes/" + older);
        assertEquals("SUCCEEDED", refused.get("status").asText(), refused.toPrettyString());
        assertEquals("FAILED", refused.get("undo").get("status").asText());
        assertTrue(refused.get("undo").get("error").asText().contains("after"), refused.get("undo").toString());
        assertEquals(before, Db.fingerprint(stg), "a refused undo changes nothing");
    }

    // ---- forged messages: someone with broker access writes straight to the topics ----

    @Test
    @Order(20)
    void shouldActOnNoForgedMessageAndReportEveryOne() throws Exception {
        String prodDb = stack.jdbcUrl("production");
        Map<String, String> dbBefore = Db.fingerprint(prodDb);
        Map<String, String> bucketBefore = bucket("production-media");
        String finished = null;
        for (JsonNode x : get("/api/refreshes")) {
            if (finished == null && x.get("target").asText().equals("staging") && x.get("status").asText().equals("SUCCEEDED")) {
                finished = x.get("id").asText();
            }
        }
        assertNotNull(finished, "the demo refresh succeeded before");
        String finishedId = finished;
        int auditBefore = get("/api/audit?limit=1000").size();
        String forged = java.util.UUID.randomUUID().toString();
        java.time.Instant now = java.time.Instant.now();
        // the deployment's own message key, read from its configuration: a validly signed reply for a finished step
        io.restage.common.config.RestageConfig cfg = io.restage.common.config.RestageConfigLoader.load(configFile);
        try (io.restage.stack.testing.KafkaProbe kafka = new io.restage.stack.testing.KafkaProbe(stack)) {
            kafka.send("refresh.requested", forged, io.restage.common.messages.MessageCodec.encode(
                    new io.restage.common.messages.RefreshRequested(java.util.UUID.randomUUID().toString(), forged, now,
                            "staging", "production", List.of(), true, "mallory", null)));
            kafka.send("refresh.commands", forged, io.restage.common.messages.MessageCodec.encode(
                    new io.restage.common.messages.Command.CommitImport(java.util.UUID.randomUUID().toString(), forged, now,
                            "staging", "production", "mallory", List.of(), List.of(), now)));
            kafka.send("refresh.commands", forged, io.restage.common.messages.MessageCodec.encode(
                    new io.restage.common.messages.Command.PruneMedia(java.util.UUID.randomUUID().toString(), forged, now,
                            "staging", "production")));
            kafka.send("refresh.events", finished, io.restage.common.messages.MessageCodec.encode(
                    new io.restage.common.messages.ImportReply.StagingFailed(java.util.UUID.randomUUID().toString(), finished, now,
                            "forged")));
            // the new kinds too: a table list that would let staging prove a forged refresh, a heartbeat that would keep
            // a dead step alive, a dead letter that would fail a refresh
            kafka.send("refresh.commands", forged, io.restage.common.messages.MessageCodec.encode(
                    new io.restage.common.messages.Command.StageTables(java.util.UUID.randomUUID().toString(), forged, now,
                            "production", List.of("public.users"), 1)));
            kafka.send("refresh.events", finished, io.restage.common.messages.MessageCodec.encode(
                    new io.restage.common.messages.StepProgress(java.util.UUID.randomUUID().toString(), finished, now,
                            "import-service", "STAGE", 1, 1, "rows", null)));
            kafka.send("refresh.events", finished, io.restage.common.messages.MessageCodec.encode(
                    new io.restage.common.messages.MessageDeadLettered(java.util.UUID.randomUUID().toString(), finished, now,
                            "import-service", "refresh.commands", "CommitImport", "forged")));
            // and an export restart that would make the saga forget what the export counted
            kafka.send("refresh.events", finished, io.restage.common.messages.MessageCodec.encode(
                    new io.restage.common.messages.ExportReply.ExportRestarted(java.util.UUID.randomUUID().toString(), finished, now,
                            2, "forged")));
            kafka.sendSigned("refresh.events", new io.restage.common.messages.ImportReply.CommitFailed(
                    java.util.UUID.randomUUID().toString(), finished, now, "late"), cfg.security().messageKey().reveal());
        }
        // every participant that reads one of them reports it; the orchestrator records each in the audit log
        // eight refusals at least (export and import each refuse the request), one line each
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).until(() -> {
            Set<String> who = new HashSet<>();
            int lines = 0;
            for (JsonNode a : get("/api/audit?limit=1000")) {
                if (a.get("action").asText().equals("message-refused")
                        && (forged.equals(a.path("refreshId").asText()) || finishedId.equals(a.path("refreshId").asText()))) {
                    who.add(a.get("identity").asText());
                    lines++;
                }
            }
            return lines >= 8 && who.containsAll(Set.of("export-service", "import-service", "media-sync-service", "kafka"));
        });
        assertTrue(get("/api/audit?limit=1000").size() >= auditBefore + 8, "each refusal is a line");
        JsonNode still = get("/api/refreshes/" + finished);
        assertEquals("SUCCEEDED", still.get("status").asText(), "a failure of a finished step starts no compensation");
        assertEquals("DONE", still.get("steps").get("STAGE").get("status").asText());
        assertEquals(1, still.get("exportAttempts").asInt(), "an unsigned export restart changes nothing");
        assertEquals(dbBefore, Db.fingerprint(prodDb), "production's database is untouched");
        assertEquals(bucketBefore, bucket("production-media"), "production's bucket is untouched");
        // and a client that ignores the cluster's security settings cannot even write
        java.util.Properties plain = new java.util.Properties();
        plain.put("bootstrap.servers", stack.kafkaBootstrap());
        plain.put("max.block.ms", "3000");
        try (org.apache.kafka.clients.producer.KafkaProducer<String, String> p = new org.apache.kafka.clients.producer.KafkaProducer<>(
                plain, new org.apache.kafka.common.serialization.StringSerializer(), new org.apache.kafka.common.serialization.StringSerializer())) {
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                    () -> p.send(new org.apache.kafka.clients.producer.ProducerRecord<>("refresh.commands", forged, "{}")).get());
            assertTrue(e.getMessage() != null, "refused without SASL credentials");
        }
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** A refusal: status and code as given, the message naming {@code mentions}; no refresh and no change anywhere. */
    private JsonNode assertRefusedTouchingNothing(String body, int status, String code, String mentions) throws Exception {
        // the database of the target the request names (shapes-staging is shapes_staging, not staging)
        String targetDb = Json.MAPPER.readTree(body).get("target").asText().replace('-', '_');
        int refreshes = get("/api/refreshes").size();
        Map<String, String> dbBefore = Db.fingerprint(stack.jdbcUrl(targetDb));
        Map<String, String> bucketBefore = bucket("staging-media");
        HttpResponse<String> r = post("/api/refreshes", body);
        assertEquals(status, r.statusCode(), r.body());
        JsonNode err = Json.MAPPER.readTree(r.body());
        assertEquals(code, err.get("error").asText(), r.body());
        assertTrue(err.get("message").asText().contains(mentions), r.body());
        assertEquals(refreshes, get("/api/refreshes").size(), "nothing was started");
        assertEquals(dbBefore, Db.fingerprint(stack.jdbcUrl(targetDb)), "the target's database is exactly as before");
        assertEquals(bucketBefore, bucket("staging-media"));
        return err;
    }

    @Test
    @Order(3)
    void shouldKeepTargetUntouchedWhenStagingFails() throws Exception {
        assertFailsBeforePivotLeavingTargetUntouched("bad-data", "staging", "staging.prod-corp.internal", "STAGE", "public.messages");
    }

    @Test
    @Order(4)
    void shouldKeepTargetUntouchedWhenTheAdminRowIsMissing() throws Exception {
        assertFailsBeforePivotLeavingTargetUntouched("no-admin", "staging", "staging.prod-corp.internal", "STAGE", "admin rule");
    }

    @Test
    @Order(5)
    void shouldKeepTargetUntouchedWhenMediaCopyFails() throws Exception {
        assertFailsBeforePivotLeavingTargetUntouched("missing-media", "staging", "staging.prod-corp.internal", "MEDIA_COPY", "no-such-bucket");
    }

    @Test
    @Order(6)
    void shouldKeepTargetAndBucketUntouchedWhenTheCommitRollsBack() throws Exception {
        assertFailsBeforePivotLeavingTargetUntouched("production", "staging-strict", "strict.prod-corp.internal", "COMMIT", "rolled back");
    }

    // ---- refusals ----

    @Test
    @Order(7)
    void shouldRefuseEveryUnsafeRequestAndStartNothing() throws Exception {
        int before = get("/api/refreshes").size();
        Map<String, Integer> cases = Map.of(
                "{oops", 400,
                "{\"source\":\"production\"}", 400,
                request("production", "qa", "x", false), 404,
                request("staging", "production", "db.prod-corp.internal", false), 403,
                request("staging", "staging", "staging.prod-corp.internal", false), 403,
                request("production", "staging", "staging", false), 422,
                request("production", "staging", "staging.prod-corp.internal", false).replace("}", ",\"skipAnonymizers\":[\"email\"]}"), 422);
        for (Map.Entry<String, Integer> c : cases.entrySet()) {
            HttpResponse<String> r = post("/api/refreshes", c.getKey());
            assertEquals(c.getValue(), r.statusCode(), c.getKey() + " -> " + r.body());
            JsonNode err = Json.MAPPER.readTree(r.body());
            assertNotNull(err.get("message"), r.body());
        }
        assertEquals(before, get("/api/refreshes").size(), "no refusal started a refresh");
    }

    // ---- the demo refresh ----

    @Test
    @Order(8)
    void shouldRefreshTheDemoWithEveryPersonalValueReplaced() throws Exception {
        String prod = stack.jdbcUrl("production");
        String stg = stack.jdbcUrl("staging");
        Set<String> secrets = new HashSet<>();
        for (String sql : List.of("select email from users", "select full_name from users", "select phone from users",
                "select address from users", "select password_hash from users", "select body from messages",
                "select subject from messages", "select api_key from partner_integrations", "select api_secret from partner_integrations",
                "select webhook_url from partner_integrations")) {
            secrets.addAll(Db.column(prod, sql));
        }
        long start = System.nanoTime();
        JsonNode r = refresh(request("production", "staging", "staging.prod-corp.internal", true));
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals("SUCCEEDED", r.get("status").asText(), r.toPrettyString());

        long rows = 0;
        for (String t : List.of("organizations", "users", "messages", "attachments", "partner_integrations")) {
            assertEquals(Db.column(prod, "select id::text from " + t + " order by id"), Db.column(stg, "select id::text from " + t + " order by id"),
                    t + ": same rows, same ids");
            assertEquals(Db.one(prod, "select max(id) from " + t), String.valueOf(Long.parseLong(Db.one(stg, "select nextval(pg_get_serial_sequence('" + t + "', 'id'))")) - 1),
                    t + ": sequence set just past the max");
            rows += Long.parseLong(Db.one(prod, "select count(*) from " + t));
        }
        List<String> leaked = new ArrayList<>();
        for (String sql : List.of("select email from users", "select full_name from users", "select phone from users",
                "select address from users", "select password_hash from users", "select body from messages", "select subject from messages",
                "select api_key from partner_integrations", "select api_secret from partner_integrations", "select webhook_url from partner_integrations")) {
            Db.column(stg, sql).stream().filter(v -> v != null && secrets.contains(v)).findFirst().ifPresent(v -> leaked.add(sql));
        }
        assertEquals(List.of(), leaked, "no production personal value is left in staging");
        assertEquals("0", Db.one(stg, "select count(*) from users where email not like '%.invalid'"));
        assertEquals("0", Db.one(stg, "select count(*) from users where phone !~ '^\\+49 30 23125[0-9]{3}$'"),
                "every phone is in the range the Bundesnetzagentur keeps for fiction, in the source's layout");
        assertEquals("1|admin@staging.invalid|admin", Db.one(stg, "select id || '|' || email || '|' || role from users where role = 'admin'"),
                "the admin row kept its id");
        assertTrue(BCrypt.checkpw("staging-admin-password", Db.one(stg, "select password_hash from users where id = 1")), "the admin logs in");
        assertTrue(BCrypt.checkpw("staging-password", Db.one(stg, "select password_hash from users where id = 2")), "users log in with the staging password");
        assertEquals("0", Db.one(stg, "select count(*) from partner_integrations where api_key is not null or api_secret is not null or enabled"),
                "integrations neutralised");
        assertEquals(Db.column(prod, "select id || ' ' || deleted_at from users where deleted_at is not null order by id"),
                Db.column(stg, "select id || ' ' || deleted_at from users where deleted_at is not null order by id"), "soft-deleted rows stay soft-deleted");
        assertEquals(Db.projection(prod, "users", List.of("id", "organization_id", "role", "deleted_at", "updated_at")),
                Db.projection(stg, "users", List.of("id", "organization_id", "role", "deleted_at", "updated_at")),
                "columns without rules arrive unchanged (the users_touch trigger did not fire)");
        assertEquals(7, Db.column(stg, "select actor from import_export_audit where actor like 'stale-%'").size(), "staging's own audit rows are kept");
        assertEquals("0", Db.one(stg, "select count(*) from import_export_audit where actor like 'prod-%'"), "production's audit rows are not copied");
        assertEquals("5", Db.one(stg, "select count(*) from sessions"), "excluded tables are not touched");
        assertEquals(r.get("id").asText(), Db.one(stg, "select refresh_id from restage.refresh_audit order by committed_at desc limit 1"));
        assertEquals(bucket("production-media"), bucket("staging-media"),
                "the bucket holds exactly the source's objects: same keys, same ETags and sizes (staging had stale content under the same keys)");
        assertTrue(r.get("anonymizersRan").toString().contains("public.users.email:email"));
        JsonNode audit = r.get("leakAudit");
        assertTrue(audit.get("fingerprints").asLong() > 1000 && audit.get("scannedValues").asLong() > 1000, audit.toString());
        assertEquals(0, audit.get("hits").size(), audit.toString());
        assertEquals("DONE", r.get("steps").get("VALIDATE").get("status").asText());
        System.out.printf("e2e demo refresh: leak audit %s%n", audit);
        System.out.printf("e2e demo refresh: %d rows, %d objects in %.2f s (%.0f rows/s)%n", rows, bucket("staging-media").size(),
                seconds, rows / seconds);
        assertNoProductionValueReadableOnTheBroker(r.get("id").asText(), Db.column(prod, "select email from users"));
        assertNoSecretOrProductionValueAnywhere(secrets);
    }

    /**
     * Every configured secret, every credential and token, the database user of the sources, the environments' database
     * URLs and every source value of a ruled column: in no service log, no record of any topic (decompressed wherever
     * possible), no API answer and no table of the orchestrator's database.
     */
    private void assertNoSecretOrProductionValueAnywhere(Set<String> productionValues) throws Exception {
        io.restage.common.config.RestageConfig cfg = io.restage.common.config.RestageConfigLoader.load(configFile);
        Map<String, String> secrets = new TreeMap<>();
        secrets.put("security.message-key", cfg.security().messageKey().reveal());
        secrets.put("security.batch-key (given to export and anonymizer only)", services.batchKey());
        secrets.put("the operator's bearer token", operatorToken);
        secrets.put("the Kafka password", stack.kafkaJaasConfig().replaceAll(".*password=\"([^\"]+)\".*", "$1"));
        secrets.put("the source's database user", StackProcess.READER);
        List<io.restage.common.config.PolicyConfig> policies = new ArrayList<>(cfg.policies().values());
        policies.add(cfg.policy());
        for (io.restage.common.config.PolicyConfig p : policies) {
            secrets.put("a policy secret", p.secret().reveal());
            if (p.stagingPassword().isPresent()) {
                secrets.put("a staging password", p.stagingPassword().reveal());
            }
            if (p.admin() != null) {
                secrets.put("an admin password", p.admin().password().reveal());
                secrets.put("an admin match value", p.admin().matchValue().reveal());
            }
        }
        for (io.restage.common.config.EnvironmentConfig e : cfg.environments().values()) {
            secrets.put("the database URL of " + e.name(), e.database().url());
            if (e.bucket() != null) {
                secrets.put("the bucket secret of " + e.name(), e.bucket().secretKey().reveal());
            }
        }
        Map<String, String> places = new TreeMap<>();
        try (java.util.stream.Stream<Path> logs = Files.list(services.logDir())) {
            for (Path log : logs.toList()) {
                places.put("log " + log.getFileName(), Files.readString(log, java.nio.charset.StandardCharsets.ISO_8859_1));
            }
        }
        try (io.restage.stack.testing.KafkaProbe kafka = new io.restage.stack.testing.KafkaProbe(stack)) {
            for (String topic : List.of("refresh.requested", "refresh.commands", "refresh.events", "batches.exported",
                    "batches.anonymized")) {
                StringBuilder sb = new StringBuilder();
                for (var rec : kafka.readAll(topic, Duration.ofSeconds(60))) {
                    sb.append(rec.key()).append(' ').append(readableText(rec.value())).append('\n');
                    rec.headers().forEach(h -> sb.append(h.key()).append('=').append(new String(h.value(),
                            java.nio.charset.StandardCharsets.ISO_8859_1)).append('\n'));
                }
                places.put("topic " + topic, sb.toString());
            }
        }
        StringBuilder api = new StringBuilder();
        for (String path : List.of("/api/refreshes?limit=500", "/api/audit?limit=1000", "/api/environments", "/q/openapi?format=json")) {
            api.append(get(path)).append('\n');
        }
        for (JsonNode x : get("/api/refreshes?limit=500")) {
            api.append(get("/api/refreshes/" + x.get("id").asText())).append('\n');
        }
        api.append(post("/api/policies/check", "{\"source\":\"production\"}").body());
        places.put("API answers", api.toString());
        StringBuilder db = new StringBuilder();
        for (String table : List.of("refresh", "outbox", "processed_event", "audit_log")) {
            db.append(String.join("\n", Db.column(stack.jdbcUrl("restage"), "select t::text from " + table + " t")));
        }
        places.put("the orchestrator's database", db.toString());
        List<String> found = new ArrayList<>();
        for (Map.Entry<String, String> place : places.entrySet()) {
            secrets.forEach((what, value) -> {
                if (value != null && value.length() >= 6 && place.getValue().contains(value)) {
                    found.add(what + " in " + place.getKey());
                }
            });
            productionValues.stream().filter(v -> v != null && v.length() >= 6 && place.getValue().contains(v)).findFirst()
                    .ifPresent(v -> found.add("a production value of a ruled column in " + place.getKey()));
        }
        assertEquals(List.of(), found);
        System.out.printf("e2e secrets: %d secrets and %d production values looked for in %d places (%,d characters): none found%n",
                secrets.size(), productionValues.size(), places.size(), places.values().stream().mapToLong(String::length).sum());
    }

    /**
     * After the refresh ended: its data key is destroyed, and whatever of its batches is still on the broker (read back
     * from the topics, and in the broker's log segment files on disk) yields no production value, however it is
     * decompressed.
     */
    private void assertNoProductionValueReadableOnTheBroker(String id, List<String> productionValues) throws Exception {
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> get("/api/refreshes/" + id).hasNonNull("shredded"));
        JsonNode shredded = get("/api/refreshes/" + id).get("shredded");
        assertTrue(shredded.get("keyDestroyed").asBoolean(), shredded.toString());
        assertEquals("1", Db.one(stack.jdbcUrl("restage"), "select count(*) from restage_data_key where refresh_id = '" + id
                + "' and wrapped is null and destroyed_at is not null"), "only the fact of the key is left");
        int raw = 0;
        int sealed = 0;
        List<String> readable = new ArrayList<>();
        try (io.restage.stack.testing.KafkaProbe kafka = new io.restage.stack.testing.KafkaProbe(stack)) {
            for (String topic : List.of("batches.exported", "batches.anonymized")) {
                for (var rec : kafka.readAll(topic, Duration.ofSeconds(60))) {
                    if (rec.key() == null || !rec.key().startsWith(id)) {
                        continue;
                    }
                    raw += topic.equals("batches.exported") ? 1 : 0;
                    sealed += io.restage.common.batch.BatchSeal.isSealed(rec.value()) ? 1 : 0;
                    String text = readableText(rec.value());
                    productionValues.stream().filter(text::contains).findFirst().ifPresent(v -> readable.add(topic + "@" + rec.offset()));
                }
            }
        }
        assertEquals(raw, sealed, "every raw batch left on the broker is sealed");
        assertEquals(List.of(), readable, "no production value can be read from what is left in the topics");
        // the broker's own files, every segment of every topic, decompressed wherever a gzip stream starts
        List<String> onDisk = new ArrayList<>();
        try (java.util.stream.Stream<Path> files = Files.walk(stack.dir().resolve("kafka"))) {
            for (Path f : files.filter(Files::isRegularFile).filter(p -> p.toString().endsWith(".log")).toList()) {
                String text = readableText(Files.readAllBytes(f));
                productionValues.stream().filter(text::contains).findFirst().ifPresent(v -> onDisk.add(f.getFileName().toString()));
            }
        }
        assertEquals(List.of(), onDisk, "no production email in the broker's log segments, compressed or not");
        System.out.printf("e2e demo refresh: after the end, %d raw batch records of it left on the broker, all sealed under a"
                + " destroyed key; %d consumed batch records deleted%n", raw, shredded.get("recordsDeleted").asLong());
    }

    /**
     * The bytes as text, plus every compressed payload found in them decompressed: each gzip stream, and the LZ4 block
     * of each batch record (magic RSB2) wherever one starts. What anyone could read from them.
     */
    private static String readableText(byte[] bytes) {
        StringBuilder sb = new StringBuilder(new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1));
        for (int i = 0; i + 2 < bytes.length; i++) {
            if ((bytes[i] & 0xff) == 0x1f && (bytes[i + 1] & 0xff) == 0x8b && bytes[i + 2] == 8) {
                try (java.util.zip.GZIPInputStream in = new java.util.zip.GZIPInputStream(
                        new java.io.ByteArrayInputStream(bytes, i, bytes.length - i))) {
                    sb.append('\n').append(new String(in.readNBytes(64 << 20), java.nio.charset.StandardCharsets.UTF_8));
                } catch (java.io.IOException notGzip) {
                    // ciphertext or a chance match of the magic: nothing readable there
                }
            }
            if (i + 12 < bytes.length && bytes[i] == 'R' && bytes[i + 1] == 'S' && bytes[i + 2] == 'B' && bytes[i + 3] == '2') {
                try {
                    int start = i + 8 + java.nio.ByteBuffer.wrap(bytes, i + 4, 4).getInt();
                    int length = java.nio.ByteBuffer.wrap(bytes, start, 4).getInt();
                    if (length <= 0 || length > (64 << 20)) {
                        continue; // a chance match of the magic
                    }
                    byte[] payload = new byte[length];
                    // the block's own length is not known inside a segment: decompress exactly the declared bytes
                    net.jpountz.lz4.LZ4Factory.safeInstance().fastDecompressor().decompress(bytes, start + 4, payload, 0, length);
                    sb.append('\n').append(new String(payload, java.nio.charset.StandardCharsets.UTF_8));
                } catch (RuntimeException notABatch) {
                    // a chance match of the magic, or a record cut by the segment's end: nothing readable there
                }
            }
        }
        return sb.toString();
    }

    @Test
    void theLeakScanOfTheBrokerReadsLz4BatchPayloads() {
        // the scan above must see what an LZ4 batch (RSB2) holds, or a clear-text batch on the broker would pass it
        byte[] rows = "1\tjane.doe@corp.example\n".repeat(50).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] record = io.restage.common.batch.BatchCodec.encode(io.restage.common.batch.BatchHeader.rows("r", "public.users",
                0, 50, List.of(new io.restage.common.batch.Column("id", "bigint"), new io.restage.common.batch.Column("email", "text")),
                io.restage.common.batch.Checksums.of(rows), List.of()), rows);
        byte[] segment = new byte[record.length + 300];
        System.arraycopy(record, 0, segment, 117, record.length); // somewhere inside a log segment
        String whole = new String(rows, java.nio.charset.StandardCharsets.UTF_8);
        assertFalse(new String(segment, java.nio.charset.StandardCharsets.ISO_8859_1).contains(whole), "compressed as it lies");
        assertTrue(readableText(segment).contains(whole), "decompressed by the scan");
    }

    // ---- crashes: a restarted orchestrator and importer carry on ----

    @Test
    @Order(10)
    void shouldFinishTheRefreshWhenOrchestratorAndImporterCrashMidway() throws Exception {
        String prod = stack.jdbcUrl("production");
        String stg = stack.jdbcUrl("staging");
        // given: a target that differs from the source (an earlier refresh made them equal)
        Db.exec(stg, "delete from messages where id % 5 = 0", "update users set role = 'member' where role <> 'admin'");
        List<String> users = List.of("id", "organization_id", "role", "deleted_at", "updated_at");
        assertNotEquals(Db.projection(prod, "users", users), Db.projection(stg, "users", users));
        HttpResponse<String> r = post("/api/refreshes", request("production", "staging", "staging.prod-corp.internal", true));
        assertEquals(202, r.statusCode(), r.body());
        String id = Json.MAPPER.readTree(r.body()).get("id").asText();
        // when: both die the hard way once the export has read everything, while the refresh is in flight
        Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(50))
                .until(() -> !"RUNNING".equals(get("/api/refreshes/" + id).get("steps").get("VALIDATE").get("status").asText()));
        JsonNode atKill = get("/api/refreshes/" + id);
        services.kill("import-service");
        services.kill("orchestrator");
        System.out.printf("e2e crash: killed the importer and the orchestrator with EXPORT %s, ANONYMIZE %s, STAGE %s%n",
                atKill.get("steps").get("EXPORT").get("status").asText(), atKill.get("steps").get("ANONYMIZE").get("status").asText(),
                atKill.get("steps").get("STAGE").get("status").asText());
        services.start("import-service");
        services.start("orchestrator");
        services.awaitReady("import-service", Duration.ofMinutes(2));
        services.awaitReady("orchestrator", Duration.ofMinutes(2));
        // then: the saga, read back from the orchestrator's database, carries on to the end
        Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250))
                .until(() -> !Set.of("RUNNING", "COMPENSATING").contains(get("/api/refreshes/" + id).get("status").asText()));
        JsonNode done = get("/api/refreshes/" + id);
        assertEquals("SUCCEEDED", done.get("status").asText(), done.toPrettyString());
        for (String t : List.of("organizations", "users", "messages", "attachments", "partner_integrations")) {
            assertEquals(Db.column(prod, "select id::text from " + t + " order by id"), Db.column(stg, "select id::text from " + t + " order by id"), t);
        }
        assertEquals(Db.projection(prod, "users", users), Db.projection(stg, "users", users), "unruled columns equal the source's");
        assertEquals(Db.projection(prod, "messages", List.of("id", "sender_id", "recipient_id", "sent_at")), Db.projection(stg, "messages", List.of("id", "sender_id", "recipient_id", "sent_at")));
        assertEquals(id, Db.one(stg, "select refresh_id from restage.refresh_audit where refresh_id = '" + id + "'"), "committed exactly once");
    }

    // ---- an interrupted export starts over under a new snapshot, not the refresh ----

    @Test
    @Order(23)
    void shouldStartAnInterruptedExportOverUnderANewSnapshotWithoutMixingTheTwo() throws Exception {
        String prod = stack.jdbcUrl("production");
        String stg = stack.jdbcUrl("staging");
        // given: a source table the export can only read once the test lets it (see ExportGate), and a target that differs
        String newOrganization = null;
        try (ExportGate gate = new ExportGate(prod)) {
            Db.exec(stg, "delete from messages where id % 3 = 0");
            HttpResponse<String> r = post("/api/refreshes", request("production", "staging", "staging.prod-corp.internal", true));
            assertEquals(202, r.statusCode(), r.body());
            String id = Json.MAPPER.readTree(r.body()).get("id").asText();
            gate.awaitExportWaiting();
            // (and the first snapshot's batches of the other tables reached the target's staging)
            String stagedBatches = "select count(*) from restage_stage_" + id.replace("-", "") + "._batches";
            Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100)).ignoreExceptions()
                    .until(() -> Integer.parseInt(Db.one(stg, stagedBatches)) > 0);
            JsonNode atKill = get("/api/refreshes/" + id);
            assertEquals("RUNNING", atKill.get("steps").get("EXPORT").get("status").asText(), atKill.toPrettyString());
            String stagedAtKill = Db.one(stg, stagedBatches);
            // when: the export service dies mid-export (SIGKILL), the source changes, and the service comes back
            services.kill("export-service");
            newOrganization = Db.one(prod, "insert into organizations (name) values ('Second Snapshot Ltd') returning id::text");
            gate.release();
            services.start("export-service");
            services.awaitReady("export-service", Duration.ofMinutes(2));
            // then: another instance reads every table again under a new snapshot and the refresh ends as if nothing happened
            Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250))
                    .until(() -> !Set.of("RUNNING", "COMPENSATING").contains(get("/api/refreshes/" + id).get("status").asText()));
            JsonNode done = get("/api/refreshes/" + id);
            assertEquals("SUCCEEDED", done.get("status").asText(), done.toPrettyString());
            assertEquals(2, done.get("exportAttempts").asInt(), done.toPrettyString());
            assertTrue(done.get("notes").toString().contains("started over under snapshot 2"), done.get("notes").toString());
            System.out.printf("e2e export restart: killed during EXPORT with %s batches of snapshot 1 staged; the refresh ended %s"
                    + " after %d snapshots%n", stagedAtKill, done.get("status").asText(), done.get("exportAttempts").asInt());
            // and: the target holds the second snapshot, whole: the row added between the two is there, nothing of the
            // first snapshot is mixed in or counted twice
            for (String t : List.of("organizations", "users", "messages", "attachments", "partner_integrations")) {
                assertEquals(Db.column(prod, "select id::text from " + t + " order by id"), Db.column(stg, "select id::text from " + t + " order by id"), t);
            }
            assertTrue(Db.column(stg, "select id::text from organizations").contains(newOrganization));
            assertEquals(Db.projection(prod, "messages", List.of("id", "sender_id", "recipient_id", "sent_at")),
                    Db.projection(stg, "messages", List.of("id", "sender_id", "recipient_id", "sent_at")));
            for (JsonNode t : done.get("tables")) {
                if (t.hasNonNull("imported")) {
                    assertEquals(t.get("exported").asLong(), t.get("imported").asLong(), "rows of the second snapshot only: " + t);
                }
            }
            assertEquals(id, Db.one(stg, "select refresh_id from restage.refresh_audit where refresh_id = '" + id + "'"), "committed exactly once");
            assertEquals("0", Db.one(stg, "select count(*) from pg_namespace where nspname like 'restage_stage_%'"), "no staging left behind");
        } finally {
            if (newOrganization != null) {
                Db.exec(prod, "delete from organizations where id = " + newOrganization);
            }
        }
    }

    /**
     * A source table whose rows the export can only read once the test lets it: its row security policy takes a shared
     * advisory lock the test holds, so the export is caught mid-read, deterministically, with the bigger tables sent.
     */
    private static final class ExportGate implements AutoCloseable {
        private final String url;
        private final Connection holder;

        ExportGate(String url) throws Exception {
            this.url = url;
            Db.exec(url, "create or replace function restage_e2e_gate() returns boolean language plpgsql volatile as"
                            + " $$ begin perform pg_advisory_xact_lock_shared(4242); return true; end $$",
                    "create table restage_e2e_gate (id int primary key)", "insert into restage_e2e_gate values (1)",
                    "alter table restage_e2e_gate enable row level security",
                    "create policy gate on restage_e2e_gate for select using (restage_e2e_gate())");
            holder = Db.open(url);
            try (Statement st = holder.createStatement()) {
                st.execute("select pg_advisory_lock(4242)");
            }
        }

        void awaitExportWaiting() {
            Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
                    .until(() -> Integer.parseInt(Db.one(url, "select count(*) from pg_locks where locktype = 'advisory'"
                            + " and objid = 4242 and not granted")) > 0);
        }

        /** Lets the export read (a no-op when a crash of the database already ended the holding session). */
        void release() {
            try {
                holder.close();
            } catch (SQLException gone) {
                // the session is already gone, and its lock with it
            }
        }

        @Override
        public void close() throws Exception {
            release();
            Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                    .until(() -> {
                        Db.exec(url, "drop table if exists restage_e2e_gate", "drop function if exists restage_e2e_gate()");
                        return true;
                    });
        }
    }

    /**
     * A session of the target's users reading a refreshed table through the commit: the commit cannot take its lock
     * and retries under its lock timeout, so the refresh is caught inside COMMIT, deterministically.
     */
    private static final class CommitHold implements AutoCloseable {
        private final String url;
        private final Connection holder;

        CommitHold(String url) throws Exception {
            this.url = url;
            holder = Db.open(url);
            holder.setAutoCommit(false);
            try (Statement st = holder.createStatement()) {
                st.execute("lock table messages in access share mode");
            }
        }

        void awaitCommitWaiting() {
            Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(100))
                    .until(() -> Integer.parseInt(Db.one(url, "select count(*) from pg_locks l join pg_class c on c.oid = l.relation"
                            + " where c.relname = 'messages' and not l.granted")) > 0);
        }

        @Override
        public void close() {
            try {
                holder.rollback();
                holder.close();
            } catch (SQLException gone) {
                // a crash of the database already ended the session
            }
        }
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> faults() {
        List<org.junit.jupiter.params.provider.Arguments> out = new ArrayList<>();
        for (String fault : List.of("kill orchestrator", "kill anonymizer-service", "kill import-service", "kill media-sync-service",
                "restart the Kafka broker", "crash PostgreSQL (target and state databases)")) {
            for (String moment : List.of("EXPORT", "COMMIT")) {
                out.add(org.junit.jupiter.params.provider.Arguments.of(fault, moment));
            }
        }
        return out.stream();
    }

    /**
     * The fault-injection suite: a refresh of a target that differs from the source, caught at a recorded moment (the
     * export mid-read, or the commit waiting for a lock), a fault injected there, and the refresh must end SUCCEEDED with
     * the target equal to the source, committed once, nothing left behind; or, where that is the documented outcome (a
     * crash of the target during the commit empties the unlogged staging), FAILED with the target database and bucket
     * exactly as before. (The export service's own death is
     * {@link #shouldStartAnInterruptedExportOverUnderANewSnapshotWithoutMixingTheTwo}.)
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0} during {1}")
    @org.junit.jupiter.params.provider.MethodSource("faults")
    @Order(24)
    void shouldFinishEveryRefreshWhateverFaultHitsItAndWhen(String fault, String moment) throws Exception {
        String prod = stack.jdbcUrl("production");
        String stg = stack.jdbcUrl("staging");
        Db.exec(stg, "delete from messages where id % 4 = 0", "update users set role = 'member' where role <> 'admin'");
        Map<String, String> dbBefore = Db.fingerprint(stg);
        Map<String, String> bucketBefore = bucket("staging-media");
        // a crash of the target during the commit's retries empties the unlogged staging: the commit fails closed
        boolean documentedFailure = fault.startsWith("crash") && moment.equals("COMMIT");
        long start = System.nanoTime();
        String id;
        // the gate table stays in the source until the refresh has ended: dropped while a restarted export reads, it
        // would be a source table vanishing mid-export (which fails the export, rightly), not the fault under test
        ExportGate gate = moment.equals("EXPORT") ? new ExportGate(prod) : null;
        try {
            try (CommitHold hold = moment.equals("COMMIT") ? new CommitHold(stg) : null) {
                HttpResponse<String> r = post("/api/refreshes", request("production", "staging", "staging.prod-corp.internal", true));
                assertEquals(202, r.statusCode(), r.body());
                id = Json.MAPPER.readTree(r.body()).get("id").asText();
                if (gate != null) {
                    gate.awaitExportWaiting();
                } else {
                    hold.awaitCommitWaiting();
                }
                String step = get("/api/refreshes/" + id).get("steps").get(moment).get("status").asText();
                assertEquals("RUNNING", step, "the fault hits " + moment + " while it runs");
                if (fault.startsWith("kill ")) {
                    String service = fault.substring(5);
                    services.kill(service);
                    release(gate, hold);
                    services.start(service);
                    services.awaitReady(service, Duration.ofMinutes(2));
                } else if (fault.startsWith("restart the Kafka")) {
                    stack.restartKafka(Duration.ofSeconds(3));
                    release(gate, hold);
                } else {
                    stack.crashPostgres(Duration.ofSeconds(3)); // ends the gate's and the hold's sessions too
                }
            }
            Awaitility.await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .until(() -> !Set.of("RUNNING", "COMPENSATING").contains(get("/api/refreshes/" + id).get("status").asText()));
            // and the refresh's data key is destroyed (what is left of its raw batches anywhere can no longer be read)
            Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .until(() -> get("/api/refreshes/" + id).hasNonNull("shredded"));
        } finally {
            if (gate != null) {
                gate.close();
            }
        }
        JsonNode done = get("/api/refreshes/" + id);
        assertTrue(done.get("shredded").get("keyDestroyed").asBoolean(), done.get("shredded").toString());
        System.out.printf("e2e fault: %s during %s -> %s in %d ms (%d export snapshot(s))%n", fault, moment,
                done.get("status").asText(), (System.nanoTime() - start) / 1_000_000, done.get("exportAttempts").asInt());
        if (documentedFailure) {
            assertEquals("FAILED", done.get("status").asText(), done.toPrettyString());
            assertEquals("FAILED", done.get("steps").get("COMMIT").get("status").asText(), done.toPrettyString());
            assertTrue(done.get("error").asText().contains("restarted during staging"), done.get("error").asText());
            Map<String, String> dbAfter = Db.fingerprint(stg);
            assertEquals(withoutSequences(dbBefore), withoutSequences(dbAfter), "the target database holds exactly its old rows");
            // PostgreSQL's crash recovery itself moves a sequence on by up to 32 (it logs 32 values ahead and recovers
            // from the log): restage changed none, so each is where it was or at most that much further
            for (Map.Entry<String, String> e : dbBefore.entrySet()) {
                if (e.getKey().startsWith("sequence ")) {
                    long before = Long.parseLong(e.getValue().substring("next ".length()));
                    long after = Long.parseLong(dbAfter.get(e.getKey()).substring("next ".length()));
                    assertTrue(after >= before && after <= before + 32, e.getKey() + " was " + before + ", is " + after);
                }
            }
            assertEquals(bucketBefore, bucket("staging-media"), "the target bucket has the same keys and ETags as before");
            assertEquals("0", Db.one(stg, "select count(*) from pg_namespace where nspname like 'restage_stage_%'"), "no staging left behind");
            return;
        }
        assertEquals("SUCCEEDED", done.get("status").asText(), done.toPrettyString());
        for (String t : List.of("organizations", "users", "messages", "attachments", "partner_integrations")) {
            assertEquals(Db.column(prod, "select id::text from " + t + " order by id"), Db.column(stg, "select id::text from " + t + " order by id"), t);
            assertEquals(Db.one(prod, "select max(id) from " + t), String.valueOf(Long.parseLong(Db.one(stg,
                    "select nextval(pg_get_serial_sequence('" + t + "', 'id'))")) - 1), t + ": sequence just past the max");
        }
        List<String> users = List.of("id", "organization_id", "role", "deleted_at", "updated_at");
        assertEquals(Db.projection(prod, "users", users), Db.projection(stg, "users", users), "unruled columns equal the source's");
        assertEquals(Db.projection(prod, "messages", List.of("id", "sender_id", "recipient_id", "sent_at")),
                Db.projection(stg, "messages", List.of("id", "sender_id", "recipient_id", "sent_at")));
        assertEquals("1", Db.one(stg, "select count(*) from restage.refresh_audit where refresh_id = '" + id + "'"), "committed exactly once");
        assertEquals("0", Db.one(stg, "select count(*) from pg_namespace where nspname like 'restage_stage_%'"), "no staging left behind");
        assertEquals(bucket("production-media"), bucket("staging-media"), "the bucket holds the source's objects: keys, ETags, sizes");
    }

    private static Map<String, String> withoutSequences(Map<String, String> fingerprint) {
        Map<String, String> out = new TreeMap<>(fingerprint);
        out.keySet().removeIf(k -> k.startsWith("sequence "));
        return out;
    }

    private static void release(ExportGate gate, CommitHold hold) {
        if (gate != null) {
            gate.release();
        }
        if (hold != null) {
            hold.close();
        }
    }

    // ---- scale-out: several instances of everything ----

    private HttpResponse<String> postTo(String baseUrl, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(baseUrl + path))
                .header("Content-Type", "application/json").header("Authorization", "Bearer " + operatorToken)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    @Order(22)
    void shouldRefreshWithTwoOrchestratorsAndTwoInstancesOfEveryParticipantAndStartOneRefreshPerTarget() throws Exception {
        List<String> extra = new ArrayList<>();
        try {
            // given: a second instance of every service beside the first (same groups, same databases)
            for (String s : ServiceProcesses.SERVICES) {
                services.start(s, s + "-2");
                extra.add(s + "-2");
            }
            for (String instance : extra) {
                services.awaitReady(instance, Duration.ofMinutes(3));
            }
            String body = request("production", "staging", "staging.prod-corp.internal", false);
            // when: two operators start a refresh of one target at the same moment, each through another orchestrator
            java.util.concurrent.CompletableFuture<HttpResponse<String>> one = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return postTo(services.url("orchestrator"), "/api/refreshes", body);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            HttpResponse<String> two = postTo(services.url("orchestrator-2"), "/api/refreshes", body);
            List<Integer> statuses = new ArrayList<>(List.of(one.get().statusCode(), two.statusCode()));
            java.util.Collections.sort(statuses);
            // then: the database's one-refresh-per-target holds across orchestrators
            assertEquals(List.of(202, 409), statuses, one.get().body() + " / " + two.body());
            HttpResponse<String> accepted = one.get().statusCode() == 202 ? one.get() : two;
            String id = Json.MAPPER.readTree(accepted.body()).get("id").asText();
            Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250))
                    .until(() -> !Set.of("RUNNING", "COMPENSATING").contains(get("/api/refreshes/" + id).get("status").asText()));
            JsonNode done = get("/api/refreshes/" + id);
            assertEquals("SUCCEEDED", done.get("status").asText(), done.toPrettyString());
            // and: a refresh started through the second orchestrator, with the work spread over both instances, too
            HttpResponse<String> r = postTo(services.url("orchestrator-2"), "/api/refreshes",
                    request("production", "staging", "staging.prod-corp.internal", true));
            assertEquals(202, r.statusCode(), r.body());
            String second = Json.MAPPER.readTree(r.body()).get("id").asText();
            Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250))
                    .until(() -> !Set.of("RUNNING", "COMPENSATING").contains(get("/api/refreshes/" + second).get("status").asText()));
            JsonNode ok = get("/api/refreshes/" + second);
            assertEquals("SUCCEEDED", ok.get("status").asText(), ok.toPrettyString());
            String prod = stack.jdbcUrl("production");
            String stg = stack.jdbcUrl("staging");
            for (String t : List.of("organizations", "users", "messages", "attachments", "partner_integrations")) {
                assertEquals(Db.column(prod, "select id::text from " + t + " order by id"), Db.column(stg, "select id::text from " + t + " order by id"), t);
            }
            assertEquals(second, Db.one(stg, "select refresh_id from restage.refresh_audit where refresh_id = '" + second + "'"),
                    "committed exactly once");
        } finally {
            for (String instance : extra) {
                services.kill(instance);
            }
        }
    }

    // ---- a participant that never answers: deadlines, abort, late answers ----

    @Test
    @Order(21)
    void shouldFailAStepWhoseParticipantNeverAnswersReleaseTheTargetAndRecordTheLateCompensation() throws Exception {
        String stg = stack.jdbcUrl("staging");
        Map<String, String> before = Db.fingerprint(stg);
        String id;
        String aborted;
        services.kill("import-service");
        try {
            // when: a refresh runs while the import service is down and nobody restarts it
            HttpResponse<String> r = post("/api/refreshes", request("production", "staging", "staging.prod-corp.internal", false));
            assertEquals(202, r.statusCode(), r.body());
            id = Json.MAPPER.readTree(r.body()).get("id").asText();
            Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250))
                    .until(() -> !Set.of("RUNNING", "COMPENSATING").contains(get("/api/refreshes/" + id).get("status").asText()));
            // then: STAGE fails at its deadline, its compensation at its own, and the refresh ends saying who was silent
            JsonNode failed = get("/api/refreshes/" + id);
            assertEquals("COMPENSATION_FAILED", failed.get("status").asText(), failed.toPrettyString());
            String error = failed.get("error").asText();
            assertTrue(error.startsWith("no answer from import-service for STAGE within 30 s"), error);
            assertTrue(error.contains("no answer from import-service for the compensation of STAGE within 30 s"), error);
            assertEquals("DONE", failed.get("steps").get("EXPORT").get("status").asText(), "the other participants finished");
            // and: the target is free again: a new refresh is accepted (not 409 target-busy) ...
            HttpResponse<String> second = post("/api/refreshes", request("production", "staging", "staging.prod-corp.internal", false));
            assertEquals(202, second.statusCode(), second.body());
            aborted = Json.MAPPER.readTree(second.body()).get("id").asText();
            // ... and an operator who knows the importer is down need not wait for its deadline: abort, typed and audited
            HttpResponse<String> wrong = post("/api/refreshes/" + aborted + "/abort", "{\"confirmTarget\":\"staging\",\"reason\":\"importer down\"}");
            assertEquals(422, wrong.statusCode(), wrong.body());
            HttpResponse<String> abort = post("/api/refreshes/" + aborted + "/abort",
                    "{\"confirmTarget\":\"staging.prod-corp.internal\",\"reason\":\"importer down for maintenance\"}");
            assertEquals(202, abort.statusCode(), abort.body());
            JsonNode a = Json.MAPPER.readTree(abort.body());
            assertEquals("FAILED", a.get("status").asText(), a.toPrettyString());
            assertEquals("aborted by " + OPERATOR + ": importer down for maintenance", a.get("error").asText());
            assertEquals(409, post("/api/refreshes/" + aborted + "/abort", "{\"confirmTarget\":\"staging.prod-corp.internal\","
                    + "\"reason\":\"again\"}").statusCode(), "an ended refresh cannot be aborted");
            assertTrue(get("/api/audit").toString().contains("importer down for maintenance"), "the abort is in the audit log");
        } finally {
            services.start("import-service");
            services.awaitReady("import-service", Duration.ofMinutes(2));
        }
        // when: the import service comes back, it reads the discards it missed and answers them late
        Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(250)).until(() ->
                "COMPENSATED".equals(get("/api/refreshes/" + id).get("steps").get("STAGE").get("compensation").asText())
                        && "COMPENSATED".equals(get("/api/refreshes/" + aborted).get("steps").get("STAGE").get("compensation").asText()));
        // then: both refreshes record it, the first one is FAILED (compensated) after all, and the target is exactly as before
        JsonNode late = get("/api/refreshes/" + id);
        assertEquals("FAILED", late.get("status").asText(), late.toPrettyString());
        assertTrue(late.get("notes").toString().contains("compensation of STAGE confirmed late"), late.toPrettyString());
        Awaitility.await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(250))
                .until(() -> before.equals(Db.fingerprint(stg)));
        // and: the target takes the next refresh
        JsonNode ok = refresh(request("production", "staging", "staging.prod-corp.internal", false));
        assertEquals("SUCCEEDED", ok.get("status").asText(), ok.toPrettyString());
    }

    // ---- Pagila: partitions, triggers, enums, domains, arrays, bytea, tsvector ----

    @Test
    @Order(9)
    void shouldRefreshPagilaWithEveryUntouchedColumnIdentical() throws Exception {
        String prod = stack.jdbcUrl("pagila_prod");
        String stg = stack.jdbcUrl("pagila_staging");
        Db.exec(stg, "insert into public.language (name) values ('Klingon')");
        Db.exec(prod, "update public.staff set picture = '\\x255044462d312e34' where staff_id = 1"); // a real photo would be here
        String catalog = Db.catalog(stg);
        long start = System.nanoTime();
        JsonNode r = refresh(request("pagila-prod", "pagila-staging", "pagila.staging.internal", false));
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals("SUCCEEDED", r.get("status").asText(), r.toPrettyString());
        assertEquals(catalog, Db.catalog(stg), "every index, key, comment and view of the target is as it was");
        long rows = 0;
        List<String> differing = new ArrayList<>();
        for (String table : Db.tables(prod)) {
            List<String> cols = new ArrayList<>(Db.column(prod, "select attname from pg_attribute where attrelid = '" + table
                    + "'::regclass and attnum > 0 and not attisdropped order by attnum"));
            cols.removeAll(PAGILA_RULED.getOrDefault(table, List.of()));
            if (!Db.projection(prod, table, cols).equals(Db.projection(stg, table, cols))) {
                differing.add(table);
            }
            rows += Long.parseLong(Db.one(prod, "select count(*) from " + table));
        }
        assertEquals(List.of(), differing, "every column the policy does not touch is identical, last_update included");
        JsonNode audit = r.get("leakAudit");
        assertTrue(audit.get("fingerprints").asLong() > 1000 && audit.get("scannedValues").asLong() > 1000, audit.toString());
        assertEquals(0, audit.get("hits").size(), "the leak audit passes on Pagila: " + audit);
        assertEquals("89504e470d0a1a0a", Db.one(stg, "select encode(substring(picture from 1 for 8), 'hex') from public.staff where staff_id = 1"),
                "the staff picture is the placeholder PNG");
        System.out.printf("e2e pagila refresh: leak audit %s%n", audit);
        assertEquals("0", Db.one(stg, "select count(*) from public.customer c where email not like '%.invalid'"));
        assertEquals("0", Db.one(stg, "select count(*) from public.address where phone <> '' and phone !~ '^[2-9][0-9]{2}-?555-?01[0-9]{2}$'"),
                "national numbers without a country code are read as US (the rule's default) and land in NXX-555-0100..0199"
                        + " (in the source's layout when it has ten digits, else NXX-555-01xx)");
        Set<String> realPhones = new HashSet<>(Db.column(prod, "select phone from public.address where phone <> ''"));
        assertTrue(Db.column(stg, "select phone from public.address").stream().noneMatch(realPhones::contains),
                "no staging phone is a production phone");
        assertNull(Db.one(stg, "select 1 from public.language where name = 'Klingon'"), "stale rows are gone");
        assertEquals(Db.one(prod, "select count(*) from only public.payment_p2022_03"), Db.one(stg, "select count(*) from only public.payment_p2022_03"),
                "rows land in the same partition");
        assertTrue(Long.parseLong(Db.one(stg, "select nextval('public.payment_payment_id_seq')"))
                > Long.parseLong(Db.one(prod, "select max(payment_id) from public.payment")), "the partitioned table's sequence is past the max");
        System.out.printf("e2e pagila refresh: %d rows in %.2f s (%.0f rows/s)%n", rows, seconds, rows / seconds);
    }

    @Test
    @Order(25)
    void shouldRefreshMixedCaseNamesAndLeaveNoRealContactBehind() throws Exception {
        String prod = stack.jdbcUrl("music_prod");
        String stg = stack.jdbcUrl("music_staging");
        JsonNode r = refresh(request("music-prod", "music-staging", "music.staging.internal", false));
        assertEquals("SUCCEEDED", r.get("status").asText(), r.toPrettyString());
        assertEquals(0, r.get("leakAudit").get("hits").size(), r.get("leakAudit").toString());

        // rules written stored, quoted and schema-qualified all applied
        for (String[] col : new String[][]{{"public.\"Customer\"", "\"Email\""}, {"public.\"Customer\"", "\"Phone\""},
                {"public.\"Customer\"", "\"Address\""}, {"\"Sales\".\"Invoice\"", "\"BillingCity\""}}) {
            String sql = "select " + col[1] + " from " + col[0] + " where " + col[1] + " is not null";
            Set<String> real = new HashSet<>(Db.column(prod, sql));
            List<String> staged = Db.column(stg, sql);
            assertFalse(staged.isEmpty(), col[0] + "." + col[1]);
            assertTrue(staged.stream().noneMatch(real::contains), col[0] + "." + col[1] + " holds no production value");
        }
        // the phone follows the row's kept country: a national number of that country's fiction range, else +999
        assertEquals("0", Db.one(stg, "select count(*) from public.\"Customer\" where \"Country\" = 'Brazil' and \"Phone\" !~ '^\\+999 '"));
        assertEquals("0", Db.one(stg, "select count(*) from public.\"Customer\" where \"Country\" = 'Germany' and \"Phone\" !~ '^030 23125[0-9]{3}$'"));
        assertEquals("0", Db.one(stg, "select count(*) from public.\"Customer\" where \"Country\" = 'United Kingdom' and \"Phone\" !~ '^07700 900[0-9]{3}$'"));
        assertEquals("0", Db.one(stg, "select count(*) from public.\"Customer\" where \"Country\" = 'USA' and \"Phone\" !~ '^\\(312\\) 555-01[0-9]{2}$'"));

        // 200,000 numbers from a small real-looking range: none equals a source number, all are under +999 (never
        // assigned), and the unique index held through the commit
        assertEquals("200000", Db.one(stg, "select count(*) from public.phone_book"));
        assertEquals("0", Db.one(stg, "select count(*) from public.phone_book where phone !~ '^\\+999 [0-9] [0-9] [0-9]{3}-[0-9]{3}-[0-9]{4}$'"));
        assertEquals("t", Db.one(stg, "select indisunique from pg_index where indexrelid = 'public.phone_book_phone_key'::regclass"));
        for (String column : List.of("phone", "street", "token", "iban", "card")) {
            Set<String> real = new HashSet<>(Db.column(prod, "select distinct " + column + " from public.phone_book"));
            long equal = Db.column(stg, "select distinct " + column + " from public.phone_book").stream().filter(real::contains).count();
            assertEquals(0, equal, column + ": no staged value equals a production value");
        }
        assertEquals("0", Db.one(stg, "select count(*) from public.phone_book where last_ip is null or host(last_ip) !~ '^81\\.2\\.'"),
                "the /24 is kept");
        assertEquals("0", Db.one(stg, "select count(*) from public.phone_book s where s.born is null or extract(year from s.born)"
                + " <> extract(year from date '1950-01-01' + (s.id % 20000))"), "birth dates keep the year");
        assertEquals("0", Db.one(stg, "select count(*) from public.phone_book s where s.born = date '1950-01-01' + (s.id % 20000)"),
                "and never the real day");
        // rows of one entity (the token) moved by the same days: the interval between two of its rows is kept
        assertEquals(Db.one(prod, "select max(seen_at) - min(seen_at) from public.phone_book where id in (7, 5007, 10007)"),
                Db.one(stg, "select max(seen_at) - min(seen_at) from public.phone_book where id in (7, 5007, 10007)"));
        assertEquals("0", Db.one(stg, "select count(*) from public.phone_book where card !~ '^4111 11[0-9]{2} [0-9]{4} [0-9]{4}$'"));
        assertEquals("0", Db.one(stg, "select count(*) from public.phone_book where iban !~ '^DE[0-9]{2}00000000[0-9]{10}$'"));

        // a rule written in the wrong case is refused with the name as stored
        PolicyConfigs wrong = PolicyConfigs.of(io.restage.common.config.RestageConfigLoader.qualify("customer"), "email", "email");
        try (Connection c = Db.open(prod)) {
            io.restage.common.policy.PolicyReport report = io.restage.common.policy.PolicyChecker.check(c, "music-prod", wrong.policy());
            assertTrue(report.problems().stream().anyMatch(p -> p.message().contains("did you mean public.Customer.Email?")),
                    report.summary());
        }
    }

    /** A policy of one rule, for the checks above. */
    private record PolicyConfigs(io.restage.common.config.PolicyConfig policy) {
        static PolicyConfigs of(String table, String column, String transformer) {
            return new PolicyConfigs(new io.restage.common.config.PolicyConfig(new io.restage.common.config.Secret("0123456789abcdef0"),
                    null, List.of(), Map.of(table, List.of(new io.restage.common.config.RuleConfig(table, column, transformer, Map.of(), "tables"))),
                    null, new io.restage.common.config.Secret(null), 4));
        }
    }

    @Test
    @Order(26)
    void theSuggestedPolicyForEachSourceAppliedAsSuggestedPassesTheCheck() throws Exception {
        io.restage.common.config.PolicyConfig empty = new io.restage.common.config.PolicyConfig(
                new io.restage.common.config.Secret("0123456789abcdef0"), null, List.of(), Map.of(), null,
                new io.restage.common.config.Secret(null), 4);
        for (String db : List.of("production", "pagila_prod", "music_prod")) {
            String url = stack.jdbcUrl(db);
            io.restage.common.policy.PolicyReport first;
            try (Connection c = Db.open(url)) {
                first = io.restage.common.policy.PolicyChecker.check(c, db, empty);
            }
            assertFalse(first.ok(), db + ": an empty policy is refused");
            List<String> without = first.problems().stream().filter(p -> p.suggest() == null).map(p -> p.message()).toList();
            assertEquals(List.of(), without, db + ": every flagged column has a suggestion");
            String draft = io.restage.common.policy.PolicyDraft.yaml("draft", empty, first);
            String config = "environments:\n  src:\n    hostname: src.internal\n    policy: draft\n    database:\n      url: \""
                    + url + "\"\nsecurity:\n  message-key: draft-message-key-0123456789abcdef0123456789\n" + draft;
            io.restage.common.config.RestageConfig parsed = io.restage.common.config.RestageConfigLoader.parse(config, "draft.yaml",
                    name -> name.equals("RESTAGE_POLICY_SECRET") ? "draft-secret-0123456789abcdef" : null);
            io.restage.common.policy.PolicyReport second;
            try (Connection c = Db.open(url)) {
                second = io.restage.common.policy.PolicyChecker.check(c, db, parsed.policyFor("src"));
            }
            assertTrue(second.ok(), db + ": the draft as suggested passes the check: " + second.summary() + "\n" + draft);
            System.out.printf("e2e suggested policy for %s: %d flagged columns, all suggested; the draft passes the check%n%s%n",
                    db, first.problems().size(), db.equals("pagila_prod") ? draft : "");
        }
        // the same through the API: the draft comes back in the configuration's YAML
        HttpResponse<String> api = post("/api/policies/check", "{\"source\":\"contact-prod\",\"suggest\":true}");
        assertEquals(200, api.statusCode(), api.body());
        JsonNode body = Json.MAPPER.readTree(api.body());
        assertTrue(body.get("draft").asText().contains("\"contact_email\": email"), body.get("draft").asText());
        assertTrue(body.get("problems").get(0).has("suggest"), body.toString());
        assertFalse(api.body().contains("e2e-secret"), "no secret in the draft");
        assertEquals(400, post("/api/policies/check", "{\"source\":\"contact-prod\",\"suggest\":\"yes\"}").statusCode());
    }

    // ---- the platform team's command line ----

    /** Runs {@code deploy/restage ARGS} in-process as the e2e operator; returns exit code, stdout and stderr. */
    private String[] cli(String... args) {
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        int code = io.restage.cli.RestageCli.run(args, new java.io.PrintWriter(out), new java.io.PrintWriter(err),
                Map.of("RESTAGE_URL", services.orchestratorUrl(), "RESTAGE_TOKEN", operatorToken), false);
        return new String[]{Integer.toString(code), out.toString(), err.toString()};
    }

    @Test
    @Order(27)
    void shouldDriveRefreshesFromTheCommandLineWithExitCodesAScriptCanUse() throws Exception {
        // refused by the server: wrong hostname typed (exit 3, the server's reason, nothing started)
        int before = get("/api/refreshes?limit=500").size();
        String[] refused = cli("refresh", "production", "staging", "--confirm", "staging.wrong.internal", "--wait");
        assertEquals("3", refused[0], refused[2]);
        assertTrue(refused[2].contains("refused (422 confirmation-mismatch)") && refused[2].contains("type the target's hostname"), refused[2]);
        assertEquals(before, get("/api/refreshes?limit=500").size(), "a refused request starts nothing");

        // a refresh that succeeds, followed to the end (exit 0) with per-table counts
        String[] ok = cli("refresh", "production", "staging", "--confirm", "staging.prod-corp.internal", "--wait", "--interval", "250ms");
        assertEquals("0", ok[0], ok[1] + ok[2]);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("refresh (\\S+) accepted").matcher(ok[1]);
        assertTrue(m.find(), ok[1]);
        String id = m.group(1);
        String users = Db.one(stack.jdbcUrl("staging"), "select count(*) from users");
        assertTrue(ok[1].contains("SUCCEEDED"), ok[1]);
        assertTrue(java.util.regex.Pattern.compile("public\\.users +\\[#{20}\\] +" + users + " +" + users + " +" + users + " +" + users)
                .matcher(ok[1]).find(), "the users line shows its count at every stage: " + ok[1]);

        // status as JSON, and the list filtered by target and status
        String[] status = cli("status", id, "--json");
        assertEquals("0", status[0], status[2]);
        assertEquals(id, Json.MAPPER.readTree(status[1]).get("id").asText());
        String[] list = cli("list", "--target", "staging", "--status", "succeeded", "--limit", "5");
        assertEquals("0", list[0], list[2]);
        assertTrue(list[1].lines().skip(1).findFirst().orElse("").startsWith(id), "newest first: " + list[1]);
        assertTrue(list[1].lines().skip(1).allMatch(l -> l.contains("-> staging ") && l.contains("SUCCEEDED")), list[1]);
        String[] badFilter = cli("list", "--status", "happy");
        assertEquals("3", badFilter[0]);
        assertTrue(badFilter[2].contains("query 'status' must be one of"), badFilter[2]);

        // a refresh that fails before the pivot (the leak audit): exit 4, the reason on screen
        String[] failed = cli("refresh", "invoice-prod", "invoice-staging", "--confirm", "invoice.staging.internal", "--wait",
                "--interval", "250ms");
        assertEquals("4", failed[0], failed[1] + failed[2]);
        assertTrue(failed[1].contains("FAILED") && failed[1].contains("leak audit"), failed[1]);

        // metrics: refused without the scrape token; with it, the refresh's outcome and each step's rows
        HttpResponse<String> closed = http.send(HttpRequest.newBuilder(URI.create(services.orchestratorUrl() + "/q/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, closed.statusCode(), closed.body());
        Map<String, String> expectedMeters = Map.of("orchestrator", "restage_refresh_duration_seconds_count{outcome=\"SUCCEEDED\",target=\"staging\"",
                "export-service", "restage_rows_total{step=\"export\",table=\"public.users\"",
                "anonymizer-service", "restage_batch_seconds_count{step=\"anonymize\"",
                "import-service", "restage_bytes_total{step=\"stage\",table=\"public.users\"",
                "media-sync-service", "restage_media_copy_objects_total{outcome=\"copied\",target=\"staging\"");
        for (Map.Entry<String, String> e : expectedMeters.entrySet()) {
            HttpResponse<String> scraped = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + services.port(e.getKey())
                    + "/q/metrics")).header("Authorization", "Bearer " + services.metricsToken()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, scraped.statusCode(), e.getKey());
            assertTrue(scraped.body().contains(e.getValue()), e.getKey() + " has " + e.getValue());
            assertTrue(scraped.body().contains("kafka_consumer") || e.getKey().equals("orchestrator") && scraped.body().contains("kafka_"),
                    e.getKey() + ": Kafka client metrics (consumer lag) are there too");
        }

        // every service logs JSON lines, and the lines about this refresh carry its id (the MDC)
        for (String service : List.of("orchestrator", "export-service", "anonymizer-service", "import-service", "media-sync-service")) {
            long tagged = 0;
            for (String line : Files.readAllLines(services.logDir().resolve(service + ".log"), java.nio.charset.StandardCharsets.UTF_8)) {
                if (line.startsWith("{") && line.contains(id)) {
                    JsonNode l = Json.MAPPER.readTree(line);
                    assertTrue(l.hasNonNull("timestamp") && l.hasNonNull("level") && l.hasNonNull("message"), line);
                    if (id.equals(l.path("mdc").path("refreshId").asText())) {
                        tagged++;
                    }
                }
            }
            assertTrue(tagged > 0, service + ": a JSON log line with mdc.refreshId = " + id);
        }

        // the policy dry run: complete (0) and incomplete (3, every problem listed); a draft on stdout with --suggest
        assertEquals("0", cli("policy", "check", "production")[0]);
        String[] incomplete = cli("policy", "check", "contact-prod", "--suggest");
        assertEquals("3", incomplete[0], incomplete[2]);
        assertTrue(incomplete[2].contains("INCOMPLETE") && incomplete[2].contains("public.organizations.contact_email"), incomplete[2]);
        assertTrue(incomplete[1].contains("\"contact_email\": email"), "the draft policy is on stdout: " + incomplete[1]);

        // undo, followed to the end (exit 0); the marker is back to what staging held before
        String[] undo = cli("undo", id, "--confirm", "staging.prod-corp.internal", "--wait", "--interval", "250ms");
        assertEquals("0", undo[0], undo[1] + undo[2]);
        assertEquals("UNDONE", get("/api/refreshes/" + id).get("status").asText());

        // the configuration the services run with validates offline
        String[] valid = cli("config", "validate", configFile.toString());
        assertEquals("0", valid[0], valid[2]);
        assertTrue(valid[1].contains("environment staging") && valid[1].contains("target (allows imports)"), valid[1]);

        // the shipped script: deploy/restage, a separate JVM, as a platform team's CI would run it
        ProcessBuilder pb = new ProcessBuilder(ServiceProcesses.findRepoRoot().resolve("deploy/restage").toString(), "list",
                "--target", "staging", "--limit", "1").redirectErrorStream(true);
        pb.environment().put("RESTAGE_URL", services.orchestratorUrl());
        pb.environment().put("RESTAGE_TOKEN", operatorToken);
        Process p = pb.start();
        String printed = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), printed);
        assertTrue(printed.startsWith("ID ") && printed.contains(id), printed);
        assertFalse(printed.contains(operatorToken), "the token is never printed");
    }

    @Test
    @Order(28)
    void shouldCreateEveryTopicAsRestageNeedsItAndChangeNothingTheSecondTime() throws Exception {
        Path props = Files.createTempFile("kafka-client", ".properties");
        try (var w = Files.newBufferedWriter(props)) {
            stack.kafkaClientProperties().store(w, "the embedded broker");
        }
        String[] first = cli("topics", "create", "--bootstrap-server", stack.kafkaBootstrap(), "--command-config", props.toString());
        assertEquals("0", first[0], first[2]);
        for (String t : List.of("refresh.requested", "refresh.commands", "refresh.events", "refresh.dead-letter",
                "batches.exported", "batches.anonymized")) {
            assertTrue(first[1].lines().anyMatch(l -> l.startsWith(t + " ")), t + " is set up: " + first[1]);
        }
        String[] second = cli("topics", "create", "--bootstrap-server", stack.kafkaBootstrap(), "--command-config", props.toString());
        assertEquals("0", second[0], second[2]);
        assertTrue(second[1].lines().allMatch(l -> l.matches("\\S+ +ok .*")), "a second run changes nothing: " + second[1]);
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(stack.kafkaClientProperties())) {
            var res = new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC, "refresh.events");
            var config = admin.describeConfigs(List.of(res)).all().get(30, java.util.concurrent.TimeUnit.SECONDS).get(res);
            assertEquals(Long.toString(io.restage.common.TopicLayout.CONTROL_RETENTION_MS), config.get("retention.ms").value());
            var batches = new org.apache.kafka.common.config.ConfigResource(org.apache.kafka.common.config.ConfigResource.Type.TOPIC, "batches.exported");
            assertEquals(Integer.toString(io.restage.common.TopicLayout.MAX_MESSAGE_BYTES), admin.describeConfigs(List.of(batches)).all()
                    .get(30, java.util.concurrent.TimeUnit.SECONDS).get(batches).get("max.message.bytes").value());
        }
    }

    // ---- the dashboard, in a real browser ----

    @Test
    @Order(29)
    void shouldStartARefreshFromTheDashboardAndWatchItSucceedLive() throws Exception {
        try (Browser browser = new Browser(ServiceProcesses.findRepoRoot())) {
            org.openqa.selenium.WebDriver d = browser.driver;
            org.openqa.selenium.support.ui.WebDriverWait wait = new org.openqa.selenium.support.ui.WebDriverWait(d, Duration.ofSeconds(30));
            java.util.function.Function<String, org.openqa.selenium.WebElement> byId = id -> d.findElement(org.openqa.selenium.By.id(id));
            d.get(services.orchestratorUrl() + "/");
            // sign in with the operator's token; the live stream connects
            wait.until(x -> byId.apply("token").isDisplayed());
            byId.apply("token").sendKeys(operatorToken);
            d.findElement(org.openqa.selenium.By.cssSelector("#signin button[type=submit]")).click();
            wait.until(x -> byId.apply("live").getText().equals("live"));
            assertTrue(byId.apply("who").getText().contains(OPERATOR), byId.apply("who").getText());
            browser.screenshot("01-refreshes");

            // the start form: the anonymizers of the source's policy, ticked
            d.findElement(org.openqa.selenium.By.linkText("Start a refresh")).click();
            wait.until(x -> !d.findElements(org.openqa.selenium.By.cssSelector("input.rule")).isEmpty());
            new org.openqa.selenium.support.ui.Select(byId.apply("s-source")).selectByVisibleText("production");
            new org.openqa.selenium.support.ui.Select(byId.apply("s-target")).selectByVisibleText("staging");
            // the list is drawn for the source chosen (an earlier choice's answer arriving late is not drawn)
            wait.until(x -> d.findElements(org.openqa.selenium.By.cssSelector("#s-rules[data-source='production'] input.rule")).stream()
                    .anyMatch(c -> "public.users.email".equals(c.getAttribute("value"))));

            // unticking an anonymizer asks for the typed acknowledgement; without it the server refuses
            org.openqa.selenium.WebElement rule = d.findElements(org.openqa.selenium.By.cssSelector("input.rule")).get(0);
            rule.click();
            assertTrue(byId.apply("s-risk").isDisplayed(), "the risk acknowledgement appears");
            byId.apply("s-confirm").sendKeys("staging.prod-corp.internal");
            byId.apply("start").submit();
            wait.until(x -> byId.apply("s-error").getText().contains("risk-not-acknowledged"));
            rule.click();

            // a wrong hostname is refused and says why; nothing starts
            int before = get("/api/refreshes?limit=500").size();
            byId.apply("s-confirm").clear();
            byId.apply("s-confirm").sendKeys("staging.wrong.internal");
            byId.apply("start").submit();
            wait.until(x -> byId.apply("s-error").getText().contains("confirmation-mismatch"));
            assertTrue(byId.apply("s-error").getText().contains("type the target's hostname"), byId.apply("s-error").getText());
            browser.screenshot("02-refused-wrong-hostname");
            assertEquals(before, get("/api/refreshes?limit=500").size(), "a refused form starts nothing");

            // the right hostname: the refresh starts and its page follows it live to SUCCEEDED, no reload
            byId.apply("s-confirm").clear();
            byId.apply("s-confirm").sendKeys("staging.prod-corp.internal");
            byId.apply("start").submit();
            wait.until(x -> x.getCurrentUrl().contains("#/refreshes/"));
            String id = d.getCurrentUrl().substring(d.getCurrentUrl().indexOf("#/refreshes/") + "#/refreshes/".length());
            browser.screenshot("03-running");
            new org.openqa.selenium.support.ui.WebDriverWait(d, Duration.ofMinutes(3))
                    .until(x -> byId.apply("d-head").getText().contains("succeeded"));
            assertEquals("SUCCEEDED", get("/api/refreshes/" + id).get("status").asText());
            String users = Db.one(stack.jdbcUrl("staging"), "select count(*) from users");
            String shown = String.format(java.util.Locale.US, "%,d", Long.parseLong(users));
            // the page redraws on every pushed change (the refresh's data is shredded after it ends): read the row again
            // until it shows the four counts, whatever redraw happens in between
            String[] last = {""};
            try {
                wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class).until(x -> {
                    last[0] = x.findElements(org.openqa.selenium.By.cssSelector("#d-tables tbody tr")).stream()
                            .map(org.openqa.selenium.WebElement::getText).filter(t -> t.startsWith("public.users")).findFirst().orElse("");
                    return last[0].replaceAll("about [0-9,]+ rows", "").split(java.util.regex.Pattern.quote(shown), -1).length - 1 == 4;
                });
            } catch (org.openqa.selenium.TimeoutException e) {
                throw new AssertionError("the users row shows " + shown + " rows exported, anonymized, staged and imported: " + last[0], e);
            }
            String row = last[0];
            assertTrue(byId.apply("d-facts").getText().contains("0 hits"), "the leak audit's counts are shown");
            // the source's row estimate (its statistics) is what the bars are drawn against
            long estimate = get("/api/refreshes/" + id).get("tables").get("public.users").get("estimate").asLong();
            long actual = Long.parseLong(Db.one(stack.jdbcUrl("production"), "select count(*) from users"));
            assertTrue(Math.abs(estimate - actual) <= actual / 10, "estimate " + estimate + " for " + actual + " rows");
            assertTrue(row.contains("about " + String.format(java.util.Locale.US, "%,d", estimate) + " rows"), row);
            assertEquals("polite", byId.apply("announce").getAttribute("aria-live"));
            browser.screenshot("04-succeeded");

            // back in the list, the refresh is a real link (keyboard reachable) with its status
            d.findElement(org.openqa.selenium.By.linkText("Refreshes")).click();
            String listed = wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class).until(x -> x.findElements(
                    org.openqa.selenium.By.cssSelector("#rows a[href='#/refreshes/" + id + "']")).stream()
                    .filter(a -> a.getTagName().equals("a"))
                    .map(a -> a.findElement(org.openqa.selenium.By.xpath("./ancestor::tr")).getText())
                    .filter(t -> t.contains("succeeded")).findFirst().orElse(null));
            assertTrue(listed.contains("production → staging"), listed);
            browser.screenshot("05-list");
        }
    }

    // ---- schedules ----

    @Test
    @Order(30)
    void shouldRunAScheduleOnlyWhileItIsResumedAndShowItsLastRun() throws Exception {
        JsonNode before = get("/api/schedules").get(0);
        assertEquals("e2e-every-5s", before.get("name").asText());
        assertTrue(before.get("paused").asBoolean(), "created paused by the configuration: " + before);
        assertTrue(get("/api/refreshes?target=staging-sched&limit=500").findValuesAsText("requestedBy").stream()
                .noneMatch(r -> r.startsWith("schedule:")), "a paused schedule never fired");

        String[] resumed = cli("schedules", "resume", "e2e-every-5s");
        assertEquals("0", resumed[0], resumed[2]);
        assertTrue(resumed[1].contains("e2e-every-5s") && resumed[1].contains("active"), resumed[1]);
        // it fires at its next time, as schedule:e2e-every-5s, and the refresh succeeds
        Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500)).until(() -> {
            for (JsonNode r : get("/api/refreshes?target=staging-sched&status=SUCCEEDED&limit=50")) {
                if (r.get("requestedBy").asText().equals("schedule:e2e-every-5s")) {
                    return true;
                }
            }
            return false;
        });
        String[] paused = cli("schedules", "pause", "e2e-every-5s");
        assertEquals("0", paused[0], paused[2]);
        JsonNode after = get("/api/schedules").get(0);
        assertTrue(after.get("paused").asBoolean());
        assertEquals(OPERATOR, after.get("pausedBy").asText());
        assertTrue(after.hasNonNull("lastRunAt") && after.hasNonNull("lastOutcome"), after.toString());
        assertTrue(get("/api/audit?limit=1000").findValuesAsText("action").containsAll(List.of("scheduled-start",
                "schedule-pause", "schedule-resume")), "starts, pauses and resumes are in the audit log");
        // a schedule that does not exist, or a bad name, says so
        String[] unknown = cli("schedules", "pause", "no-such-schedule");
        assertEquals("3", unknown[0]);
        assertTrue(unknown[2].contains("unknown-schedule"), unknown[2]);
        // wait for whatever the schedule started to end, so the target is free for anything after this test
        Awaitility.await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                .until(() -> get("/api/refreshes?target=staging-sched&status=RUNNING").isEmpty()
                        && get("/api/refreshes?target=staging-sched&status=COMPENSATING").isEmpty());
    }

    // ---- post-refresh hooks ----

    @Test
    @Order(32)
    void shouldUndoARefreshWithMediaPuttingTheBucketBackWithTheDatabase() throws Exception {
        String stg = stack.jdbcUrl("staging");
        // production's bucket moved on (a changed object, a new one); staging holds objects only it has (prune: 2 of 600+)
        putObject("production-media", DemoData.objectKey(1), "changed in production");
        putObject("production-media", "media/undo-new.txt", "new in production");
        putObject("staging-media", "stale/undo-only-staging-1.txt", "only in staging");
        Map<String, String> bucketBefore = bucket("staging-media");
        Map<String, String> dbBefore = Db.fingerprint(stg);
        JsonNode r = refresh("{\"source\":\"production\",\"target\":\"staging\",\"confirmTarget\":\"staging.prod-corp.internal\","
                + "\"media\":true,\"allowMediaDeletes\":true}");
        assertEquals("SUCCEEDED", r.get("status").asText(), r.toPrettyString());
        assertEquals(bucket("production-media"), bucket("staging-media"), "the refresh mirrored the bucket");
        assertTrue(r.get("mediaStats").get("pruned").asLong() >= 1, r.get("mediaStats").toString());
        String id = r.get("id").asText();

        HttpResponse<String> undo = post("/api/refreshes/" + id + "/undo", "{\"confirmTarget\":\"staging.prod-corp.internal\"}");
        assertEquals(202, undo.statusCode(), undo.body());
        Awaitility.await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
                .until(() -> !get("/api/refreshes/" + id).get("status").asText().equals("UNDOING"));
        JsonNode done = get("/api/refreshes/" + id);
        assertEquals("UNDONE", done.get("status").asText(), done.toPrettyString());
        assertEquals("DONE", done.get("undo").get("mediaStatus").asText(), done.get("undo").toString());
        assertEquals(dbBefore, Db.fingerprint(stg), "the database is back");
        assertEquals(bucketBefore, bucket("staging-media"), "and the bucket with it: the same keys, ETags and sizes");
        assertTrue(done.get("undo").get("mediaRemoved").asLong() >= 1 && done.get("undo").get("mediaRestored").asLong() >= 2,
                done.get("undo").toString());
        System.out.printf("e2e media undo: %d objects removed, %d restored%n", done.get("undo").get("mediaRemoved").asLong(),
                done.get("undo").get("mediaRestored").asLong());
    }

    @Test
    @Order(33)
    void shouldRefreshOneCustomersWorldOfPagilaWithEveryForeignKeyIntact() throws Exception {
        String stg = stack.jdbcUrl("pagila_staging");
        HttpResponse<String> preview = post("/api/subsets/preview", "{\"source\":\"pagila-prod\",\"subset\":\"one-customer\"}");
        assertEquals(200, preview.statusCode(), preview.body());
        JsonNode rows = Json.MAPPER.readTree(preview.body()).get("rows");
        assertEquals(1, rows.get("public.customer").asLong());
        JsonNode estimates = Json.MAPPER.readTree(preview.body()).get("sourceEstimates");
        assertTrue(estimates.get("public.customer").asLong() >= 500, "Pagila's customers beside the subset's one: " + estimates);
        long previewTotal = Json.MAPPER.readTree(preview.body()).get("total").asLong();
        // the target has a key the source does not declare (store.manager_staff_id -> staff): a subset without that
        // relation would leave stores pointing at managers it did not bring, and the commit refuses it
        Db.exec(stg, "alter table public.store add constraint store_manager_staff_fk foreign key (manager_staff_id)"
                + " references public.staff (staff_id)");
        Map<String, String> untouched = Db.fingerprint(stg);
        JsonNode refused = refresh("{\"source\":\"pagila-prod\",\"target\":\"pagila-staging\",\"confirmTarget\":\"pagila.staging.internal\","
                + "\"media\":false,\"subset\":\"one-customer-no-managers\"}");
        assertEquals("FAILED", refused.get("status").asText(), refused.toPrettyString());
        assertTrue(refused.toString().contains("would leave references dangling") && refused.toString().contains("store_manager_staff_fk"),
                refused.toString());
        assertEquals(untouched, Db.fingerprint(stg), "the refused commit left the target as it was");
        String[] cliPreview = cli("subset", "preview", "pagila-prod", "one-customer");
        assertEquals("0", cliPreview[0], cliPreview[2]);
        assertTrue(cliPreview[1].contains(String.format("%,d rows", previewTotal)) && cliPreview[1].contains("public.customer"),
                cliPreview[1]);
        long start = System.nanoTime();
        JsonNode r = refresh("{\"source\":\"pagila-prod\",\"target\":\"pagila-staging\",\"confirmTarget\":\"pagila.staging.internal\","
                + "\"media\":false,\"subset\":\"one-customer\"}");
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals("SUCCEEDED", r.get("status").asText(), r.toPrettyString());
        assertEquals("one-customer", r.get("subset").asText());
        // every table of the target holds exactly the preview's rows (none where the subset has none)
        List<String> differing = new ArrayList<>();
        long total = 0;
        for (String t : Db.column(stg, "select n.nspname || '.' || c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                + " where c.relkind = 'r' and n.nspname = 'public' order by 1")) {
            long got = Long.parseLong(Db.one(stg, "select count(*) from only " + t));
            long expected = rows.has(t) ? rows.get(t).asLong() : 0;
            total += got;
            if (got != expected) {
                differing.add(t + ": " + got + " in the target, " + expected + " in the preview");
            }
        }
        assertEquals(List.of(), differing);
        // no reference dangles: every foreign key of the target holds
        List<String> dangling = new ArrayList<>();
        for (String fk : Db.column(stg, "select conrelid::regclass || '|' || confrelid::regclass || '|' || pg_get_constraintdef(oid)"
                + " from pg_constraint where contype = 'f' and connamespace = 'public'::regnamespace")) {
            String[] p = fk.split("\\|", 3);
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("FOREIGN KEY \\(([^)]*)\\) REFERENCES [^(]*\\(([^)]*)\\)").matcher(p[2]);
            assertTrue(m.find(), p[2]);
            String[] cc = m.group(1).split(", ");
            String[] pc = m.group(2).split(", ");
            List<String> on = new ArrayList<>();
            List<String> notNull = new ArrayList<>();
            for (int i = 0; i < cc.length; i++) {
                on.add("p." + pc[i] + " = ch." + cc[i]);
                notNull.add("ch." + cc[i] + " is not null");
            }
            String n = Db.one(stg, "select count(*) from " + p[0] + " ch where " + String.join(" and ", notNull)
                    + " and not exists (select 1 from " + p[1] + " p where " + String.join(" and ", on) + ")");
            if (!n.equals("0")) {
                dangling.add(n + " rows of " + p[0] + " (" + p[2] + ")");
            }
        }
        assertEquals(List.of(), dangling, "dangling references in the target");
        // sequences past the source's maximum, not only past the rows copied
        String prod = stack.jdbcUrl("pagila_prod");
        for (String[] t : new String[][]{{"rental", "rental_id"}, {"customer", "customer_id"}, {"payment", "payment_id"}, {"film", "film_id"}}) {
            long sourceMax = Long.parseLong(Db.one(prod, "select max(" + t[1] + ") from " + t[0]));
            // Pagila's sequences are not OWNED BY their columns (pg_get_serial_sequence knows none): named as the schema names them
            long next = Long.parseLong(Db.one(stg, "select nextval('public." + t[0] + "_" + t[1] + "_seq')"));
            assertTrue(next > sourceMax, t[0] + ": the next id " + next + " is past the source's " + sourceMax);
        }
        System.out.printf("e2e subset one-customer of Pagila: %d rows in %.2f s (preview %s ms)%n", total, seconds,
                Json.MAPPER.readTree(preview.body()).get("millis").asText());
    }

    @Test
    @Order(31)
    void shouldRollTheCommitBackWhenAnInCommitHookFailsAndReportEveryHookWhenTheyRun() throws Exception {
        String stg = stack.jdbcUrl("staging_hooked");
        Map<String, String> before = Db.fingerprint(stg);
        // the in-commit hook writes into a table the target does not have yet: it fails, the commit rolls back
        JsonNode failed = refresh(request("production", "staging-hooked", "hooked.prod-corp.internal", false));
        assertEquals("FAILED", failed.get("status").asText(), failed.toPrettyString());
        assertTrue(failed.get("error").asText().contains("in-commit hook 'log-refresh' failed (SQLSTATE 42P01)"), failed.get("error").asText());
        assertEquals(before, Db.fingerprint(stg), "the target keeps its previous data");
        assertTrue(hookCalls.isEmpty(), "no after-commit hook runs for a commit that rolled back: " + hookCalls);

        // with the table there, both run: the SQL inside the commit, the HTTP call after it
        Db.exec(stg, "create table hook_log (refresh_id text not null, at timestamptz not null default now())");
        JsonNode ok = refresh(request("production", "staging-hooked", "hooked.prod-corp.internal", false));
        String id = ok.get("id").asText();
        assertEquals("SUCCEEDED", ok.get("status").asText(), ok.toPrettyString());
        assertEquals(id, Db.one(stg, "select string_agg(refresh_id, ',') from hook_log"), "the in-commit hook saw this refresh");
        assertEquals(1, hookCalls.size(), hookCalls.toString());
        String call = hookCalls.get(0);
        assertTrue(call.startsWith("POST Bearer " + HOOK_TOKEN + " ") && call.contains("\"refreshId\":\"" + id + "\"")
                && call.contains("\"target\":\"staging-hooked\""), call);
        List<String> reported = new ArrayList<>();
        ok.get("hooks").forEach(h -> reported.add(h.get("name").asText() + " " + h.get("when").asText() + " "
                + h.get("ok").asBoolean() + " " + h.get("detail").asText()));
        assertEquals(List.of("log-refresh in-commit true 1 rows", "flush-cache after-commit true HTTP 204"), reported);
        String[] status = cli("status", id);
        assertTrue(status[1].contains("hook flush-cache (after-commit): ok, HTTP 204"), status[1]);
        for (String service : List.of("import-service", "orchestrator")) {
            assertFalse(Files.readString(services.logDir().resolve(service + ".log")).contains(HOOK_TOKEN),
                    service + " never logs a hook's header");
        }
    }
}
