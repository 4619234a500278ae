package io.restage.common.messages;

import java.time.Instant;

/** Replies of the media sync service. */
public sealed interface MediaReply extends Event {

    /**
     * {@code copied} objects written (of which {@code overwritten} replaced a different target object, kept aside for the
     * revert), {@code unchanged} already equal, {@code bytes} copied; {@code placeholders} of the written ones are
     * placeholders of personal files (policy media.placeholders); {@code missing} keys the refreshed rows reference that
     * the source bucket lacks (or that lie outside the policy's prefix): nothing to copy for them.
     */
    record MediaCopied(String eventId, String refreshId, Instant occurredAt, long copied, long unchanged,
                       long overwritten, long bytes, long placeholders, long missing) implements MediaReply {
        public MediaCopied(String eventId, String refreshId, Instant occurredAt, long copied, long unchanged,
                           long overwritten, long bytes) {
            this(eventId, refreshId, occurredAt, copied, unchanged, overwritten, bytes, 0, 0);
        }
    }

    record MediaCopyFailed(String eventId, String refreshId, Instant occurredAt, String reason)
            implements MediaReply, Event.Failure {
    }

    record MediaReverted(String eventId, String refreshId, Instant occurredAt, long removed, long restored)
            implements MediaReply {
    }

    record MediaRevertFailed(String eventId, String refreshId, Instant occurredAt, String reason)
            implements MediaReply, Event.Failure {
    }

    /**
     * {@code deleted} orphans of {@code targetObjects} the target held under the policy's prefix. {@code held} is set
     * when the prune deleted nothing on purpose (more orphans than media.max-delete-percent allows and the request did not
     * allow more): the reason, with the counts and what to do.
     */
    record MediaPruned(String eventId, String refreshId, Instant occurredAt, long deleted, long targetObjects, String held)
            implements MediaReply {
        public MediaPruned(String eventId, String refreshId, Instant occurredAt, long deleted) {
            this(eventId, refreshId, occurredAt, deleted, 0, null);
        }
    }

    record MediaPruneFailed(String eventId, String refreshId, Instant occurredAt, String reason)
            implements MediaReply, Event.Failure {
    }

    /** The bucket is back as before the refresh: {@code removed} objects it added, {@code restored} it overwrote or pruned. */
    record MediaUndone(String eventId, String refreshId, Instant occurredAt, long removed, long restored) implements MediaReply {
    }

    record MediaUndoFailed(String eventId, String refreshId, Instant occurredAt, String reason)
            implements MediaReply, Event.Failure {
    }
}
