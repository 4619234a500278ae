package io.restage.orchestrator.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path.substring(1))).header("Content-Type", "application/json")
                .header("X-Restage-Operator", "tester").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + path.substring(1))).build(),
                HttpResponse.BodyHandlers.ofString());
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
        HttpResponse<String> created = post("/api/refreshes", OK.replace("}", ",\"skipAnonymizers\":[\"public.users.full_name\"],"
                + "\"riskAcknowledgement\":\"I_UNDERSTAND_THE_PII_RISK\"}"));
        assertEquals(202, created.statusCode(), created.body());
        String id = Json.MAPPER.readTree(created.body()).get("id").asText();
        assertTrue(created.headers().firstValue("Location").orElseThrow().endsWith("/api/refreshes/" + id));

        HttpResponse<String> busy = post("/api/refreshes", OK);
        assertEquals(409, busy.statusCode(), "one refresh per target at a time: " + busy.body());

        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack().kafkaBootstrap())) {
            List<ConsumerRecord<String, byte[]>> requested = kafka.readUntil(Topics.REFRESH_REQUESTED.name(),
                    rs -> rs.stream().anyMatch(r -> id.equals(r.key())), Duration.ofSeconds(30));
            RefreshRequested rr = MessageCodec.decode(KafkaProbe.text(requested.stream().filter(r -> id.equals(r.key()))
                    .findFirst().orElseThrow()), RefreshRequested.class);
            assertEquals(List.of("public.users.full_name"), rr.skipAnonymizers());
            assertTrue(!KafkaProbe.text(requested.get(0)).contains("password"), "no credentials on the wire");

            reply(kafka, new ExportReply.PolicyValidated(UUID.randomUUID().toString(), id, Instant.now(), 1, 3, 7));
            reply(kafka, new ExportReply.ExportStarted(UUID.randomUUID().toString(), id, Instant.now(), List.of("public.users")));
            reply(kafka, new AnonymizerReply.TableAnonymized(UUID.randomUUID().toString(), id, Instant.now(), "public.users", 7,
                    List.of("public.users.email:email"), List.of("public.users.full_name:person-name")));
            ExportReply.ExportCompleted exported = new ExportReply.ExportCompleted(UUID.randomUUID().toString(), id, Instant.now(),
                    List.of(new TableCount("public.users", 7)), List.of());
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
        assertEquals("tester", r.get("requestedBy").asText());
        assertEquals(id, get("/api/refreshes").get(0).get("id").asText(), "newest first");
        assertEquals(409, post("/api/refreshes/" + id + "/cancel", "").statusCode(), "a finished refresh cannot be cancelled");
        assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(base + "q/openapi")).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        assertTrue(http.send(HttpRequest.newBuilder(URI.create(base.toString())).build(), HttpResponse.BodyHandlers.ofString())
                .body().contains("restage dashboard"));
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
        try (KafkaProbe kafka = new KafkaProbe(StackTestResource.stack().kafkaBootstrap())) {
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
        kafka.send(Topics.REFRESH_EVENTS.name(), e.refreshId(), MessageCodec.encode(e));
    }

    private static <T extends Command> T awaitCommand(KafkaProbe kafka, String id, Class<T> type) {
        List<ConsumerRecord<String, byte[]>> recs = kafka.readUntil(Topics.REFRESH_COMMANDS.name(),
                rs -> rs.stream().anyMatch(r -> id.equals(r.key()) && type.isInstance(MessageCodec.decode(KafkaProbe.text(r), Command.class))),
                Duration.ofSeconds(30));
        return recs.stream().filter(r -> id.equals(r.key())).map(r -> MessageCodec.decode(KafkaProbe.text(r), Command.class))
                .filter(type::isInstance).map(type::cast).findFirst().orElseThrow();
    }
}
