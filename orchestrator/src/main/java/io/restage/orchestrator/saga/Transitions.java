package io.restage.orchestrator.saga;

import io.restage.common.messages.AnonymizerReply.AnonymizationFailed;
import io.restage.common.messages.AnonymizerReply.TableAnonymized;
import io.restage.common.messages.ExportReply.ExportCompleted;
import io.restage.common.messages.ExportReply.ExportFailed;
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
import io.restage.common.messages.MediaReply.MediaReverted;
import io.restage.common.messages.MediaReply.MediaRevertFailed;
import io.restage.common.messages.Message;
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
    public record Outcome(List<Message> send, String ignoredBecause) {
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
            row(RUNNING, ExportStarted.class, (r, e, c) -> r.exportedTables = List.copyOf(e.tables())),
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
            row(COMPENSATING, StagingDiscarded.class, (r, e, c) -> c.compensated(Step.STAGE)),
            row(COMPENSATING, StagingDiscardFailed.class, (r, e, c) -> c.compensationFailed(Step.STAGE, e.reason())),
            row(COMPENSATING, MediaReverted.class, Transitions::mediaReverted),
            row(COMPENSATING, MediaRevertFailed.class, (r, e, c) -> c.compensationFailed(Step.MEDIA_COPY, e.reason())),
            row(COMPENSATING, CancelRequested.class, (r, e, c) -> r.cancelRequested = true),
            //   undo, after the saga
            row(SUCCEEDED, UndoRequested.class, Transitions::undoRequested),
            row(UNDOING, ImportUndone.class, Transitions::undone),
            row(UNDOING, UndoFailed.class, Transitions::undoFailed),
            row(UNDONE, UndoRequested.class, (r, e, c) -> c.ignore("refresh " + r.id + " is already undone; an undo cannot be"
                    + " undone: start a new refresh to bring this data back")),
            row(UNDOING, UndoRequested.class, (r, e, c) -> c.ignore("an undo of refresh " + r.id + " is already running")),
            row(RUNNING, UndoRequested.class, (r, e, c) -> c.ignore("the refresh is still running: cancel it instead")),
            row(COMPENSATING, UndoRequested.class, (r, e, c) -> c.ignore("the refresh is being compensated: the target gets its data back")),
            row(RefreshStatus.FAILED, UndoRequested.class, (r, e, c) -> c.ignore(NOTHING_TO_UNDO)),
            row(RefreshStatus.CANCELLED, UndoRequested.class, (r, e, c) -> c.ignore(NOTHING_TO_UNDO)),
            row(RefreshStatus.COMPENSATION_FAILED, UndoRequested.class, (r, e, c) -> c.ignore("its compensation failed:"
                    + " an operator must look at the target first")),
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
        c.start(Step.VALIDATE);
        c.startPassive(Step.EXPORT);
        c.startPassive(Step.ANONYMIZE);
        c.startPassive(Step.STAGE);
        if (!r.media) {
            c.skip(Step.MEDIA_COPY);
            c.skip(Step.MEDIA_PRUNE);
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
                    return new Outcome(List.of(), c.ignored);
                }
                r.updatedAt = now;
                return new Outcome(c.out, null);
            }
        }
        return new Outcome(List.of(), event.getClass().getSimpleName() + " has no transition in state " + r.status);
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
        r.exportedTables = e.tables().stream().map(TableCount::table).toList();
        r.excludedTables = new ArrayList<>(e.excludedTables());
        e.tables().forEach(t -> r.table(t.table()).exported = t.rows());
        c.done(Step.EXPORT);
        checkAnonymized(r, c);
        c.afterPipeline();
    }

    private static void tableAnonymized(Refresh r, TableAnonymized e, Ctx c) {
        if (!c.expectRunning(Step.ANONYMIZE)) {
            return;
        }
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
        c.done(Step.MEDIA_COPY);
        c.start(Step.COMMIT);
    }

    private static void importCommitted(Refresh r, ImportCommitted e, Ctx c) {
        if (!c.expectRunning(Step.COMMIT)) {
            return;
        }
        e.imported().forEach(t -> r.table(t.table()).imported = t.rows());
        c.done(Step.COMMIT);
        if (r.media) {
            c.start(Step.MEDIA_PRUNE);
        } else {
            c.finish();
        }
    }

    private static void mediaPruned(Refresh r, MediaPruned e, Ctx c) {
        if (!c.expectRunning(Step.MEDIA_PRUNE)) {
            return;
        }
        r.mediaStats.pruned = e.deleted();
        c.done(Step.MEDIA_PRUNE);
        c.finish();
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

        void ignore(String why) {
            ignored = why;
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

        /** When export, anonymization and staging are all done, the next step starts. */
        void afterPipeline() {
            if (r.statusOf(Step.VALIDATE) == StepStatus.DONE
                    && r.statusOf(Step.EXPORT) == StepStatus.DONE && r.statusOf(Step.ANONYMIZE) == StepStatus.DONE
                    && r.statusOf(Step.STAGE) == StepStatus.DONE && r.statusOf(Step.COMMIT) == StepStatus.PENDING
                    && r.statusOf(Step.MEDIA_COPY) != StepStatus.RUNNING) {
                if (r.media) {
                    start(Step.MEDIA_COPY);
                } else {
                    start(Step.COMMIT);
                }
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
                if (!d.step().beforePivot()) {
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
