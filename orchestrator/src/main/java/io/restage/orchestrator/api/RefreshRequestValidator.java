package io.restage.orchestrator.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.restage.common.config.EnvironmentConfig;
import io.restage.common.config.RestageConfig;
import io.restage.common.config.RuleConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks a refresh request against the configuration before anything starts. The server enforces every safety
 * rule; the dashboard and curl get the same answers.
 */
public final class RefreshRequestValidator {
    public static final String RISK_ACKNOWLEDGEMENT = io.restage.common.messages.RefreshRequested.RISK_ACKNOWLEDGEMENT;
    private static final Set<String> FIELDS = Set.of("source", "target", "confirmTarget", "skipAnonymizers",
            "riskAcknowledgement", "media", "allowMediaDeletes", "subset");
    static final java.util.regex.Pattern ENVIRONMENT_NAME = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,62}");
    static final int MAX_SKIPPED = 500;
    static final int MAX_NAME = 256;

    /** A request that passed every check. */
    public record Valid(String source, String target, List<String> skipAnonymizers, boolean media, boolean allowMediaDeletes,
                        String subset) {
        public Valid(String source, String target, List<String> skipAnonymizers, boolean media) {
            this(source, target, skipAnonymizers, media, false, null);
        }
    }

    /** Either a valid request or the refusal. */
    public record Result(Valid valid, ApiError error) {
        static Result refuse(int status, String code, String message) {
            return new Result(null, new ApiError(status, code, message));
        }
    }

    private final RestageConfig config;

    public RefreshRequestValidator(RestageConfig config) {
        this.config = config;
    }

    public Result validate(JsonNode body) {
        if (body == null || !body.isObject()) {
            return Result.refuse(400, "malformed-request", "the body must be a JSON object like"
                    + " {\"source\": \"production\", \"target\": \"staging\", \"confirmTarget\": \"<target hostname>\"}");
        }
        List<String> unknown = new ArrayList<>();
        body.fieldNames().forEachRemaining(f -> {
            if (!FIELDS.contains(f)) {
                unknown.add(io.restage.orchestrator.audit.AuditLog.clean(f));
            }
        });
        if (!unknown.isEmpty()) {
            return Result.refuse(400, "malformed-request", "unknown field(s) " + unknown + ": allowed fields are " + new TreeSet<>(FIELDS));
        }
        for (String f : List.of("source", "target", "confirmTarget")) {
            if (!body.path(f).isTextual() || body.path(f).asText().isBlank()) {
                return Result.refuse(400, "malformed-request", "field '" + f + "' is required and must be a non-empty string");
            }
        }
        // an optional field sent as null (generated clients do) counts as absent
        if (body.has("media") && !body.get("media").isBoolean() && !body.get("media").isNull()) {
            return Result.refuse(400, "malformed-request", "field 'media' must be true or false");
        }
        if (body.hasNonNull("subset") && (!body.get("subset").isTextual() || !ENVIRONMENT_NAME.matcher(body.get("subset").asText()).matches())) {
            return Result.refuse(400, "malformed-request", "field 'subset' must be a subset name (letters, digits, '-' and '_')");
        }
        if (body.hasNonNull("subset") && !config.subsets().containsKey(body.get("subset").asText())) {
            return Result.refuse(404, "unknown-subset", "no subset named '" + body.get("subset").asText() + "': configured are "
                    + new TreeSet<>(config.subsets().keySet()));
        }
        if (body.has("allowMediaDeletes") && !body.get("allowMediaDeletes").isBoolean() && !body.get("allowMediaDeletes").isNull()) {
            return Result.refuse(400, "malformed-request", "field 'allowMediaDeletes' must be true or false");
        }
        if (body.has("riskAcknowledgement") && !body.get("riskAcknowledgement").isTextual() && !body.get("riskAcknowledgement").isNull()) {
            return Result.refuse(400, "malformed-request", "field 'riskAcknowledgement' must be a string");
        }
        for (String f : List.of("source", "target")) {
            if (!ENVIRONMENT_NAME.matcher(body.get(f).asText()).matches()) {
                return Result.refuse(400, "malformed-request", "field '" + f + "' must be an environment name (letters,"
                        + " digits, '-' and '_', at most 63 characters): configured are " + new TreeSet<>(config.environments().keySet()));
            }
        }
        if (body.get("confirmTarget").asText().length() > 255 || hasControl(body.get("confirmTarget").asText())) {
            return Result.refuse(400, "malformed-request", "field 'confirmTarget' must be a hostname (at most 255 characters,"
                    + " no control characters)");
        }
        List<String> skip = new ArrayList<>();
        JsonNode s = body.path("skipAnonymizers");
        if (!s.isMissingNode() && !s.isNull()) {
            if (!s.isArray()) {
                return Result.refuse(400, "malformed-request", "field 'skipAnonymizers' must be a list of rule ids"
                        + " (schema.table.column) or transformer names");
            }
            if (s.size() > MAX_SKIPPED) {
                return Result.refuse(400, "malformed-request", "field 'skipAnonymizers' lists " + s.size() + " entries; at most "
                        + MAX_SKIPPED + " are accepted (a policy has fewer rules than that)");
            }
            Set<String> seen = new java.util.HashSet<>();
            for (JsonNode n : s) {
                if (!n.isTextual() || n.asText().isBlank() || n.asText().length() > MAX_NAME || hasControl(n.asText())) {
                    return Result.refuse(400, "malformed-request", "field 'skipAnonymizers' must contain rule ids or transformer"
                            + " names: non-empty strings of at most " + MAX_NAME + " characters without control characters");
                }
                if (!seen.add(n.asText())) {
                    return Result.refuse(400, "malformed-request", "field 'skipAnonymizers' names '"
                            + io.restage.orchestrator.audit.AuditLog.clean(n.asText()) + "' twice: list each rule once");
                }
                skip.add(n.asText());
            }
        }
        String source = body.get("source").asText();
        String target = body.get("target").asText();
        Optional<EnvironmentConfig> src = config.find(source);
        Optional<EnvironmentConfig> tgt = config.find(target);
        if (src.isEmpty() || tgt.isEmpty()) {
            return Result.refuse(404, "unknown-environment", "unknown environment '" + (src.isEmpty() ? source : target)
                    + "': configured environments are " + new TreeSet<>(config.environments().keySet()));
        }
        if (source.equals(target)) {
            return Result.refuse(403, "target-is-source", "source and target are both '" + source + "': a refresh copies"
                    + " one environment into another");
        }
        if (!tgt.get().allowImport()) {
            return Result.refuse(403, "import-not-allowed", "target '" + target + "' does not allow imports"
                    + " (restage.environments." + target + ".allow-import=false); only environments that opt in can be refreshed");
        }
        String confirm = body.get("confirmTarget").asText();
        if (!confirm.equals(tgt.get().hostname())) {
            return Result.refuse(422, "confirmation-mismatch", "confirmTarget does not match the hostname of target '"
                    + target + "': type the target's hostname exactly to confirm");
        }
        if (!skip.isEmpty()) {
            String ack = body.path("riskAcknowledgement").asText("");
            if (!RISK_ACKNOWLEDGEMENT.equals(ack)) {
                return Result.refuse(422, "risk-not-acknowledged", "skipping anonymizers " + skip + " copies personal"
                        + " data into '" + target + "': set riskAcknowledgement to exactly " + RISK_ACKNOWLEDGEMENT);
            }
            Set<String> known = new TreeSet<>();
            for (RuleConfig r : config.policyFor(source).allRules()) {
                known.add(r.id());
                known.add(r.transformer());
            }
            List<String> unknownRules = skip.stream().filter(x -> !known.contains(x)).limit(10)
                    .map(io.restage.orchestrator.audit.AuditLog::clean).toList();
            if (!unknownRules.isEmpty()) {
                return Result.refuse(422, "unknown-anonymizer", "skipAnonymizers names " + unknownRules + ", which the"
                        + " policy does not have: use rule ids (schema.table.column) or transformer names from " + known);
            }
        }
        boolean media = body.path("media").asBoolean(tgt.get().bucket() != null && src.get().bucket() != null);
        if (media && (src.get().bucket() == null || tgt.get().bucket() == null)) {
            return Result.refuse(422, "no-bucket", "media copy needs a bucket on both '" + source + "' and '" + target
                    + "': configure environments.<name>.bucket or send \"media\": false");
        }
        return new Result(new Valid(source, target, List.copyOf(skip), media, body.path("allowMediaDeletes").asBoolean(false),
                body.hasNonNull("subset") ? body.get("subset").asText() : null), null);
    }

    private static boolean hasControl(String s) {
        return s.codePoints().anyMatch(Character::isISOControl);
    }
}
