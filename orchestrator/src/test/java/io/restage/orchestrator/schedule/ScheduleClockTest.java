package io.restage.orchestrator.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ScheduleClockTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // case                                     | cron          | zone          | last fired           | now                  | fires for
            "nothing due yet                            | 0 30 2 * * ?  | UTC           | 2026-11-20T02:30:00Z | 2026-11-21T02:29:59Z | ",
            "due at its time                            | 0 30 2 * * ?  | UTC           | 2026-11-20T02:30:00Z | 2026-11-21T02:30:00Z | 2026-11-21T02:30:00Z",
            "due a little later (the tick)              | 0 30 2 * * ?  | UTC           | 2026-11-20T02:30:00Z | 2026-11-21T02:30:09Z | 2026-11-21T02:30:00Z",
            "already fired for that time                | 0 30 2 * * ?  | UTC           | 2026-11-21T02:30:00Z | 2026-11-21T02:30:09Z | ",
            "down for three nights: fires once, latest  | 0 30 2 * * ?  | UTC           | 2026-11-18T02:30:00Z | 2026-11-21T09:00:00Z | 2026-11-21T02:30:00Z",
            "in the schedule's zone                     | 0 30 2 * * ?  | Europe/Berlin | 2026-11-20T01:30:00Z | 2026-11-21T01:30:00Z | 2026-11-21T01:30:00Z",
            "registered after today's time: not missed  | 0 30 2 * * ?  | UTC           | 2026-11-21T08:00:00Z | 2026-11-21T09:00:00Z | ",
            "weekdays only, on a Saturday               | 0 0 6 ? * MON-FRI | UTC       | 2026-11-20T06:00:00Z | 2026-11-21T07:00:00Z | ",
            "every 20 seconds                           | 0/20 * * * * ? | UTC          | 2026-11-21T09:00:00Z | 2026-11-21T09:00:45Z | 2026-11-21T09:00:40Z"})
    void shouldFireOnceForTheLatestTimeSinceItLastFired(String name, String cron, String zone, String last, String now, String expected) {
        Optional<Instant> due = new ScheduleClock(cron.trim(), ZoneId.of(zone.trim())).due(Instant.parse(last.trim()), Instant.parse(now.trim()));
        assertEquals(expected == null ? Optional.empty() : Optional.of(Instant.parse(expected.trim())), due);
    }

    @ParameterizedTest
    @CsvSource({"'0 30 25 * * ?'", "'every night'", "'0 30 2 * *'"})
    void shouldRefuseAnExpressionThatIsNotQuartzCron(String cron) {
        assertThrows(IllegalArgumentException.class, () -> new ScheduleClock(cron, ZoneId.of("UTC")));
    }
}
