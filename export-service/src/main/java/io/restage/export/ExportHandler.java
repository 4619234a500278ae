package io.restage.export;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.restage.common.Failures;
import io.restage.common.config.Connections;
import io.restage.common.config.EnvironmentConfig;
import io.restage.common.config.RestageConfig;
import io.restage.common.messages.Event;
import io.restage.common.messages.ExportReply;
import io.restage.common.messages.Message;
import io.restage.common.messages.RefreshRequested;
import io.restage.common.messages.TableCount;
import io.restage.common.policy.PolicyChecker;
import io.restage.common.policy.PolicyReport;
import io.restage.common.security.TargetRules;
import io.restage.export.messaging.EventPublisher;
import io.restage.export.messaging.BatchTopics;
import io.restage.export.messaging.KafkaBatchSender;
import io.restage.export.messaging.KafkaClientConfig;
import io.restage.common.Topics;
import io.restage.common.messages.Command;
import io.restage.common.security.DataKeys;
import io.restage.common.progress.Heartbeats;
import java.util.Map;
import io.restage.export.snapshot.SnapshotExporter;
import io.restage.export.state.ExportLedger;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jboss.logging.Logger;

/**
 * Reacts to {@code refresh.requested}: claims the refresh (once only), then on a worker thread (so the consumer
 * keeps polling) checks the policy inside the snapshot (PolicyValidated / PolicyRejected, the saga's first step)
 * and exports, reporting ExportStarted / ExportCompleted / ExportFailed.
 */
@ApplicationScoped
public class ExportHandler {
    private static final Logger LOG = Logger.getLogger(ExportHandler.class);

    private final RestageConfig config;
    private final ExportLedger ledger;
    private final EventPublisher events;
    private final ExportSettings settings;
    private final KafkaClientConfig kafka;
    private final DataKeys dataKeys;
    private final Heartbeats beats;
    private final Set<String> cancelled = ConcurrentHashMap.newKeySet();
    /** The exports this instance runs, and its identity in the shared ledger. */
    private final Set<String> running = ConcurrentHashMap.newKeySet();
    private final String instance = java.util.UUID.randomUUID().toString();
    private final java.util.concurrent.ScheduledExecutorService leases = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "export-leases");
        t.setDaemon(true);
        return t;
    });
    private final ExecutorService jobs = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "export-job");
        t.setDaemon(true);
        return t;
    });

    private final io.restage.common.security.MessageSignatures signatures;

    public ExportHandler(RestageConfig config, ExportLedger ledger, EventPublisher events, ExportSettings settings,
                         KafkaClientConfig kafka, DataKeys dataKeys, Heartbeats beats,
                         io.restage.common.security.MessageSignatures signatures) {
        this.signatures = signatures;
        this.config = config;
        this.ledger = ledger;
        this.events = events;
        this.settings = settings;
        this.kafka = kafka;
        this.dataKeys = dataKeys;
        this.beats = beats;
    }

    private BatchTopics batchTopics() {
        return new BatchTopics(kafka.properties(), Map.of(
                Topics.BATCHES_EXPORTED.name(), List.of(settings.anonymizerGroup()),
                Topics.BATCHES_ANONYMIZED.name(), List.of(settings.importerGroup())));
    }

    /** The batch topics exist with a short retention before anything is written to them. */
    void ensureTopics(@Observes @jakarta.annotation.Priority(5) StartupEvent ev) throws Exception {
        try (BatchTopics topics = batchTopics()) {
            topics.ensure(settings.batchTopicPartitions(), settings.batchRetentionMs());
        }
    }

    /**
     * The refresh has ended: its data key is destroyed first (what is left anywhere can no longer be read), then the
     * batch records every consumer has read are deleted from the broker. Safe to repeat.
     */
    public void onShred(Command.ShredRefreshData cmd) {
        String id = cmd.refreshId();
        boolean destroyed;
        try {
            destroyed = dataKeys.destroy(id);
        } catch (Exception e) {
            LOG.errorf("refresh %s: cannot destroy the data key: %s (its raw batches stay readable to holders of"
                    + " security.batch-key until it is destroyed)", id, Failures.describe(e));
            throw new IllegalStateException("cannot destroy the data key of refresh " + id, e);
        }
        long deleted = 0;
        try (BatchTopics topics = batchTopics()) {
            deleted = topics.purgeConsumed();
        } catch (Exception e) {
            LOG.warnf("refresh %s: consumed batch records not deleted now (%s); they expire with the topics' retention",
                    id, Failures.describe(e));
        }
        LOG.infof("refresh %s: data key %s, %d consumed batch records deleted", id, destroyed ? "destroyed" : "already gone",
                deleted);
        events.publish(new ExportReply.RefreshDataShredded(Message.newId(), id, Instant.now(), destroyed, deleted));
    }

    /**
     * Every third of the lease: renews this instance's running exports (and picks up cancels recorded by any instance),
     * then takes over the exports whose instance died (their lease expired, their snapshot is gone): each starts over
     * under a new snapshot, at most {@code restage.export.attempts} snapshots in all, then fails. A starting instance
     * never touches another's running export.
     */
    void onStart(@Observes StartupEvent ev) {
        if (settings.attempts() < 1) {
            throw new IllegalStateException("restage.export.attempts is " + settings.attempts()
                    + ": it counts the snapshots one export may open, so it must be at least 1 (default 3)");
        }
        long every = Math.max(1000, settings.lease().toMillis() / 3);
        leases.scheduleWithFixedDelay(this::renewAndSweep, 0, every, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    void renewAndSweep() {
        try {
            cancelled.addAll(ledger.renew(instance, running, settings.lease()));
            ExportLedger.Sweep sweep = ledger.takeExpired(instance, settings.lease(), settings.attempts(), events.outbox(),
                    r -> new ExportReply.ExportRestarted(Message.newId(), r.refreshId(), Instant.now(), r.attempt(),
                            "the export service instance that ran attempt " + (r.attempt() - 1) + " stopped and its snapshot is gone"),
                    r -> new ExportReply.ExportFailed(Message.newId(), r.refreshId(), Instant.now(),
                            "the export service instance that ran attempt " + r.attempt() + " of " + settings.attempts()
                                    + " stopped and its snapshot is gone: no attempt left, start a new refresh"));
            events.outbox().wake();
            for (ExportLedger.Restart r : sweep.restart()) {
                RefreshRequested request = io.restage.common.messages.MessageCodec.decode(r.request(), RefreshRequested.class);
                LOG.warnf("refresh %s: the export service instance that ran attempt %d stopped; reading every table again under"
                        + " a new snapshot (attempt %d of %d)", r.refreshId(), r.attempt() - 1, r.attempt(), settings.attempts());
                running.add(r.refreshId());
                jobs.submit(() -> logged(request.refreshId(), () -> run(request, r.attempt())));
            }
            for (ExportLedger.Restart r : sweep.exhausted()) {
                LOG.warnf("refresh %s: the export service instance that ran the export stopped (its lease expired)", r.refreshId());
            }
        } catch (Exception e) {
            LOG.warnf("export leases not renewed now: %s (retried in a moment)", Failures.describe(e));
        }
    }

    void onStop(@Observes ShutdownEvent ev) {
        leases.shutdownNow();
        jobs.shutdownNow();
    }

    public void onRequested(RefreshRequested request) throws Exception {
        // re-checked here, whatever the orchestrator decided: nothing leaves the source for a target that may not
        // receive it, and no anonymizer is skipped without the operator's typed acknowledgement in the signed request
        String refusal = TargetRules.refusal(config, request.source(), request.target());
        if (refusal == null && !request.riskAcknowledged()) {
            refusal = "the request skips anonymizers " + request.skipAnonymizers() + " without riskAcknowledgement "
                    + RefreshRequested.RISK_ACKNOWLEDGEMENT;
        }
        if (refusal != null) {
            if (ledger.claim(request.refreshId(), instance, settings.lease(), null)) {
                LOG.warnf("refresh %s: refused: %s", request.refreshId(), refusal);
                finish(request.refreshId(), "FAILED", new ExportReply.PolicyRejected(Message.newId(), request.refreshId(),
                        Instant.now(), "export refused: " + refusal, List.of(refusal)));
            }
            return;
        }
        if (!ledger.claim(request.refreshId(), instance, settings.lease(), io.restage.common.messages.MessageCodec.encode(request))) {
            LOG.infof("refresh %s: request already handled, ignoring the duplicate", request.refreshId());
            return;
        }
        running.add(request.refreshId());
        jobs.submit(() -> logged(request.refreshId(), () -> run(request, 1)));
    }

    /** Runs a refresh's job with its id in the log context (every line the job writes names the refresh). */
    static void logged(String refreshId, Runnable job) {
        org.jboss.logging.MDC.put("refreshId", refreshId);
        try {
            job.run();
        } finally {
            org.jboss.logging.MDC.remove("refreshId");
        }
    }

    /** Recorded in the shared ledger, so whichever instance runs the export stops it at its next renewal. */
    public void onCancel(String refreshId) throws SQLException {
        cancelled.add(refreshId);
        ledger.requestCancel(refreshId);
    }

    /**
     * Runs attempt {@code attempt} of the export, and starts it over under a new snapshot after a transient fault (the
     * source's connection dropped, the broker timed out) while attempts remain. Its outcome is reported only while this
     * instance still holds the export: an instance whose lease ran out (a long pause) reports nothing, the instance
     * that took over does.
     */
    void run(RefreshRequested r, int attempt) {
        String id = r.refreshId();
        try {
            while (attempt > 0) {
                String restart = runOnce(r, attempt);
                if (restart == null) {
                    return;
                }
                String why = restart;
                int next = io.restage.common.Retry.DATABASE.run(() -> ledger.nextAttempt(id, instance, events.outbox(),
                        n -> new ExportReply.ExportRestarted(Message.newId(), id, Instant.now(), n, why)));
                if (next < 0) {
                    LOG.infof("refresh %s: no longer this instance's export, not starting it over", id);
                    return;
                }
                events.outbox().wake();
                LOG.warnf("refresh %s: %s; reading every table again under a new snapshot (attempt %d of %d)", id, restart,
                        next, settings.attempts());
                attempt = next;
            }
        } catch (Exception e) {
            LOG.errorf("refresh %s: cannot start the export over: %s", id, Failures.describe(e));
            finish(id, "FAILED", new ExportReply.ExportFailed(Message.newId(), id, Instant.now(),
                    "export from '" + r.source() + "' failed and could not start over: " + Failures.describe(e)));
        } finally {
            running.remove(id);
            cancelled.remove(id);
        }
    }

    /** One attempt: null when it ended (reported), or the reason to start over. */
    private String runOnce(RefreshRequested r, int attempt) {
        String id = r.refreshId();
        long start = System.nanoTime();
        boolean report = attempt == 1 || !ledgerValidated(id);
        // the policy check and the export beat for as long as they run (a big table is one long statement)
        try (Heartbeats.Work validating = beats.begin(id, "VALIDATE"); Heartbeats.Work exporting = beats.begin(id, "EXPORT");
             KafkaBatchSender sender = new KafkaBatchSender(kafka.properties(), "restage-export-" + id, dataKeys.create(id),
                     settings.forwardUnchangedTables() ? new KafkaBatchSender.Forwarding(h -> io.restage.common.policy.TableRules.of(
                             h.source() == null ? config.policy() : config.policyFor(h.source()), h.table(), h.columns(),
                             h.skipAnonymizers()), signatures,
                             h -> beats.addRows(h.refreshId(), "ANONYMIZE", h.table(), h.rowCount(), h.attempt())) : null)) {
            EnvironmentConfig source = config.environment(r.source());
            SnapshotExporter exporter = new SnapshotExporter(() -> Connections.open(source, "restage-export"),
                    settings.parallelism(), settings.batchBytes(), settings.batchRows(), settings.splitBytes());
            List<TableCount> counts = exporter.export(new SnapshotExporter.Route(id, r.source(), r.target(), r.skipAnonymizers(),
                            io.restage.common.policy.PolicyFingerprint.of(config.policyFor(r.source())), attempt),
                    config.policyFor(r.source())::isExcluded, snapshot -> validate(id, r.source(), snapshot, report), sender,
                    (tables, estimates) -> {
                        exporting.tables(exporter::rowsSoFar);
                        events.publish(new ExportReply.ExportStarted(Message.newId(), id, Instant.now(), tables, attempt, estimates));
                    },
                    () -> cancelled.contains(id),
                    r.subset() == null ? null : new SnapshotExporter.Subset(config.subset(r.subset()),
                            config.policyFor(r.source()).secret().reveal()));
            long rows = counts.stream().mapToLong(TableCount::rows).sum();
            LOG.infof("refresh %s: exported %d tables, %d rows in %d ms (attempt %d)", id, counts.size(), rows,
                    (System.nanoTime() - start) / 1_000_000, attempt);
            List<String> excluded = config.policyFor(r.source()).excludeTables();
            // the tables no rule changes went to the importer directly (everything is acknowledged): their reports, as
            // the anonymizer gives for the others
            for (io.restage.common.messages.AnonymizerReply.TableAnonymized t : sender.forwardedTables()) {
                events.publish(t);
            }
            finish(id, "DONE", new ExportReply.ExportCompleted(Message.newId(), id, Instant.now(), counts, excluded, attempt,
                    exporter.sourceMaxima()));
        } catch (SourceWritableException e) {
            rejected(id, e.getMessage(), List.of(e.getMessage()), report);
        } catch (PolicyRejectedException e) {
            rejected(id, e.getMessage(), e.report.problems().stream().map(PolicyReport.Problem::message).toList(), report);
        } catch (Exception e) {
            boolean wasCancelled = e instanceof SnapshotExporter.CancelledException || cancelled.contains(id);
            if (!wasCancelled && attempt < settings.attempts() && Failures.classify(e) == Failures.Kind.TRANSIENT) {
                return "attempt " + attempt + " was interrupted: " + Failures.describe(e);
            }
            String reason = wasCancelled ? "cancelled" : "export from '" + r.source() + "' failed"
                    + (attempt > 1 ? " (attempt " + attempt + " of " + settings.attempts() + ")" : "") + ": " + Failures.describe(e);
            LOG.errorf("refresh %s: %s", id, reason);
            finish(id, "FAILED", new ExportReply.ExportFailed(Message.newId(), id, Instant.now(), reason));
        }
        return null;
    }

    private boolean ledgerValidated(String id) {
        try {
            return ledger.isValidated(id);
        } catch (SQLException e) {
            return true; // cannot tell: a verdict reported twice would be ignored, one not reported would strand VALIDATE
        }
    }

    /**
     * The policy check refused the snapshot. The first verdict is PolicyRejected (the saga's VALIDATE step); a restarted
     * export whose new snapshot no longer passes (the schema changed in between) fails the export instead.
     */
    private void rejected(String id, String reason, List<String> problems, boolean report) {
        LOG.warnf("refresh %s: %s", id, reason);
        finish(id, "FAILED", report ? new ExportReply.PolicyRejected(Message.newId(), id, Instant.now(), reason, problems)
                : new ExportReply.ExportFailed(Message.newId(), id, Instant.now(),
                        "the restarted export's new snapshot no longer passes the policy check: " + reason));
    }

    /** The saga's first step: the policy check, inside the export's snapshot. */
    private void validate(String id, String source, java.sql.Connection snapshot, boolean reportVerdict) throws Exception {
        String write = io.restage.common.security.SourceAccess.writeAccess(snapshot);
        if (write != null) {
            throw new SourceWritableException(io.restage.common.security.SourceAccess.refusal(source, write));
        }
        PolicyReport report = PolicyChecker.check(snapshot, source, config.policyFor(source));
        if (!report.ok()) {
            throw new PolicyRejectedException(report);
        }
        LOG.infof("refresh %s: policy check passed (%d tables, %d columns, %d values sampled)", id, report.tables(),
                report.columns(), report.sampledValues());
        if (reportVerdict) {
            events.publish(new ExportReply.PolicyValidated(Message.newId(), id, Instant.now(), report.tables(),
                    report.columns(), report.sampledValues()));
            ledger.validated(id);
        }
    }

    /**
     * Ends the export in the ledger with its reply, in one transaction; false (and nothing reported) when this instance
     * no longer holds it. If the ledger cannot be written the reply goes out on its own: the saga must hear the outcome.
     */
    private boolean finish(String id, String status, Event reply) {
        try {
            boolean held = io.restage.common.Retry.DATABASE.run(() -> ledger.finish(id, instance, status, events.outbox(), reply));
            if (!held) {
                LOG.warnf("refresh %s: another export service instance took this export over: this attempt's outcome is not reported", id);
            }
            events.outbox().wake();
            return held;
        } catch (Exception ledgerError) {
            LOG.errorf("refresh %s: cannot record the export's end: %s", id, Failures.describe(ledgerError));
            events.publish(reply);
            return true;
        }
    }

    /** The source's database user could write: nothing is read. */
    static final class SourceWritableException extends Exception {
        SourceWritableException(String message) {
            super(message);
        }
    }

    /** The policy does not cover the source: nothing is exported. */
    static final class PolicyRejectedException extends Exception {
        final transient PolicyReport report;

        PolicyRejectedException(PolicyReport report) {
            super(report.summary());
            this.report = report;
        }
    }
}
