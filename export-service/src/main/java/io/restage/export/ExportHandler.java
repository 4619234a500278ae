package io.restage.export;

import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.restage.common.Failures;
import io.restage.common.config.Connections;
import io.restage.common.config.EnvironmentConfig;
import io.restage.common.config.RestageConfig;
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

    public ExportHandler(RestageConfig config, ExportLedger ledger, EventPublisher events, ExportSettings settings,
                         KafkaClientConfig kafka, DataKeys dataKeys, Heartbeats beats) {
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
     * then fails the exports whose instance died (their lease expired: the snapshot died with the connection). A
     * starting instance never fails another's running export.
     */
    void onStart(@Observes StartupEvent ev) {
        long every = Math.max(1000, settings.lease().toMillis() / 3);
        leases.scheduleWithFixedDelay(this::renewAndSweep, 0, every, java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    void renewAndSweep() {
        try {
            cancelled.addAll(ledger.renew(instance, running, settings.lease()));
            for (String id : ledger.takeExpired()) {
                LOG.warnf("refresh %s: the export service instance that ran the export stopped (its lease expired)", id);
                events.publish(new ExportReply.ExportFailed(Message.newId(), id, Instant.now(),
                        "the export service instance that ran the export stopped and its snapshot is gone: start a new refresh"));
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
            if (ledger.claim(request.refreshId(), instance, settings.lease())) {
                LOG.warnf("refresh %s: refused: %s", request.refreshId(), refusal);
                ledger.finish(request.refreshId(), "FAILED");
                events.publish(new ExportReply.PolicyRejected(Message.newId(), request.refreshId(), Instant.now(),
                        "export refused: " + refusal, List.of(refusal)));
            }
            return;
        }
        if (!ledger.claim(request.refreshId(), instance, settings.lease())) {
            LOG.infof("refresh %s: request already handled, ignoring the duplicate", request.refreshId());
            return;
        }
        running.add(request.refreshId());
        jobs.submit(() -> run(request));
    }

    /** Recorded in the shared ledger, so whichever instance runs the export stops it at its next renewal. */
    public void onCancel(String refreshId) throws SQLException {
        cancelled.add(refreshId);
        ledger.requestCancel(refreshId);
    }

    void run(RefreshRequested r) {
        String id = r.refreshId();
        long start = System.nanoTime();
        // the policy check and the export beat for as long as they run (a big table is one long statement)
        try (Heartbeats.Work validating = beats.begin(id, "VALIDATE"); Heartbeats.Work exporting = beats.begin(id, "EXPORT");
             KafkaBatchSender sender = new KafkaBatchSender(kafka.properties(), "restage-export-" + id, dataKeys.create(id))) {
            EnvironmentConfig source = config.environment(r.source());
            SnapshotExporter exporter = new SnapshotExporter(() -> Connections.open(source, "restage-export"),
                    settings.parallelism(), settings.batchBytes(), settings.batchRows(), settings.splitBytes());
            List<TableCount> counts = exporter.export(new SnapshotExporter.Route(id, r.source(), r.target(), r.skipAnonymizers(),
                            io.restage.common.policy.PolicyFingerprint.of(config.policyFor(r.source()))),
                    config.policyFor(r.source())::isExcluded, snapshot -> validate(id, r.source(), snapshot), sender,
                    tables -> events.publish(new ExportReply.ExportStarted(Message.newId(), id, Instant.now(), tables)),
                    () -> cancelled.contains(id));
            long rows = counts.stream().mapToLong(TableCount::rows).sum();
            LOG.infof("refresh %s: exported %d tables, %d rows in %d ms", id, counts.size(), rows,
                    (System.nanoTime() - start) / 1_000_000);
            ledger.finish(id, "DONE");
            List<String> excluded = config.policyFor(r.source()).excludeTables();
            events.publish(new ExportReply.ExportCompleted(Message.newId(), id, Instant.now(), counts, excluded));
        } catch (SourceWritableException e) {
            LOG.warnf("refresh %s: %s", id, e.getMessage());
            finish(id, "FAILED");
            events.publish(new ExportReply.PolicyRejected(Message.newId(), id, Instant.now(), e.getMessage(), List.of(e.getMessage())));
        } catch (PolicyRejectedException e) {
            LOG.warnf("refresh %s: %s", id, e.getMessage());
            finish(id, "FAILED");
            events.publish(new ExportReply.PolicyRejected(Message.newId(), id, Instant.now(), e.getMessage(),
                    e.report.problems().stream().map(PolicyReport.Problem::message).toList()));
        } catch (Exception e) {
            String reason = e instanceof SnapshotExporter.CancelledException ? "cancelled"
                    : "export from '" + r.source() + "' failed: " + Failures.describe(e);
            LOG.errorf("refresh %s: %s", id, reason);
            finish(id, "FAILED");
            events.publish(new ExportReply.ExportFailed(Message.newId(), id, Instant.now(), reason));
        } finally {
            running.remove(id);
            cancelled.remove(id);
        }
    }

    /** The saga's first step: the policy check, inside the export's snapshot. */
    private void validate(String id, String source, java.sql.Connection snapshot) throws Exception {
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
        events.publish(new ExportReply.PolicyValidated(Message.newId(), id, Instant.now(), report.tables(),
                report.columns(), report.sampledValues()));
    }

    private void finish(String id, String status) {
        try {
            ledger.finish(id, status);
        } catch (Exception ledgerError) {
            LOG.errorf("refresh %s: cannot record the export's end: %s", id, Failures.describe(ledgerError));
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
