package io.restage.orchestrator.schedule;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Optional;

/**
 * When a schedule is due: the latest time its cron expression names at or before now, if that is after the time it
 * last fired. However many times were missed (the orchestrator was down), that is one time: a missed schedule runs
 * once, never once per missed time.
 */
public final class ScheduleClock {
    private static final CronParser QUARTZ = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.QUARTZ));

    private final ExecutionTime times;
    private final ZoneId zone;

    /** Throws IllegalArgumentException with the parser's reason for an expression that is not Quartz cron. */
    public ScheduleClock(String cron, ZoneId zone) {
        this.times = ExecutionTime.forCron(QUARTZ.parse(cron).validate());
        this.zone = zone;
    }

    /** The time to fire for now, or empty when nothing is due since {@code lastFired}. */
    public Optional<Instant> due(Instant lastFired, Instant now) {
        ZonedDateTime at = now.atZone(zone);
        Optional<Instant> latest = times.isMatch(at.withNano(0)) ? Optional.of(at.withNano(0).toInstant())
                : times.lastExecution(at).map(ZonedDateTime::toInstant);
        return latest.filter(t -> t.isAfter(lastFired) && !t.isAfter(now));
    }

    public Optional<Instant> next(Instant now) {
        return times.nextExecution(now.atZone(zone)).map(ZonedDateTime::toInstant);
    }
}
