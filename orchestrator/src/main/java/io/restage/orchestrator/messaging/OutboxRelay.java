package io.restage.orchestrator.messaging;

import io.restage.common.Topics;
import io.restage.common.security.MessageSignatures;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.internals.RecordHeaders;
import io.restage.orchestrator.persistence.OutboxEntry;
import io.restage.orchestrator.persistence.RefreshStore;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Writes {@code refresh.requested} and {@code refresh.commands} from the outbox, keyed by refresh id, signed, in the
 * order the saga decided them; an entry is deleted only after the broker acknowledged it.
 */
@ApplicationScoped
public class OutboxRelay {
    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);
    private final RefreshStore store;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();

    @Channel("refresh-requested")
    MutinyEmitter<String> requested;

    @Channel("refresh-commands")
    MutinyEmitter<String> commands;

    private final MessageSignatures signatures;

    public OutboxRelay(RefreshStore store, MessageSignatures signatures) {
        this.store = store;
        this.signatures = signatures;
    }

    /** Sends everything pending; if a flush is already running it will run once more instead. */
    public Uni<Void> flush() {
        if (!running.compareAndSet(false, true)) {
            again.set(true);
            return Uni.createFrom().voidItem();
        }
        again.set(false);
        return RefreshStore.tx(() -> store.pending(200))
                .chain(entries -> {
                    Uni<Void> chain = Uni.createFrom().voidItem();
                    for (OutboxEntry e : entries) {
                        chain = chain.chain(() -> send(e)).chain(() -> RefreshStore.tx(() -> store.remove(e.id))).replaceWithVoid();
                    }
                    return chain;
                })
                .onFailure().invoke(e -> LOG.warnf("outbox relay: %s (will retry)", e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid()
                .eventually(() -> running.set(false))
                .chain(() -> again.getAndSet(false) ? flush() : Uni.createFrom().voidItem());
    }

    /** Signed at send time: the age participants check is the time since this send, not since the decision. */
    private Uni<Void> send(OutboxEntry e) {
        MutinyEmitter<String> emitter = Topics.REFRESH_REQUESTED.name().equals(e.topic) ? requested : commands;
        MessageSignatures.Signature sig = signatures.sign(e.topic, e.refreshId, e.payload);
        RecordHeaders headers = new RecordHeaders();
        headers.add(MessageSignatures.SIGNATURE_HEADER, sig.value().getBytes(StandardCharsets.US_ASCII));
        headers.add(MessageSignatures.SENT_AT_HEADER, sig.sentAt().getBytes(StandardCharsets.US_ASCII));
        return emitter.sendMessage(Message.of(e.payload)
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(e.refreshId).withHeaders(headers).build()));
    }
}
