package io.restage.orchestrator.persistence;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * A message the saga decided to send, stored in the same transaction as the decision and sent by the relay
 * afterwards: a crash between the two cannot lose a command (it may send it twice; participants are idempotent).
 */
@Entity
@Table(name = "outbox")
public class OutboxEntry extends PanacheEntityBase {
    @Id
    public String id;
    @Column(nullable = false)
    public String refreshId;
    /** {@code refresh.requested} or {@code refresh.commands}. */
    @Column(nullable = false)
    public String topic;
    @Column(columnDefinition = "text", nullable = false)
    public String payload;
    @Column(nullable = false)
    public Instant createdAt;
    @Column(nullable = false)
    public long position;
}
