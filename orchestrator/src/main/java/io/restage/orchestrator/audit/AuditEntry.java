package io.restage.orchestrator.audit;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Index;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * One line of the orchestrator's audit log: every start, cancel and undo, every refusal (401, 403, 409, 422, 429 and
 * the safety gates) and every control message a participant refused. Append-only: no API route changes or deletes a
 * line, and a trigger in the database refuses UPDATE and DELETE (the migration V1__state_schema.sql).
 */
@Entity
@Table(name = "audit_log", indexes = @Index(name = "audit_log_at", columnList = "at"))
public class AuditEntry extends PanacheEntityBase {
    @Id
    public String id;
    @Column(nullable = false)
    public Instant at;
    /** The token's identity; "anonymous" without a valid token; the service name for a refused message. */
    @Column(nullable = false)
    public String identity;
    /** start, cancel, undo, read, policy-check, authenticate, message-refused. */
    @Column(nullable = false)
    public String action;
    public String source;
    public String target;
    public String refreshId;
    @Column(columnDefinition = "text")
    public String skippedAnonymizers;
    /** The HTTP status answered (202, 401, ...), or 0 for a refused message. */
    public int status;
    /** "accepted", or the error code (import-not-allowed, unauthenticated, ...). */
    @Column(nullable = false)
    public String outcome;
    @Column(columnDefinition = "text")
    public String message;
}
