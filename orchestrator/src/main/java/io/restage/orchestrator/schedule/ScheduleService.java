package io.restage.orchestrator.schedule;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.restage.common.config.RestageConfig;
import io.restage.common.config.ScheduleConfig;
import io.restage.orchestrator.api.ApiError;
import io.restage.orchestrator.api.RefreshRequestValidator;
import io.restage.orchestrator.api.RefreshStarter;
import io.restage.orchestrator.audit.AuditLog;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Runs the configuration's schedules. Every orchestrator instance ticks; the one whose compare-and-set on
 * {@code last_fired} succeeds starts the refresh, through the same checks as an operator's request (policy, schema,
 * one refresh per target). A schedule that came due while the orchestrator was down fires once when it is back.
 * A paused schedule does not fire; resuming it does not fire what it missed while paused.
 */
@Singleton
public class ScheduleService {
    private static final Logger LOG = Logger.getLogger(ScheduleService.class);

    /** One schedule as the dashboard and the CLI show it. */
    public record View(String name, String source, String target, String cron, String zone, boolean paused, String pausedBy,
                       Instant pausedAt, Instant nextRun, Instant lastRunAt, String lastRefreshId, String lastOutcome) {
    }

    private final RestageConfig config;
    private final Pool pool;
    private final RefreshStarter starter;
    private final AuditLog audit;
    private final Map<String, ScheduleClock> clocks = new LinkedHashMap<>();

    public ScheduleService(RestageConfig config, Pool pool, RefreshStarter starter, AuditLog audit) {
        this.config = config;
        this.pool = pool;
        this.starter = starter;
        this.audit = audit;
        for (ScheduleConfig s : config.schedules().values()) {
            try {
                clocks.put(s.name(), new ScheduleClock(s.cron(), s.zone()));
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("schedules." + s.name() + ".cron '" + s.cron() + "' is not a Quartz cron"
                        + " expression (" + e.getMessage() + "): e.g. \"0 30 2 * * ?\" for 02:30 every night", e);
            }
        }
    }

    /** A new schedule starts from now (its past times are not "missed"), paused if the configuration says so. */
    void register(@Observes StartupEvent ev) {
        Instant now = Instant.now();
        for (ScheduleConfig s : config.schedules().values()) {
            pool.preparedQuery("insert into schedule_state (name, last_fired, paused, paused_by, paused_at) values ($1, $2, $3, $4, $5)"
                            + " on conflict (name) do nothing")
                    .execute(Tuple.of(s.name(), utc(now), s.startPaused(), s.startPaused() ? "configuration" : null,
                            s.startPaused() ? utc(now) : null))
                    .await().indefinitely();
        }
        if (!clocks.isEmpty()) {
            LOG.infof("schedules: %s", clocks.keySet());
        }
    }

    @Scheduled(every = "${restage.orchestrator.schedule-tick:10s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> tick() {
        if (clocks.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        Instant now = Instant.now();
        return Multi.createFrom().iterable(config.schedules().values())
                .onItem().transformToUniAndConcatenate(s -> fireIfDue(s, now).onFailure().recoverWithItem(e -> {
                    LOG.warnf("schedule %s: %s", s.name(), e.getClass().getSimpleName());
                    return null;
                }))
                .collect().asList().replaceWithVoid();
    }

    private Uni<Void> fireIfDue(ScheduleConfig s, Instant now) {
        return state(s.name()).chain(row -> {
            if (row == null || row.getBoolean("paused")) {
                return Uni.createFrom().voidItem();
            }
            Instant last = row.getOffsetDateTime("last_fired").toInstant();
            Optional<Instant> due = clocks.get(s.name()).due(last, now);
            if (due.isEmpty()) {
                return Uni.createFrom().voidItem();
            }
            // one instance wins the due time; the others see last_fired moved and do nothing
            return pool.preparedQuery("update schedule_state set last_fired = $1, last_run_at = $2 where name = $3 and last_fired = $4"
                            + " and not paused")
                    .execute(Tuple.of(utc(due.get()), utc(now), s.name(), utc(last)))
                    .chain(rs -> rs.rowCount() == 1 ? start(s, due.get()) : Uni.createFrom().voidItem());
        });
    }

    private Uni<Void> start(ScheduleConfig s, Instant due) {
        boolean buckets = config.environment(s.source()).bucket() != null && config.environment(s.target()).bucket() != null;
        RefreshRequestValidator.Valid v = new RefreshRequestValidator.Valid(s.source(), s.target(), s.skipAnonymizers(),
                s.media() != null ? s.media() : buckets);
        LOG.infof("schedule %s: due at %s, starting %s -> %s", s.name(), due, s.source(), s.target());
        return starter.start(v, s.identity()).chain(o -> {
            ApiError e = o.refusal();
            String outcome = e == null ? "started" : e.error() + ": " + e.message();
            String id = e == null ? o.started().id : null;
            if (e != null) {
                LOG.warnf("schedule %s: not started (%s)", s.name(), e.error());
            }
            return pool.preparedQuery("update schedule_state set last_refresh_id = $1, last_outcome = $2 where name = $3")
                    .execute(Tuple.of(id, AuditLog.clean(outcome.length() > 2000 ? outcome.substring(0, 2000) : outcome), s.name()))
                    .chain(() -> audit.record(new AuditLog.Line(s.identity(), "scheduled-start", s.source(), s.target(), id,
                            s.skipAnonymizers(), e == null ? 202 : e.status(), e == null ? "accepted" : e.error(),
                            e == null ? null : e.message())));
        });
    }

    public Uni<List<View>> list() {
        Instant now = Instant.now();
        return pool.query("select * from schedule_state").execute().map(rows -> {
            Map<String, Row> byName = new LinkedHashMap<>();
            rows.forEach(r -> byName.put(r.getString("name"), r));
            List<View> out = new ArrayList<>();
            for (ScheduleConfig s : config.schedules().values()) {
                Row r = byName.get(s.name());
                boolean paused = r != null && r.getBoolean("paused");
                out.add(new View(s.name(), s.source(), s.target(), s.cron(), s.zone().getId(), paused,
                        r == null ? null : r.getString("paused_by"), instant(r, "paused_at"),
                        paused ? null : clocks.get(s.name()).next(now).orElse(null), instant(r, "last_run_at"),
                        r == null ? null : r.getString("last_refresh_id"), r == null ? null : r.getString("last_outcome")));
            }
            return out;
        });
    }

    /** Pauses or resumes; false when the schedule does not exist. Resuming starts counting from now. */
    public Uni<Boolean> setPaused(String name, boolean paused, String by) {
        if (!config.schedules().containsKey(name)) {
            return Uni.createFrom().item(false);
        }
        Instant now = Instant.now();
        Uni<io.vertx.mutiny.sqlclient.RowSet<Row>> change = paused
                ? pool.preparedQuery("update schedule_state set paused = true, paused_by = $1, paused_at = $2 where name = $3")
                        .execute(Tuple.of(by, utc(now), name))
                : pool.preparedQuery("update schedule_state set paused = false, paused_by = null, paused_at = null,"
                        + " last_fired = greatest(last_fired, $1) where name = $2 and paused").execute(Tuple.of(utc(now), name));
        return change.map(rs -> true);
    }

    public Optional<ScheduleConfig> find(String name) {
        return Optional.ofNullable(config.schedules().get(name));
    }

    private Uni<Row> state(String name) {
        return pool.preparedQuery("select * from schedule_state where name = $1").execute(Tuple.of(name))
                .map(rows -> rows.iterator().hasNext() ? rows.iterator().next() : null);
    }

    private static Instant instant(Row r, String column) {
        if (r == null) {
            return null;
        }
        OffsetDateTime t = r.getOffsetDateTime(column);
        return t == null ? null : t.toInstant();
    }

    private static OffsetDateTime utc(Instant t) {
        return t == null ? null : t.atOffset(ZoneOffset.UTC);
    }
}
