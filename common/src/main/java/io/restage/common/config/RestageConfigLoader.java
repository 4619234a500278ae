package io.restage.common.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import io.restage.common.policy.JsonRules;
import io.restage.common.policy.TransformerCatalog;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the YAML configuration file (format documented in the README). Any string value may be a reference to an
 * environment variable, {@code ${env:NAME}} or {@code ${env:NAME:-default}}, so secrets need not be written in the
 * file. Every error names the file, the property path and what to do.
 */
public final class RestageConfigLoader {
    private static final Pattern ENV_REF = Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?}");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    public static final int DEFAULT_BCRYPT_COST = 12;

    private final String file;
    private final Function<String, String> env;

    private RestageConfigLoader(String file, Function<String, String> env) {
        this.file = file;
        this.env = env;
    }

    public static RestageConfig load(Path path) {
        return load(path, System::getenv);
    }

    public static RestageConfig load(Path path, Function<String, String> env) {
        if (path == null || !Files.isRegularFile(path)) {
            throw new ConfigException("configuration file '" + path + "' does not exist: set restage.config-file"
                    + " (or RESTAGE_CONFIG_FILE) to the path of your restage.yaml");
        }
        try {
            return parse(Files.readString(path), path.toString(), env);
        } catch (IOException e) {
            throw new ConfigException("cannot read configuration file '" + path + "': " + e.getMessage(), e);
        }
    }

    public static RestageConfig parse(String yaml, String fileName, Function<String, String> env) {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (IOException e) {
            throw new ConfigException(fileName + " is not valid YAML: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new ConfigException(fileName + " must be a YAML mapping with 'environments' and 'policy'");
        }
        return new RestageConfigLoader(fileName, env).read(root);
    }

    private RestageConfig read(JsonNode root) {
        JsonNode envs = root.path("environments");
        if (!envs.isObject() || envs.isEmpty()) {
            throw error("environments", "is missing: declare at least one environment (see README, Configuration)");
        }
        Map<String, EnvironmentConfig> environments = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = envs.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            environments.put(e.getKey(), environment(e.getKey(), e.getValue(), "environments." + e.getKey()));
        }
        Map<String, PolicyConfig> policies = new LinkedHashMap<>();
        JsonNode named = root.path("policies");
        if (named.isObject()) {
            named.fields().forEachRemaining(p -> policies.put(p.getKey(), policy(p.getValue(), "policies." + p.getKey())));
        } else if (!named.isMissingNode() && !named.isNull()) {
            throw error("policies", "must map policy names to policies");
        }
        JsonNode def = root.path("policy");
        PolicyConfig defaultPolicy = def.isMissingNode() && !policies.isEmpty() ? null : policy(def, "policy");
        for (EnvironmentConfig e : environments.values()) {
            if (e.policy() != null && !policies.containsKey(e.policy())) {
                throw error("environments." + e.name() + ".policy", "names policy '" + e.policy()
                        + "', which is not under policies: (known: " + policies.keySet() + ")");
            }
        }
        String versionQuery = null;
        JsonNode sv = root.path("schema-version");
        if (sv.isObject()) {
            versionQuery = required(sv, "query", "schema-version");
        } else if (!sv.isMissingNode() && !sv.isNull()) {
            throw error("schema-version", "must be {query: \"select ...\"} returning the schema version in one row");
        }
        refuseSharedDatabases(environments);
        SecurityConfig security = security(root.path("security"), environments);
        RestageConfig partial = new RestageConfig(Map.copyOf(environments), defaultPolicy, Map.copyOf(policies), versionQuery, security);
        return new RestageConfig(partial.environments(), defaultPolicy, partial.policies(), versionQuery, security,
                schedules(root.path("schedules"), partial), subsets(root.path("subsets")));
    }

    /**
     * {@code subsets: {NAME: {roots: {table: "condition" | {percent: 5}}, whole: [...], exclude: [...],
     * relations: ["child.column -> parent.column"]}}}.
     */
    private Map<String, SubsetConfig> subsets(JsonNode node) {
        Map<String, SubsetConfig> out = new LinkedHashMap<>();
        if (node.isMissingNode() || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            throw error("subsets", "must map subset names to {roots, whole, exclude, relations}");
        }
        java.util.Set<String> fields = java.util.Set.of("roots", "whole", "exclude", "relations");
        node.fields().forEachRemaining(e -> {
            String name = e.getKey();
            String p = "subsets." + name;
            if (!name.matches("[A-Za-z0-9][A-Za-z0-9_-]{0,62}")) {
                throw error(p, "is not a subset name (letters, digits, '-' and '_')");
            }
            JsonNode s = e.getValue();
            if (!s.isObject()) {
                throw error(p, "must be a mapping with roots (and optionally whole, exclude, relations)");
            }
            s.fieldNames().forEachRemaining(f -> {
                if (!fields.contains(f)) {
                    throw error(p + "." + f, "is not a subset setting: use roots, whole, exclude or relations");
                }
            });
            List<SubsetConfig.Root> roots = new ArrayList<>();
            JsonNode r = s.path("roots");
            if (!r.isObject() || r.isEmpty()) {
                throw error(p + ".roots", "is missing: name at least one root table with a condition or {percent: N}");
            }
            r.fields().forEachRemaining(t -> {
                String rp = p + ".roots." + t.getKey();
                JsonNode v = t.getValue();
                if (v.isTextual()) {
                    String cond = v.asText().strip();
                    if (cond.isEmpty() || cond.contains(";")) {
                        throw error(rp, "must be one SQL condition over the table's columns (no ';'), such as"
                                + " \"email = 'dev@corp.example'\"");
                    }
                    roots.add(new SubsetConfig.Root(qualify(t.getKey()), cond, null));
                } else if (v.isObject() && v.path("percent").isNumber() && v.size() == 1) {
                    double pct = v.path("percent").asDouble();
                    if (!(pct > 0 && pct <= 100)) {
                        throw error(rp + ".percent", "must be more than 0 and at most 100, got " + v.path("percent").asText());
                    }
                    roots.add(new SubsetConfig.Root(qualify(t.getKey()), null, pct));
                } else {
                    throw error(rp, "must be a condition (\"id in (12, 40)\") or {percent: 5}");
                }
            });
            List<String> whole = tableList(s.path("whole"), p + ".whole");
            List<String> exclude = tableList(s.path("exclude"), p + ".exclude");
            for (String w : whole) {
                if (exclude.contains(w)) {
                    throw error(p, "lists " + w + " under whole and under exclude: keep one");
                }
            }
            for (SubsetConfig.Root root : roots) {
                if (exclude.contains(root.table()) || whole.contains(root.table())) {
                    throw error(p + ".roots", root.table() + " is a root and also under " + (whole.contains(root.table())
                            ? "whole" : "exclude") + ": a root table is copied by its roots' rule");
                }
            }
            List<SubsetConfig.Relation> relations = new ArrayList<>();
            JsonNode rel = s.path("relations");
            if (rel.isArray()) {
                for (int i = 0; i < rel.size(); i++) {
                    relations.add(relation(rel.get(i).asText(), p + ".relations[" + i + "]"));
                }
            } else if (!rel.isMissingNode() && !rel.isNull()) {
                throw error(p + ".relations", "must be a list of \"child.column -> parent.column\"");
            }
            out.put(name, new SubsetConfig(name, roots, whole, exclude, relations));
        });
        return out;
    }

    private List<String> tableList(JsonNode node, String path) {
        List<String> out = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(t -> out.add(qualify(t.asText())));
        } else if (!node.isMissingNode() && !node.isNull()) {
            throw error(path, "must be a list of table names");
        }
        return out;
    }

    private SubsetConfig.Relation relation(String text, String path) {
        String[] sides = text == null ? new String[0] : text.split("->");
        if (sides.length != 2) {
            throw error(path, "must read child.column -> parent.column (e.g. \"app.created_by -> users.id\"), got '" + text + "'");
        }
        String[][] parts = new String[2][];
        for (int i = 0; i < 2; i++) {
            List<String> ps = identifierParts(sides[i].strip());
            if (ps.size() < 2 || ps.size() > 3 || ps.stream().anyMatch(String::isEmpty)) {
                throw error(path, "must name columns as table.column or schema.table.column, got '" + sides[i].strip() + "'");
            }
            String table = ps.size() == 2 ? "public." + ps.get(0) : ps.get(0) + "." + ps.get(1);
            parts[i] = new String[]{table, ps.get(ps.size() - 1)};
        }
        return new SubsetConfig.Relation(parts[0][0], parts[0][1], parts[1][0], parts[1][1]);
    }

    private static final java.util.Set<String> SCHEDULE_FIELDS = java.util.Set.of("source", "target", "cron", "zone",
            "confirm-target", "media", "skip-anonymizers", "risk-acknowledgement", "paused");

    /** {@code schedules:}: each one checked like an operator's request (target opts in, hostname confirmed, risk typed). */
    private Map<String, ScheduleConfig> schedules(JsonNode node, RestageConfig config) {
        Map<String, ScheduleConfig> out = new LinkedHashMap<>();
        if (node.isMissingNode() || node.isNull()) {
            return out;
        }
        if (!node.isObject()) {
            throw error("schedules", "must map schedule names to {source, target, cron, confirm-target}");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            String p = "schedules." + name;
            JsonNode s = e.getValue();
            if (!name.matches("[A-Za-z0-9][A-Za-z0-9_-]{0,62}")) {
                throw error(p, "is not a schedule name: letters, digits, - and _, at most 63 characters");
            }
            if (!s.isObject()) {
                throw error(p, "must be {source, target, cron, confirm-target}");
            }
            s.fieldNames().forEachRemaining(f -> {
                if (!SCHEDULE_FIELDS.contains(f)) {
                    throw error(p + "." + f, "is not a schedule setting (known: " + new java.util.TreeSet<>(SCHEDULE_FIELDS) + ")");
                }
            });
            String source = required(s, "source", p);
            String target = required(s, "target", p);
            EnvironmentConfig src = config.environments().get(source);
            EnvironmentConfig tgt = config.environments().get(target);
            if (src == null || tgt == null) {
                throw error(p + (src == null ? ".source" : ".target"), "names '" + (src == null ? source : target)
                        + "', which is not under environments: (known: " + config.environments().keySet() + ")");
            }
            if (source.equals(target)) {
                throw error(p, "refreshes '" + source + "' from itself");
            }
            if (!tgt.allowImport()) {
                throw error(p + ".target", "'" + target + "' does not allow imports (environments." + target
                        + ".allow-import): production can never be a target");
            }
            if (!tgt.hostname().equals(required(s, "confirm-target", p))) {
                throw error(p + ".confirm-target", "is not the hostname of '" + target + "': type it exactly, as an operator"
                        + " would to confirm (environments." + target + ".hostname)");
            }
            String cron = required(s, "cron", p).trim();
            if (cron.split("\\s+").length < 6 || cron.split("\\s+").length > 7) {
                throw error(p + ".cron", "must be a Quartz-style expression of 6 or 7 fields (seconds minutes hours"
                        + " day-of-month month day-of-week [year]), e.g. \"0 30 2 * * ?\" for 02:30 every night");
            }
            java.time.ZoneId zone;
            try {
                zone = java.time.ZoneId.of(optional(s, "zone", p, "UTC"));
            } catch (java.time.DateTimeException ex) {
                throw error(p + ".zone", "is not a time zone: write e.g. UTC or Europe/Berlin");
            }
            Boolean media = s.has("media") ? bool(s, "media", p, false) : null;
            if (Boolean.TRUE.equals(media) && (src.bucket() == null || tgt.bucket() == null)) {
                throw error(p + ".media", "is true but '" + (src.bucket() == null ? source : target) + "' has no bucket");
            }
            List<String> skip = new ArrayList<>();
            JsonNode sk = s.path("skip-anonymizers");
            if (sk.isArray()) {
                sk.forEach(x -> skip.add(x.asText()));
            } else if (!sk.isMissingNode() && !sk.isNull()) {
                throw error(p + ".skip-anonymizers", "must be a list of rule ids (schema.table.column) or transformer names");
            }
            if (!skip.isEmpty()) {
                String ack = optional(s, "risk-acknowledgement", p, "");
                if (!io.restage.common.messages.RefreshRequested.RISK_ACKNOWLEDGEMENT.equals(ack)) {
                    throw error(p + ".risk-acknowledgement", "must be exactly "
                            + io.restage.common.messages.RefreshRequested.RISK_ACKNOWLEDGEMENT + ": skip-anonymizers "
                            + skip + " copies personal data into '" + target + "' every time it runs");
                }
                java.util.Set<String> known = new java.util.TreeSet<>();
                config.policyFor(source).allRules().forEach(r -> {
                    known.add(r.id());
                    known.add(r.transformer());
                });
                for (String x : skip) {
                    if (!known.contains(x)) {
                        throw error(p + ".skip-anonymizers", "names '" + x + "', which the policy of '" + source
                                + "' does not have (rule ids schema.table.column or transformer names)");
                    }
                }
            }
            out.put(name, new ScheduleConfig(name, source, target, cron, zone, media, skip, bool(s, "paused", p, false)));
        }
        return out;
    }

    /**
     * Two environments on one database (same host, port and database) would let a copy-paste make production a target
     * under another name: refused.
     */
    private void refuseSharedDatabases(Map<String, EnvironmentConfig> environments) {
        Map<String, String> seen = new LinkedHashMap<>();
        for (EnvironmentConfig e : environments.values()) {
            String id = databaseIdentity(e.database().url());
            String other = seen.putIfAbsent(id, e.name());
            if (other != null) {
                throw new ConfigException(file + ": environments." + other + " and environments." + e.name()
                        + " name the same database (same host, port and database name): each environment needs its own database, or a copy"
                        + " could overwrite the other under another name");
            }
        }
    }

    /** {@code host:port/database} of a JDBC URL, lower-cased host, default port 5432, parameters left out. */
    static String databaseIdentity(String url) {
        String rest = url.substring("jdbc:postgresql:".length());
        int q = rest.indexOf('?');
        if (q >= 0) {
            rest = rest.substring(0, q);
        }
        if (!rest.startsWith("//")) {
            return "localhost:5432/" + rest; // jdbc:postgresql:database
        }
        rest = rest.substring(2);
        int slash = rest.indexOf('/');
        String hosts = slash < 0 ? rest : rest.substring(0, slash);
        String db = slash < 0 ? "" : rest.substring(slash + 1);
        StringBuilder out = new StringBuilder();
        for (String h : hosts.split(",")) {
            String host = h.toLowerCase(java.util.Locale.ROOT);
            String port = "5432";
            int colon = host.lastIndexOf(':');
            if (colon >= 0 && colon > host.lastIndexOf(']')) {
                port = host.substring(colon + 1);
                host = host.substring(0, colon);
            }
            if (host.isEmpty() || host.equals("127.0.0.1") || host.equals("[::1]")) {
                host = "localhost";
            }
            out.append(out.length() == 0 ? "" : ",").append(host).append(':').append(port);
        }
        return out + "/" + db;
    }

    private SecurityConfig security(JsonNode node, Map<String, EnvironmentConfig> environments) {
        String p = "security";
        if (!node.isObject()) {
            throw error(p, "is missing: set at least security.message-key (a random string of "
                    + SecurityConfig.MIN_MESSAGE_KEY_LENGTH + "+ characters, e.g. ${env:RESTAGE_MESSAGE_KEY}) that every"
                    + " restage service shares; it signs the messages between them");
        }
        String key = required(node, "message-key", p);
        if (key.length() < SecurityConfig.MIN_MESSAGE_KEY_LENGTH) {
            throw error(p + ".message-key", "must be at least " + SecurityConfig.MIN_MESSAGE_KEY_LENGTH
                    + " characters long (it signs every message between restage's services), got " + key.length());
        }
        java.time.Duration age = duration(node, "max-message-age", p, SecurityConfig.DEFAULT_MAX_MESSAGE_AGE);
        JsonNode staff = node.path("staff");
        List<String> emails = strings(staff, "emails", p + ".staff");
        List<String> groups = strings(staff, "groups", p + ".staff");
        JsonNode roles = node.path("roles");
        List<String> operators = roles.has("operator") ? strings(roles, "operator", p + ".roles") : List.of("operator");
        List<String> viewers = roles.has("viewer") ? strings(roles, "viewer", p + ".roles") : List.of("viewer");
        Map<String, List<String>> targets = new LinkedHashMap<>();
        JsonNode t = node.path("targets");
        if (t.isObject()) {
            t.fields().forEachRemaining(e -> {
                EnvironmentConfig env = environments.get(e.getKey());
                if (env == null || !env.allowImport()) {
                    throw error(p + ".targets." + e.getKey(), "names " + (env == null ? "no configured environment"
                            : "an environment that does not allow imports") + ": list only targets (allow-import: true)");
                }
                targets.put(e.getKey(), strings(t, e.getKey(), p + ".targets"));
            });
        } else if (!t.isMissingNode() && !t.isNull()) {
            throw error(p + ".targets", "must map target names to lists of emails or group:NAME");
        }
        long starts = number(node, "starts-per-minute", p, 10);
        if (starts < 1 || starts > 10_000) {
            throw error(p + ".starts-per-minute", "must be between 1 and 10000, got " + starts);
        }
        String batchKey = optional(node, "batch-key", p, null);
        if (batchKey != null && batchKey.isEmpty()) {
            batchKey = null; // ${env:RESTAGE_BATCH_KEY:-} in the services that are not given it
        }
        if (batchKey != null && batchKey.length() < SecurityConfig.MIN_MESSAGE_KEY_LENGTH) {
            throw error(p + ".batch-key", "must be at least " + SecurityConfig.MIN_MESSAGE_KEY_LENGTH
                    + " characters long (it protects the keys of raw batches), got " + batchKey.length());
        }
        if (batchKey != null && batchKey.equals(key)) {
            throw error(p + ".batch-key", "must differ from security.message-key: every service holds the message key,"
                    + " only the export and the anonymizer may hold the batch key");
        }
        return new SecurityConfig(new Secret(key), age, emails, groups, operators, viewers, Map.copyOf(targets), (int) starts,
                new Secret(batchKey));
    }

    private List<String> strings(JsonNode node, String field, String path) {
        JsonNode v = node.path(field);
        if (v.isMissingNode() || v.isNull()) {
            return List.of();
        }
        if (!v.isArray()) {
            throw error(path + "." + field, "must be a list");
        }
        List<String> out = new ArrayList<>();
        v.forEach(x -> {
            if (!x.isValueNode() || x.asText().isBlank()) {
                throw error(path + "." + field, "must contain non-empty strings only");
            }
            out.add(resolve(x.asText(), path + "." + field).trim());
        });
        return List.copyOf(out);
    }

    private java.time.Duration duration(JsonNode node, String field, String path, java.time.Duration fallback) {
        String v = optional(node, field, path, null);
        if (v == null) {
            return fallback;
        }
        Matcher m = Pattern.compile("(\\d+)\\s*(ms|s|m|h)").matcher(v.trim());
        if (!m.matches()) {
            throw error(path + "." + field, "must be a duration like 90s, 15m or 1h, got '" + v + "'");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> java.time.Duration.ofMillis(n);
            case "s" -> java.time.Duration.ofSeconds(n);
            case "m" -> java.time.Duration.ofMinutes(n);
            default -> java.time.Duration.ofHours(n);
        };
    }

    private EnvironmentConfig environment(String name, JsonNode node, String path) {
        String hostname = required(node, "hostname", path);
        boolean allowImport = bool(node, "allow-import", path, false);
        JsonNode db = node.path("database");
        if (!db.isObject()) {
            throw error(path + ".database", "is missing: give url, user and password");
        }
        String url = required(db, "url", path + ".database");
        if (!url.startsWith("jdbc:postgresql:")) {
            throw error(path + ".database.url", "must be a jdbc:postgresql://host:port/database URL (the value is not"
                    + " shown: it may hold credentials)");
        }
        DatabaseConfig database = new DatabaseConfig(url, optional(db, "user", path + ".database", null),
                new Secret(optional(db, "password", path + ".database", null)));
        BucketConfig bucket = null;
        JsonNode b = node.path("bucket");
        if (b.isObject()) {
            bucket = new BucketConfig(required(b, "endpoint", path + ".bucket"), required(b, "access-key", path + ".bucket"),
                    new Secret(required(b, "secret-key", path + ".bucket")), required(b, "name", path + ".bucket"));
        }
        long keep = number(node, "keep-generations", path, 1);
        if (keep < 0 || keep > 100) {
            throw error(path + ".keep-generations", "must be between 0 (no undo) and 100, got " + keep);
        }
        return new EnvironmentConfig(name, hostname, allowImport, database, bucket, optional(node, "policy", path, null),
                (int) keep, hooks(node.path("hooks"), path + ".hooks", allowImport));
    }

    private static final java.util.Set<String> HOOK_FIELDS = java.util.Set.of("name", "when", "sql", "url", "method",
            "headers", "timeout");

    /** {@code hooks:} of a target: SQL in or after the commit, HTTP calls after it. */
    private List<HookConfig> hooks(JsonNode node, String path, boolean target) {
        List<HookConfig> out = new ArrayList<>();
        if (node.isMissingNode() || node.isNull()) {
            return out;
        }
        if (!target) {
            throw error(path, "only a target (allow-import: true) runs hooks: a refresh never writes into a source");
        }
        if (!node.isArray()) {
            throw error(path, "must be a list of {name, sql, when} or {name, url, method, headers}");
        }
        java.util.Set<String> names = new java.util.HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode h = node.get(i);
            String p = path + "[" + i + "]";
            if (!h.isObject()) {
                throw error(p, "must be {name, sql, when} or {name, url, method, headers}");
            }
            h.fieldNames().forEachRemaining(f -> {
                if (!HOOK_FIELDS.contains(f)) {
                    throw error(p + "." + f, "is not a hook setting (known: " + new java.util.TreeSet<>(HOOK_FIELDS) + ")");
                }
            });
            String name = required(h, "name", p);
            if (!names.add(name)) {
                throw error(p + ".name", "'" + name + "' is used twice: each hook needs its own name (the report lists them)");
            }
            String sql = optional(h, "sql", p, null);
            String url = optional(h, "url", p, null);
            if ((sql == null) == (url == null)) {
                throw error(p, "needs exactly one of sql (run in the target) and url (an HTTP call)");
            }
            String when = optional(h, "when", p, sql != null ? "in-commit" : "after-commit");
            HookConfig.When w = switch (when) {
                case "in-commit" -> HookConfig.When.IN_COMMIT;
                case "after-commit" -> HookConfig.When.AFTER_COMMIT;
                default -> throw error(p + ".when", "must be in-commit or after-commit, got '" + when + "'");
            };
            if (url != null && w == HookConfig.When.IN_COMMIT) {
                throw error(p + ".when", "an HTTP hook runs after the commit (a call cannot be rolled back): write after-commit");
            }
            if (url != null && !url.startsWith("https://") && !url.startsWith("http://")) {
                throw error(p + ".url", "must be an http(s) URL");
            }
            String method = optional(h, "method", p, "POST").toUpperCase(java.util.Locale.ROOT);
            if (!java.util.Set.of("GET", "POST", "PUT").contains(method)) {
                throw error(p + ".method", "must be GET, POST or PUT");
            }
            Map<String, Secret> headers = new LinkedHashMap<>();
            JsonNode hs = h.path("headers");
            if (hs.isObject()) {
                hs.fields().forEachRemaining(e -> headers.put(e.getKey(), new Secret(resolve(e.getValue().asText(),
                        p + ".headers." + e.getKey()))));
            } else if (!hs.isMissingNode() && !hs.isNull()) {
                throw error(p + ".headers", "must map header names to values (use ${env:NAME} for secrets)");
            }
            long seconds = number(h, "timeout", p, 10);
            if (seconds < 1 || seconds > 600) {
                throw error(p + ".timeout", "must be between 1 and 600 seconds");
            }
            out.add(new HookConfig(name, w, sql, url, method, headers, java.time.Duration.ofSeconds(seconds)));
        }
        return out;
    }

    private PolicyConfig policy(JsonNode node, String path) {
        if (!node.isObject()) {
            throw error(path, "is missing: declare the anonymization policy (see README, Policy)");
        }
        String secret = required(node, "secret", path);
        if (secret.length() < 16) {
            throw error(path + ".secret", "must be at least 16 characters long (it keys every deterministic transformer)");
        }
        String auditTable = qualify(optional(node, "audit-table", path, null));
        List<String> exclude = new ArrayList<>();
        JsonNode ex = node.path("exclude-tables");
        if (ex.isArray()) {
            ex.forEach(t -> exclude.add(qualify(t.asText())));
        } else if (!ex.isMissingNode() && !ex.isNull()) {
            throw error(path + ".exclude-tables", "must be a list of table names");
        }
        Map<String, List<RuleConfig>> rules = new LinkedHashMap<>();
        readRules(node.path("tables"), path + ".tables", "tables", rules);
        readIntegrations(node.path("integrations"), path + ".integrations", rules);
        int cost = (int) number(node, "bcrypt-cost", path, DEFAULT_BCRYPT_COST);
        if (cost < 4 || cost > 31) {
            throw error(path + ".bcrypt-cost", "must be between 4 and 31, got " + cost);
        }
        String staging = optional(node, "staging-password", path, null);
        AdminRewrite admin = null;
        JsonNode a = node.path("admin");
        if (a.isObject()) {
            String ap = path + ".admin";
            admin = new AdminRewrite(qualify(required(a, "table", ap)), required(a, "match-column", ap),
                    new Secret(required(a, "match-value", ap)), optional(a, "email-column", ap, "email"),
                    required(a, "email", ap), optional(a, "password-column", ap, null),
                    new Secret(optional(a, "password", ap, staging)));
            if (!isReservedDomain(admin.email())) {
                throw error(ap + ".email", "must be on a reserved domain that can never deliver (.invalid, .test,"
                        + " .example, .localhost; RFC 2606/6761), got '" + admin.email() + "'");
            }
            if (admin.passwordColumn() != null && !admin.password().isPresent()) {
                throw error(ap + ".password", "is missing: set it or policy.staging-password");
            }
        }
        String unruled = optional(node, "unruled-columns", path, "refuse-personal");
        if (!unruled.equals("refuse-personal") && !unruled.equals("refuse-all")) {
            throw error(path + ".unruled-columns", "must be refuse-personal (columns that look personal need a rule)"
                    + " or refuse-all (every column needs a rule, keep included), got '" + unruled + "'");
        }
        MediaPolicy media = media(node.path("media"), path + ".media", rules);
        return new PolicyConfig(new Secret(secret), auditTable, List.copyOf(exclude), Map.copyOf(rules), admin,
                new Secret(staging), cost, unruled.equals("refuse-all"), media);
    }

    /**
     * {@code media: {prefix: media/, keys: [table.column, ...], placeholders: [table.column | {column: table.column,
     * keep-dimensions: true}], max-delete-percent: 10}}. A key column must reach the target as it is in the source (no
     * transformer other than keep), or the rows would point at objects the copy never wrote.
     */
    private MediaPolicy media(JsonNode node, String path, Map<String, List<RuleConfig>> rules) {
        if (node.isMissingNode() || node.isNull()) {
            return MediaPolicy.MIRROR;
        }
        if (!node.isObject()) {
            throw error(path, "must be a mapping with prefix, keys, placeholders and max-delete-percent");
        }
        java.util.Set<String> known = java.util.Set.of("prefix", "keys", "placeholders", "max-delete-percent");
        node.fieldNames().forEachRemaining(f -> {
            if (!known.contains(f)) {
                throw error(path + "." + f, "is not a media setting: use prefix, keys, placeholders or max-delete-percent");
            }
        });
        String prefix = optional(node, "prefix", path, null);
        if (prefix != null && (prefix.isEmpty() || prefix.startsWith("/") || prefix.startsWith(".restage"))) {
            throw error(path + ".prefix", "must be a non-empty key prefix such as media/ (no leading '/', not .restage/)");
        }
        List<MediaPolicy.Column> keys = new ArrayList<>();
        JsonNode k = node.path("keys");
        if (k.isArray()) {
            for (int i = 0; i < k.size(); i++) {
                keys.add(mediaColumn(k.get(i).asText(), path + ".keys[" + i + "]", rules));
            }
        } else if (!k.isMissingNode() && !k.isNull()) {
            throw error(path + ".keys", "must be a list of table.column names that hold object keys");
        }
        List<MediaPolicy.Placeholder> placeholders = new ArrayList<>();
        JsonNode ph = node.path("placeholders");
        if (ph.isArray()) {
            for (int i = 0; i < ph.size(); i++) {
                JsonNode p = ph.get(i);
                String pp = path + ".placeholders[" + i + "]";
                if (p.isTextual()) {
                    placeholders.add(new MediaPolicy.Placeholder(mediaColumn(p.asText(), pp, rules), false));
                } else if (p.isObject()) {
                    placeholders.add(new MediaPolicy.Placeholder(mediaColumn(required(p, "column", pp), pp + ".column", rules),
                            bool(p, "keep-dimensions", pp, false)));
                } else {
                    throw error(pp, "must be table.column or {column: table.column, keep-dimensions: true}");
                }
            }
        } else if (!ph.isMissingNode() && !ph.isNull()) {
            throw error(path + ".placeholders", "must be a list of columns whose objects are replaced by placeholders");
        }
        long cap = number(node, "max-delete-percent", path, MediaPolicy.DEFAULT_MAX_DELETE_PERCENT);
        if (cap < 0 || cap > 100) {
            throw error(path + ".max-delete-percent", "must be between 0 and 100, got " + cap);
        }
        return new MediaPolicy(prefix, keys, placeholders, (int) cap);
    }

    private MediaPolicy.Column mediaColumn(String name, String path, Map<String, List<RuleConfig>> rules) {
        List<String> parts = name == null || name.isBlank() ? List.of() : identifierParts(name);
        if (parts.size() < 2 || parts.size() > 3 || parts.stream().anyMatch(String::isEmpty)) {
            throw error(path, "must name a column as table.column (or schema.table.column), got '" + name + "'");
        }
        String table = parts.size() == 2 ? "public." + parts.get(0) : parts.get(0) + "." + parts.get(1);
        MediaPolicy.Column c = new MediaPolicy.Column(table, parts.get(parts.size() - 1));
        for (RuleConfig r : rules.getOrDefault(c.table(), List.of())) {
            if (r.column().equals(c.column()) && !r.transformer().equals("keep")) {
                throw error(path, "names " + c + ", which the policy transforms (" + r.transformer() + "): a column that"
                        + " holds object keys must reach the target unchanged (use keep), or its rows would point at"
                        + " objects the copy never wrote");
            }
        }
        return c;
    }

    private void readRules(JsonNode tables, String path, String origin, Map<String, List<RuleConfig>> out) {
        if (tables.isMissingNode() || tables.isNull()) {
            return;
        }
        if (!tables.isObject()) {
            throw error(path, "must map table names to columns");
        }
        tables.fields().forEachRemaining(t -> {
            String table = qualify(t.getKey());
            String tp = path + "." + t.getKey();
            if (!t.getValue().isObject()) {
                throw error(tp, "must map column names to transformers");
            }
            t.getValue().fields().forEachRemaining(c -> {
                String cp = tp + "." + c.getKey();
                JsonNode v = c.getValue();
                String transformer;
                Map<String, String> params = new LinkedHashMap<>();
                if (v.isNull()) {
                    transformer = "null"; // `column: null` reads as the null transformer
                } else if (v.isTextual()) {
                    transformer = v.asText();
                } else if (v.isObject()) {
                    transformer = required(v, "transformer", cp);
                    v.fields().forEachRemaining(p -> {
                        if (!p.getKey().equals("transformer")) {
                            // nested parameters (json's paths) travel as JSON text
                            params.put(p.getKey(), p.getValue().isNull() ? null : p.getValue().isContainerNode()
                                    ? p.getValue().toString() : resolve(p.getValue().asText(), cp + "." + p.getKey()));
                        }
                    });
                } else {
                    throw error(cp, "must be a transformer name or {transformer: NAME, ...parameters}");
                }
                RuleConfig rule = new RuleConfig(table, column(c.getKey()), transformer, params, origin);
                try {
                    TransformerCatalog.validate(rule);
                    if (rule.transformer().equals("json")) {
                        JsonRules.parse(rule);
                    }
                } catch (IllegalArgumentException e) {
                    throw error(cp, e.getMessage());
                }
                add(out, rule);
            });
        });
    }

    /** {@code integrations: {table: {column: null | false | true | "value"}}}: neutralising rules. */
    private void readIntegrations(JsonNode node, String path, Map<String, List<RuleConfig>> out) {
        if (node.isMissingNode() || node.isNull()) {
            return;
        }
        if (!node.isObject()) {
            throw error(path, "must map table names to {column: null|false|value}");
        }
        node.fields().forEachRemaining(t -> {
            String table = qualify(t.getKey());
            t.getValue().fields().forEachRemaining(c -> {
                JsonNode v = c.getValue();
                RuleConfig rule = v.isNull()
                        ? new RuleConfig(table, column(c.getKey()), "null", Map.of(), "integrations")
                        : new RuleConfig(table, column(c.getKey()), "constant", Map.of("value", v.asText()), "integrations");
                add(out, rule);
            });
        });
    }

    private void add(Map<String, List<RuleConfig>> out, RuleConfig rule) {
        List<RuleConfig> list = out.computeIfAbsent(rule.table(), k -> new ArrayList<>());
        for (RuleConfig r : list) {
            if (r.column().equals(rule.column())) {
                throw new ConfigException(file + ": column " + rule.id() + " has two rules (" + r.origin() + ": "
                        + r.transformer() + ", " + rule.origin() + ": " + rule.transformer() + "): keep one");
            }
        }
        list.add(rule);
    }

    public static boolean isReservedDomain(String email) {
        int at = email.lastIndexOf('@');
        if (at < 1) {
            return false;
        }
        String domain = email.substring(at + 1).toLowerCase();
        return domain.endsWith(".invalid") || domain.endsWith(".test") || domain.endsWith(".example")
                || domain.endsWith(".localhost") || domain.equals("invalid") || domain.equals("test")
                || domain.equals("example") || domain.equals("localhost");
    }

    /**
     * {@code users} means {@code public.users}. Names are matched as stored (case included): {@code Customer},
     * {@code public.Customer}, or SQL-quoted {@code "Customer"} / {@code "public"."Customer"} all name the table stored as
     * Customer (a quoted part may hold dots and doubled quotes).
     */
    public static String qualify(String table) {
        if (table == null) {
            return null;
        }
        List<String> parts = identifierParts(table);
        return parts.size() == 1 ? "public." + parts.get(0) : String.join(".", parts);
    }

    /** A column name as stored: {@code "Email"} is {@code Email}. */
    public static String column(String name) {
        List<String> parts = identifierParts(name);
        return parts.size() == 1 ? parts.get(0) : name;
    }

    /** Splits {@code a."B.c".d} into its parts, unquoting quoted ones ({@code ""} inside quotes is one quote). */
    static List<String> identifierParts(String name) {
        List<String> parts = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < name.length() && name.charAt(i + 1) == '"') {
                    cur.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cur.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == '.') {
                parts.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        parts.add(cur.toString());
        return parts;
    }

    private String required(JsonNode node, String field, String path) {
        String v = optional(node, field, path, null);
        if (v == null || v.isBlank()) {
            throw error(path + "." + field, "is missing");
        }
        return v;
    }

    private String optional(JsonNode node, String field, String path, String fallback) {
        JsonNode v = node.path(field);
        if (v.isMissingNode() || v.isNull()) {
            return fallback;
        }
        if (v.isContainerNode()) {
            throw error(path + "." + field, "must be a single value");
        }
        return resolve(v.asText(), path + "." + field);
    }

    private boolean bool(JsonNode node, String field, String path, boolean fallback) {
        String v = optional(node, field, path, null);
        if (v == null) {
            return fallback;
        }
        if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
            throw error(path + "." + field, "must be true or false, got '" + v + "'");
        }
        return Boolean.parseBoolean(v);
    }

    private long number(JsonNode node, String field, String path, long fallback) {
        String v = optional(node, field, path, null);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw error(path + "." + field, "must be a whole number, got '" + v + "'");
        }
    }

    private String resolve(String value, String path) {
        Matcher m = ENV_REF.matcher(value);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = env.apply(m.group(1));
            if (v == null) {
                v = m.group(2);
            }
            if (v == null) {
                throw error(path, "refers to environment variable " + m.group(1) + ", which is not set: export it"
                        + " or write ${env:" + m.group(1) + ":-default}");
            }
            m.appendReplacement(sb, Matcher.quoteReplacement(v));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    private ConfigException error(String path, String what) {
        return new ConfigException(file + ": " + path + " " + what);
    }
}
