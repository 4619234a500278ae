package io.restage.orchestrator.saga;

import io.quarkus.scheduler.Scheduled;
import io.restage.common.messages.Event;
import io.restage.common.messages.Message;
import io.restage.orchestrator.persistence.RefreshEntity;
import io.restage.orchestrator.persistence.RefreshStore;
import io.restage.orchestrator.messaging.ListeningWatch;
import io.restage.orchestrator.messaging.OutboxRelay;
import io.smallrye.common.annotation.Identifier;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Applies events to stored refreshes through the {@link Transitions} table. Each event is applied in one
 * transaction together with its processed-event id and the outgoing messages (outbox); the relay sends them after
 * the commit.
 */
@ApplicationScoped
public class SagaService {
    private static final Logger LOG = Logger.getLogger(SagaService.class);

    /** Thrown when a refresh of the same target is already running. */
    public static class TargetBusyException extends RuntimeException {
        public TargetBusyException(String target) {
            super("a refresh of target '" + target + "' is already running: wait for it to finish or cancel it");
        }
    }

    private final RefreshStore store;
    private final OutboxRelay relay;
    private final Deadlines deadlines;
    private final ListeningWatch listening;

    private final RefreshMetrics metrics;

    public SagaService(RefreshStore store, OutboxRelay relay, DeadlineSettings deadlines,
                       @Identifier("refresh-events-listening") ListeningWatch listening, RefreshMetrics metrics) {
        this.metrics = metrics;
        this.store = store;
        this.relay = relay;
        this.deadlines = deadlines.deadlines();
        this.listening = listening;
    }

    public Uni<Refresh> start(Refresh r) {
        return RefreshStore.tx(() -> store.activeFor(r.target).chain(active -> {
                    if (active > 0) {
                        return Uni.createFrom().failure(new TargetBusyException(r.target));
                    }
                    List<Message> out = Transitions.begin(r, Instant.now());
                    return store.insert(r, out).replaceWith(r);
                }))
                .onFailure(SagaService::isUniqueViolation).transform(e -> new TargetBusyException(r.target))
                .call(relay::flush);
    }

    /**
     * An operator's undo of a succeeded refresh; refused while the target is busy or when a later refresh of the
     * same target succeeded (only the latest commit can be undone).
     */
    public Uni<Transitions.Outcome> undo(String refreshId, String requestedBy) {
        return RefreshStore.tx(() -> store.find(refreshId).chain(e -> {
                    if (e == null) {
                        return Uni.createFrom().item("unknown refresh");
                    }
                    if (!"SUCCEEDED".equals(e.status)) {
                        return Uni.createFrom().item((String) null); // the transitions table says why not
                    }
                    return store.activeFor(e.target).chain(active -> store.newerSucceeded(e.target, e.createdAt).map(newer -> {
                        if (active > 0) {
                            return "a refresh or undo of target '" + e.target + "' is running: wait for it to finish";
                        }
                        if (newer != null) {
                            return "refresh " + newer + " committed into '" + e.target + "' after this one: only the latest"
                                    + " commit can be undone (undo that one first)";
                        }
                        return null;
                    }));
                }))
                .chain(refusal -> refusal != null
                        ? Uni.createFrom().item(new Transitions.Outcome(List.of(), refusal))
                        : apply(refreshId, null, new UndoRequested(requestedBy)))
                .onFailure(SagaService::isUniqueViolation)
                .recoverWithItem(e -> new Transitions.Outcome(List.of(), "a refresh of the same target is running"));
    }

    /** A participant's reply; duplicates (same event id) change nothing. */
    public Uni<Void> onEvent(Event event) {
        return apply(event.refreshId(), event.eventId(), event).replaceWithVoid();
    }

    /** An operator's force-fail of a stuck refresh (or undo); the outcome says whether it was refused and why. */
    public Uni<Transitions.Outcome> abort(String refreshId, String requestedBy, String reason) {
        return apply(refreshId, null, new AbortRequested(requestedBy, reason));
    }

    /** An operator's cancel; the outcome says whether it was refused and why. */
    public Uni<Transitions.Outcome> cancel(String refreshId, String requestedBy) {
        return apply(refreshId, null, new CancelRequested(requestedBy));
    }

    private Uni<Transitions.Outcome> apply(String refreshId, String eventId, Object event) {
        Refresh[] ended = new Refresh[1]; // set when this change ends the refresh; recorded once it has committed
        Uni<Transitions.Outcome> once = RefreshStore.tx(() -> {
            ended[0] = null;
            Uni<Boolean> fresh = eventId == null ? Uni.createFrom().item(true) : store.markProcessed(eventId, refreshId);
            return fresh.chain(isNew -> {
                if (!isNew) {
                    LOG.debugf("refresh %s: event %s already applied", refreshId, eventId);
                    return Uni.createFrom().item(new Transitions.Outcome(List.of(), "duplicate event"));
                }
                return store.find(refreshId).chain(entity -> {
                    if (entity == null) {
                        LOG.warnf("refresh %s: %s for an unknown refresh ignored", refreshId, event.getClass().getSimpleName());
                        return Uni.createFrom().item(new Transitions.Outcome(List.of(), "unknown refresh"));
                    }
                    Refresh r = RefreshStore.fromJson(entity.state);
                    RefreshStatus before = r.status;
                    Transitions.Outcome o = Transitions.apply(r, event, Instant.now());
                    if (o.ignored()) {
                        if (o.routine()) {
                            return Uni.createFrom().item(o);
                        }
                        LOG.infof("refresh %s: %s ignored: %s", refreshId, event.getClass().getSimpleName(), o.ignoredBecause());
                        return Uni.createFrom().item(o);
                    }
                    if (before != r.status) {
                        LOG.infof("refresh %s: %s -> %s on %s%s", refreshId, before, r.status, event.getClass().getSimpleName(),
                                r.error != null && r.status != RefreshStatus.SUCCEEDED ? " (" + r.error + ")" : "");
                        if ((before == RefreshStatus.RUNNING || before == RefreshStatus.COMPENSATING) && !r.status.active()) {
                            ended[0] = r;
                        }
                    }
                    return store.update(entity, r, o.send()).replaceWith(o);
                });
            });
        });
        return once.onFailure(SagaService::isOptimisticLock).retry().withBackOff(Duration.ofMillis(20)).atMost(5)
                .invoke(o -> {
                    if (ended[0] != null) {
                        metrics.ended(ended[0], Instant.now());
                    }
                })
                .call(relay::flush);
    }

    /**
     * Post-pivot retries that are due, steps silent past their deadline, and any outbox entries a crash left behind.
     * Every orchestrator instance ticks; optimistic locking lets one of them apply each change.
     */
    @Scheduled(every = "${restage.orchestrator.tick:2s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> tick() {
        return RefreshStore.tx(() -> store.retriesDue(Instant.now()))
                .chain(due -> {
                    Uni<Void> chain = Uni.createFrom().voidItem();
                    for (RefreshEntity e : due) {
                        chain = chain.chain(() -> apply(e.id, null, new RetryDue())).replaceWithVoid();
                    }
                    return chain;
                })
                .chain(() -> RefreshStore.tx(store::active))
                .chain(active -> {
                    Uni<Void> chain = Uni.createFrom().voidItem();
                    for (RefreshEntity e : active) {
                        // judged only by the instance that reads the refresh's replies, from when it began reading them
                        Optional<Instant> since = listening.listeningSince(e.id);
                        if (since.isPresent()) {
                            chain = chain.chain(() -> apply(e.id, null, new DeadlineCheck(deadlines, since.get()))).replaceWithVoid();
                        }
                    }
                    return chain;
                })
                .chain(relay::flush)
                .onFailure().invoke(e -> LOG.warnf("saga tick failed: %s", e.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    static boolean isOptimisticLock(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            String n = c.getClass().getSimpleName();
            if (n.contains("OptimisticLock") || n.contains("StaleObjectState") || n.contains("StaleState")) {
                return true;
            }
        }
        return false;
    }

    static boolean isUniqueViolation(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null && c.getMessage().contains("refresh_one_active_per_target")) { // v1 and v2
                return true;
            }
        }
        return false;
    }

}
