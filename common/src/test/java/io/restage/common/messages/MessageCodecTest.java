package io.restage.common.messages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class MessageCodecTest {

    @Test
    void shouldCarryEnvelopeFieldsAndStableTypeNameButNoClassName() {
        Event e = new ImportReply.StagingCompleted("e1", "r1", Instant.parse("2026-01-01T00:00:00Z"),
                List.of(new TableCount("public.users", 3)), List.of(), List.of("public.extra"), List.of(), List.of(), List.of(),
                new ImportReply.LeakAudit(10, 2, 30, List.of()));
        String json = MessageCodec.encode(e);
        assertTrue(json.contains("\"type\":\"StagingCompleted\""), json);
        assertTrue(json.contains("\"schemaVersion\":1"), json);
        assertTrue(json.contains("\"occurredAt\":\"2026-01-01T00:00:00Z\""), json);
        assertFalse(json.contains("io.restage"), json);
        assertEquals(e, MessageCodec.decode(json, Event.class));
    }

    @Test
    void shouldCarryLiveCountsAndEstimatesAndStillReadTheOlderShape() {
        Event beat = new StepProgress("e3", "r1", Instant.EPOCH, "anonymizer-service", "ANONYMIZE", -1, -1, "rows", "public.users",
                "anonymizer-service@host:42", java.util.Map.of("public.users", 1200L));
        assertEquals(beat, MessageCodec.decode(MessageCodec.encode(beat), Event.class));
        Event started = new ExportReply.ExportStarted("e4", "r1", Instant.EPOCH, List.of("public.users"), 1,
                java.util.Map.of("public.users", 1500L));
        assertEquals(started, MessageCodec.decode(MessageCodec.encode(started), Event.class));
        // a participant of the previous release sends neither field
        String old = MessageCodec.encode(new StepProgress("e5", "r1", Instant.EPOCH, "export-service", "EXPORT", 3, 9, "tables", null))
                .replace(",\"instance\":null", "").replace(",\"tables\":null", "");
        assertFalse(old.contains("instance"), old);
        StepProgress decoded = (StepProgress) MessageCodec.decode(old, Event.class);
        assertEquals(3, decoded.done());
        assertEquals(null, decoded.tables());
    }

    @Test
    void shouldDecodeCommandsPolymorphically() {
        Command c = new Command.CommitImport("e2", "r1", Instant.EPOCH, "production", "staging", "ops", List.of(), List.of("x"), Instant.EPOCH.plusSeconds(5));
        assertEquals(c, MessageCodec.decode(MessageCodec.encode(c), Command.class));
    }
}
