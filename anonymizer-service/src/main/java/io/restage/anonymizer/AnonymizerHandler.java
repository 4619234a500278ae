package io.restage.anonymizer;

import io.restage.anonymizer.policy.BatchAnonymizer;
import io.restage.anonymizer.policy.TablePlan;
import io.restage.anonymizer.transform.TransformContext;
import io.restage.common.batch.Batch;
import io.restage.common.batch.BatchCodec;
import io.restage.common.batch.BatchHeader;
import io.restage.common.batch.Checksums;
import io.restage.common.config.PolicyConfig;
import io.restage.common.config.RestageConfig;
import io.restage.common.messages.AnonymizerReply;
import io.restage.common.messages.Event;
import io.restage.common.messages.Message;
import io.restage.common.policy.LeakFingerprints;
import io.restage.common.policy.PolicyFingerprint;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.mindrot.jbcrypt.BCrypt;

/**
 * Turns one raw batch record into its clean twin. Stateless between records apart from caches that can be rebuilt
 * at any time (compiled table plans; the per-refresh bcrypt hashes), so any instance can take any partition. The
 * policy is the one of the batch's source environment.
 */
@ApplicationScoped
public class AnonymizerHandler {

    /** The clean record to forward and, for an end marker, the event to report. */
    public record Output(byte[] record, Event event) {
    }

    private static final SecureRandom RANDOM = new SecureRandom();
    private final RestageConfig config;
    /** One transform context per policy (each has its own secret). */
    private final Map<PolicyConfig, TransformContext> contexts = new ConcurrentHashMap<>();
    private final Map<String, TablePlan> plans = new ConcurrentHashMap<>();
    private final Map<PolicyConfig, String> fingerprints = new ConcurrentHashMap<>();
    /** Password hashes by refresh, mode and cost: hashed once per refresh (and instance), never per row. */
    private final Map<String, String> passwordHashes = Collections.synchronizedMap(lru());
    private final Map<String, String> adminHashes = Collections.synchronizedMap(lru());
    private final ThreadLocal<String> currentRefresh = new ThreadLocal<>();
    private final ThreadLocal<PolicyConfig> currentPolicy = new ThreadLocal<>();

    public AnonymizerHandler(RestageConfig config) {
        this.config = config;
    }

    public Output handle(byte[] record) {
        BatchHeader h = BatchCodec.header(record);
        PolicyConfig policy = h.source() == null ? config.policy() : config.policyFor(h.source());
        String own = fingerprints.computeIfAbsent(policy, PolicyFingerprint::of);
        if (!own.equals(h.policy())) {
            throw new IllegalArgumentException(PolicyFingerprint.mismatch("the anonymizer", h.policy(), own));
        }
        TablePlan plan = plan(policy, h);
        if (h.kind() == BatchHeader.Kind.END) {
            Event done = new AnonymizerReply.TableAnonymized(Message.newId(), h.refreshId(), Instant.now(), h.table(),
                    h.rowCount(), plan.ran(), plan.skipped(), h.attempt());
            return new Output(BatchCodec.passedUnchanged(record, h), done);
        }
        if (plan.isIdentity()) {
            // no rule touches this table: forward the compressed rows as they are (the importer verifies the checksum)
            return new Output(BatchCodec.passedUnchanged(record, h), null);
        }
        if (h.inParts()) {
            throw new IllegalArgumentException(h.table() + " has a row of more than one batch (" + h.parts() + " parts) and"
                    + " rules apply to the table: rows this large can only pass through tables without rules; move the"
                    + " large column to its own table or exclude the table");
        }
        Batch batch = BatchCodec.decode(record);
        currentRefresh.set(h.refreshId());
        currentPolicy.set(policy);
        try {
            String adminHash = policy.admin() != null && policy.admin().table().equals(h.table())
                    && policy.admin().passwordColumn() != null ? adminHash(policy, h.refreshId()) : null;
            BatchAnonymizer.Result r = BatchAnonymizer.anonymize(plan, batch.payload(), context(policy), adminHash,
                    LeakFingerprints.key(policy.secret().reveal(), h.refreshId()));
            String fingerprints = r.fingerprintCount() == 0 ? null : LeakFingerprints.encode(r.fingerprints(), r.fingerprintCount());
            BatchHeader clean = h.anonymized(Checksums.of(r.payload()), r.adminMatches(), fingerprints);
            return new Output(BatchCodec.encode(clean, r.payload()), null);
        } finally {
            currentRefresh.remove();
            currentPolicy.remove();
        }
    }

    /** The failure event for a record that could not be anonymized (no value of the data in the reason). */
    public Event failure(byte[] record, Exception e) {
        BatchHeader h;
        try {
            h = BatchCodec.header(record);
        } catch (RuntimeException unreadable) {
            return null;
        }
        return new AnonymizerReply.AnonymizationFailed(Message.newId(), h.refreshId(), Instant.now(), h.table(),
                "cannot anonymize batch " + h.seq() + " of " + h.table() + ": " + safeReason(e));
    }

    /**
     * restage's own refusals (a plain IllegalArgumentException thrown by restage code) name rules and columns, never
     * values; any other exception's message may quote the value it choked on ("For input string: ..."), so only its
     * type is told.
     */
    static String safeReason(Exception e) {
        boolean ours = e.getClass() == IllegalArgumentException.class && e.getStackTrace().length > 0
                && e.getStackTrace()[0].getClassName().startsWith("io.restage.");
        if (ours && e.getMessage() != null) {
            return e.getMessage();
        }
        return "a " + e.getClass().getSimpleName() + " while transforming (its message is withheld: it may quote a value)";
    }

    private TransformContext context(PolicyConfig policy) {
        return contexts.computeIfAbsent(policy, p -> new TransformContext(p.secret().reveal(),
                (random, cost) -> passwordHash(currentPolicy.get(), currentRefresh.get(), random, cost), p.bcryptCost()));
    }

    private TablePlan plan(PolicyConfig policy, BatchHeader h) {
        String key = h.source() + "|" + h.table() + "|" + h.columns() + "|" + h.skipAnonymizers();
        if (plans.size() > 10_000) {
            plans.clear();
        }
        return plans.computeIfAbsent(key, k -> TablePlan.compile(policy, h.table(), h.columns(), h.skipAnonymizers()));
    }

    String passwordHash(PolicyConfig policy, String refreshId, boolean random, int cost) {
        if (!random && !policy.stagingPassword().isPresent()) {
            throw new IllegalArgumentException("transformer 'password' (mode staging) needs policy.staging-password");
        }
        return passwordHashes.computeIfAbsent(refreshId + "|" + random + "|" + cost, k -> BCrypt.hashpw(
                random ? randomSecret() : policy.stagingPassword().reveal(), BCrypt.gensalt(cost)));
    }

    String adminHash(PolicyConfig policy, String refreshId) {
        return adminHashes.computeIfAbsent(refreshId,
                id -> BCrypt.hashpw(policy.admin().password().reveal(), BCrypt.gensalt(policy.bcryptCost())));
    }

    /** A secret nobody knows: 32 random bytes, hashed once and forgotten. */
    private static String randomSecret() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static <K, V> LinkedHashMap<K, V> lru() {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > 64;
            }
        };
    }
}
