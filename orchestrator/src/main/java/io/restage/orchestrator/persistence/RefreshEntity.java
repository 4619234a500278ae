package io.restage.orchestrator.persistence;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;

/**
 * A refresh as stored: searchable columns plus the whole saga state as JSON. {@code version} is the optimistic
 * lock: two writers of the same refresh (a reply and an operator's cancel) cannot both win.
 */
@Entity
@Table(name = "refresh")
public class RefreshEntity extends PanacheEntityBase {
    @Id
    public String id;
    @Column(nullable = false)
    public String source;
    @Column(nullable = false)
    public String target;
    @Column(nullable = false)
    public String status;
    @Column(nullable = false)
    public Instant createdAt;
    public Instant updatedAt;
    public Instant retryAt;
    @Version
    public long version;
    @Column(columnDefinition = "text", nullable = false)
    public String state;
}
