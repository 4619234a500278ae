package io.restage.common.messages;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.time.Instant;
import java.util.List;

/**
 * Imperative messages from the orchestrator on {@code refresh.commands}. Each participant reads the commands
 * addressed to it and ignores the rest. Every command may arrive more than once (redelivery, orchestrator
 * restart): handling one twice must have the effect of handling it once. Compensating commands must also cope
 * with an action that never ran.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = Command.CancelExport.class, name = "CancelExport"),
        @JsonSubTypes.Type(value = Command.DiscardStaging.class, name = "DiscardStaging"),
        @JsonSubTypes.Type(value = Command.StageTables.class, name = "StageTables"),
        @JsonSubTypes.Type(value = Command.CommitImport.class, name = "CommitImport"),
        @JsonSubTypes.Type(value = Command.CopyMedia.class, name = "CopyMedia"),
        @JsonSubTypes.Type(value = Command.RevertMedia.class, name = "RevertMedia"),
        @JsonSubTypes.Type(value = Command.PruneMedia.class, name = "PruneMedia"),
        @JsonSubTypes.Type(value = Command.UndoImport.class, name = "UndoImport"),
        @JsonSubTypes.Type(value = Command.UndoMedia.class, name = "UndoMedia"),
        @JsonSubTypes.Type(value = Command.ShredRefreshData.class, name = "ShredRefreshData"),
})
public sealed interface Command extends Message {

    /** Stop reading the source for this refresh; batches already sent are discarded by the importer. */
    record CancelExport(String eventId, String refreshId, Instant occurredAt) implements Command {
    }

    /**
     * The export has read every table: these are the refresh's tables (the export's list, relayed by the orchestrator so
     * that participants hear only from it). Staging is complete once each of them is proven; the import service then
     * reports StagingCompleted. Sending it twice has the effect of sending it once. {@code attempt}: the export's snapshot
     * that completed; only its batches count.
     */
    record StageTables(String eventId, String refreshId, Instant occurredAt, String target, List<String> tables, int attempt)
            implements Command {
    }

    /** Compensation of staging: drop everything staged for the refresh in the target. Never touches live tables. */
    record DiscardStaging(String eventId, String refreshId, Instant occurredAt, String target) implements Command {
    }

    /** The pivot: replace the target's data with the staged data in one transaction. */
    /**
     * The pivot. {@code sourceMaxima}: sequences go past them too (a subset). {@code verifyForeignKeys}: before it commits,
     * every foreign key of the target that touches a replaced table is checked (the load runs with triggers off), and a
     * reference that would dangle rolls the commit back (a subset: the target may have keys the source lacks).
     */
    record CommitImport(String eventId, String refreshId, Instant occurredAt, String source, String target,
                        String requestedBy, List<String> skippedAnonymizers, List<String> anonymizersRan,
                        Instant snapshotAt, java.util.Map<String, Long> sourceMaxima, boolean verifyForeignKeys) implements Command {
        public CommitImport {
            sourceMaxima = sourceMaxima == null ? java.util.Map.of() : java.util.Map.copyOf(sourceMaxima);
        }

        public CommitImport(String eventId, String refreshId, Instant occurredAt, String source, String target,
                            String requestedBy, List<String> skippedAnonymizers, List<String> anonymizersRan, Instant snapshotAt) {
            this(eventId, refreshId, occurredAt, source, target, requestedBy, skippedAnonymizers, anonymizersRan, snapshotAt, null, false);
        }
    }

    /** Copy new and changed objects server-side from the source bucket to the target bucket, keeping backups. */
    record CopyMedia(String eventId, String refreshId, Instant occurredAt, String source, String target)
            implements Command {
    }

    /** Compensation of the media copy: remove objects it added, restore objects it overwrote. */
    record RevertMedia(String eventId, String refreshId, Instant occurredAt, String target) implements Command {
    }

    /**
     * After the database's undo: put the target's bucket back as it was before the refresh (objects it added removed,
     * objects it overwrote or pruned restored from where the copy and the prune kept them).
     */
    record UndoMedia(String eventId, String refreshId, Instant occurredAt, String target) implements Command {
    }

    /**
     * After the pivot: delete the target's orphans (objects the source lacks, or that no refreshed row references when
     * the policy guides media), and the copy's backups. At most the policy's media.max-delete-percent of the target's
     * objects unless {@code allowOverCap} (the request's {@code allowMediaDeletes}).
     */
    record PruneMedia(String eventId, String refreshId, Instant occurredAt, String source, String target,
                      boolean allowOverCap) implements Command {
        public PruneMedia(String eventId, String refreshId, Instant occurredAt, String source, String target) {
            this(eventId, refreshId, occurredAt, source, target, false);
        }
    }

    /**
     * The refresh has ended (succeeded, failed, cancelled or its compensation failed): destroy its data key, so its raw
     * batches left on the broker can never be read again, and delete the batch records restage has consumed. Sent once
     * per end; doing it twice is harmless.
     */
    record ShredRefreshData(String eventId, String refreshId, Instant occurredAt) implements Command {
    }

    /**
     * Put back the target's data as it was before this refresh's commit, from the generation the commit kept, in one
     * transaction. Only the target's latest commit can be undone; a second undo of the same refresh is a no-op.
     */
    record UndoImport(String eventId, String refreshId, Instant occurredAt, String target, String requestedBy)
            implements Command {
    }
}
