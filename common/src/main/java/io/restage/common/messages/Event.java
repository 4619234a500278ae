package io.restage.common.messages;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * Past-tense replies of the participants on {@code refresh.events}, read by the orchestrator. Each participant's
 * replies form one sealed interface, success and failure side by side. Failures carry a reason that names what was
 * wrong and what to do, and never a value from the data.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = ExportReply.PolicyValidated.class, name = "PolicyValidated"),
        @JsonSubTypes.Type(value = ExportReply.PolicyRejected.class, name = "PolicyRejected"),
        @JsonSubTypes.Type(value = ExportReply.ExportStarted.class, name = "ExportStarted"),
        @JsonSubTypes.Type(value = ExportReply.ExportCompleted.class, name = "ExportCompleted"),
        @JsonSubTypes.Type(value = ExportReply.ExportFailed.class, name = "ExportFailed"),
        @JsonSubTypes.Type(value = ExportReply.ExportRestarted.class, name = "ExportRestarted"),
        @JsonSubTypes.Type(value = ExportReply.RefreshDataShredded.class, name = "RefreshDataShredded"),
        @JsonSubTypes.Type(value = AnonymizerReply.TableAnonymized.class, name = "TableAnonymized"),
        @JsonSubTypes.Type(value = AnonymizerReply.AnonymizationFailed.class, name = "AnonymizationFailed"),
        @JsonSubTypes.Type(value = ImportReply.StagingCompleted.class, name = "StagingCompleted"),
        @JsonSubTypes.Type(value = ImportReply.StagingFailed.class, name = "StagingFailed"),
        @JsonSubTypes.Type(value = ImportReply.StagingDiscarded.class, name = "StagingDiscarded"),
        @JsonSubTypes.Type(value = ImportReply.StagingDiscardFailed.class, name = "StagingDiscardFailed"),
        @JsonSubTypes.Type(value = ImportReply.ImportCommitted.class, name = "ImportCommitted"),
        @JsonSubTypes.Type(value = ImportReply.CommitFailed.class, name = "CommitFailed"),
        @JsonSubTypes.Type(value = ImportReply.ImportUndone.class, name = "ImportUndone"),
        @JsonSubTypes.Type(value = ImportReply.UndoFailed.class, name = "UndoFailed"),
        @JsonSubTypes.Type(value = MediaReply.MediaCopied.class, name = "MediaCopied"),
        @JsonSubTypes.Type(value = MediaReply.MediaCopyFailed.class, name = "MediaCopyFailed"),
        @JsonSubTypes.Type(value = MediaReply.MediaReverted.class, name = "MediaReverted"),
        @JsonSubTypes.Type(value = MediaReply.MediaRevertFailed.class, name = "MediaRevertFailed"),
        @JsonSubTypes.Type(value = MediaReply.MediaPruned.class, name = "MediaPruned"),
        @JsonSubTypes.Type(value = MediaReply.MediaPruneFailed.class, name = "MediaPruneFailed"),
        @JsonSubTypes.Type(value = MediaReply.MediaUndone.class, name = "MediaUndone"),
        @JsonSubTypes.Type(value = MediaReply.MediaUndoFailed.class, name = "MediaUndoFailed"),
        @JsonSubTypes.Type(value = MessageRefused.class, name = "MessageRefused"),
        @JsonSubTypes.Type(value = StepProgress.class, name = "StepProgress"),
        @JsonSubTypes.Type(value = MessageDeadLettered.class, name = "MessageDeadLettered"),
})
public sealed interface Event extends Message permits ExportReply, AnonymizerReply, ImportReply, MediaReply, MessageRefused, StepProgress, MessageDeadLettered {

    /** A failure reply. {@code retriable} failures are retried by the sender before being reported. */
    interface Failure {
        String reason();
    }
}
