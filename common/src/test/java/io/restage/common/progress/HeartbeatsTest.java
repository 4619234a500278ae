package io.restage.common.progress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restage.common.messages.StepProgress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeartbeatsTest {

    /** A clock the test moves by hand. */
    static final class Manual extends Clock {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private final Manual clock = new Manual();
    private final Heartbeats beats = new Heartbeats("import-service", Duration.ofSeconds(30), clock);

    @Test
    void shouldCountRowsPerTableOfTheLatestSnapshotOnly() {
        beats.addRows("r1", "STAGE", "public.users", 500, 1);
        beats.addRows("r1", "STAGE", "public.users", 250, 1);
        beats.addRows("r1", "STAGE", "public.orders", 10, 1);
        StepProgress beat = beats.due().get(0);
        assertEquals(java.util.Map.of("public.users", 750L, "public.orders", 10L), beat.tables());
        assertTrue(beat.instance().startsWith("import-service@"), beat.instance());
        // the export started over: snapshot 2 counts from zero, a late batch of snapshot 1 is not counted
        beats.addRows("r1", "STAGE", "public.users", 100, 2);
        beats.addRows("r1", "STAGE", "public.users", 999, 1);
        assertEquals(java.util.Map.of("public.users", 100L), beats.due().get(0).tables());
    }

    @Test
    void shouldReadABusyWorksCountsFromItsSupplierAtEachBeat() {
        java.util.Map<String, Long> running = new java.util.concurrent.ConcurrentHashMap<>();
        try (Heartbeats.Work w = beats.begin("r2", "EXPORT")) {
            w.tables(() -> running);
            assertEquals(null, beats.due().get(0).tables(), "no table yet: no map on the wire");
            running.put("public.film", 40L);
            assertEquals(java.util.Map.of("public.film", 40L), beats.due().get(0).tables());
            running.put("public.film", 1000L);
            assertEquals(java.util.Map.of("public.film", 1000L), beats.due().get(0).tables());
        }
    }

    @Test
    void shouldBeatForBusyWorkUntilItIsClosedHoweverLongItTakes() {
        try (Heartbeats.Work w = beats.begin("r1", "COMMIT")) {
            w.progress(3, 10, "tables", "public.film");
            clock.now = clock.now.plus(Duration.ofHours(2)); // one long statement
            List<StepProgress> due = beats.due();
            assertEquals(1, due.size());
            StepProgress p = due.get(0);
            assertEquals(List.of("r1", "COMMIT", "import-service", 3L, 10L, "tables", "public.film"),
                    List.of(p.refreshId(), p.step(), p.service(), p.done(), p.total(), p.unit(), p.detail()));
        }
        clock.now = clock.now.plus(Duration.ofSeconds(31));
        assertTrue(beats.due().isEmpty(), "closed work stops beating after the linger");
    }

    @Test
    void shouldBeatForStreamingWorkOnlyWhileItIsRecent() {
        beats.touch("r1", "STAGE", 100, -1, "rows", "public.rental");
        clock.now = clock.now.plus(Duration.ofSeconds(20));
        assertEquals(1, beats.due().size());
        beats.touch("r1", "STAGE", 250, -1, "rows", "public.payment");
        clock.now = clock.now.plus(Duration.ofSeconds(29));
        List<StepProgress> due = beats.due();
        assertEquals(250, due.get(0).done());
        clock.now = clock.now.plus(Duration.ofSeconds(2));
        assertTrue(beats.due().isEmpty(), "no batch for longer than the linger: this participant has nothing to say");
    }

    @Test
    void shouldStopBeatingForAForgottenRefreshOnly() {
        beats.touch("r1", "STAGE", 1, -1, "rows", null);
        Heartbeats.Work w = beats.begin("r2", "COMMIT");
        beats.forget("r1");
        List<StepProgress> due = beats.due();
        assertEquals(List.of("r2"), due.stream().map(StepProgress::refreshId).toList());
        w.close();
    }

    @Test
    void shouldKeepBeatingWhileOneOfTwoOverlappingScopesIsOpen() {
        Heartbeats.Work a = beats.begin("r1", "EXPORT");
        Heartbeats.Work b = beats.begin("r1", "EXPORT");
        a.close();
        a.close(); // closing twice counts once
        clock.now = clock.now.plus(Duration.ofMinutes(5));
        assertEquals(1, beats.due().size());
        b.close();
        clock.now = clock.now.plus(Duration.ofMinutes(5));
        assertTrue(beats.due().isEmpty());
    }
}
