package io.restage.common.messages;

import java.time.Instant;

/** Replies of the media sync service. */
public sealed interface MediaReply extends Event {

    record MediaCopied(String eventId, String refreshId, Instant occurredAt, long copied, long unchanged,
                       long overwritten, long bytes) implements MediaReply {
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

    record MediaPruned(String eventId, String refreshId, Instant occurredAt, long deleted) implements MediaReply {
    }

    record MediaPruneFailed(String eventId, String refreshId, Instant occurredAt, String reason)
            implements MediaReply, Event.Failure {
    }
}
