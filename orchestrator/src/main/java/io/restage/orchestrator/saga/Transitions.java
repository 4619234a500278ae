package io.restage.orchestrator.saga;

import io.restage.common.messages.AnonymizerReply.AnonymizationFailed;
import io.restage.common.messages.AnonymizerReply.TableAnonymized;
import io.restage.common.messages.ExportReply.ExportCompleted;
import io.restage.common.messages.ExportReply.ExportFailed;
import io.restage.common.messages.ExportReply.ExportRestarted;
import io.restage.common.messages.ExportReply.ExportStarted;
import io.restage.common.messages.ExportReply.PolicyRejected;
import io.restage.common.messages.ExportReply.PolicyValidated;
import io.restage.common.messages.ExportReply.RefreshDataShredded;
import io.restage.common.messages.ImportReply.CommitFailed;
import io.restage.common.messages.ImportReply.ImportCommitted;
import io.restage.common.messages.ImportReply.ImportUndone;
import io.restage.common.messages.ImportReply.UndoFailed;
import io.restage.common.messages.ImportReply.StagingCompleted;
import io.restage.common.messages.ImportReply.StagingDiscardFailed;
import io.restage.common.messages.ImportReply.StagingDiscarded;
import io.restage.common.messages.ImportReply.StagingFailed;
import io.restage.common.messages.MediaReply.MediaCopied;
import io.restage.common.messages.MediaReply.MediaCopyFailed;
import io.restage.common.messages.MediaReply.MediaPruneFailed;
import io.restage.common.messages.MediaReply.MediaPruned;
import io.restage.common.messages.MediaReply.MediaUndoFailed;
import io.restage.common.messages.MediaReply.MediaUndone;
import io.restage.common.messages.MediaReply.MediaReverted;
import io.restage.common.messages.MediaReply.MediaRevertFailed;
import io.restage.common.messages.Message;
import io.restage.common.messages.MessageDeadLettered;
import io.restage.common.messages.StepProgress;
import io.restage.common.messages.TableCount;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The saga as one table: {@code (refresh status, event) -> what happens}, read top to bottom. An event with no row
 * for the current status (a late or duplicate reply) changes nothing and is reported as ignored.
 */
public final class Transitions {

    /** The effect of one event: messages to send (after the new state is stored), or why it was ignored. */
    public record Outcome(List<Message> send, String ignoredBecause, boolean routine) {
        public Outcome(List<Message> send, String ignoredBecause) {
            this(send, ignoredBecause, false);
        }

        public boolean ignored() {
            return ignoredBecause != null;
        }
    }

    private interface Action<E> {
        void apply(Refresh r, E event, Ctx ctx);
    }

    private record Row<E>(RefreshStatus when, Class<E> on, Action<E> then) {
    }

    private static final RefreshStatus RUNNING = RefreshStatus.RUNNING;
    private static final RefreshStatus COMPENSATING = RefreshStatus.COMPENSATING;
    private static final RefreshStatus SUCCEEDED = RefreshStatus.SUCCEEDED;
    private static final RefreshStatus UNDOING = RefreshStatus.UNDOING;
    private static final RefreshStatus UNDONE = RefreshStatus.UNDONE;
    private static final String NOTHING_TO_UNDO = "the refresh never committed, the target still holds its previous data";

    private static final List<Row<?>> TABLE = List.of(
            //   in state      on event                     then
            row(RUNNING, PolicyValidated.class, Transitions::policyValidated),
            row(RUNNING, PolicyRejected.class, Transitions::policyRejected),
            row(RUNNING, ExportStarted.class, Transitions::exportStarted),
            row(RUNNING, ExportRestarted.class, Transitions::exportRestarted),
            row(RUNNING, ExportCompleted.class, Transitions::exportCompleted),
            row(RUNNING, TableAnonymized.class, Transitions::tableAnonymized),
            row(RUNNING, StagingCompleted.class, Transitions::stagingCompleted),
            row(RUNNING, MediaCopied.class, Transitions::mediaCopied),
            row(RUNNING, ImportCommitted.class, Transitions::importCommitted),
            row(RUNNING, MediaPruned.class, Transitions::mediaPruned),
            row(RUNNING, MediaPruneFailed.class, (r, e, c) -> c.retryLater(Step.MEDIA_PRUNE, e.reason())),
            row(RUNNING, RetryDue.class, Transitions::retryDue),
            row(RUNNING, ExportFailed.class, (r, e, c) -> c.failExportService(e.reason())),
            row(RUNNING, AnonymizationFailed.class, (r, e, c) -> c.fail(Step.ANONYMIZE, e.reason())),
            row(RUNNING, StagingFailed.class, (r, e, c) -> c.fail(Step.STAGE, e.reason())),
            row(RUNNING, MediaCopyFailed.class, (r, e, c) -> c.fail(Step.MEDIA_COPY, e.reason())),
            row(RUNNING, CommitFailed.class, (r, e, c) -> c.fail(Step.COMMIT, e.reason())),
            row(RUNNING, CancelRequested.class, Transitions::cancel),
            row(RUNNING, StepProgress.class, Transitions::heard),
            row(RUNNING, DeadlineCheck.class, Transitions::deadlines),
            row(RUNNING, AbortRequested.class, Transitions::abort),
            row(RUNNING, MessageDeadLettered.class, Transitions::deadLettered),
            row(COMPENSATING, StagingDiscarded.class, (r, e, c) -> c.compensated(Step.STAGE)),
            row(COMPENSATING, StagingDiscardFailed.class, (r, e, c) -> c.compensationFailed(Step.STAGE, e.reason())),
            row(COMPENSATING, MediaReverted.class, Transitions::mediaReverted),
            row(COMPENSATING, MediaRevertFailed.class, (r, e, c) -> c.compensationFailed(Step.MEDIA_COPY, e.reason())),
            row(COMPENSATING, CancelRequested.class, (r, e, c) -> r.cancelRequested = true),
            row(COMPENSATING, StepProgress.class, Transitions::heard),
            row(COMPENSATING, DeadlineCheck.class, Transitions::deadlines),
            row(COMPENSATING, AbortRequested.class, Transitions::abort),
            row(COMPENSATING, MessageDeadLettered.class, Transitions::deadLettered),
            //   answers that come after the saga gave up waiting (deadline, abort): recorded, they move the saga on
            row(RefreshStatus.COMPENSATION_FAILED, StagingDiscarded.class, (r, e, c) -> c.lateCompensated(Step.STAGE)),
            row(RefreshStatus.FAILED, StagingDiscarded.class, (r, e, c) -> c.lateCompensated(Step.STAGE)),
            row(RefreshStatus.CANCELLED, StagingDiscarded.class, (r, e, c) -> c.lateCompensated(Step.STAGE)),
            row(RefreshStatus.COMPENSATION_FAILED, MediaReverted.class, (r, e, c) -> c.lateCompensated(Step.MEDIA_COPY)),
            row(RefreshStatus.FAILED, MediaReverted.class, (r, e, c) -> c.lateCompensated(Step.MEDIA_COPY)),
            row(RefreshStatus.CANCELLED, MediaReverted.class, (r, e, c) -> c.lateCompensated(Step.MEDIA_COPY)),
            row(RefreshStatus.FAILED, StagingDiscardFailed.class, (r, e, c) -> c.lateCompensationFailed(Step.STAGE, e.reason())),
            row(RefreshStatus.CANCELLED, StagingDiscardFailed.class, (r, e, c) -> c.lateCompensationFailed(Step.STAGE, e.reason())),
            row(RefreshStatus.FAILED, MediaRevertFailed.class, (r, e, c) -> c.lateCompensationFailed(Step.MEDIA_COPY, e.reason())),
            row(RefreshStatus.CANCELLED, MediaRevertFailed.class, (r, e, c) -> c.lateCompensationFailed(Step.MEDIA_COPY, e.reason())),
            row(RefreshStatus.COMPENSATION_FAILED, ImportCommitted.class, Transitions::lateCommitted),
            row(RefreshStatus.COMPENSATION_FAILED, CommitFailed.class, Transitions::lateCommitFailed),
            //   undo, after the saga
            row(SUCCEEDED, UndoRequested.class, Transitions::undoRequested),
            row(UNDOING, ImportUndone.class, Transitions::undone),
            row(UNDOING, UndoFailed.class, Transitions::undoFailed),
            row(UNDOING, MediaUndone.class, Transitions::mediaUndone),
            row(UNDOING, MediaUndoFailed.class, Transitions::mediaUndoFailed),
            row(UNDOING, StepProgress.class, (r, e, c) -> r.undo.lastHeardAt = c.now),
            row(UNDOING, DeadlineCheck.class, Transitions::undoDeadline),
            row(UNDOING, MessageDeadLettered.class, (r, e, c) -> c.undoUnconfirmed(e.reason())),
            row(UNDOING, AbortRequested.class, (r, e, c) -> c.undoUnconfirmed("aborted by " + e.requestedBy() + ": " + e.reason())),
            row(SUCCEEDED, ImportUndone.class, Transitions::lateUndone),
            row(UNDONE, UndoRequested.class, (r, e, c) -> c.ignore("refresh " + r.id + " is already undone; an undo cannot be"
                    + " undone: start a new refresh to bring this data back")),
            row(UNDOING, UndoRequested.class, (r, e, c) -> c.ignore("an undo of refresh " + r.id + " is already running")),
            row(RUNNING, UndoRequested.class, (r, e, c) -> c.ignore("the refresh is still running: cancel it instead")),
            row(COMPENSATING, UndoRequested.class, (r, e, c) -> c.ignore("the refresh is being compensated: the target gets its data back")),
            row(RefreshStatus.FAILED, UndoRequested.class, (r, e, c) -> c.ignore(NOTHING_TO_UNDO)),
            row(RefreshStatus.CANCELLED, UndoRequested.class, (r, e, c) -> c.ignore(NOTHING_TO_UNDO)),
            row(RefreshStatus.COMPENSATION_FAILED, UndoRequested.class, (r, e, c) -> c.ignore("its compensation failed:"
                    + " an operator must look at the target first")),
            row(SUCCEEDED, AbortRequested.class, (r, e, c) -> c.ignore("the refresh has ended (" + r.status + "): nothing to abort")),
            row(RefreshStatus.FAILED, AbortRequested.class, (r, e, c) -> c.ignore("the refresh has ended (" + r.status + "): nothing to abort")),
            row(RefreshStatus.CANCELLED, AbortRequested.class, (r, e, c) -> c.ignore("the refresh has ended (" + r.status + "): nothing to abort")),
            row(RefreshStatus.COMPENSATION_FAILED, AbortRequested.class, (r, e, c) -> c.ignore("the refresh has ended (" + r.status + "): nothing to abort")),
            row(UNDONE, AbortRequested.class, (r, e, c) -> c.ignore("the refresh has ended (" + r.status + "): nothing to abort")),
            //   after the end: the export reports the refresh's data key destroyed
            row(SUCCEEDED, RefreshDataShredded.class, Transitions::shredded),
            row(RefreshStatus.FAILED, RefreshDataShredded.class, Transitions::shredded),
            row(RefreshStatus.CANCELLED, RefreshDataShredded.class, Transitions::shredded),
            row(RefreshStatus.COMPENSATION_FAILED, RefreshDataShredded.class, Transitions::shredded),
            row(UNDOING, RefreshDataShredded.class, Transitions::shredded),
            row(UNDONE, RefreshDataShredded.class, Transitions::shredded));

    /** The first messages of a new refresh: the pipeline steps start together on {@code refresh.requested}. */
    public static List<Message> begin(Refresh r, Instant now) {
        Ctx c = new Ctx(r, now);
        for (SagaDefinition.StepDef d : SagaDefinition.STEPS) {
            if (d.mediaOnly() && !r.media) {
                c.skip(d.step());
            } else if (d.pipeline()) {
                c.start(d.step());
            }
        }
        r.updatedAt = now;
        return c.out;
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    public static Outcome apply(Refresh r, Object event, Instant now) {
        for (Row row : TABLE) {
            if (row.when() == r.status && row.on().isInstance(event)) {
                Ctx c = new Ctx(r, now);
                row.then().apply(r, event, c);
                if (c.ignored != null) {
                    return new Outcome(List.of(), c.ignored, c.quiet);
                }
                r.updatedAt = now;
                return new Outcome(c.out, null);
            }
        }
        return new Outcome(List.of(), event.getClass().getSimpleName() + " has no transition in state " + r.status,
                event instanceof StepProgress || event instanceof DeadlineCheck);
    }

    private static <E> Row<E> row(RefreshStatus when, Class<E> on, Action<E> then) {
        return new Row<>(when, on, then);
    }

    // ---- the actions ----

    private static void undoRequested(Refresh r, UndoRequested e, Ctx c) {
        r.undo = new Refresh.UndoState();
        r.undo.status = StepStatus.RUNNING;
        r.undo.requestedBy = e.requestedBy();
        r.undo.requestedAt = c.now;
        r.status = RefreshStatus.UNDOING;
        c.out.add(SagaDefinition.undoImport(r, c.now));
    }

    private static void undone(Refresh r, ImportUndone e, Ctx c) {
        r.undo.status = StepStatus.DONE;
        r.undo.endedAt = c.now;
        e.restored().forEach(t -> r.undo.restored.put(t.table(), t.rows()));
        Refresh.StepState copy = r.steps.get(Step.MEDIA_COPY);
        if (r.media && copy != null && copy.status == StepStatus.DONE) {
            // the database holds its previous data: now the bucket, from what the copy and the prune kept aside
            r.undo.mediaStatus = StepStatus.RUNNING;
            r.undo.mediaRequestedAt = c.now;
            c.out.add(SagaDefinition.undoMedia(r, c.now));
            return;
        }
        r.status = RefreshStatus.UNDONE;
    }

    private static void mediaUndone(Refresh r, MediaUndone e, Ctx c) {
        if (r.undo == null || r.undo.mediaStatus != StepStatus.RUNNING) {
            c.ignore("no media undo of refresh " + r.id + " was awaited");
            return;
        }
        r.undo.mediaStatus = StepStatus.DONE;
        r.undo.mediaRemoved = e.removed();
        r.undo.mediaRestored = e.restored();
        r.undo.endedAt = c.now;
        r.status = RefreshStatus.UNDONE;
    }

    /** The database is undone whatever the bucket does: the refresh is UNDONE, with the bucket's failure reported. */
    private static void mediaUndoFailed(Refresh r, MediaUndoFailed e, Ctx c) {
        if (r.undo == null || r.undo.mediaStatus != StepStatus.RUNNING) {
            c.ignore("no media undo of refresh " + r.id + " was awaited");
            return;
        }
        r.undo.mediaStatus = StepStatus.FAILED;
        r.undo.mediaError = e.reason();
        r.undo.endedAt = c.now;
        r.notes.add("the database is undone, but its media could not be: " + e.reason());
        r.status = RefreshStatus.UNDONE;
    }

    /** The undo rolled back or was refused: the target still holds this refresh's data. */
    private static void undoFailed(Refresh r, UndoFailed e, Ctx c) {
        r.undo.status = StepStatus.FAILED;
        r.undo.endedAt = c.now;
        r.undo.error = e.reason();
        r.status = RefreshStatus.SUCCEEDED;
    }

    private static void shredded(Refresh r, RefreshDataShredded e, Ctx c) {
        r.shredded = new Refresh.ShredState();
        r.shredded.at = c.now;
        r.shredded.keyDestroyed = e.keyDestroyed();
        r.shredded.recordsDeleted = e.recordsDeleted();
    }

    private static void policyValidated(Refresh r, PolicyValidated e, Ctx c) {
        if (!c.expectRunning(Step.VALIDATE)) {
            return;
        }
        r.policy.tables = e.tables();
        r.policy.columns = e.columns();
        r.policy.sampledValues = e.sampledValues();
        c.done(Step.VALIDATE);
        if (r.media && r.mediaAlongside && r.statusOf(Step.MEDIA_COPY) == StepStatus.PENDING) {
            // a mirrored bucket does not need the rows: copied while the database pipeline runs (not before the policy
            // passed, so a refused refresh never touches the bucket)
            c.start(Step.MEDIA_COPY);
        }
        c.afterPipeline();
    }

    private static void policyRejected(Refresh r, PolicyRejected e, Ctx c) {
        if (!c.expectRunning(Step.VALIDATE)) {
            return;
        }
        r.policyProblems = new ArrayList<>(e.problems());
        c.failExportService(e.reason());
    }

    private static void exportCompleted(Refresh r, ExportCompleted e, Ctx c) {
        if (!c.expectRunning(Step.EXPORT)) {
            return;
        }
        if (e.attempt() < r.exportAttempts) {
            c.quiet("export snapshot " + e.attempt() + " was replaced by snapshot " + r.exportAttempts);
            return;
        }
        r.exportAttempts = e.attempt();
        r.step(Step.EXPORT).lastHeardAt = c.now;
        r.exportedTables = e.tables().stream().map(TableCount::table).toList();
        r.excludedTables = new ArrayList<>(e.excludedTables());
        r.sourceMaxima = new java.util.TreeMap<>(e.sourceMaxima());
        e.tables().forEach(t -> r.table(t.table()).exported = t.rows());
        c.done(Step.EXPORT);
        if (r.statusOf(Step.STAGE) == StepStatus.RUNNING) {
            c.out.add(SagaDefinition.stageTables(r, c.now));
        }
        checkAnonymized(r, c);
        c.afterPipeline();
    }

    private static void tableAnonymized(Refresh r, TableAnonymized e, Ctx c) {
        if (!c.expectRunning(Step.ANONYMIZE)) {
            return;
        }
        if (e.attempt() < r.exportAttempts) {
            c.quiet("table " + e.table() + " of export snapshot " + e.attempt() + ", replaced by snapshot " + r.exportAttempts);
            return;
        }
        r.step(Step.ANONYMIZE).lastHeardAt = c.now;
        r.table(e.table()).anonymized = e.rows();
        e.ran().stream().filter(x -> !r.anonymizersRan.contains(x)).forEach(r.anonymizersRan::add);
        e.skipped().stream().filter(x -> !r.anonymizersSkipped.contains(x)).forEach(r.anonymizersSkipped::add);
        checkAnonymized(r, c);
        c.afterPipeline();
    }

    private static void checkAnonymized(Refresh r, Ctx c) {
        if (r.statusOf(Step.EXPORT) == StepStatus.DONE && r.statusOf(Step.ANONYMIZE) == StepStatus.RUNNING
                && r.exportedTables.stream().allMatch(t -> r.table(t).anonymized != null)) {
            c.done(Step.ANONYMIZE);
        }
    }

    private static void stagingCompleted(Refresh r, StagingCompleted e, Ctx c) {
        if (!c.expectRunning(Step.STAGE)) {
            return;
        }
        e.staged().forEach(t -> r.table(t.table()).staged = t.rows());
        r.leakAudit = e.leakAudit();
        r.skippedTables = new ArrayList<>(e.skippedTables());
        r.missingTables = new ArrayList<>(e.missingTables());
        r.droppedColumns = new ArrayList<>(e.droppedColumns());
        r.defaultedColumns = new ArrayList<>(e.defaultedColumns());
        r.convertedColumns = new ArrayList<>(e.convertedColumns());
        c.done(Step.STAGE);
        c.afterPipeline();
    }

    private static void mediaCopied(Refresh r, MediaCopied e, Ctx c) {
        if (!c.expectRunning(Step.MEDIA_COPY)) {
            return;
        }
        r.mediaStats.copied = e.copied();
        r.mediaStats.unchanged = e.unchanged();
        r.mediaStats.overwritten = e.overwritten();
        r.mediaStats.bytes = e.bytes();
        r.mediaStats.placeholders = e.placeholders();
        r.mediaStats.missing = e.missing();
        if (e.missing() > 0) {
            r.notes.add(e.missing() + " media keys the refreshed rows reference are not in the source bucket: nothing was"
                    + " copied for them");
        }
        c.done(Step.MEDIA_COPY);
        c.afterPipeline(); // alongside the pipeline: the commit waits for whichever of the two ends last
    }

    private static void importCommitted(Refresh r, ImportCommitted e, Ctx c) {
        if (!c.expectRunning(Step.COMMIT)) {
            return;
        }
        e.imported().forEach(t -> r.table(t.table()).imported = t.rows());
        r.hooks = new java.util.ArrayList<>(e.hooks());
        e.hooks().stream().filter(h -> !h.ok()).forEach(h -> r.notes.add("hook '" + h.name() + "' (" + h.when()
                + ") failed: " + h.detail() + "; the data is committed"));
        c.done(Step.COMMIT);
        c.startAfter(Step.COMMIT);
    }

    private static void mediaPruned(Refresh r, MediaPruned e, Ctx c) {
        if (!c.expectRunning(Step.MEDIA_PRUNE)) {
            return;
        }
        r.mediaStats.pruned = e.deleted();
        r.mediaStats.targetObjects = e.targetObjects();
        if (e.held() != null) {
            r.notes.add(e.held());
        }
        c.done(Step.MEDIA_PRUNE);
        c.startAfter(Step.MEDIA_PRUNE);
    }

    private static void exportStarted(Refresh r, ExportStarted e, Ctx c) {
        if (e.attempt() < r.exportAttempts) {
            c.quiet("export snapshot " + e.attempt() + " was replaced by snapshot " + r.exportAttempts);
            return;
        }
        r.exportedTables = List.copyOf(e.tables());
        r.snapshotAt = e.occurredAt();
        e.estimates().forEach((t, n) -> r.table(t).estimate = n);
        r.step(Step.EXPORT).lastHeardAt = c.now;
    }

    /**
     * The export started over under a new snapshot (its instance died, or a transient fault): the step goes on, what the
     * earlier snapshot counted is forgotten (the importer drops what it staged), and the report says so.
     */
    private static void exportRestarted(Refresh r, ExportRestarted e, Ctx c) {
        if (!c.expectRunning(Step.EXPORT)) {
            return;
        }
        if (e.attempt() <= r.exportAttempts) {
            c.quiet("export snapshot " + e.attempt() + " already known");
            return;
        }
        r.exportAttempts = e.attempt();
        r.step(Step.EXPORT).lastHeardAt = c.now;
        r.tables.values().forEach(t -> {
            t.exported = null;
            t.anonymized = null;
        });
        r.clearLive();
        r.notes.add("the export started over under snapshot " + e.attempt() + " at " + c.now + " (" + e.reason()
                + "); what earlier snapshots staged was discarded");
    }

    /** A heartbeat: the step's participant is alive; its count feeds the dashboard. Beats of other steps change nothing. */
    private static void heard(Refresh r, StepProgress e, Ctx c) {
        Step s;
        try {
            s = Step.valueOf(e.step());
        } catch (IllegalArgumentException unknown) {
            c.quiet("heartbeat for an unknown step " + e.step());
            return;
        }
        Refresh.StepState st = r.step(s);
        boolean compensating = st.compensation == StepStatus.COMPENSATING;
        if (st.status != StepStatus.RUNNING && !compensating) {
            c.quiet("heartbeat for step " + s + " which is " + st.status);
            return;
        }
        st.lastHeardAt = c.now;
        if (!compensating && e.done() >= 0) {
            Refresh.Progress p = new Refresh.Progress();
            p.done = e.done();
            p.total = e.total();
            p.unit = e.unit();
            p.detail = e.detail();
            st.progress = p;
        }
        String stage = LIVE_STAGES.get(s);
        if (!compensating && stage != null && e.instance() != null && e.tables() != null) {
            r.liveRows(s, stage, e.instance(), e.tables());
        }
    }

    /** The steps whose heartbeats count rows per table, and the count they feed. */
    private static final java.util.Map<Step, String> LIVE_STAGES = java.util.Map.of(Step.EXPORT, "exported",
            Step.ANONYMIZE, "anonymized", Step.STAGE, "staged");

    /**
     * Gives up on what has been silent past its deadline. Before the pivot a silent step fails and the saga
     * compensates; a silent compensation fails (an operator must look); a silent commit ends the refresh with its
     * outcome unknown until the import service answers (a late answer is still recorded); a silent media prune ends
     * the refresh with a note, the data being committed.
     */
    private static void deadlines(Refresh r, DeadlineCheck e, Ctx c) {
        Deadlines d = e.deadlines();
        if (r.status == COMPENSATING) {
            for (SagaDefinition.StepDef def : SagaDefinition.STEPS) {
                Refresh.StepState st = r.step(def.step());
                if (st.compensation == StepStatus.COMPENSATING
                        && c.silentSince(latest(st.compensationStartedAt, st.lastHeardAt), d.compensation(), e.listeningSince())) {
                    List<String> unconfirmed = c.compensateWithoutWaiting();
                    r.status = RefreshStatus.COMPENSATION_FAILED;
                    r.error = r.error + "; then no answer from " + def.service() + " for the compensation of " + def.step()
                            + " within " + Deadlines.human(d.compensation()) + " (compensation of " + String.join(", ", unconfirmed)
                            + " sent, not confirmed: operator action needed until it is)";
                    r.finishedAt = c.now;
                    c.ended();
                    return;
                }
            }
            c.quiet("nothing overdue");
            return;
        }
        for (SagaDefinition.StepDef def : SagaDefinition.STEPS) {
            Refresh.StepState st = r.step(def.step());
            if (st.status != StepStatus.RUNNING || def.service() == null) {
                continue;
            }
            Instant heard = latest(st.startedAt, st.lastHeardAt);
            if (def.pipeline()) {
                // a pipeline step waits for the steps before it: their activity is progress for it too
                for (SagaDefinition.StepDef up : SagaDefinition.STEPS.subList(0, SagaDefinition.STEPS.indexOf(def))) {
                    Refresh.StepState u = r.step(up.step());
                    heard = latest(heard, latest(u.lastHeardAt, u.endedAt));
                }
            }
            if (!c.silentSince(heard, d.of(def.step()), e.listeningSince())) {
                continue;
            }
            String reason = "no answer from " + def.service() + " for " + def.step() + " within " + Deadlines.human(d.of(def.step()));
            if (SagaDefinition.beforePivot(def.step())) {
                if (def.step() == Step.VALIDATE || def.step() == Step.EXPORT) {
                    c.failExportService(reason);
                } else {
                    c.fail(def.step(), reason);
                }
            } else if (def.step() == SagaDefinition.PIVOT) {
                c.commitUnconfirmed(reason);
            } else {
                st.status = StepStatus.FAILED;
                st.endedAt = c.now;
                st.error = reason;
                st.unconfirmed = true;
                r.notes.add(def.step() + " did not finish: " + reason + "; the target holds the new data (committed)");
                c.finish();
            }
            return;
        }
        c.quiet("nothing overdue");
    }

    /**
     * A participant gave up on a message of this refresh (retried, then dead-lettered): the step it performs fails as
     * if it had failed itself; a commit it gave up on ends unconfirmed (it may have happened), a compensation fails.
     */
    private static void deadLettered(Refresh r, MessageDeadLettered e, Ctx c) {
        for (SagaDefinition.StepDef d : SagaDefinition.STEPS) {
            Refresh.StepState st = r.step(d.step());
            if (!e.service().equals(d.service())) {
                continue;
            }
            if (r.status == COMPENSATING && st.compensation == StepStatus.COMPENSATING) {
                c.compensationFailed(d.step(), e.reason());
                return;
            }
            if (r.status != RUNNING || st.status != StepStatus.RUNNING) {
                continue;
            }
            if (d.step() == SagaDefinition.PIVOT) {
                c.commitUnconfirmed(e.reason());
            } else if (d.retryUntilDone()) {
                c.retryLater(d.step(), e.reason());
            } else if (d.step() == Step.VALIDATE || d.step() == Step.EXPORT) {
                c.failExportService(e.reason());
            } else {
                c.fail(d.step(), e.reason());
            }
            return;
        }
        r.notes.add(e.reason() + " (no step of " + e.service() + " was waiting for it)");
    }

    private static void undoDeadline(Refresh r, DeadlineCheck e, Ctx c) {
        if (!c.silentSince(latest(latest(r.undo.requestedAt, r.undo.mediaRequestedAt), r.undo.lastHeardAt), e.deadlines().undo(),
                e.listeningSince())) {
            c.quiet("nothing overdue");
            return;
        }
        if (r.undo.mediaStatus == StepStatus.RUNNING) {
            r.undo.mediaStatus = StepStatus.FAILED;
            r.undo.mediaError = "no answer from media-sync-service within " + Deadlines.human(e.deadlines().undo());
            r.undo.endedAt = c.now;
            r.notes.add("the database is undone; whether its media were is unknown: " + r.undo.mediaError);
            r.status = RefreshStatus.UNDONE;
            return;
        }
        c.undoUnconfirmed("no answer from import-service for the undo within " + Deadlines.human(e.deadlines().undo()));
    }

    /**
     * Force-fail: stop running steps, send every compensation that is due at once without waiting for answers (a
     * participant that never answers cannot hold the target), end the refresh and release the target. What could not
     * be compensated is said in the error; late answers are still recorded.
     */
    private static void abort(Refresh r, AbortRequested e, Ctx c) {
        String why = "aborted by " + e.requestedBy() + (e.reason() == null || e.reason().isBlank() ? "" : ": " + e.reason());
        Refresh.StepState commit = r.step(SagaDefinition.PIVOT);
        if (commit.status == StepStatus.RUNNING) {
            c.commitUnconfirmed(why + " during " + SagaDefinition.PIVOT);
            return;
        }
        if (commit.status == StepStatus.DONE) {
            for (SagaDefinition.StepDef d : SagaDefinition.after(SagaDefinition.PIVOT)) {
                Refresh.StepState st = r.step(d.step());
                if (st.status == StepStatus.RUNNING && d.service() != null) {
                    st.status = StepStatus.FAILED;
                    st.endedAt = c.now;
                    st.error = why;
                    st.unconfirmed = true;
                    r.notes.add(d.step() + " " + why + "; the target holds the new data (committed)");
                }
            }
            r.retryAt = null;
            c.finish();
            return;
        }
        if (r.status == RUNNING) {
            r.error = why;
            for (SagaDefinition.StepDef d : SagaDefinition.STEPS) {
                if (d.abort() != null && r.statusOf(d.step()) == StepStatus.RUNNING) {
                    c.out.add(d.abort().apply(r, c.now));
                }
            }
        } else {
            r.error = r.error + "; then " + why;
        }
        List<String> unconfirmed = c.compensateWithoutWaiting();
        for (Refresh.StepState st : r.steps.values()) {
            if (st.status == StepStatus.RUNNING) {
                st.status = StepStatus.FAILED;
                st.endedAt = c.now;
                st.error = why;
            }
        }
        if (!unconfirmed.isEmpty()) {
            r.notes.add("compensation of " + String.join(", ", unconfirmed) + " sent without waiting (abort): not confirmed yet");
        }
        r.status = RefreshStatus.FAILED;
        r.finishedAt = c.now;
        c.ended();
    }

    /** A commit that the saga stopped waiting for turned out to have happened: the refresh succeeded after all. */
    private static void lateCommitted(Refresh r, ImportCommitted e, Ctx c) {
        Refresh.StepState st = r.step(SagaDefinition.PIVOT);
        if (!st.unconfirmed) {
            c.ignore("the commit of refresh " + r.id + " was not awaited");
            return;
        }
        e.imported().forEach(t -> r.table(t.table()).imported = t.rows());
        st.status = StepStatus.DONE;
        st.unconfirmed = false;
        st.error = null;
        st.endedAt = c.now;
        r.notes.add("the import service confirmed the commit late: the target holds the new data"
                + (r.media ? "; media prune did not run (the target bucket may keep objects the source no longer has)" : ""));
        r.error = null;
        r.status = SUCCEEDED;
    }

    /** A commit that the saga stopped waiting for turned out to have rolled back: the target holds its previous data. */
    private static void lateCommitFailed(Refresh r, CommitFailed e, Ctx c) {
        Refresh.StepState st = r.step(SagaDefinition.PIVOT);
        if (!st.unconfirmed) {
            c.ignore("the commit of refresh " + r.id + " was not awaited");
            return;
        }
        st.unconfirmed = false;
        st.error = e.reason();
        r.notes.add("the import service reported late that the commit rolled back: the target keeps its previous data;"
                + " staging and copied media were not compensated (discard staging schema and revert media by hand)");
    }

    private static void lateUndone(Refresh r, ImportUndone e, Ctx c) {
        if (r.undo == null || !r.undo.unconfirmed) {
            c.ignore("no undo of refresh " + r.id + " was awaited");
            return;
        }
        r.notes.add("the import service confirmed the undo late");
        r.undo.unconfirmed = false;
        r.undo.error = null;
        undone(r, e, c);
    }

    private static Instant latest(Instant a, Instant b) {
        return a == null ? b : b == null ? a : (a.isAfter(b) ? a : b);
    }

    private static void retryDue(Refresh r, RetryDue e, Ctx c) {
        if (r.retryAt == null || c.now.isBefore(r.retryAt)) {
            c.ignore("no retry is due");
            return;
        }
        r.retryAt = null;
        for (SagaDefinition.StepDef d : SagaDefinition.STEPS) {
            if (d.retryUntilDone() && r.statusOf(d.step()) == StepStatus.RUNNING) {
                c.out.add(d.action().apply(r, c.now));
            }
        }
    }

    private static void cancel(Refresh r, CancelRequested e, Ctx c) {
        if (!r.step(Step.COMMIT).status.equals(StepStatus.PENDING)) {
            c.ignore("the refresh is at or past the commit (the pivot): it can no longer be cancelled");
            return;
        }
        r.cancelRequested = true;
        c.compensate("cancelled by " + e.requestedBy());
    }

    private static void mediaReverted(Refresh r, MediaReverted e, Ctx c) {
        r.mediaStats.removedByRevert = e.removed();
        r.mediaStats.restoredByRevert = e.restored();
        c.compensated(Step.MEDIA_COPY);
    }

    /** What an action may do; keeps the bookkeeping of step states in one place. */
    static final class Ctx {
        final Refresh r;
        final Instant now;
        final List<Message> out = new ArrayList<>();
        String ignored;

        Ctx(Refresh r, Instant now) {
            this.r = r;
            this.now = now;
        }

        boolean quiet;

        void ignore(String why) {
            ignored = why;
        }

        /** Ignored as a matter of routine (a heartbeat of a finished step, nothing overdue): not worth a log line. */
        void quiet(String why) {
            ignored = why;
            quiet = true;
        }

        /** Silent past the deadline, counting from the last sign of life or from when this orchestrator began listening. */
        boolean silentSince(Instant heard, Duration deadline, Instant listeningSince) {
            Instant from = latest(heard, listeningSince);
            return from != null && from.plus(deadline).isBefore(now);
        }

        /** Starts the step after {@code s} that is not skipped; after the last one the refresh has succeeded. */
        void startAfter(Step s) {
            for (SagaDefinition.StepDef d : SagaDefinition.after(s)) {
                if (d.step() == Step.FINISH) {
                    finish();
                    return;
                }
                if (r.statusOf(d.step()) != StepStatus.SKIPPED) {
                    start(d.step());
                    return;
                }
            }
        }

        /**
         * The commit ended without an answer: whether it happened is unknown until the import service answers (the
         * target holds either all its previous data or all the new, never a mix). Nothing is compensated (reverting
         * media under committed data would mix them); the target is released and an operator decides.
         */
        void commitUnconfirmed(String reason) {
            Refresh.StepState st = r.step(SagaDefinition.PIVOT);
            st.status = StepStatus.FAILED;
            st.endedAt = now;
            st.error = reason;
            st.unconfirmed = true;
            r.status = RefreshStatus.COMPENSATION_FAILED;
            r.error = reason + "; whether the commit happened is unknown until the import service answers (the target"
                    + " holds either its previous data or the new, never a mix; its restage audit table says which):"
                    + " staging and copied media were not compensated (operator action needed)";
            r.finishedAt = now;
            ended();
        }

        void undoUnconfirmed(String reason) {
            r.undo.status = StepStatus.FAILED;
            r.undo.endedAt = now;
            r.undo.unconfirmed = true;
            r.undo.error = reason + "; whether the undo happened is unknown until the import service answers (the"
                    + " target holds either the refreshed data or its previous data, never a mix)";
            r.status = RefreshStatus.SUCCEEDED;
        }

        /**
         * Sends every compensation that is due and not sent yet, all at once, and marks every outstanding one
         * unconfirmed (a late answer still counts). Returns the steps whose compensation is outstanding.
         */
        List<String> compensateWithoutWaiting() {
            List<String> outstanding = new ArrayList<>();
            for (SagaDefinition.StepDef d : SagaDefinition.STEPS) {
                Refresh.StepState st = r.step(d.step());
                if (!SagaDefinition.beforePivot(d.step()) || d.compensation() == null) {
                    continue;
                }
                boolean ran = st.status == StepStatus.DONE || st.status == StepStatus.RUNNING || st.status == StepStatus.FAILED;
                if (st.compensation == null && ran) {
                    out.add(d.compensation().apply(r, now));
                    st.compensation = StepStatus.COMPENSATING;
                    st.compensationStartedAt = now;
                }
                if (st.compensation == StepStatus.COMPENSATING) {
                    st.unconfirmed = true;
                    outstanding.add(d.step().name());
                }
            }
            return outstanding;
        }

        /** A compensation that ended unanswered (deadline, abort) was confirmed after all. */
        void lateCompensated(Step s) {
            Refresh.StepState st = r.step(s);
            if (!st.unconfirmed) {
                ignore("compensation reply for step " + s + " whose compensation is " + st.compensation);
                return;
            }
            st.unconfirmed = false;
            st.compensation = StepStatus.COMPENSATED;
            if (st.status == StepStatus.COMPENSATION_FAILED) {
                st.status = StepStatus.COMPENSATED;
            }
            st.error = st.status == StepStatus.FAILED ? st.error : null;
            r.notes.add("compensation of " + s + " confirmed late");
            boolean allDone = r.steps.values().stream().noneMatch(x -> x.compensation == StepStatus.COMPENSATION_FAILED
                    || x.compensation == StepStatus.COMPENSATING);
            if (allDone && r.status == RefreshStatus.COMPENSATION_FAILED && !r.step(SagaDefinition.PIVOT).unconfirmed) {
                r.status = r.cancelRequested ? RefreshStatus.CANCELLED : RefreshStatus.FAILED;
            }
        }

        void lateCompensationFailed(Step s, String reason) {
            Refresh.StepState st = r.step(s);
            if (!st.unconfirmed) {
                ignore("compensation reply for step " + s + " whose compensation is " + st.compensation);
                return;
            }
            st.unconfirmed = false;
            st.compensation = StepStatus.COMPENSATION_FAILED;
            st.error = reason;
            r.status = RefreshStatus.COMPENSATION_FAILED;
            r.error = r.error + "; then compensation of " + s + " failed: " + reason + " (operator action needed)";
        }

        boolean expectRunning(Step s) {
            if (r.statusOf(s) != StepStatus.RUNNING) {
                ignore("reply for step " + s + " which is " + r.statusOf(s) + ", not RUNNING");
                return false;
            }
            return true;
        }

        void start(Step s) {
            startPassive(s);
            SagaDefinition.StepDef d = SagaDefinition.of(s);
            if (d.action() != null) {
                out.add(d.action().apply(r, now));
            }
        }

        void startPassive(Step s) {
            Refresh.StepState st = r.step(s);
            st.status = StepStatus.RUNNING;
            st.startedAt = now;
        }

        void skip(Step s) {
            r.step(s).status = StepStatus.SKIPPED;
        }

        void done(Step s) {
            Refresh.StepState st = r.step(s);
            st.status = StepStatus.DONE;
            st.endedAt = now;
            st.error = null;
        }

        /**
         * When every pipeline step is done, the first step after the pipeline that has not run starts (once); a step
         * still running beside the pipeline (the media copy of a mirrored bucket) is waited for.
         */
        void afterPipeline() {
            SagaDefinition.StepDef lastOfPipeline = null;
            for (SagaDefinition.StepDef d : SagaDefinition.STEPS) {
                if (d.pipeline()) {
                    if (r.statusOf(d.step()) != StepStatus.DONE) {
                        return;
                    }
                    lastOfPipeline = d;
                }
            }
            if (lastOfPipeline == null) {
                return;
            }
            for (SagaDefinition.StepDef d : SagaDefinition.after(lastOfPipeline.step())) {
                StepStatus st = r.statusOf(d.step());
                if (st == StepStatus.DONE || st == StepStatus.SKIPPED) {
                    continue;
                }
                if (st == StepStatus.PENDING) {
                    if (d.step() == Step.FINISH) {
                        finish();
                    } else {
                        start(d.step());
                    }
                }
                return; // started now, or still running
            }
        }

        void finish() {
            done(Step.FINISH);
            r.step(Step.FINISH).startedAt = now;
            r.status = RefreshStatus.SUCCEEDED;
            r.finishedAt = now;
            ended();
        }

        /** Every end of the saga shreds the refresh's raw data (its key), whatever the end. */
        void ended() {
            out.add(SagaDefinition.shredRefreshData(r, now));
        }

        void retryLater(Step s, String reason) {
            Refresh.StepState st = r.step(s);
            st.error = reason + " (retrying)";
            r.retryAttempts++;
            long backoff = Math.min(300, 2L << Math.min(r.retryAttempts, 8));
            r.retryAt = now.plus(Duration.ofSeconds(backoff));
        }

        /**
         * The export service runs VALIDATE then EXPORT: a failure before validation passed is VALIDATE's, and the
         * export never ran (back to PENDING, so there is nothing to abort or undo); after, it is EXPORT's.
         */
        void failExportService(String reason) {
            if (r.statusOf(Step.VALIDATE) == StepStatus.RUNNING) {
                Refresh.StepState export = r.step(Step.EXPORT);
                export.status = StepStatus.PENDING;
                export.startedAt = null;
                fail(Step.VALIDATE, reason);
            } else {
                fail(Step.EXPORT, reason);
            }
        }

        /**
         * A failure reply counts only for a step that is running: a late, duplicated or forged failure of a finished
         * step (a StagingFailed after the commit) must never start compensation.
         */
        void fail(Step s, String reason) {
            if (!expectRunning(s)) {
                return;
            }
            Refresh.StepState st = r.step(s);
            st.status = StepStatus.FAILED;
            st.endedAt = now;
            st.error = reason;
            compensate(reason);
        }

        /** Stops running steps, then undoes completed steps one by one in reverse order. */
        void compensate(String reason) {
            r.status = RefreshStatus.COMPENSATING;
            r.error = reason;
            for (SagaDefinition.StepDef d : SagaDefinition.STEPS) {
                if (d.abort() != null && r.statusOf(d.step()) == StepStatus.RUNNING) {
                    out.add(d.abort().apply(r, now));
                }
            }
            next();
        }

        void compensated(Step s) {
            Refresh.StepState st = r.step(s);
            if (st.compensation != StepStatus.COMPENSATING) {
                ignore("compensation reply for step " + s + " whose compensation is " + st.compensation);
                return;
            }
            st.compensation = StepStatus.COMPENSATED;
            if (st.status != StepStatus.FAILED) {
                st.status = StepStatus.COMPENSATED;
            }
            st.endedAt = now;
            next();
        }

        void compensationFailed(Step s, String reason) {
            Refresh.StepState st = r.step(s);
            st.compensation = StepStatus.COMPENSATION_FAILED;
            if (st.status != StepStatus.FAILED) {
                st.status = StepStatus.COMPENSATION_FAILED;
            }
            st.error = reason;
            st.endedAt = now;
            r.status = RefreshStatus.COMPENSATION_FAILED;
            r.error = r.error + "; then compensation of " + s + " failed: " + reason + " (operator action needed)";
            r.finishedAt = now;
            ended();
        }

        /**
         * Undoes the next step, latest first. A step that ran, runs or failed half-way is undone (its compensation
         * copes with an action that never ran); a step whose failed state stays visible keeps FAILED as its status.
         */
        private void next() {
            List<SagaDefinition.StepDef> reversed = new ArrayList<>(SagaDefinition.STEPS);
            java.util.Collections.reverse(reversed);
            for (SagaDefinition.StepDef d : reversed) {
                Refresh.StepState st = r.step(d.step());
                if (!SagaDefinition.beforePivot(d.step())) {
                    continue; // the commit never happened (it failed and rolled back, or never started)
                }
                if (st.compensation == StepStatus.COMPENSATING) {
                    return; // still waiting for this one
                }
                if (st.compensation != null
                        || (st.status != StepStatus.DONE && st.status != StepStatus.RUNNING && st.status != StepStatus.FAILED)) {
                    continue;
                }
                if (d.compensation() == null) {
                    st.compensation = StepStatus.COMPENSATED; // nothing to undo (aborted, or no side effect)
                    if (st.status != StepStatus.FAILED) {
                        st.status = StepStatus.COMPENSATED;
                        st.endedAt = now;
                    }
                    continue;
                }
                st.compensation = StepStatus.COMPENSATING;
                st.compensationStartedAt = now;
                out.add(d.compensation().apply(r, now));
                if (d.awaitsCompensationReply()) {
                    return;
                }
                st.compensation = StepStatus.COMPENSATED;
            }
            r.status = r.cancelRequested ? RefreshStatus.CANCELLED : RefreshStatus.FAILED;
            r.finishedAt = now;
            ended();
        }
    }

    private Transitions() {
    }
}
