package io.restage.orchestrator.audit;

import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/** Writes and reads the audit log. A line that cannot be written is logged as an error, never silently dropped. */
@ApplicationScoped
public class AuditLog {
    private static final Logger LOG = Logger.getLogger(AuditLog.class);
    /** Longest value kept from a request (names are echoed from hostile input: cut and cleaned). */
    static final int MAX_FIELD = 200;

    /** What happened, to be recorded. */
    public record Line(String identity, String action, String source, String target, String refreshId,
                       List<String> skippedAnonymizers, int status, String outcome, String message) {
    }

    public Uni<Void> record(Line line) {
        AuditEntry e = new AuditEntry();
        e.id = UUID.randomUUID().toString();
        e.at = Instant.now();
        e.identity = clean(line.identity() == null ? "anonymous" : line.identity());
        e.action = line.action();
        e.source = clean(line.source());
        e.target = clean(line.target());
        e.refreshId = clean(line.refreshId());
        e.skippedAnonymizers = line.skippedAnonymizers() == null ? null
                : String.join("\n", line.skippedAnonymizers().stream().limit(50).map(AuditLog::clean).toList());
        e.status = line.status();
        e.outcome = line.outcome();
        e.message = line.message() == null ? null : line.message().length() > 2000 ? line.message().substring(0, 2000) : line.message();
        return Panache.withTransaction(() -> e.persist()).replaceWithVoid()
                .onFailure().invoke(t -> LOG.errorf("cannot write the audit line (%s %s by %s -> %s): %s", e.action,
                        e.target, e.identity, e.outcome, t.getMessage()))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    public Uni<List<AuditRecord>> newestFirst(int limit, String target) {
        return Panache.withSession(() -> (target == null
                ? AuditEntry.<AuditEntry>findAll(Sort.descending("at"))
                : AuditEntry.<AuditEntry>find("target", Sort.descending("at"), target)).page(0, limit).list())
                .map(list -> list.stream().map(AuditRecord::of).toList());
    }

    /** Control characters out, length capped: an audit line never carries a NUL or a megabyte of someone's input. */
    public static String clean(String s) {
        if (s == null) {
            return null;
        }
        String c = s.codePoints().filter(cp -> !Character.isISOControl(cp))
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return c.length() > MAX_FIELD ? c.substring(0, MAX_FIELD) + "..." : c;
    }
}
