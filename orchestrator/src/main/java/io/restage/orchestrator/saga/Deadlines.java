package io.restage.orchestrator.saga;

import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;

/**
 * How long the saga waits without hearing from a step's participant (no reply, no heartbeat) before it gives up on
 * the step: per step, for a compensation, and for an undo. A deadline is a silence, not a duration: a long step that
 * keeps beating never hits it.
 */
public record Deadlines(Map<Step, Duration> steps, Duration compensation, Duration undo) {

    public Deadlines {
        steps = Map.copyOf(steps);
    }

    public Duration of(Step step) {
        return steps.getOrDefault(step, Duration.ofMinutes(5));
    }

    /** The same silence for everything (tests). */
    public static Deadlines uniform(Duration d) {
        Map<Step, Duration> m = new EnumMap<>(Step.class);
        for (Step s : Step.values()) {
            m.put(s, d);
        }
        return new Deadlines(m, d, d);
    }

    /** "2m", "90s", "1h 5m" as people write them. */
    public static String human(Duration d) {
        if (d.toSeconds() < 60) {
            return d.toSeconds() + " s";
        }
        long m = d.toMinutes();
        long s = d.toSecondsPart();
        return m < 60 ? m + " min" + (s == 0 ? "" : " " + s + " s") : d.toHours() + " h " + d.toMinutesPart() + " min";
    }
}
