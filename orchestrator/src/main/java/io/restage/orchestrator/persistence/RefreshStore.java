package io.restage.orchestrator.persistence;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.panache.common.Sort;
import io.restage.common.Json;
import io.restage.common.Topics;
import io.restage.common.messages.Message;
import io.restage.common.messages.MessageCodec;
import io.restage.common.messages.RefreshRequested;
import io.restage.orchestrator.saga.Refresh;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Reads and writes refreshes, processed-event ids and the outbox. Every method expects a reactive transaction. */
@ApplicationScoped
public class RefreshStore {
    private static final AtomicLong POSITION = new AtomicLong(System.currentTimeMillis() * 1000);

    public static String toJson(Refresh r) {
        try {
            return Json.MAPPER.writeValueAsString(r);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot store refresh " + r.id, e);
        }
    }

    public static Refresh fromJson(String json) {
        try {
            return Json.MAPPER.readValue(json, Refresh.class);
        } catch (IOException e) {
            throw new IllegalStateException("stored refresh state is unreadable: " + e.getMessage(), e);
        }
    }

    public Uni<RefreshEntity> find(String id) {
        return RefreshEntity.findById(id);
    }

    public Uni<List<RefreshEntity>> newestFirst(int limit) {
        return newestFirst(limit, null, null, null);
    }

    /**
     * Newest first, optionally only of one target and/or one status, and only created before {@code before} (the
     * page cursor: the last item's createdAt of the previous page).
     */
    public Uni<List<RefreshEntity>> newestFirst(int limit, String target, String status, java.time.Instant before) {
        StringBuilder q = new StringBuilder("1 = 1");
        java.util.Map<String, Object> params = new java.util.HashMap<>();
        if (target != null) {
            q.append(" and target = :target");
            params.put("target", target);
        }
        if (status != null) {
            q.append(" and status = :status");
            params.put("status", status);
        }
        if (before != null) {
            q.append(" and createdAt < :before");
            params.put("before", before);
        }
        return RefreshEntity.<RefreshEntity>find(q.toString(), Sort.descending("createdAt").and("id", Sort.Direction.Descending),
                params).page(0, limit).list();
    }

    /** The id of a refresh of {@code target} created after {@code after} whose data is in the target, or null. */
    public Uni<String> newerSucceeded(String target, java.time.Instant after) {
        return RefreshEntity.<RefreshEntity>find("target = ?1 and status in ('SUCCEEDED', 'UNDOING') and createdAt > ?2"
                + " order by createdAt desc", target, after).firstResult().map(e -> e == null ? null : e.id);
    }

    public Uni<Long> activeFor(String target) {
        return RefreshEntity.count("target = ?1 and status in ('RUNNING', 'COMPENSATING', 'UNDOING')", target);
    }

    /** Refreshes (and undos) that hold their target: the ones whose deadlines the saga watches. */
    public Uni<List<RefreshEntity>> active() {
        return RefreshEntity.list("status in ('RUNNING', 'COMPENSATING', 'UNDOING')");
    }

    public Uni<List<RefreshEntity>> retriesDue(Instant now) {
        return RefreshEntity.list("status = 'RUNNING' and retryAt is not null and retryAt <= ?1", now);
    }

    public Uni<Void> insert(Refresh r, List<Message> out) {
        RefreshEntity e = new RefreshEntity();
        e.id = r.id;
        copy(r, e);
        return e.<RefreshEntity>persist().chain(() -> enqueue(r.id, out));
    }

    public Uni<Void> update(RefreshEntity e, Refresh r, List<Message> out) {
        copy(r, e);
        return enqueue(r.id, out);
    }

    /** True if the event id was new (and is now recorded). */
    public Uni<Boolean> markProcessed(String eventId, String refreshId) {
        return ProcessedEvent.<ProcessedEvent>findById(eventId).chain(existing -> {
            if (existing != null) {
                return Uni.createFrom().item(false);
            }
            ProcessedEvent p = new ProcessedEvent();
            p.eventId = eventId;
            p.refreshId = refreshId;
            p.processedAt = Instant.now();
            return p.persist().replaceWith(true);
        });
    }

    public Uni<List<OutboxEntry>> pending(int limit) {
        return OutboxEntry.<OutboxEntry>findAll(Sort.ascending("position")).page(0, limit).list();
    }

    public Uni<Long> remove(String outboxId) {
        return OutboxEntry.delete("id", outboxId);
    }

    private Uni<Void> enqueue(String refreshId, List<Message> out) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (Message m : out) {
            OutboxEntry o = new OutboxEntry();
            o.id = m.eventId();
            o.refreshId = refreshId;
            o.topic = m instanceof RefreshRequested ? Topics.REFRESH_REQUESTED.name() : Topics.REFRESH_COMMANDS.name();
            o.payload = MessageCodec.encode(m);
            o.createdAt = Instant.now();
            o.position = POSITION.incrementAndGet();
            chain = chain.chain(() -> o.persist()).replaceWithVoid();
        }
        return chain;
    }

    private static void copy(Refresh r, RefreshEntity e) {
        e.source = r.source;
        e.target = r.target;
        e.status = r.status.name();
        e.createdAt = r.createdAt;
        e.updatedAt = r.updatedAt;
        e.retryAt = r.retryAt;
        e.state = toJson(r);
    }

    /** Runs {@code work} in a reactive transaction. */
    public static <T> Uni<T> tx(java.util.function.Supplier<Uni<T>> work) {
        return Panache.withTransaction(work);
    }
}
