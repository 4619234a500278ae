package io.restage.importer;

import io.restage.common.Failures;
import io.restage.common.Retry;
import io.restage.common.progress.Heartbeats;
import io.restage.common.Topics;
import io.restage.common.messages.MessageRefused;
import io.restage.common.security.TargetRules;
import io.restage.common.batch.Batch;
import io.restage.common.batch.BatchCodec;
import io.restage.common.batch.BatchHeader;
import io.restage.common.config.Connections;
import io.restage.common.config.PolicyConfig;
import io.restage.common.config.RestageConfig;
import io.restage.common.messages.Command;
import io.restage.common.messages.Event;
import io.restage.common.messages.ImportReply;
import io.restage.common.messages.Message;
import io.restage.common.messages.RefreshRequested;
import io.restage.importer.commit.Committer;
import io.restage.importer.commit.CommitConnections;
import io.restage.importer.commit.Generations;
import io.restage.common.policy.LeakFingerprints;
import io.restage.common.policy.PolicyFingerprint;
import io.restage.importer.staging.SchemaDiff;
import io.restage.importer.staging.StagingProof;
import io.restage.importer.staging.TableProof;
import io.restage.importer.staging.StagingArea;
import io.restage.importer.staging.TargetCatalog;
import io.restage.importer.staging.TargetConnections;
import io.restage.importer.staging.TargetCatalog.TargetColumn;
import io.restage.importer.state.ImportLedger;
import io.restage.importer.state.ImportLedger.Entry;
import io.restage.importer.state.ImportLedger.Status;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Stages clean batches in the target, proves staging complete, and runs the commit and discard commands. Every
 * entry point is idempotent: batches by their ledger key, commit by restage's audit row, discard by nature.
 */
@ApplicationScoped
public class ImportHandler {
    private static final Logger LOG = Logger.getLogger(ImportHandler.class);
    private static final Duration UNKNOWN_REFRESH_WAIT = Duration.ofSeconds(60);

    private final RestageConfig config;
    private final ImportLedger ledger;
    private final Committer committer;
    private final Map<String, String> fingerprints = new java.util.concurrent.ConcurrentHashMap<>();
    private final Heartbeats beats;

    private final ImportSettings settings;
    private final Retry targetRetry;

    private final io.restage.common.kafka.ReplyOutbox outbox;

    public ImportHandler(RestageConfig config, ImportLedger ledger, Heartbeats beats, ImportSettings settings,
                         io.restage.importer.messaging.EventPublisher events) {
        this.config = config;
        this.outbox = events.outbox();
        this.ledger = ledger;
        this.beats = beats;
        this.settings = settings;
        this.committer = new Committer(settings.rebuildIndexesFromRows());
        CommitConnections.checked(settings.commitConnections());
        this.targetRetry = new Retry(settings.attempts(), settings.firstRetryDelay(), Duration.ofSeconds(30));
    }

    /** Idle connections to the targets for staging batches (commit, undo and discard open their own). */
    private final TargetConnections stagingConnections = new TargetConnections("restage-import");

    public void onRequested(RefreshRequested r, Consumer<Event> publish) throws SQLException {
        String refusal = TargetRules.refusal(config, r.source(), r.target());
        if (refusal != null) {
            // never registered, so no batch of this refresh is ever staged
            LOG.warnf("refresh %s: refused: %s", r.refreshId(), refusal);
            publish.accept(MessageRefused.of("import-service", Topics.REFRESH_REQUESTED.name(), r.refreshId(),
                    "RefreshRequested", refusal));
            return;
        }
        ledger.register(r.refreshId(), r.source(), r.target());
        checkComplete(r.refreshId(), publish); // in case everything else arrived first
    }

    /** The orchestrator relays which tables make the refresh complete (StageTables, sent when the export ended). */
    void onStageTables(Command.StageTables cmd, Consumer<Event> publish) throws SQLException {
        ledger.exported(cmd.refreshId(), cmd.tables(), cmd.attempt()); // recorded even if the request has not been read yet
        if (ledger.find(cmd.refreshId()).isPresent()) {
            checkComplete(cmd.refreshId(), publish);
        }
    }

    public void onBatch(byte[] record, Consumer<Event> publish) throws Exception {
        BatchHeader peek = BatchCodec.header(record);
        String refusal = peek.target() == null ? null : TargetRules.refusal(config, peek.source(), peek.target());
        if (refusal != null) {
            LOG.warnf("refresh %s: batch of %s refused: %s", peek.refreshId(), peek.table(), refusal);
            return;
        }
        if (peek.target() != null) {
            // the batch names its environments: no need to wait for refresh.requested (read on another channel)
            ledger.register(peek.refreshId(), peek.source(), peek.target());
        }
        Optional<Entry> entry = peek.target() != null ? ledger.find(peek.refreshId()) : awaitRefresh(peek.refreshId());
        if (entry.isEmpty()) {
            LOG.warnf("refresh %s: batch for an unknown refresh ignored", peek.refreshId());
            return;
        }
        if (entry.get().status() != Status.STAGING) {
            return; // discarded, failed or done: late batches change nothing
        }
        beats.touch(peek.refreshId(), "STAGE", -1, -1, "batches", peek.table());
        String own = fingerprints.computeIfAbsent(entry.get().source(), src -> PolicyFingerprint.of(config.policyFor(src)));
        if (!own.equals(peek.policy())) {
            fail(peek.refreshId(), "batch " + peek.seq() + " of " + peek.table() + " refused: "
                    + PolicyFingerprint.mismatch("the import service", peek.policy(), own), publish);
            return;
        }
        Batch batch = BatchCodec.decode(record);
        if (!batch.header().anonymized()) {
            fail(peek.refreshId(), "batch " + peek.seq() + " of " + peek.table() + " did not pass the anonymizer: refusing to stage it", publish);
            return;
        }
        StagingArea area = new StagingArea(peek.refreshId());
        TableProof proof;
        try {
            // Retrying is safe: the batch ledger row is written in the same transaction as the rows.
            StagingArea.Audit audit = audit(entry.get().source(), peek.refreshId(), batch.header().skipAnonymizers());
            long started = System.nanoTime();
            proof = Retry.DATABASE.run(() -> stage(entry.get().target(), area, batch, audit));
            if (batch.header().kind() == io.restage.common.batch.BatchHeader.Kind.ROWS) {
                io.restage.common.health.BatchMeters.batch(io.micrometer.core.instrument.Metrics.globalRegistry, "stage",
                        peek.table(), batch.header().rowCount(), record.length, System.nanoTime() - started);
            }
        } catch (Exception e) {
            fail(peek.refreshId(), "staging " + peek.table() + " in '" + entry.get().target() + "' failed: " + Failures.describe(e), publish);
            return;
        }
        if (proof instanceof TableProof.Problem p) {
            fail(peek.refreshId(), p.reason(), publish);
            return;
        }
        if (batch.header().kind() == io.restage.common.batch.BatchHeader.Kind.ROWS) {
            beats.addRows(peek.refreshId(), "STAGE", peek.table(), batch.header().rowCount(), batch.header().attempt());
        }
        if (ledger.find(peek.refreshId()).map(x -> x.status() == Status.DISCARDED).orElse(false)) {
            // a discard ran while this batch was being staged: drop what the batch may have re-created
            try (Connection c = Connections.open(config.environment(entry.get().target()), "restage-import")) {
                area.drop(c);
            }
            return;
        }
        if (proof instanceof TableProof.Proven) {
            checkComplete(peek.refreshId(), publish); // this table is complete: maybe the whole refresh is
        }
    }

    /**
     * Stages one batch (or records an end marker) in one transaction; returns what the table's end marker says now. A
     * batch of an earlier export snapshot than the area holds is dropped; one of a later snapshot first empties the area
     * ({@link StagingArea#startOver}), so two snapshots never mix.
     */
    /**
     * What the leak audit needs to probe batches as they are staged; null when no rule the refresh runs is audited
     * (no source value is fingerprinted, so nothing could match).
     */
    private StagingArea.Audit audit(String source, String refreshId, List<String> skip) {
        PolicyConfig policy = config.policyFor(source);
        boolean any = policy.allRules().stream().anyMatch(r -> io.restage.common.policy.TransformerCatalog.audited(r)
                && !skip.contains(r.id()) && !skip.contains(r.transformer()));
        return any ? new StagingArea.Audit(policy, skip, LeakFingerprints.key(policy.secret().reveal(), refreshId)) : null;
    }

    private TableProof stage(String targetName, StagingArea area, Batch batch, StagingArea.Audit audit) throws Exception {
        try (TargetConnections.Lease lease = stagingConnections.borrow(config.environment(targetName))) {
            Connection c = lease.connection();
            StagingArea.Catalog target = () -> TargetCatalog.read(c); // read only for a table's first batch
            area.ensure(c);
            int attempt = batch.header().attempt();
            if (attempt > area.attempt(c) && area.startOver(c, attempt)) {
                // a new snapshot replaces everything staged: what a crash of the target may have emptied no longer matters
                LOG.infof("refresh %s: the export started over under snapshot %d: what earlier snapshots staged in '%s' is dropped",
                        batch.header().refreshId(), attempt, targetName);
            }
            if (area.lostToARestart(c) != null) {
                // staging more onto emptied tables would only hide the loss: the batch is dropped. If the export starts
                // over (the crash took its snapshot too), the new snapshot stages afresh; if this snapshot completes, the
                // completeness proof fails the refresh with the reason
                return new TableProof.Pending();
            }
            while (true) {
                c.setAutoCommit(false);
                int staged = area.lockAttempt(c);
                if (attempt < staged) {
                    c.rollback();
                    LOG.debugf("refresh %s: batch %d of %s from export snapshot %d dropped: snapshot %d replaced it",
                            batch.header().refreshId(), batch.header().seq(), batch.header().table(), attempt, staged);
                    return new TableProof.Pending();
                }
                if (attempt == staged) {
                    break;
                }
                c.rollback();
                if (area.startOver(c, attempt)) {
                    LOG.infof("refresh %s: the export started over under snapshot %d: what snapshot %d staged in '%s' is dropped",
                            batch.header().refreshId(), attempt, staged, targetName);
                }
            }
            try {
                if (batch.header().kind() == BatchHeader.Kind.END) {
                    area.end(c, batch.header(), target);
                } else {
                    area.stage(c, batch, target, () -> Connections.open(config.environment(targetName), "restage-import"), audit);
                }
                c.commit();
            } catch (Exception e) {
                c.rollback();
                throw e;
            }
            // a table read in chunks may see its end marker before its last batches: whichever arrives last completes it
            return area.ended(c, batch.header().table()) ? area.verify(c, batch.header().table()) : new TableProof.Pending();
        }
    }

    /**
     * Once every announced table has its end marker and proves complete, report StagingCompleted (exactly once).
     * Any error on the way fails the refresh (before the pivot) rather than leaving it waiting for an event that
     * would never come.
     */
    void checkComplete(String refreshId, Consumer<Event> publish) throws SQLException {
        try (Heartbeats.Work proving = beats.begin(refreshId, "STAGE")) {
            proveComplete(refreshId, publish);
        } catch (Exception e) {
            fail(refreshId, "cannot prove the staged data complete and clean: " + Failures.describe(e), publish);
        }
    }

    private void proveComplete(String refreshId, Consumer<Event> publish) throws SQLException {
        Entry e = ledger.find(refreshId).orElseThrow();
        if (e.status() != Status.STAGING || e.exportedTables() == null) {
            return;
        }
        StagingArea area = new StagingArea(refreshId);
        PolicyConfig policy = config.policyFor(e.source());
        try (Connection c = Connections.open(config.environment(e.target()), "restage-import")) {
            if (!e.exportedTables().isEmpty() && !area.exists(c)) {
                return;
            }
            if (e.exportedTables().isEmpty()) {
                area.ensure(c);
                area.startOver(c, e.exportedAttempt());
            }
            if (area.attempt(c) != e.exportedAttempt()) {
                return; // the completed snapshot's batches have not arrived yet (the area still holds an earlier one's)
            }
            StagingProof.Outcome outcome = StagingProof.prove(c, () -> Connections.open(config.environment(e.target()),
                    "restage-import"), area, e.exportedTables(), policy, LeakFingerprints.key(policy.secret().reveal(), refreshId));
            if (outcome instanceof StagingProof.Refused refused) {
                fail(refreshId, refused.reason(), publish);
            } else if (outcome instanceof StagingProof.Complete done) {
                SchemaDiff.Differences d = done.differences();
                ImportReply.StagingCompleted reply = new ImportReply.StagingCompleted(Message.newId(), refreshId, Instant.now(),
                        StagingArea.counts(done.staged().stream().filter(t -> t.stageTable() != null).toList()),
                        d.skippedTables(), d.missingTables(), d.droppedColumns(), d.defaultedColumns(), done.convertedColumns(),
                        done.leakAudit());
                if (ledger.transition(refreshId, Status.STAGING, Status.STAGED, outbox, reply)) { // exactly once
                    LOG.infof("refresh %s: staging complete in '%s' (%d tables)", refreshId, e.target(), done.staged().size());
                }
            } // pending: a later batch or StageTables tries again
        }
    }

    public void onCommand(Command command, Consumer<Event> publish) throws SQLException {
        String refusal = commandRefusal(command);
        if (refusal != null) {
            LOG.warnf("refresh %s: %s refused: %s", command.refreshId(), command.getClass().getSimpleName(), refusal);
            publish.accept(MessageRefused.of("import-service", Topics.REFRESH_COMMANDS.name(), command.refreshId(),
                    command.getClass().getSimpleName(), refusal));
            if (command instanceof Command.CommitImport) {
                publish.accept(new ImportReply.CommitFailed(Message.newId(), command.refreshId(), Instant.now(),
                        "commit refused: " + refusal));
            } else if (command instanceof Command.UndoImport) {
                publish.accept(new ImportReply.UndoFailed(Message.newId(), command.refreshId(), Instant.now(),
                        "undo refused: " + refusal));
            }
            return;
        }
        // the discard is STAGE's compensation; the orchestrator counts any beat during an undo as the undo's
        String step = command instanceof Command.CommitImport ? "COMMIT" : command instanceof Command.UndoImport ? "UNDO" : "STAGE";
        try (Heartbeats.Work work = beats.begin(command.refreshId(), step)) {
            if (command instanceof Command.StageTables tables) {
                onStageTables(tables, publish);
            } else if (command instanceof Command.CommitImport commit) {
                commit(commit, publish);
            } else if (command instanceof Command.DiscardStaging discard) {
                discard(discard, publish);
            } else if (command instanceof Command.UndoImport undo) {
                undo(undo, publish);
            }
        }
    }

    /**
     * A command may only write into an environment this service's configuration opens for imports, and only into the
     * target this refresh was registered for (a commit cannot be redirected by naming another environment).
     */
    String commandRefusal(Command command) throws SQLException {
        String target = command instanceof Command.CommitImport c ? c.target()
                : command instanceof Command.StageTables t ? t.target()
                : command instanceof Command.DiscardStaging d ? d.target()
                : command instanceof Command.UndoImport u ? u.target() : null;
        if (target == null) {
            return null;
        }
        String source = command instanceof Command.CommitImport c ? c.source() : null;
        String refusal = TargetRules.refusal(config, source, target);
        if (refusal != null) {
            return refusal;
        }
        Optional<Entry> entry = ledger.find(command.refreshId());
        if (entry.isPresent() && !entry.get().target().equals(target)) {
            return "refresh " + command.refreshId() + " was registered for target '" + entry.get().target()
                    + "', not '" + target + "'";
        }
        if (entry.isPresent() && source != null && !entry.get().source().equals(source)) {
            return "refresh " + command.refreshId() + " was registered from source '" + entry.get().source()
                    + "', not '" + source + "'";
        }
        return null;
    }

    void commit(Command.CommitImport cmd, Consumer<Event> publish) throws SQLException {
        Optional<Entry> entry = ledger.find(cmd.refreshId());
        if (entry.isEmpty() || (entry.get().status() != Status.STAGED && entry.get().status() != Status.COMMITTED)) {
            publish.accept(new ImportReply.CommitFailed(Message.newId(), cmd.refreshId(), Instant.now(),
                    "refresh is not staged (status " + entry.map(x -> x.status().name()).orElse("unknown") + "): nothing was changed"));
            return;
        }
        StagingArea area = new StagingArea(cmd.refreshId());
        Committer.Outcome o;
        try {
            o = targetRetry.run(() -> {
                try (Connection c = Connections.open(config.environment(cmd.target()), "restage-import")) {
                    if (Committer.committed(c, cmd.refreshId()) == null) {
                        String lost = area.lostToARestart(c);
                        if (lost != null) {
                            // a crash of the target between tries emptied the staging: nothing to commit, fail closed
                            throw new IllegalStateException(lost);
                        }
                    }
                    return committer.commit(c, cmd, area, config.policyFor(cmd.source())::isExcluded,
                            config.environment(cmd.target()).keepGenerations(), settings.lockTimeout(),
                            config.environment(cmd.target()).hooks(), new CommitConnections(() -> Connections.open(
                                    config.environment(cmd.target()), "restage-import"), settings.commitConnections(),
                                    settings.lockTimeout()));
                }
            }, (attempt, wait, e) -> LOG.warnf("refresh %s: commit attempt %d failed (%s), retrying in %d ms", cmd.refreshId(),
                    attempt, Failures.describe(e), wait.toMillis()));
        } catch (Exception e) {
            // whatever failed (the transaction, the connection after COMMIT was sent), the target's audit row says
            // whether the commit happened: it is written in the same transaction as the data
            List<io.restage.common.messages.TableCount> committed = committedInTarget(cmd);
            if (committed == null) {
                String reason = "commit into '" + cmd.target() + "' rolled back, the target keeps its previous data: "
                        + Failures.describe(e);
                LOG.errorf("refresh %s: %s", cmd.refreshId(), reason);
                publish.accept(new ImportReply.CommitFailed(Message.newId(), cmd.refreshId(), Instant.now(), reason));
                return;
            }
            LOG.warnf("refresh %s: the commit reported %s, but the target's audit row shows it committed", cmd.refreshId(),
                    Failures.describe(e));
            o = new Committer.Outcome(committed, true);
        }
        LOG.infof("refresh %s: %s into '%s'", cmd.refreshId(), o.alreadyDone() ? "already committed" : "committed", cmd.target());
        // once the data is durable: the hooks the commit recorded as pending in the target (all of them after a fresh
        // commit; those a crashed instance left after a redelivered one), and every hook's outcome for the report
        List<ImportReply.HookResult> hooks;
        try {
            hooks = targetRetry.run(() -> io.restage.importer.commit.HookLedger.runPending(config.environment(cmd.target()),
                    cmd.refreshId(), config.environment(cmd.target()).hooks(), Map.of("event", "refresh.committed",
                            "refreshId", cmd.refreshId(), "source", cmd.source(), "target", cmd.target())));
        } catch (Exception e) {
            // the data is committed and the saga must hear it: the hooks are reported as not run (they stay pending in
            // the target, where a redelivery of this command would run them)
            LOG.warnf("refresh %s: committed, but its after-commit hooks could not be run (%s)", cmd.refreshId(),
                    Failures.describe(e));
            hooks = new java.util.ArrayList<>(o.hooks());
            for (io.restage.common.config.HookConfig h : config.environment(cmd.target()).hooks()) {
                if (h.when() == io.restage.common.config.HookConfig.When.AFTER_COMMIT) {
                    hooks.add(new ImportReply.HookResult(h.name(), "after-commit", false,
                            "not run: the target could not be reached after the commit"));
                }
            }
        }
        if (!o.alreadyDone()) {
            hooks.stream().filter(h -> !h.ok()).forEach(h -> LOG.warnf("refresh %s: hook '%s' failed (%s)", cmd.refreshId(),
                    h.name(), h.detail()));
        }
        ImportReply.ImportCommitted reply = new ImportReply.ImportCommitted(Message.newId(), cmd.refreshId(), Instant.now(),
                o.imported(), hooks);
        try {
            ledger.set(cmd.refreshId(), Status.COMMITTED, outbox, reply);
        } catch (SQLException e) {
            // the target is the fact: the answer goes out anyway (a redelivered command finds the audit row and repeats it)
            LOG.warnf("refresh %s: committed, but the ledger could not record it: %s", cmd.refreshId(), Failures.describe(e));
            publish.accept(reply);
        }
        if (config.environment(cmd.target()).keepGenerations() > 0) {
            durable.execute(() -> makeGenerationDurable(cmd.refreshId(), cmd.target()));
        }
    }

    /** Makes the undo generations crash-safe after their commits, one at a time, off the refreshes' path. */
    private final java.util.concurrent.ExecutorService durable = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "restage-generation-durable");
        t.setDaemon(true);
        return t;
    });

    /**
     * At start: the undo generations an earlier run of this service (or another instance) left unlogged, because it
     * stopped between a commit and making its generation crash-safe, are made crash-safe now, one at a time, off the
     * start-up path. A target that cannot be reached is left for the next start (its generations stay usable for undo
     * until its server crashes, and undo then says they were lost).
     */
    void onStart(@jakarta.enterprise.event.Observes io.quarkus.runtime.StartupEvent ev) {
        durable.execute(this::makeLeftGenerationsDurable);
    }

    /** The sweep {@link #onStart} runs: every target that keeps generations, each generation with unlogged tables. */
    int makeLeftGenerationsDurable() {
        return makeLeftGenerationsDurable(STARTED);
    }

    private static final Instant STARTED = Instant.now();

    /** As above, for generations kept before {@code before}. */
    int makeLeftGenerationsDurable(Instant before) {
        int found = 0;
        for (io.restage.common.config.EnvironmentConfig env : config.environments().values()) {
            if (!env.allowImport() || env.keepGenerations() <= 0 || env.database() == null) {
                continue;
            }
            List<String> left;
            try (Connection c = Connections.open(env, "restage-import")) {
                left = Generations.notDurable(c, before);
            } catch (Exception e) {
                LOG.debugf("target '%s': cannot look for undo generations left unlogged (%s)", env.name(), Failures.describe(e));
                continue;
            }
            for (String refreshId : left) {
                LOG.infof("refresh %s: its undo generation in '%s' was left unlogged by an earlier run: making it crash-safe",
                        refreshId, env.name());
                makeGenerationDurable(refreshId, env.name());
                found++;
            }
        }
        return found;
    }

    /** After the reply: the commit copied the undo generation unlogged; it is rewritten logged here (see Generations). */
    private void makeGenerationDurable(String refreshId, String target) {
        long start = System.nanoTime();
        try {
            int tables = targetRetry.run(() -> {
                try (Connection c = Connections.open(config.environment(target), "restage-import")) {
                    return io.restage.importer.commit.Generations.makeDurable(c, refreshId, settings.lockTimeout());
                }
            }, (attempt, wait, e) -> LOG.debugf("refresh %s: making the undo generation crash-safe, attempt %d failed (%s)",
                    refreshId, attempt, Failures.describe(e)));
            LOG.infof("refresh %s: undo generation in '%s' made crash-safe (%d tables, %d ms)", refreshId, target,
                    tables, (System.nanoTime() - start) / 1_000_000);
        } catch (Exception e) {
            // undo still works from it until the target's server crashes or fails over; undo then says it was lost
            LOG.warnf("refresh %s: the undo generation in '%s' stays unlogged (%s)", refreshId, target, Failures.describe(e));
        }
    }

    /**
     * The rows the refresh committed into its target, read from the target, or null if it did not commit. If the
     * target cannot be read either, the outcome is unknown: nothing is reported (a guess could make the saga revert
     * media under committed data) and the saga's commit deadline says so; a redelivered command answers again.
     */
    private List<io.restage.common.messages.TableCount> committedInTarget(Command.CommitImport cmd) {
        try {
            return Retry.DATABASE.run(() -> {
                try (Connection c = Connections.open(config.environment(cmd.target()), "restage-import")) {
                    return Committer.committed(c, cmd.refreshId());
                }
            });
        } catch (Exception unknown) {
            LOG.errorf("refresh %s: cannot tell whether the commit into '%s' happened (%s): no answer sent", cmd.refreshId(),
                    cmd.target(), Failures.describe(unknown));
            throw new IllegalStateException("outcome of the commit of refresh " + cmd.refreshId() + " unknown", unknown);
        }
    }

    /** Puts back the target's data from before the refresh (one transaction); refused if it is not the latest commit. */
    void undo(Command.UndoImport cmd, Consumer<Event> publish) {
        try {
            Generations.Undone u = targetRetry.run(() -> {
                try (Connection c = Connections.open(config.environment(cmd.target()), "restage-import");
                     java.sql.Statement st = c.createStatement()) {
                    st.execute("set lock_timeout = " + Math.max(1, settings.lockTimeout().toMillis()));
                    return Generations.undo(c, cmd.refreshId(), cmd.target(), cmd.requestedBy(), settings.rebuildIndexesFromRows());
                }
            }, (attempt, wait, e) -> LOG.warnf("refresh %s: undo attempt %d failed (%s), retrying in %d ms", cmd.refreshId(),
                    attempt, Failures.describe(e), wait.toMillis()));
            LOG.infof("refresh %s: %s in '%s'", cmd.refreshId(), u.alreadyDone() ? "already undone" : "undone", cmd.target());
            publish.accept(new ImportReply.ImportUndone(Message.newId(), cmd.refreshId(), Instant.now(), u.restored()));
        } catch (Generations.UndoRefused e) {
            LOG.warnf("refresh %s: undo refused: %s", cmd.refreshId(), e.getMessage());
            publish.accept(new ImportReply.UndoFailed(Message.newId(), cmd.refreshId(), Instant.now(), e.getMessage()));
        } catch (Exception e) {
            String reason = "undo in '" + cmd.target() + "' rolled back, the target keeps the refreshed data: "
                    + Failures.describe(e);
            LOG.errorf("refresh %s: %s", cmd.refreshId(), reason);
            publish.accept(new ImportReply.UndoFailed(Message.newId(), cmd.refreshId(), Instant.now(), reason));
        }
    }

    void discard(Command.DiscardStaging cmd, Consumer<Event> publish) throws SQLException {
        // every compensation answers: a committed refresh says why nothing was discarded; an unknown one is recorded
        // as discarded first, so batches of it that arrive later are dropped instead of staged (no orphan schema)
        if (!ledger.discard(cmd.refreshId(), cmd.target())) {
            String reason = "refresh " + cmd.refreshId() + " is already committed into '" + cmd.target() + "': its staging"
                    + " is gone and the target holds its data (undo the refresh to put the previous data back)";
            LOG.warnf("refresh %s: discard refused: %s", cmd.refreshId(), reason);
            publish.accept(new ImportReply.StagingDiscardFailed(Message.newId(), cmd.refreshId(), Instant.now(), reason));
            return;
        }
        try {
            Retry.DATABASE.run(() -> {
                try (Connection c = Connections.open(config.environment(cmd.target()), "restage-import");
                     java.sql.Statement st = c.createStatement()) {
                    // never queue forever behind a session holding a staging table: time out, and retry with back-off
                    st.execute("set lock_timeout = " + Math.max(1, settings.lockTimeout().toMillis()));
                    new StagingArea(cmd.refreshId()).drop(c);
                }
                return null;
            });
        } catch (Exception e) {
            String reason = "cannot drop the staged data of refresh " + cmd.refreshId() + " in '" + cmd.target() + "': "
                    + Failures.describe(e) + "; live tables are untouched, drop schema " + StagingArea.schemaFor(cmd.refreshId())
                    + " by hand";
            LOG.errorf("refresh %s: %s", cmd.refreshId(), reason);
            publish.accept(new ImportReply.StagingDiscardFailed(Message.newId(), cmd.refreshId(), Instant.now(), reason));
            return;
        }
        LOG.infof("refresh %s: staging discarded in '%s'", cmd.refreshId(), cmd.target());
        publish.accept(new ImportReply.StagingDiscarded(Message.newId(), cmd.refreshId(), Instant.now()));
    }

    private void fail(String refreshId, String reason, Consumer<Event> publish) throws SQLException {
        if (ledger.transition(refreshId, Status.STAGING, Status.FAILED, outbox,
                new ImportReply.StagingFailed(Message.newId(), refreshId, Instant.now(), reason))) {
            LOG.errorf("refresh %s: %s", refreshId, reason);
        }
    }

    /** refresh.requested and the batch topic are read independently: give the request a moment to arrive. */
    private Optional<Entry> awaitRefresh(String refreshId) throws SQLException {
        long deadline = System.nanoTime() + UNKNOWN_REFRESH_WAIT.toNanos();
        Optional<Entry> e = ledger.find(refreshId);
        while (e.isEmpty() && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
            e = ledger.find(refreshId);
        }
        return e;
    }
}
