package io.restage.common;

import io.restage.common.messages.Command;
import io.restage.common.messages.Event;
import io.restage.common.messages.RefreshRequested;

/** Every topic restage uses, named {@code <domain>.<fact>}. The one place topic names are written. */
public final class Topics {
    /** Orchestrator -> export and import services: a refresh was accepted and starts now. */
    public static final Topic<RefreshRequested> REFRESH_REQUESTED = new Topic<>("refresh.requested", RefreshRequested.class);
    /** Orchestrator -> participants: imperative commands (commit, discard, copy media, ...). */
    public static final Topic<Command> REFRESH_COMMANDS = new Topic<>("refresh.commands", Command.class);
    /** Participants -> orchestrator: past-tense replies (completed, failed, compensated). */
    public static final Topic<Event> REFRESH_EVENTS = new Topic<>("refresh.events", Event.class);
    /**
     * Participants -> operators: control messages (requests and commands, never batches) a participant could not
     * process after its retries, as they arrived, with the reason in the connector's dead-letter headers. The refresh
     * they belong to is failed through a {@link io.restage.common.messages.MessageDeadLettered} reply.
     */
    public static final Topic<String> REFRESH_DEAD_LETTER = new Topic<>("refresh.dead-letter", String.class);
    /** Export -> anonymizer: raw table batches (binary, see {@link io.restage.common.batch.BatchCodec}). */
    public static final Topic<byte[]> BATCHES_EXPORTED = new Topic<>("batches.exported", byte[].class);
    /** Anonymizer -> import: clean table batches. */
    public static final Topic<byte[]> BATCHES_ANONYMIZED = new Topic<>("batches.anonymized", byte[].class);

    /** Largest batch record on the wire; batches are cut well below it. */
    public static final int MAX_BATCH_RECORD_BYTES = 16 * 1024 * 1024;

    public static String batchKey(String refreshId, String table) {
        return refreshId + "/" + table;
    }

    /** The refresh a record key names (a control key is the refresh id, a batch key starts with it), or null. */
    public static String refreshOf(String key) {
        if (key == null || key.isEmpty()) {
            return null;
        }
        int slash = key.indexOf('/');
        String id = slash < 0 ? key : key.substring(0, slash);
        return id.matches("[A-Za-z0-9-]{1,64}") ? id : null;
    }

    private Topics() {
    }
}
