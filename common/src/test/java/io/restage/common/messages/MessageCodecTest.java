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
    void shouldDecodeCommandsPolymorphically() {
        Command c = new Command.CommitImport("e2", "r1", Instant.EPOCH, "production", "staging", "ops", List.of(), List.of("x"), Instant.EPOCH.plusSeconds(5));
        assertEquals(c, MessageCodec.decode(MessageCodec.encode(c), Command.class));
    }
}
