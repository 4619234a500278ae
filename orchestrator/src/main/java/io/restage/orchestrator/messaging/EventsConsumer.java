package io.restage.orchestrator.messaging;

import io.restage.common.messages.Event;
import io.restage.common.messages.MessageCodec;
import io.restage.orchestrator.saga.SagaService;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/** Reads {@code refresh.events} (every participant's replies) and hands them to the saga. */
@ApplicationScoped
public class EventsConsumer {
    private static final Logger LOG = Logger.getLogger(EventsConsumer.class);
    private final SagaService saga;

    public EventsConsumer(SagaService saga) {
        this.saga = saga;
    }

    @Incoming("refresh-events")
    public Uni<Void> onEvent(String json) {
        Event event;
        try {
            event = MessageCodec.decode(json, Event.class);
        } catch (IllegalArgumentException e) {
            LOG.errorf("unreadable message on refresh.events skipped: %s", e.getMessage());
            return Uni.createFrom().voidItem();
        }
        return saga.onEvent(event)
                .onFailure().invoke(e -> LOG.errorf(e, "refresh %s: cannot apply %s", event.refreshId(), event.getClass().getSimpleName()));
    }
}
