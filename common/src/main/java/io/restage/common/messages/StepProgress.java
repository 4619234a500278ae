package io.restage.common.messages;

import java.time.Instant;

/**
 * A participant's heartbeat for a step it is working on: it is alive and, where it can say, how far it got. Sent every
 * few seconds while the work lasts (also while one long statement runs), so the orchestrator can tell a slow step from
 * a dead participant: a step nobody beats for within its deadline fails. Carries counts and names of tables, never a
 * value. Duplicates and late beats are harmless (the orchestrator keeps the latest and ignores beats for steps that are
 * not running).
 *
 * @param step   the saga step, as the orchestrator names it ({@code EXPORT}, {@code STAGE}, {@code COMMIT}, ...)
 * @param done   units done so far, or -1 when the participant cannot count
 * @param total  units in all, or -1 when unknown
 * @param unit   what is counted ({@code rows}, {@code tables}, {@code objects})
 * @param detail what it is busy with now (a table name), or null
 * @param instance which instance of the service beats (several share a step when scaled out), or null
 * @param tables   rows this instance has handled so far per table (schema-qualified) in this step, or null
 */
public record StepProgress(String eventId, String refreshId, Instant occurredAt, String service, String step,
                           long done, long total, String unit, String detail, String instance,
                           java.util.Map<String, Long> tables) implements Event {
    /** At most this many tables per beat (the first ones, by name); a beat stays a small message. */
    public static final int MAX_TABLES = 2000;

    public StepProgress {
        tables = tables == null || tables.isEmpty() ? null : java.util.Map.copyOf(tables);
    }

    public StepProgress(String eventId, String refreshId, Instant occurredAt, String service, String step,
                        long done, long total, String unit, String detail) {
        this(eventId, refreshId, occurredAt, service, step, done, total, unit, detail, null, null);
    }
}
