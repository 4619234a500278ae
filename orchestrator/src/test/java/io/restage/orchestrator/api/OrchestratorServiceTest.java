package io.restage.orchestrator.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restage.common.Json;
import io.restage.common.Topics;
import io.restage.common.messages.AnonymizerReply;
import io.restage.common.messages.Command;
import io.restage.common.messages.Event;
import io.restage.common.messages.ExportReply;
import io.restage.common.messages.ImportReply;
import io.restage.common.messages.MediaReply;
import io.restage.common.messages.MessageCodec;
import io.restage.common.messages.RefreshRequested;
import io.restage.common.messages.TableCount;
import io.restage.common.security.LocalTokens;
import io.restage.stack.testing.KafkaProbe;
import io.restage.stack.testing.StackTestResource;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(StackTestResource.class)
class OrchestratorServiceTest {
    private static final String OK = "{\"source\":\"production\",\"target\":\"staging\",\"confirmTarget\":\"staging.example.com\"}";

    @TestHTTPResource("/")
    URL base;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final java.util.concurrent.atomic.AtomicInteger CALLERS = new java.util.concurrent.atomic.AtomicInteger();

    /** A token signed with the tests' key for this email and groups, valid for {@code lifetime}. */
    static String token(String email, Duration lifetime, String... groups) throws Exception {
        return LocalTokens.mint(LocalTokens.readPrivateKey(StackTestResource.signingKey()),
                LocalTokens.Claims.staff(email, List.of(groups), lifetime));
    }

    static String operator() throws Exception {
        return token(StackTestResource.OPERATOR, Duration.ofHours(1), "operator");
    }

    /** As an operator of its own (platform-team, staging-team), so the per-identity start limit never trips a test. */
    private HttpResponse<String> post(String path, String body) throws Exception {
        return post(path, body, token("op-" + CALLERS.incrementAndGet() + "@restage.example", Duration.ofHours(1),
                "platform-team", "operator", "staging-team"), "application/json");
    }

    private HttpResponse<String> post(String path, String body, String token, String contentType) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path.substring(1)))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                // an oversized body is refused from its Content-Length: wait for that answer instead of writing into a
                // connection the server is closing (which would surface as a reset instead of the 413)
                .expectContinue(body.length() > 64 * 1024);
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> getRaw(String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path.substring(1))).timeout(Duration.ofSeconds(30));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = getRaw(path, token(StackTestResource.VIEWER, Duration.ofHours(1), "viewer"));
        assertEquals(200, r.statusCode(), r.body());
        return Json.MAPPER.readTree(r.body());
    }

    private void refused(String body, int status, String error, String inMessage) throws Exception {
        int before = get("/api/refreshes").size();
        HttpResponse<String> r = post("/api/refreshes", body);
        assertEquals(status, r.statusCode(), r.body());
        JsonNode json = Json.MAPPER.readTree(r.body());
        assertEquals(error, json.get("error").asText(), r.body());
        assertTrue(json.get("message").asText().contains(inMessage), r.body());
        assertEquals(before, get("/api/refreshes").size(), "a refused request starts nothing");
    }

    @Test
    void shouldRefuseUnsafeRequestsWithAClearErrorAndStartNothing() throws Exception {
        refused("{not json", 400, "malformed-request", "not valid JSON");
        refused("{\"source\":\"production\"}", 400, "malformed-request", "'target' is required");
        refused(OK.replace("\"staging\",", "\"qa\","), 404, "unknown-environment", "'qa'");
        refused(OK.replace("\"target\":\"staging\"", "\"target\":\"production\""), 403, "target-is-source", "both 'production'");
        refused("{\"source\":\"staging\",\"target\":\"production\",\"confirmTarget\":\"db.prod.example.com\"}", 403,
                "import-not-allowed", "allow-import=false");
        refused(OK.replace("staging.example.com", "staging"), 422, "confirmation-mismatch", "hostname");
        refused(OK.replace("}", ",\"skipAnonymizers\":[\"email\"]}"), 422, "risk-not-acknowledged", "I_UNDERSTAND_THE_PII_RISK");
        refused(OK.replace("}", ",\"skipAnonymizers\":[\"email\"],\"riskAcknowledgement\":\"yes\"}"), 422, "risk-not-acknowledged", "exactly");
        refused(OK.replace("}", ",\"skipAnonymizers\":[\"shoe-size\"],\"riskAcknowledgement\":\"I_UNDERSTAND_THE_PII_RISK\"}"), 422,
                "unknown-anonymizer", "shoe-size");
    }

    @Test
    void shouldDriveARefreshThroughEveryStepFromTheParticipantsReplies() throws Exception {
        assertEquals(401, getRaw("/api/events", null).statusCode(), "the live stream needs a token");
        try (SseProbe live = new SseProbe(URI.create(base + "api/events"), token("viewer@restage.example", Duration.ofHours(1), "viewer"))) {
            String id = driveARefresh();
            // every change reached the stream as it was committed, the last one SUCCEEDED, without anyone polling
            Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> live.statusesOf(id).contains("SUCCEEDED"));
            List<String> seen = live.statusesOf(id);
            assertEquals("RUNNING", seen.get(0), seen.toString());
            assertEquals(List.of("RUNNING", "SUCCEEDED"), seen);
            long changes = live.events.stream().filter(e -> e.contains("\"id\":\"" + id + "\"")).count();
            assertTrue(changes >= 4, "the steps' changes were pushed as they happened (" + changes + " events)");
            assertTrue(live.events.stream().allMatch(e -> e.startsWith("refresh|")), "only refresh events: " + live.events);
        }
    }

    /**
     * The OpenAPI document against the routes themselves (found by reflection on the resource classes): every route is
     * in it and nothing else; every request body and every answer has a typed schema (no opaque string), every error
     * answer is an ApiError, and every route documents 401 and 403.
     */
    @Test
    void shouldDescribeEveryRouteWithTypedBodiesAndEveryErrorAnswer() throws Exception {
        java.util.Set<String> routes = new java.util.TreeSet<>();
        for (Class<?> c : List.of(RefreshResource.class, RefreshResource.EnvironmentsResource.class, PolicyResource.class,
                io.restage.orchestrator.audit.AuditResource.class, io.restage.orchestrator.live.LiveResource.class,
                io.restage.orchestrator.schedule.ScheduleResource.class, SubsetResource.class)) {
            String base = c.getAnnotation(jakarta.ws.rs.Path.class).value();
            for (java.lang.reflect.Method m : c.getDeclaredMethods()) {
                String verb = m.isAnnotationPresent(jakarta.ws.rs.GET.class) ? "get" : m.isAnnotationPresent(jakarta.ws.rs.POST.class) ? "post" : null;
                if (verb != null) {
                    jakarta.ws.rs.Path p = m.getAnnotation(jakarta.ws.rs.Path.class);
                    routes.add(verb + " " + base + (p == null ? "" : "/" + p.value()));
                }
            }
        }
        HttpResponse<String> res = getRaw("/q/openapi?format=json", operator());
        assertEquals(200, res.statusCode());
        JsonNode doc = Json.MAPPER.readTree(res.body());
        java.util.Set<String> documented = new java.util.TreeSet<>();
        doc.get("paths").fields().forEachRemaining(p -> p.getValue().fieldNames().forEachRemaining(verb -> {
            if (List.of("get", "post", "put", "delete", "patch").contains(verb)) {
                documented.add(verb + " " + p.getKey());
            }
        }));
        assertEquals(routes, documented, "the document describes exactly the routes there are");
        for (String route : routes) {
            String[] vp = route.split(" ", 2);
            JsonNode op = doc.get("paths").get(vp[1]).get(vp[0]);
            JsonNode responses = op.get("responses");
            assertTrue(responses.has("401") && responses.has("403"), route + ": 401 and 403 documented");
            boolean success = false;
            for (java.util.Iterator<java.util.Map.Entry<String, JsonNode>> it = responses.fields(); it.hasNext(); ) {
                var r = it.next();
                JsonNode schema = r.getValue().path("content").elements().hasNext()
                        ? r.getValue().path("content").elements().next().path("schema") : null;
                assertNotNull(schema, route + " " + r.getKey() + ": answers with a body of a declared type");
                String ref = schema.has("$ref") ? schema.get("$ref").asText() : schema.path("items").path("$ref").asText("");
                assertTrue(ref.startsWith("#/components/schemas/"), route + " " + r.getKey() + ": a typed schema, not " + schema);
                if (r.getKey().startsWith("2")) {
                    success = true;
                } else {
                    assertEquals("#/components/schemas/ApiError", ref, route + " " + r.getKey() + ": errors are ApiError");
                }
            }
            assertTrue(success, route + ": its success answer is documented");
            if (vp[0].equals("post")) {
                JsonNode schema = op.path("requestBody").path("content").path("application/json").path("schema");
                assertTrue(schema.path("$ref").asText("").startsWith("#/components/schemas/"), route + ": a typed request body, not " + schema);
            }
        }
        JsonNode request = doc.get("components").get("schemas").get("RefreshRequest").get("properties");
        for (String f : List.of("source", "target", "confirmTarget", "skipAnonymizers", "riskAcknowledgement", "media")) {
            assertTrue(request.has(f), "RefreshRequest documents " + f);
        }
    }

    @Test
    void shouldOwnTheStateSchemaThroughVersionedMigrations() throws Exception {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(StackTestResource.stack().jdbcUrl("restage"), "postgres", "");
             java.sql.Statement st = c.createStatement()) {
            try (java.sql.ResultSet rs = st.executeQuery("select success from flyway_schema_history where version = '1'")) {
                assertTrue(rs.next() && rs.getBoolean(1), "V1 applied by Flyway at start");
            }
            try (java.sql.ResultSet rs = st.executeQuery("select count(*) from pg_indexes where indexname = 'refresh_one_active_per_target_v2'")) {
                assertTrue(rs.next() && rs.getInt(1) == 1, "one active refresh per target, enforced by the database");
            }
            java.sql.SQLException refused = org.junit.jupiter.api.Assertions.assertThrows(java.sql.SQLException.class,
                    () -> st.executeUpdate("delete from audit_log"));
            assertTrue(refused.getMessage().contains("append-only"), refused.getMessage());
        }
    }

    /** Reads a server-sent-event stream on a thread of its own: one "name|data" entry per event. */
    static final class SseProbe implements AutoCloseable {
        final List<String> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final java.io.InputStream in;

        SseProbe(URI uri, String token) throws Exception {
            HttpResponse<java.io.InputStream> res = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri)
                    .header("Authorization", "Bearer " + token).header("Accept", "text/event-stream").build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, res.statusCode());
            assertTrue(res.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"), res.headers().toString());
            in = res.body();
            Thread t = new Thread(() -> {
                try (java.io.BufferedReader r = new java.io.BufferedReader(new java.io.InputStreamReader(in, java.nio.charset.StandardCharsets.UTF_8))) {
                    String name = null;
                    StringBuilder data = new StringBuilder();
                    for (String line; (line = r.readLine()) != null; ) {
                        if (line.isEmpty()) {
                            if (name != null || data.length() > 0) {
                                events.add((name == null ? "message" : name) + "|" + data);
                            }
                            name = null;
                            data.setLength(0);
                        } else if (line.startsWith("event:")) {
                            name = line.substring(6).trim();
                        } else if (line.startsWith("data:")) {
                            data.append(line.substring(5).trim());
                        }
                    }
                } catch (java.io.IOException e) {
                    // closed by the test
                }
            }, "sse-probe");
            t.setDaemon(true);
            t.start();
        }

        List<String> statusesOf(String id) throws Exception {
            List<String> out = new java.util.ArrayList<>();
            for (String e : events) {
                JsonNode r = Json.MAPPER.readTree(e.substring(e.indexOf('|') + 1));
                if (id.equals(r.path("id").asText()) && (out.isEmpty() || !out.get(out.size() - 1).equals(r.get("status").asText()))) {
                    out.add(r.get("status").asText());
                }
            }
            return out;
        }

        @Override
        public void close() throws Exception {
            in.close();
        }
    }

    private String driveARefresh() throws Exception {
        HttpResponse<String> created = post("/api/refreshes", OK.replace("}", ",\"skipAnonymizers\":[\"public.users.full_name\"],"
                + "\"riskAcknowledgement\":\"I_UNDERSTAND_THE_PII_RISK\"}"), operator(), "application/json");
        assertEquals(202, created.statusCode(), created.body());
        String id = Json.MAPPER.readTree(created.body()).get("id").asText();
        assertTrue(created.headers().firstValue("Location").orElseThrow().endsWith("/api/refreshes/" + id));

        HttpResponse<String> busy = post("/api/refreshes", OK);
        assertEquals(409, busy.statusCode(), "one refresh per target at a time: " + busy.body());

        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            List<ConsumerRecord<String, byte[]>> requested = kafka.readUntil(Topics.REFRESH_REQUESTED.name(),
                    rs -> rs.stream().anyMatch(r -> id.equals(r.key())), Duration.ofSeconds(30));
            RefreshRequested rr = MessageCodec.decode(KafkaProbe.text(requested.stream().filter(r -> id.equals(r.key()))
                    .findFirst().orElseThrow()), RefreshRequested.class);
            assertEquals(List.of("public.users.full_name"), rr.skipAnonymizers());
            assertTrue(!KafkaProbe.text(requested.get(0)).contains("password"), "no credentials on the wire");

            // forged: an unsigned failure and one signed with another key, written straight to the topic
            ImportReply.StagingFailed forged = new ImportReply.StagingFailed(UUID.randomUUID().toString(), id, Instant.now(), "forged");
            kafka.send(Topics.REFRESH_EVENTS.name(), id, MessageCodec.encode(forged));
            kafka.sendSigned(Topics.REFRESH_EVENTS.name(), forged, "not-the-deployment-key-0123456789abcdef0123");
            reply(kafka, new ExportReply.PolicyValidated(UUID.randomUUID().toString(), id, Instant.now(), 1, 3, 7));
            reply(kafka, new ExportReply.ExportStarted(UUID.randomUUID().toString(), id, Instant.now(), List.of("public.users"), 1));
            reply(kafka, new AnonymizerReply.TableAnonymized(UUID.randomUUID().toString(), id, Instant.now(), "public.users", 7,
                    List.of("public.users.email:email"), List.of("public.users.full_name:person-name"), 1));
            ExportReply.ExportCompleted exported = new ExportReply.ExportCompleted(UUID.randomUUID().toString(), id, Instant.now(),
                    List.of(new TableCount("public.users", 7)), List.of(), 1);
            reply(kafka, exported);
            reply(kafka, exported); // redelivered: changes nothing
            reply(kafka, new ImportReply.StagingCompleted(UUID.randomUUID().toString(), id, Instant.now(),
                    List.of(new TableCount("public.users", 7)), List.of(), List.of("public.extra"), List.of(), List.of(), List.of(),
                    new ImportReply.LeakAudit(7, 1, 7, List.of())));
            awaitCommand(kafka, id, Command.CopyMedia.class);
            reply(kafka, new MediaReply.MediaCopied(UUID.randomUUID().toString(), id, Instant.now(), 3, 1, 1, 30));
            Command.CommitImport commit = awaitCommand(kafka, id, Command.CommitImport.class);
            assertEquals(List.of("public.users.full_name:person-name"), commit.skippedAnonymizers());
            reply(kafka, new ImportReply.ImportCommitted(UUID.randomUUID().toString(), id, Instant.now(), List.of(new TableCount("public.users", 7))));
            awaitCommand(kafka, id, Command.PruneMedia.class);
            reply(kafka, new MediaReply.MediaPruned(UUID.randomUUID().toString(), id, Instant.now(), 2));
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> get("/api/refreshes/" + id).get("status").asText().equals("SUCCEEDED"));
        JsonNode r = get("/api/refreshes/" + id);
        assertEquals(7, r.get("tables").get("public.users").get("imported").asLong());
        assertEquals(7, r.get("tables").get("public.users").get("exported").asLong());
        assertEquals("public.extra", r.get("missingTables").get(0).asText());
        assertEquals("public.users.full_name:person-name", r.get("anonymizersSkipped").get(0).asText());
        assertEquals(StackTestResource.OPERATOR, r.get("requestedBy").asText(), "the token's identity, never a header");
        assertEquals(id, get("/api/refreshes").get(0).get("id").asText(), "newest first");
        assertEquals(409, post("/api/refreshes/" + id + "/cancel", "{}").statusCode(), "a finished refresh cannot be cancelled");
        assertEquals(401, getRaw("/q/openapi", null).statusCode(), "the API description needs a token too");
        assertEquals(200, getRaw("/q/openapi", operator()).statusCode());
        assertTrue(http.send(HttpRequest.newBuilder(URI.create(base.toString())).build(), HttpResponse.BodyHandlers.ofString())
                .body().contains("restage dashboard"));
        // the forged replies changed nothing and are in the audit log, attributed to the broker, never to a person
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            int n = 0;
            for (JsonNode a : get("/api/audit?limit=1000")) {
                if (a.get("action").asText().equals("message-refused") && id.equals(a.path("refreshId").asText())) {
                    n++;
                }
            }
            return n == 2;
        });
        assertEquals("DONE", r.get("steps").get("STAGE").get("status").asText());
        return id;
    }

    /** One hostile or bad request: who sends it, what, and what it must get. */
    private record Hostile(String name, String token, String path, String contentType, String body, int status, String error) {
    }

    @Test
    void thePolicyDryRunRefusesBadAndHostileRequestsAndWritesNothing() throws Exception {
        String viewer = token(StackTestResource.VIEWER, Duration.ofHours(1), "viewer");
        String j = "application/json";
        List<Hostile> table = List.of(
                new Hostile("no token", null, "/api/policies/check", j, "{\"source\":\"production\",\"suggest\":true}", 401, "unauthenticated"),
                new Hostile("not staff", token("mallory@elsewhere.example", Duration.ofHours(1), "viewer"), "/api/policies/check", j,
                        "{\"source\":\"production\",\"suggest\":true}", 403, "not-staff"),
                new Hostile("malformed JSON", viewer, "/api/policies/check", j, "{\"source\":", 400, "malformed-request"),
                new Hostile("suggest not a boolean", viewer, "/api/policies/check", j,
                        "{\"source\":\"production\",\"suggest\":\"yes\"}", 400, "invalid-field"),
                new Hostile("no source", viewer, "/api/policies/check", j, "{\"suggest\":true}", 400, "missing-field"),
                new Hostile("SQL in the source name", viewer, "/api/policies/check", j,
                        "{\"source\":\"prod'; drop table users; --\",\"suggest\":true}", 400, "malformed-request"),
                new Hostile("unknown source", viewer, "/api/policies/check", j,
                        "{\"source\":\"nowhere\",\"suggest\":true}", 404, "unknown-environment"),
                new Hostile("text/plain body", viewer, "/api/policies/check", "text/plain", "{\"source\":\"production\"}", 415, null),
                new Hostile("1 MB body", viewer, "/api/policies/check", j,
                        "{\"source\":\"production\",\"x\":\"" + "a".repeat(1 << 20) + "\"}", 413, null),
                // the subset preview, the other dry run that reads a source
                new Hostile("preview: no token", null, "/api/subsets/preview", j, "{\"source\":\"production\",\"subset\":\"x\"}", 401, "unauthenticated"),
                new Hostile("preview: no subset", viewer, "/api/subsets/preview", j, "{\"source\":\"production\"}", 400, "missing-field"),
                new Hostile("preview: SQL in the subset name", viewer, "/api/subsets/preview", j,
                        "{\"source\":\"production\",\"subset\":\"x'; drop table users; --\"}", 400, "malformed-request"),
                new Hostile("preview: unknown subset", viewer, "/api/subsets/preview", j,
                        "{\"source\":\"production\",\"subset\":\"nothing\"}", 404, "unknown-subset"),
                new Hostile("refresh: unknown subset", operator(), "/api/refreshes", j,
                        "{\"source\":\"production\",\"target\":\"staging\",\"confirmTarget\":\"staging.example.com\",\"subset\":\"nothing\"}",
                        404, "unknown-subset"),
                new Hostile("preview: text/plain body", viewer, "/api/subsets/preview", "text/plain", "{}", 415, null),
                new Hostile("refresh: subset not a name", operator(), "/api/refreshes", j,
                        "{\"source\":\"production\",\"target\":\"staging\",\"confirmTarget\":\"staging.example.com\",\"subset\":42}",
                        400, "malformed-request"),
                new Hostile("refresh: allowMediaDeletes not a boolean", operator(), "/api/refreshes", j,
                        "{\"source\":\"production\",\"target\":\"staging\",\"confirmTarget\":\"staging.example.com\",\"allowMediaDeletes\":\"yes\"}",
                        400, "malformed-request"));
        int refreshesBefore = get("/api/refreshes").size();
        for (Hostile h : table) {
            HttpResponse<String> r = post(h.path(), h.body(), h.token(), h.contentType());
            assertEquals(h.status(), r.statusCode(), h.name() + ": " + r.body());
            if (h.error() != null) {
                assertEquals(h.error(), Json.MAPPER.readTree(r.body()).get("error").asText(), h.name() + ": " + r.body());
            }
            assertTrue(!r.body().contains("drop table") && !r.body().contains("draft"), h.name() + ": " + r.body());
        }
        assertEquals(refreshesBefore, get("/api/refreshes").size(), "a dry run starts nothing");
    }

    @Test
    void theSchedulesRulesAndLiveRoutesRefuseBadAndHostileRequests() throws Exception {
        String viewer = token(StackTestResource.VIEWER, Duration.ofHours(1), "viewer");
        String stranger = token("mallory@elsewhere.example", Duration.ofHours(1), "operator");
        String j = "application/json";
        // reads
        assertEquals(401, getRaw("/api/schedules", null).statusCode());
        assertEquals(403, getRaw("/api/schedules", stranger).statusCode());
        assertEquals(403, getRaw("/api/events", stranger).statusCode());
        assertEquals(401, getRaw("/api/policies/production/rules", null).statusCode());
        HttpResponse<String> badName = getRaw("/api/policies/prod'x/rules".replace("'", "%27"), viewer);
        assertEquals(400, badName.statusCode(), badName.body());
        assertFalse(badName.body().contains("prod'x"), "a bad name is never echoed: " + badName.body());
        assertEquals(404, getRaw("/api/policies/nowhere/rules", viewer).statusCode());
        JsonNode rules = Json.MAPPER.readTree(getRaw("/api/policies/production/rules", viewer).body());
        assertTrue(rules.isArray() && rules.size() > 0 && rules.get(0).has("id") && rules.get(0).has("transformer"), rules.toString());
        // changes
        List<Hostile> table = List.of(
                new Hostile("no token", null, "/api/schedules/nightly/pause", j, "{}", 401, "unauthenticated"),
                new Hostile("not staff", stranger, "/api/schedules/nightly/pause", j, "{}", 403, "not-staff"),
                new Hostile("viewer pauses", viewer, "/api/schedules/nightly/pause", j, "{}", 403, "role-required"),
                new Hostile("text/plain body", operator(), "/api/schedules/nightly/resume", "text/plain", "{}", 415, null),
                new Hostile("unknown schedule", operator(), "/api/schedules/nightly/pause", j, "{}", 404, "unknown-schedule"),
                new Hostile("1 MB body", operator(), "/api/schedules/nightly/pause", j, "{\"x\":\"" + "a".repeat(1 << 20) + "\"}", 413, null));
        for (Hostile h : table) {
            HttpResponse<String> r = post(h.path(), h.body(), h.token(), h.contentType());
            assertEquals(h.status(), r.statusCode(), h.name() + ": " + r.body());
            if (h.error() != null) {
                assertEquals(h.error(), Json.MAPPER.readTree(r.body()).get("error").asText(), h.name() + ": " + r.body());
            }
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> get("/api/audit?limit=1000").findValuesAsText("outcome")
                .contains("unknown-schedule"));
    }

    @Test
    void shouldAnswerEveryBadOrHostileRequestAsSpecifiedStartNothingAndAuditIt() throws Exception {
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        java.security.PrivateKey stranger = g.generateKeyPair().getPrivate();
        java.security.PrivateKey ours = LocalTokens.readPrivateKey(StackTestResource.signingKey());
        String j = "application/json";
        String ok = OK;
        List<Hostile> table = List.of(
                new Hostile("no token", null, "/api/refreshes", j, ok, 401, "unauthenticated"),
                new Hostile("expired token", LocalTokens.mint(ours, new LocalTokens.Claims("row2@restage.example",
                        "row2@restage.example", List.of("platform-team", "operator", "staging-team"), LocalTokens.ISSUER,
                        LocalTokens.AUDIENCE, Instant.now().minus(Duration.ofHours(3)), Duration.ofHours(1))),
                        "/api/refreshes", j, ok, 401, "unauthenticated"),
                new Hostile("wrongly signed", LocalTokens.mint(stranger, LocalTokens.Claims.staff(StackTestResource.OPERATOR,
                        List.of("operator"), Duration.ofHours(1))), "/api/refreshes", j, ok, 401, "unauthenticated"),
                new Hostile("wrong issuer", LocalTokens.mint(ours, new LocalTokens.Claims(StackTestResource.OPERATOR,
                        StackTestResource.OPERATOR, List.of("operator"), "https://evil.example", LocalTokens.AUDIENCE,
                        Instant.now(), Duration.ofHours(1))), "/api/refreshes", j, ok, 401, "unauthenticated"),
                new Hostile("wrong audience", LocalTokens.mint(ours, new LocalTokens.Claims(StackTestResource.OPERATOR,
                        StackTestResource.OPERATOR, List.of("operator"), LocalTokens.ISSUER, "another-app",
                        Instant.now(), Duration.ofHours(1))), "/api/refreshes", j, ok, 401, "unauthenticated"),
                new Hostile("not staff", token("mallory@elsewhere.example", Duration.ofHours(1), "operator"),
                        "/api/refreshes", j, ok, 403, "not-staff"),
                new Hostile("viewer starts", token(StackTestResource.VIEWER, Duration.ofHours(1), "viewer"),
                        "/api/refreshes", j, ok, 403, "role-required"),
                new Hostile("operator of another target", token(StackTestResource.OTHER_OPERATOR, Duration.ofHours(1), "operator"),
                        "/api/refreshes", j, ok, 403, "target-not-allowed"),
                new Hostile("production as target", row(9), "/api/refreshes", j,
                        "{\"source\":\"staging\",\"target\":\"production\",\"confirmTarget\":\"db.prod.example.com\"}", 403,
                        "import-not-allowed"),
                new Hostile("text/plain body", row(10), "/api/refreshes", "text/plain", ok, 415, null),
                new Hostile("1 MB body", row(11), "/api/refreshes", j, ok.replace("}", ",\"x\":\"" + "a".repeat(1 << 20) + "\"}"), 413, null),
                new Hostile("200,000 skipped anonymizers", row(12), "/api/refreshes", j, ok.replace("}", ",\"skipAnonymizers\":["
                        + String.join(",", java.util.Collections.nCopies(200_000, "\"e\"")) + "]}"), 413, null),
                new Hostile("501 skipped anonymizers", row(13), "/api/refreshes", j, ok.replace("}", ",\"skipAnonymizers\":["
                        + String.join(",", java.util.stream.IntStream.range(0, 501).mapToObj(i -> "\"r" + i + "\"").toList())
                        + "],\"riskAcknowledgement\":\"I_UNDERSTAND_THE_PII_RISK\"}"), 400, "malformed-request"),
                new Hostile("duplicate skipped anonymizer", row(14), "/api/refreshes", j, ok.replace("}", ",\"skipAnonymizers\":"
                        + "[\"email\",\"email\"],\"riskAcknowledgement\":\"I_UNDERSTAND_THE_PII_RISK\"}"), 400, "malformed-request"),
                new Hostile("quote in a name", row(15), "/api/refreshes", j, ok.replace("\"production\"", "\"prod\\\"uction\""), 400,
                        "malformed-request"),
                new Hostile("dot-dot in a name", row(16), "/api/refreshes", j, ok.replace("\"production\"", "\"../production\""), 400,
                        "malformed-request"),
                new Hostile("NUL in a name", row(17), "/api/refreshes", j, ok.replace("\"staging\",", "\"staging\\u0000\","), 400,
                        "malformed-request"),
                new Hostile("SQL in a name", row(18), "/api/refreshes", j, ok.replace("\"production\"",
                        "\"production'; drop table users; --\""), 400, "malformed-request"),
                new Hostile("undo without confirmTarget", row(19), "/api/refreshes/" + UUID.randomUUID() + "/undo", j, "{}", 400,
                        "malformed-request"),
                new Hostile("cancel as a form post", row(20), "/api/refreshes/" + UUID.randomUUID() + "/cancel",
                        "application/x-www-form-urlencoded", "a=b", 415, null),
                new Hostile("abort without a token", null, "/api/refreshes/" + UUID.randomUUID() + "/abort", j,
                        "{\"confirmTarget\":\"staging.example.com\",\"reason\":\"stuck\"}", 401, "unauthenticated"),
                new Hostile("viewer aborts", token(StackTestResource.VIEWER, Duration.ofHours(1), "viewer"),
                        "/api/refreshes/" + UUID.randomUUID() + "/abort", j,
                        "{\"confirmTarget\":\"staging.example.com\",\"reason\":\"stuck\"}", 403, "role-required"),
                new Hostile("abort without a reason", row(21), "/api/refreshes/" + UUID.randomUUID() + "/abort", j,
                        "{\"confirmTarget\":\"staging.example.com\"}", 400, "malformed-request"),
                new Hostile("abort with a 501-character reason", row(22), "/api/refreshes/" + UUID.randomUUID() + "/abort", j,
                        "{\"confirmTarget\":\"staging.example.com\",\"reason\":\"" + "x".repeat(501) + "\"}", 400, "malformed-request"),
                new Hostile("abort of an unknown refresh", row(23), "/api/refreshes/" + UUID.randomUUID() + "/abort", j,
                        "{\"confirmTarget\":\"staging.example.com\",\"reason\":\"stuck\"}", 404, "unknown-refresh"),
                new Hostile("abort as a form post", row(24), "/api/refreshes/" + UUID.randomUUID() + "/abort",
                        "application/x-www-form-urlencoded", "confirmTarget=x&reason=y", 415, null));
        int refreshesBefore = get("/api/refreshes").size();
        int auditBefore = get("/api/audit?limit=1000").size();
        int audited = 0;
        for (Hostile h : table) {
            HttpResponse<String> r = post(h.path(), h.body(), h.token(), h.contentType());
            assertEquals(h.status(), r.statusCode(), h.name() + ": " + r.body());
            if (h.error() != null) {
                JsonNode err = Json.MAPPER.readTree(r.body());
                assertEquals(h.error(), err.get("error").asText(), h.name() + ": " + r.body());
                assertTrue(err.get("message").asText().length() < 2000, h.name() + ": the answer stays short");
                audited++;
            }
            assertTrue(!r.body().contains("\u0000") && !r.body().contains("drop table"), h.name() + " is not echoed: " + r.body());
        }
        // 50 starts in a second by one operator: the first 5 are heard (and refused, wrong hostname), the rest get 429
        String burst = token("burst@restage.example", Duration.ofHours(1), "platform-team", "operator", "staging-team");
        int limited = 0;
        String retryAfter = null;
        for (int i = 0; i < 50; i++) {
            HttpResponse<String> r = post("/api/refreshes", OK.replace("staging.example.com", "staging.example.org"), burst, j);
            if (r.statusCode() == 429) {
                limited++;
                retryAfter = r.headers().firstValue("Retry-After").orElse(null);
            } else {
                assertEquals(422, r.statusCode(), r.body());
            }
        }
        assertEquals(45, limited, "security.starts-per-minute is 5 in the service tests");
        assertTrue(retryAfter != null && Integer.parseInt(retryAfter) >= 1 && Integer.parseInt(retryAfter) <= 61, retryAfter);

        assertEquals(refreshesBefore, get("/api/refreshes").size(), "nothing was started");
        JsonNode log = get("/api/audit?limit=1000");
        assertEquals(auditBefore + audited + 50, log.size(), "every refusal with an answer of restage's own is in the audit log");
        boolean sawNonStaff = false;
        for (JsonNode a : log) {
            sawNonStaff |= a.get("identity").asText().equals("mallory@elsewhere.example") && a.get("status").asInt() == 403;
        }
        assertTrue(sawNonStaff, "a refusal records who was refused");
        // reading needs a token too, and only staff read
        assertEquals(401, getRaw("/api/audit", null).statusCode());
        assertEquals(401, getRaw("/api/refreshes", "not-a-jwt").statusCode());
        assertEquals(403, getRaw("/api/audit", token("mallory@elsewhere.example", Duration.ofHours(1), "viewer")).statusCode());
        assertEquals(401, getRaw("/api/environments", null).statusCode());
        // the audit log is read-only through the API and append-only in the database
        assertEquals(405, http.send(HttpRequest.newBuilder(URI.create(base + "api/audit")).header("Authorization", "Bearer " + operator())
                .DELETE().build(), HttpResponse.BodyHandlers.ofString()).statusCode());
    }

    private static String row(int n) throws Exception {
        return token("row" + n + "@restage.example", Duration.ofHours(1), "platform-team", "operator", "staging-team");
    }

    @Test
    void shouldCompensateWhenAStepFailsAndEndFailed() throws Exception {
        // the target may still be busy with the other test's refresh: a 409 until it is free
        String[] id = new String[1];
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> {
            HttpResponse<String> created = post("/api/refreshes", OK.replace("}", ",\"media\":false}"));
            if (created.statusCode() == 202) {
                id[0] = Json.MAPPER.readTree(created.body()).get("id").asText();
            }
            return id[0] != null;
        });
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack())) {
            reply(kafka, new ImportReply.StagingFailed(UUID.randomUUID().toString(), id[0], Instant.now(), "value too long for column"));
            awaitCommand(kafka, id[0], Command.CancelExport.class);
            Command.DiscardStaging discard = awaitCommand(kafka, id[0], Command.DiscardStaging.class);
            assertEquals("staging", discard.target());
            reply(kafka, new ImportReply.StagingDiscarded(UUID.randomUUID().toString(), id[0], Instant.now()));
        }
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> get("/api/refreshes/" + id[0]).get("status").asText().equals("FAILED"));
        JsonNode r = get("/api/refreshes/" + id[0]);
        assertEquals("FAILED", r.get("steps").get("STAGE").get("status").asText());
        assertEquals("COMPENSATED", r.get("steps").get("STAGE").get("compensation").asText());
        assertEquals("value too long for column", r.get("error").asText());
    }

    private static void reply(KafkaProbe kafka, Event e) {
        kafka.sendSigned(Topics.REFRESH_EVENTS.name(), e);
    }

    private static <T extends Command> T awaitCommand(KafkaProbe kafka, String id, Class<T> type) {
        List<ConsumerRecord<String, byte[]>> recs = kafka.readUntil(Topics.REFRESH_COMMANDS.name(),
                rs -> rs.stream().anyMatch(r -> id.equals(r.key()) && type.isInstance(MessageCodec.decode(KafkaProbe.text(r), Command.class))),
                Duration.ofSeconds(30));
        return recs.stream().filter(r -> id.equals(r.key())).map(r -> MessageCodec.decode(KafkaProbe.text(r), Command.class))
                .filter(type::isInstance).map(type::cast).findFirst().orElseThrow();
    }

    @Test
    void shouldReportMediaColumnsTheSourceLacksInThePolicyCheck() throws Exception {
        // production-guided's database has none of the guided policy's tables: its media key columns are problems too
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(StackTestResource.stack().jdbcUrl("production_guided"),
                "postgres", ""); java.sql.Statement st = c.createStatement()) {
            st.execute(StackTestResource.SOURCE_SCHEMA.replace("create table ", "create table if not exists "));
            st.execute("create table if not exists attachments (id int primary key, storage_key text)");
            st.execute("create table if not exists documents (id int primary key, scan_key text)");
        }
        HttpResponse<String> r = post("/api/policies/check", "{\"source\":\"production-guided\"}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode report = io.restage.common.Json.MAPPER.readTree(r.body());
        String problems = report.path("problems").toString();
        assertTrue(problems.contains("policy.media names column public.documents.thumb_key, which public.documents does not have"),
                problems);
        assertFalse(problems.contains("public.attachments.storage_key"), "a media column the source has is no problem: " + problems);
    }
}
