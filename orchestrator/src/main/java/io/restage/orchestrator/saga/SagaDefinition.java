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
 * any order and the saga moves on when all are done. {@code abort} stops a running step before compensating.
 */
public final class SagaDefinition {

    /** Builds a message for a refresh at an instant. */
    public interface Builder extends BiFunction<Refresh, Instant, Message> {
    }

    public record StepDef(Step step, Builder action, Builder abort, Builder compensation, boolean awaitsCompensationReply,
                          boolean pivot, boolean retryUntilDone, boolean mediaOnly) {
    }

    public static final List<StepDef> STEPS = List.of(
            //      step              action                                          abort (while running)           compensation                                           awaits reply  pivot  retry  media only
            new StepDef(Step.VALIDATE, SagaDefinition::refreshRequested, null, null, false, false, false, false),
            new StepDef(Step.EXPORT, null, SagaDefinition::cancelExport, null, false, false, false, false),
            new StepDef(Step.ANONYMIZE, null, null, null, false, false, false, false),
            new StepDef(Step.STAGE, null, null, SagaDefinition::discardStaging, true, false, false, false),
            new StepDef(Step.MEDIA_COPY, SagaDefinition::copyMedia, null, SagaDefinition::revertMedia, true, false, false, true),
            new StepDef(Step.COMMIT, SagaDefinition::commitImport, null, null, false, true, false, false),
            new StepDef(Step.MEDIA_PRUNE, SagaDefinition::pruneMedia, null, null, false, false, true, true),
            new StepDef(Step.FINISH, null, null, null, false, false, false, false));

    public static StepDef of(Step step) {
        return STEPS.get(step.ordinal());
    }

    static Message refreshRequested(Refresh r, Instant now) {
        // the validator refused any skip without the typed acknowledgement, so a request that skips carries it
        return new RefreshRequested(Message.newId(), r.id, now, r.source, r.target, r.skipAnonymizers, r.media, r.requestedBy,
                r.skipAnonymizers.isEmpty() ? null : RefreshRequested.RISK_ACKNOWLEDGEMENT);
    }

    static Message cancelExport(Refresh r, Instant now) {
        return new Command.CancelExport(Message.newId(), r.id, now);
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
                List.copyOf(r.anonymizersSkipped), List.copyOf(r.anonymizersRan));
    }

    /** After the saga: the operation that puts the target's previous data back (see Generations in the importer). */
    static Message undoImport(Refresh r, Instant now) {
        return new Command.UndoImport(Message.newId(), r.id, now, r.target, r.undo.requestedBy);
    }

    /**
     * After the saga, whatever its end (succeeded, failed, cancelled, compensation failed): the refresh's data key is
     * destroyed and its consumed batch records deleted, so no raw row it read stays readable anywhere.
     */
    static Message shredRefreshData(Refresh r, Instant now) {
        return new Command.ShredRefreshData(Message.newId(), r.id, now);
    }

    static Message pruneMedia(Refresh r, Instant now) {
        return new Command.PruneMedia(Message.newId(), r.id, now, r.source, r.target);
    }

    private SagaDefinition() {
    }
}
