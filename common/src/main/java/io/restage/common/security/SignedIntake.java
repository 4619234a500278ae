package io.restage.common.security;

import io.restage.common.messages.Message;
import io.restage.common.messages.MessageCodec;
import java.sql.SQLException;

/**
 * The gate every control message passes before a participant acts on it: the signature (key, topic, record key, send
 * time), the message's own refresh id against the record key, and the replay record. Refusals say why in words that
 * never quote the message.
 */
public final class SignedIntake {

    /** A message that passed every check, or the reason it did not. */
    public sealed interface Received<T> {
        record Accepted<T>(T message) implements Received<T> {
        }

        record Refused<T>(String reason, String messageType) implements Received<T> {
        }

        /**
         * Validly signed, but this event id was already acted on: a redelivery after a restart, or a replay of a captured
         * record. Either way it is not acted on again; it is no attack on its own (the signature holds), so it is
         * skipped quietly rather than reported.
         */
        record Duplicate<T>(String eventId) implements Received<T> {
        }
    }

    private final MessageSignatures signatures;
    private final ReplayGuard replays;

    /** The intake of a participant: the deployment's signatures and a replay record in its state database. */
    public static SignedIntake forParticipant(io.restage.common.config.RestageConfig config, javax.sql.DataSource stateDb,
                                              String service) throws SQLException {
        ReplayGuard replays = new ReplayGuard(stateDb, service, config.security().maxMessageAge());
        return new SignedIntake(MessageSignatures.of(config), replays);
    }

    /** {@code replays} may be null for a consumer whose effects are keyed by the message itself (the orchestrator). */
    public SignedIntake(MessageSignatures signatures, ReplayGuard replays) {
        this.signatures = signatures;
        this.replays = replays;
    }

    public <T extends Message> Received<T> receive(String topic, String key, String sentAt, String signature, String value,
                                                    Class<T> type) throws SQLException {
        MessageSignatures.Verdict v = signatures.verify(topic, key, sentAt, signature, value);
        String declared = declaredType(value);
        if (v instanceof MessageSignatures.Verdict.Refused r) {
            return new Received.Refused<>(r.reason(), declared);
        }
        T message;
        try {
            message = MessageCodec.decode(value, type);
        } catch (IllegalArgumentException e) {
            return new Received.Refused<>("a signed message that is not a readable " + type.getSimpleName(), declared);
        }
        if (key == null || !key.equals(message.refreshId())) {
            return new Received.Refused<>("the message's refreshId differs from its record key", declared);
        }
        if (replays != null && message.eventId() != null && guarded(() -> replays.seen(message.eventId()))) {
            return new Received.Duplicate<>(message.eventId());
        }
        return new Received.Accepted<>(message);
    }

    /** After the handler finished: this event id is never acted on again. */
    public void done(Message message) throws SQLException {
        if (replays != null && message.eventId() != null) {
            guarded(() -> {
                replays.record(message.eventId());
                return null;
            });
        }
    }

    /**
     * The replay guard's database work, retried like any participant's while the state database restarts: a verified
     * message must not be dead-lettered (and its refresh stranded) because the guard could not be asked for a few
     * seconds.
     */
    private static <R> R guarded(java.util.concurrent.Callable<R> work) throws SQLException {
        try {
            return io.restage.common.Retry.DATABASE.run(work);
        } catch (SQLException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The {@code type} the message claims, for logs (an identifier, or "unknown"). */
    static String declaredType(String value) {
        if (value == null) {
            return "unknown";
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"type\"\\s*:\\s*\"([A-Za-z]{1,40})\"").matcher(value);
        return m.find() ? m.group(1) : "unknown";
    }
}
