package io.restage.orchestrator.saga;

import io.restage.common.messages.Command;
import io.restage.common.messages.Message;
import io.restage.common.messages.RefreshRequested;
import java.time.Instant;
import java.util.List;
import java.util.function.BiFunction;

/**
 * The refresh saga's steps, each with its action and, right beside it, its compensation. The action and the
 * compensation of a step are built from the same refresh, so a compensation always addresses the refresh id and
 * target its action did (never another step's).
 * <p>
 * VALIDATE, EXPORT, ANONYMIZE and STAGE run as one streaming pipeline started by {@code refresh.requested}: the export
 * service first checks the policy inside its snapshot (VALIDATE) and exports only if it passes; the rest complete in
 * any order and the saga moves on when all are done. {@code abort} stops a running step before compensating. This is
 * the only place that knows the order of the steps: the transitions ask it what comes next.
 */
public final class SagaDefinition {

    /** Builds a message for a refresh at an instant. */
    public interface Builder extends BiFunction<Refresh, Instant, Message> {
    }

    /**
     * One step: who performs it, how it starts, how it is stopped while running, and how it is undone.
     *
     * @param service      the participant that performs the step and must be heard from within the step's deadline
     * @param pipeline     started together with the others on {@code refresh.requested}, done in any order
     * @param action       the command that starts the step (null: it starts by itself, from the request)
     * @param abort        the command that stops it while it runs
     * @param compensation the command that undoes it once it ran (null: nothing to undo)
     * @param awaitsCompensationReply the next compensation waits for this one's answer
     * @param retryUntilDone after the pivot: a failure is retried with back-off, never compensated
     * @param mediaOnly    skipped when the refresh does not copy media
     */
    public record StepDef(Step step, String service, boolean pipeline, Builder action, Builder abort, Builder compensation,
                          boolean awaitsCompensationReply, boolean retryUntilDone, boolean mediaOnly) {
    }

    /** The pivot: before it every step is undone on failure, after it the rest is retried until done. */
    public static final Step PIVOT = Step.COMMIT;

    public static final List<StepDef> STEPS = List.of(
            //          step            service               pipeline action                          abort                          compensation                     awaits  retry  media
            new StepDef(Step.VALIDATE, "export-service", true, SagaDefinition::refreshRequested, null, null, false, false, false),
            new StepDef(Step.EXPORT, "export-service", true, null, SagaDefinition::cancelExport, null, false, false, false),
            new StepDef(Step.ANONYMIZE, "anonymizer-service", true, null, null, null, false, false, false),
            new StepDef(Step.STAGE, "import-service", true, null, null, SagaDefinition::discardStaging, true, false, false),
            new StepDef(Step.MEDIA_COPY, "media-sync-service", false, SagaDefinition::copyMedia, null, SagaDefinition::revertMedia, true, false, true),
            new StepDef(Step.COMMIT, "import-service", false, SagaDefinition::commitImport, null, null, false, false, false),
            new StepDef(Step.MEDIA_PRUNE, "media-sync-service", false, SagaDefinition::pruneMedia, null, null, false, true, true),
            new StepDef(Step.FINISH, null, false, null, null, null, false, false, false));

    public static StepDef of(Step step) {
        return STEPS.stream().filter(d -> d.step() == step).findFirst().orElseThrow();
    }

    public static boolean beforePivot(Step step) {
        return STEPS.indexOf(of(step)) < STEPS.indexOf(of(PIVOT));
    }

    /** The steps after {@code step}, in order. */
    public static List<StepDef> after(Step step) {
        return STEPS.subList(STEPS.indexOf(of(step)) + 1, STEPS.size());
    }

    static Message refreshRequested(Refresh r, Instant now) {
        // the validator refused any skip without the typed acknowledgement, so a request that skips carries it
        return new RefreshRequested(Message.newId(), r.id, now, r.source, r.target, r.skipAnonymizers, r.media, r.requestedBy,
                r.skipAnonymizers.isEmpty() ? null : RefreshRequested.RISK_ACKNOWLEDGEMENT, r.subset);
    }

    static Message cancelExport(Refresh r, Instant now) {
        return new Command.CancelExport(Message.newId(), r.id, now);
    }

    /** STAGE learns from the orchestrator which tables the export read (participants hear only from the orchestrator). */
    static Message stageTables(Refresh r, Instant now) {
        return new Command.StageTables(Message.newId(), r.id, now, r.target, List.copyOf(r.exportedTables), r.exportAttempts);
    }

    static Message discardStaging(Refresh r, Instant now) {
        return new Command.DiscardStaging(Message.newId(), r.id, now, r.target);
    }

    static Message copyMedia(Refresh r, Instant now) {
        return new Command.CopyMedia(Message.newId(), r.id, now, r.source, r.target);
    }

    static Message revertMedia(Refresh r, Instant now) {
        return new Command.RevertMedia(Message.newId(), r.id, now, r.target);
    }

    static Message commitImport(Refresh r, Instant now) {
        return new Command.CommitImport(Message.newId(), r.id, now, r.source, r.target, r.requestedBy,
                List.copyOf(r.anonymizersSkipped), List.copyOf(r.anonymizersRan), r.snapshotAt, r.sourceMaxima, r.subset != null);
    }

    /** After the saga: the operation that puts the target's previous data back (see Generations in the importer). */
    static Message undoImport(Refresh r, Instant now) {
        return new Command.UndoImport(Message.newId(), r.id, now, r.target, r.undo.requestedBy);
    }

    /** After the database's undo: the bucket back as before the refresh. */
    static Message undoMedia(Refresh r, Instant now) {
        return new Command.UndoMedia(Message.newId(), r.id, now, r.target);
    }

    /**
     * After the saga, whatever its end (succeeded, failed, cancelled, compensation failed): the refresh's data key is
     * destroyed and its consumed batch records deleted, so no raw row it read stays readable anywhere.
     */
    static Message shredRefreshData(Refresh r, Instant now) {
        return new Command.ShredRefreshData(Message.newId(), r.id, now);
    }

    static Message pruneMedia(Refresh r, Instant now) {
        return new Command.PruneMedia(Message.newId(), r.id, now, r.source, r.target, r.allowMediaDeletes);
    }

    private SagaDefinition() {
    }
}
