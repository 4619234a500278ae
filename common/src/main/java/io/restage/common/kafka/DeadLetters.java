package io.restage.common.kafka;

import io.restage.common.Failures;
import io.restage.common.Retry;
import io.restage.common.messages.Event;
import io.restage.common.messages.Message;
import io.restage.common.messages.MessageDeadLettered;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * How a participant handles a verified control message: transient failures (the state database or the target
 * restarting, a lock timeout, a broker failover) are retried with the one retry policy; a message that still cannot be
 * processed is reported to the orchestrator as {@link MessageDeadLettered} (which fails the participant's step of the
 * refresh) and thrown, so the connector's {@code dead-letter-queue} failure strategy moves the record to
 * {@code refresh.dead-letter} instead of it being lost after its offset is committed. Handlers are idempotent, so a
 * retry repeats nothing.
 */
public final class DeadLetters {

    /** A handler of one message. */
    public interface Work {
        void run() throws Exception;
    }

    public static void handle(String service, String topic, Message message, Retry retry, Work work, Consumer<Event> publish)
            throws Exception {
        try {
            retry.run(() -> {
                work.run();
                return null;
            });
        } catch (Exception e) {
            String reason = service + " could not process a " + message.getClass().getSimpleName() + " from " + topic
                    + " (moved to refresh.dead-letter): " + Failures.describe(e);
            try {
                publish.accept(new MessageDeadLettered(Message.newId(), message.refreshId(), Instant.now(), service, topic,
                        message.getClass().getSimpleName(), reason));
            } catch (RuntimeException unreported) {
                e.addSuppressed(unreported); // the step's deadline still ends the refresh
            }
            throw e;
        }
    }

    private DeadLetters() {
    }
}
