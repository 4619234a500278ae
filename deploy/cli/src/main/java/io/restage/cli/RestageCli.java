package io.restage.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.restage.common.Json;
import io.restage.common.messages.RefreshRequested;
import io.restage.common.security.LocalTokens;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code deploy/restage}: the platform team's command line over the orchestrator's REST API (and, for {@code topics
 * create} and {@code config validate}, over Kafka and the configuration file directly). Exit codes: {@link ExitCodes}.
 */
@Command(name = "restage", mixinStandardHelpOptions = true, version = "restage 0.1.0",
        description = "Refresh a staging environment from production, anonymized, and watch it.",
        subcommands = {RestageCli.Refresh.class, RestageCli.Status.class, RestageCli.ListRefreshes.class,
                RestageCli.Cancel.class, RestageCli.Undo.class, RestageCli.Policy.class, RestageCli.Config.class,
                RestageCli.Schedules.class, RestageCli.Topics.class, RestageCli.Token.class, RestageCli.Subset.class},
        footer = {"", "Environment: RESTAGE_URL (default http://127.0.0.1:8080), and RESTAGE_TOKEN",
                "  (a bearer token) or RESTAGE_TOKEN_FILE.",
                "Exit codes: 0 succeeded, 1 error (unreachable, 5xx), 2 usage,",
                "  3 refused (a 4xx, or a check found problems), 4 failed, 5 cancelled,",
                "  6 compensation failed (needs an operator), 7 --timeout reached."})
public final class RestageCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    final Map<String, String> env;
    final Clock clock;

    /** Time and waiting, replaceable in tests of the follow loop. */
    public interface Clock {
        Instant now();

        void pause(Duration d) throws InterruptedException;

        Clock SYSTEM = new Clock() {
            @Override
            public Instant now() {
                return Instant.now();
            }

            @Override
            public void pause(Duration d) throws InterruptedException {
                Thread.sleep(d.toMillis());
            }
        };
    }

    RestageCli(Map<String, String> env, Clock clock) {
        this.env = env;
        this.clock = clock;
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        System.exit(run(args, out, err, System.getenv(), System.console() != null));
    }

    /** Runs one command line; returns its exit code. */
    public static int run(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env, boolean terminal) {
        RestageCli root = new RestageCli(env, Clock.SYSTEM);
        root.terminal = terminal;
        CommandLine cl = new CommandLine(root);
        cl.setOut(out);
        cl.setErr(err);
        cl.setExitCodeExceptionMapper(e -> e instanceof CliException c ? c.exitCode() : ExitCodes.ERROR);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof CliException c) {
                err.println("restage: " + c.getMessage());
                err.flush();
                return c.exitCode();
            }
            err.println("restage: unexpected " + e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage()));
            err.flush();
            return ExitCodes.ERROR;
        });
        cl.setParameterExceptionHandler((e, a) -> {
            err.println("restage: " + e.getMessage());
            e.getCommandLine().usage(err);
            err.flush();
            return ExitCodes.USAGE;
        });
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    boolean terminal;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "name a command");
    }

    /** Where the orchestrator is and who is calling. The token comes from the environment or a file, never argv. */
    static final class Connection {
        @Option(names = "--url", paramLabel = "URL", description = "the orchestrator (default: $RESTAGE_URL, else http://127.0.0.1:8080)")
        String url;
        @Option(names = "--token-file", paramLabel = "FILE", description = "file holding the bearer token (default: $RESTAGE_TOKEN, else $RESTAGE_TOKEN_FILE)")
        Path tokenFile;
        @Option(names = "--allow-http", description = "send the token over plain HTTP to another machine")
        boolean allowHttp;

        Api api(Map<String, String> env) {
            String u = url != null ? url : env.getOrDefault("RESTAGE_URL", "http://127.0.0.1:8080");
            String token = env.get("RESTAGE_TOKEN");
            Path file = tokenFile != null ? tokenFile : env.containsKey("RESTAGE_TOKEN_FILE") ? Path.of(env.get("RESTAGE_TOKEN_FILE")) : null;
            if (tokenFile != null || (token == null || token.isBlank()) && file != null) {
                try {
                    token = Files.readString(file);
                } catch (IOException e) {
                    throw new CliException(ExitCodes.USAGE, "cannot read the token file " + file + ": " + e.getClass().getSimpleName());
                }
            }
            return new Api(u, token, allowHttp);
        }
    }

    /** Waiting for the end of a refresh or undo. */
    static final class Waiting {
        @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "4h",
                description = "give up waiting after this long (e.g. 90s, 30m, 4h; default ${DEFAULT-VALUE}); the refresh goes on")
        String timeout;
        @Option(names = "--interval", paramLabel = "DURATION", defaultValue = "1s", description = "how often to look (default ${DEFAULT-VALUE})")
        String interval;

        /** Shows refresh {@code id} until {@code until}; returns the exit code of how it ended. */
        int follow(Api api, RestageCli root, PrintWriter out, String id, Follower.Until until) {
            return new Follower(api, root.clock, out, root.terminal).follow(id, duration(timeout, "--timeout"),
                    duration(interval, "--interval"), until);
        }
    }

    static Duration duration(String text, String option) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,9})(ms|s|m|h)").matcher(text.strip());
        if (!m.matches()) {
            throw new CliException(ExitCodes.USAGE, option + " '" + text + "' is not a duration: write e.g. 500ms, 90s, 30m or 4h");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    static String checkName(String name) {
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9_-]{0,62}")) {
            throw new CliException(ExitCodes.USAGE, "'" + name.replaceAll("\\p{Cntrl}", "?") + "' is not a schedule name"
                    + " (see deploy/restage schedules list)");
        }
        return name;
    }

    static String checkId(String id) {
        if (!id.matches("[A-Za-z0-9-]{1,64}")) {
            throw new CliException(ExitCodes.USAGE, "'" + id.replaceAll("\\p{Cntrl}", "?") + "' is not a refresh id (see deploy/restage list)");
        }
        return id;
    }

    @Command(name = "refresh", description = "Start a refresh of TARGET from SOURCE. The server checks everything again.")
    static final class Refresh implements Callable<Integer> {
        @CommandLine.ParentCommand
        RestageCli root;
        @Mixin
        Connection connection = new Connection();
        @Parameters(index = "0", paramLabel = "SOURCE", description = "environment to copy (e.g. production)")
        String source;
        @Parameters(index = "1", paramLabel = "TARGET", description = "environment to refresh (must allow imports)")
        String target;
        @Option(names = "--confirm", required = true, paramLabel = "HOSTNAME", description = "the target's hostname, typed to confirm")
        String confirm;
        @Option(names = "--skip", paramLabel = "RULE", description = "an anonymizer not to run: a rule id (schema.table.column) or a transformer name; repeatable")
        List<String> skip = new ArrayList<>();
        @Option(names = "--i-understand-the-pii-risk", description = "acknowledge that --skip copies personal data into the target")
        boolean riskAcknowledged;
        @Option(names = "--media", negatable = true, description = "copy media too (default: when both have a bucket)")
        Boolean media;
        @Option(names = "--allow-media-deletes", description = "let the media prune delete more than the policy's"
                + " media.max-delete-percent of the target's objects")
        boolean allowMediaDeletes;
        @Option(names = "--subset", paramLabel = "NAME", description = "copy a configured subset (its roots' world) instead of whole tables")
        String subset;
        @Option(names = "--wait", description = "follow the refresh until it ends; the exit code says how it ended")
        boolean await;
        @Mixin
        Waiting waiting = new Waiting();

        @Override
        public Integer call() {
            if (!skip.isEmpty() && !riskAcknowledged) {
                throw new CliException(ExitCodes.USAGE, "--skip " + skip + " copies personal data into '" + target
                        + "': add --i-understand-the-pii-risk to say you know");
            }
            Api api = connection.api(root.env);
            // the REST contract's own record (nulls are absent fields to the server)
            io.restage.common.api.RefreshRequest body = new io.restage.common.api.RefreshRequest(source, target, confirm,
                    skip.isEmpty() ? null : List.copyOf(skip), skip.isEmpty() ? null : RefreshRequested.RISK_ACKNOWLEDGEMENT, media,
                    allowMediaDeletes ? Boolean.TRUE : null, subset);
            JsonNode r = api.post("/api/refreshes", body);
            String id = r.path("id").asText();
            PrintWriter out = root.spec.commandLine().getOut();
            out.println("refresh " + id + " accepted: " + source + " -> " + target);
            if (!await) {
                out.println("follow it with: deploy/restage status " + id + " --follow");
                return ExitCodes.OK;
            }
            return waiting.follow(api, root, out, id, Follower.Until.REFRESH_ENDS);
        }
    }

    @Command(name = "status", description = "Show a refresh: steps, per-table progress, anonymizers, errors.")
    static final class Status implements Callable<Integer> {
        @CommandLine.ParentCommand
        RestageCli root;
        @Mixin
        Connection connection = new Connection();
        @Parameters(paramLabel = "ID")
        String id;
        @Option(names = "--follow", description = "keep showing it until it ends; the exit code says how it ended")
        boolean follow;
        @Option(names = "--json", description = "print the refresh as JSON")
        boolean json;
        @Mixin
        Waiting waiting = new Waiting();

        @Override
        public Integer call() throws IOException {
            Api api = connection.api(root.env);
            PrintWriter out = root.spec.commandLine().getOut();
            if (follow && !json) {
                return waiting.follow(api, root, out, checkId(id), Follower.Until.ACTIVE_ENDS);
            }
            JsonNode r = api.get("/api/refreshes/" + checkId(id));
            out.print(json ? Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(r) + "\n" : StatusView.render(r, root.clock.now()));
            return ExitCodes.OK;
        }
    }

    @Command(name = "list", description = "List refreshes, newest first.")
    static final class ListRefreshes implements Callable<Integer> {
        @CommandLine.ParentCommand
        RestageCli root;
        @Mixin
        Connection connection = new Connection();
        @Option(names = "--target", paramLabel = "ENV", description = "only refreshes of this target")
        String target;
        @Option(names = "--status", paramLabel = "STATUS", description = "only refreshes in this status (RUNNING, SUCCEEDED, FAILED, ...)")
        String status;
        @Option(names = "--limit", defaultValue = "20", description = "how many (1-500, default ${DEFAULT-VALUE})")
        int limit;
        @Option(names = "--json", description = "print the refreshes as JSON")
        boolean json;

        @Override
        public Integer call() throws IOException {
            Map<String, String> q = new LinkedHashMap<>();
            q.put("limit", Integer.toString(limit));
            q.put("target", target);
            q.put("status", status == null ? null : status.toUpperCase());
            JsonNode list = connection.api(root.env).get("/api/refreshes", q);
            PrintWriter out = root.spec.commandLine().getOut();
            if (json) {
                out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(list));
                return ExitCodes.OK;
            }
            out.println(StatusView.header());
            for (JsonNode r : list) {
                out.println(StatusView.line(r, root.clock.now()));
            }
            return ExitCodes.OK;
        }
    }

    @Command(name = "cancel", description = "Cancel a running refresh before its commit; what it did is compensated.")
    static final class Cancel implements Callable<Integer> {
        @CommandLine.ParentCommand
        RestageCli root;
        @Mixin
        Connection connection = new Connection();
        @Parameters(paramLabel = "ID")
        String id;
        @Option(names = "--yes", description = "do not ask for confirmation")
        boolean yes;
        @Option(names = "--wait", description = "wait until the cancelled refresh has been compensated")
        boolean await;
        @Mixin
        Waiting waiting = new Waiting();

        @Override
        public Integer call() {
            java.io.Console console = System.console();
            if (!yes && (console == null || !root.terminal)) {
                throw new CliException(ExitCodes.USAGE, "cancel asks for confirmation: run it in a terminal, or pass --yes");
            }
            Api api = connection.api(root.env);
            JsonNode r = api.get("/api/refreshes/" + checkId(id));
            PrintWriter out = root.spec.commandLine().getOut();
            if (!yes) {
                String answer = console.readLine("Cancel refresh %s (%s -> %s, %s)? [y/N] ", id, r.path("source").asText(),
                        r.path("target").asText(), r.path("status").asText());
                if (answer == null || !answer.strip().equalsIgnoreCase("y")) {
                    out.println("not cancelled");
                    return ExitCodes.REFUSED;
                }
            }
            api.post("/api/refreshes/" + id + "/cancel", Map.of());
            out.println("refresh " + id + ": cancel accepted; completed steps are being compensated");
            if (!await) {
                return ExitCodes.OK;
            }
            return waiting.follow(api, root, out, id, Follower.Until.REFRESH_ENDS);
        }
    }

    @Command(name = "undo", description = "Put back the target's data from before a refresh (the latest commit into it).")
    static final class Undo implements Callable<Integer> {
        @CommandLine.ParentCommand
        RestageCli root;
        @Mixin
        Connection connection = new Connection();
        @Parameters(paramLabel = "ID")
        String id;
        @Option(names = "--confirm", required = true, paramLabel = "HOSTNAME", description = "the target's hostname, typed to confirm")
        String confirm;
        @Option(names = "--wait", description = "wait until the undo has ended; the exit code says how")
        boolean await;
        @Mixin
        Waiting waiting = new Waiting();

        @Override
        public Integer call() {
            Api api = connection.api(root.env);
            api.post("/api/refreshes/" + checkId(id) + "/undo", new io.restage.common.api.ConfirmRequest(confirm));
            PrintWriter out = root.spec.commandLine().getOut();
            out.println("refresh " + id + ": undo accepted");
            if (!await) {
                return ExitCodes.OK;
            }
            return waiting.follow(api, root, out, id, Follower.Until.UNDO_ENDS);
        }
    }

    @Command(name = "subset", description = "Subsets of a source.", subcommands = Subset.Preview.class)
    static final class Subset implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "name a command: preview");
        }

        @Command(name = "preview", description = "The rows per table SUBSET of SOURCE holds now, computed in the source; nothing is exported.")
        static final class Preview implements Callable<Integer> {
            @CommandLine.ParentCommand
            Subset subset;
            @Mixin
            Connection connection = new Connection();
            @Parameters(index = "0", paramLabel = "SOURCE")
            String source;
            @Parameters(index = "1", paramLabel = "SUBSET")
            String name;
            @Option(names = "--json", description = "print the preview as JSON")
            boolean json;

            @Override
            public Integer call() throws IOException {
                RestageCli root = (RestageCli) subset.spec.parent().userObject();
                JsonNode p = connection.api(root.env).post("/api/subsets/preview", new io.restage.common.api.SubsetPreviewRequest(source, name));
                PrintWriter out = subset.spec.commandLine().getOut();
                if (json) {
                    out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(p));
                    return ExitCodes.OK;
                }
                out.printf("subset %s of %s: %,d rows in %d tables (%d passes, %d ms)%n", name, source, p.path("total").asLong(),
                        p.path("rows").size(), p.path("passes").asInt(), p.path("millis").asLong());
                out.printf("  %-40s %12s %14s%n", "table", "in subset", "in source (est.)");
                p.path("rows").fields().forEachRemaining(e -> out.printf("  %-40s %,12d %14s%n", e.getKey(), e.getValue().asLong(),
                        p.path("sourceEstimates").has(e.getKey()) ? String.format("%,d", p.path("sourceEstimates").get(e.getKey()).asLong()) : "-"));
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "policy", description = "The anonymization policy.", subcommands = Policy.Check.class)
    static final class Policy implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "name a command: check");
        }

        @Command(name = "check", description = "Dry run: check the policy against SOURCE's schema. Exit 3 when a refresh would be refused.")
        static final class Check implements Callable<Integer> {
            @CommandLine.ParentCommand
            Policy policy;
            @Mixin
            Connection connection = new Connection();
            @Parameters(paramLabel = "SOURCE")
            String source;
            @Option(names = "--suggest", description = "print a complete draft policy (YAML, on stdout) with a rule for every unruled column")
            boolean suggest;
            @Option(names = "--json", description = "print the report as JSON")
            boolean json;

            @Override
            public Integer call() throws IOException {
                RestageCli root = (RestageCli) policy.spec.parent().userObject();
                JsonNode report = connection.api(root.env).post("/api/policies/check",
                        new io.restage.common.api.PolicyCheckRequest(source, suggest ? Boolean.TRUE : null));
                PrintWriter out = policy.spec.commandLine().getOut();
                PrintWriter err = policy.spec.commandLine().getErr();
                boolean ok = report.path("ok").asBoolean();
                if (json) {
                    out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(report));
                    return ok ? ExitCodes.OK : ExitCodes.REFUSED;
                }
                // the summary goes to stderr when a draft is asked for, so "policy check x --suggest > policy.yaml" works
                PrintWriter summary = suggest ? err : out;
                summary.printf("policy of %s: %s (%d tables, %d columns, %d values sampled, %d rules)%n", source,
                        ok ? "OK" : "INCOMPLETE", report.path("tables").asInt(), report.path("columns").asInt(),
                        report.path("sampledValues").asInt(), ruled(report));
                for (JsonNode p : report.path("problems")) {
                    summary.printf("  - [%s] %s%n", p.path("kind").asText(), p.path("message").asText());
                    if (p.path("suggest").isObject()) {
                        summary.printf("      suggested: %s%n", p.get("suggest"));
                    }
                }
                if (suggest) {
                    out.print(report.path("draft").asText());
                }
                return ok ? ExitCodes.OK : ExitCodes.REFUSED;
            }

            private static int ruled(JsonNode report) {
                int n = 0;
                for (JsonNode r : report.path("rules")) {
                    if (r.hasNonNull("transformer")) {
                        n++;
                    }
                }
                return n;
            }
        }
    }

    @Command(name = "config", description = "The configuration file.", subcommands = Config.Validate.class)
    static final class Config implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "name a command: validate");
        }

        @Command(name = "validate", description = "Check a configuration file offline, as every service would at start.")
        static final class Validate implements Callable<Integer> {
            @CommandLine.ParentCommand
            Config config;
            @Parameters(paramLabel = "FILE")
            Path file;
            @Option(names = "--ignore-missing-env", description = "treat ${env:...} variables that are not set as set (secrets kept elsewhere)")
            boolean ignoreMissingEnv;

            @Override
            public Integer call() {
                RestageCli root = (RestageCli) config.spec.parent().userObject();
                ConfigValidation.Result r = ConfigValidation.validate(file, root.env, ignoreMissingEnv);
                PrintWriter out = config.spec.commandLine().getOut();
                r.lines().forEach(out::println);
                if (r.error() != null) {
                    config.spec.commandLine().getErr().println("restage: " + r.error());
                    return ExitCodes.REFUSED;
                }
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "schedules", description = "Scheduled refreshes (configuration schedules:).",
            subcommands = {Schedules.ListSchedules.class, Schedules.Pause.class, Schedules.Resume.class})
    static final class Schedules implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "name a command: list, pause NAME, resume NAME");
        }

        RestageCli root() {
            return (RestageCli) spec.parent().userObject();
        }

        static void print(PrintWriter out, JsonNode list) {
            out.printf("%-24s %-28s %-18s %-8s %-22s %s%n", "NAME", "SOURCE -> TARGET", "CRON", "STATE", "NEXT RUN (UTC)", "LAST RUN");
            for (JsonNode s : list) {
                String state = s.path("paused").asBoolean() ? "paused" : "active";
                String last = s.hasNonNull("lastRunAt") ? s.get("lastRunAt").asText() + " " + s.path("lastOutcome").asText("")
                        + (s.hasNonNull("lastRefreshId") ? " " + s.get("lastRefreshId").asText() : "") : "never";
                out.printf("%-24s %-28s %-18s %-8s %-22s %s%n", s.path("name").asText(),
                        s.path("source").asText() + " -> " + s.path("target").asText(), s.path("cron").asText(), state,
                        s.hasNonNull("nextRun") ? s.get("nextRun").asText() : "-", last);
                if (s.path("paused").asBoolean() && s.hasNonNull("pausedBy")) {
                    out.printf("%-24s paused by %s%n", "", s.get("pausedBy").asText());
                }
            }
        }

        @Command(name = "list", description = "Each schedule: cron, paused or not, next run, last run and its refresh.")
        static final class ListSchedules implements Callable<Integer> {
            @CommandLine.ParentCommand
            Schedules schedules;
            @Mixin
            Connection connection = new Connection();

            @Override
            public Integer call() {
                print(schedules.spec.commandLine().getOut(), connection.api(schedules.root().env).get("/api/schedules"));
                return ExitCodes.OK;
            }
        }

        int change(Connection connection, String name, String action) {
            print(spec.commandLine().getOut(), connection.api(root().env).post("/api/schedules/" + checkName(name) + "/" + action, Map.of()));
            return ExitCodes.OK;
        }

        @Command(name = "pause", description = "Pause a schedule: it does not fire until resumed.")
        static final class Pause implements Callable<Integer> {
            @CommandLine.ParentCommand
            Schedules schedules;
            @Mixin
            Connection connection = new Connection();
            @Parameters(paramLabel = "NAME")
            String name;

            @Override
            public Integer call() {
                return schedules.change(connection, name, "pause");
            }
        }

        @Command(name = "resume", description = "Resume a schedule: it fires at its next time (not for what it missed while paused).")
        static final class Resume implements Callable<Integer> {
            @CommandLine.ParentCommand
            Schedules schedules;
            @Mixin
            Connection connection = new Connection();
            @Parameters(paramLabel = "NAME")
            String name;

            @Override
            public Integer call() {
                return schedules.change(connection, name, "resume");
            }
        }
    }

    @Command(name = "topics", description = "The Kafka topics restage uses.", subcommands = Topics.Create.class)
    static final class Topics implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            throw new CommandLine.ParameterException(spec.commandLine(), "name a command: create");
        }

        @Command(name = "create", description = "Create restage's topics, or bring existing ones in line (retention, record size, partitions).")
        static final class Create implements Callable<Integer> {
            @CommandLine.ParentCommand
            Topics topics;
            @Option(names = "--bootstrap-server", paramLabel = "HOST:PORT", description = "brokers (default: $KAFKA_BOOTSTRAP_SERVERS, else 127.0.0.1:9092)")
            String bootstrap;
            @Option(names = "--command-config", paramLabel = "FILE", description = "Kafka client properties (security.protocol, sasl.*, ssl.*), as for Kafka's own tools")
            Path commandConfig;
            @Option(names = "--partitions", defaultValue = "4", description = "partitions of the batch and control topics: at least the instances of a service that share work (default ${DEFAULT-VALUE})")
            int partitions;
            @Option(names = "--replication-factor", defaultValue = "-1", description = "replicas per partition (default: the broker's default.replication.factor)")
            short replication;
            @Option(names = "--batch-retention", defaultValue = "6h", paramLabel = "DURATION", description = "backstop retention of the batch topics (default ${DEFAULT-VALUE}; read batches are deleted at once)")
            String batchRetention;
            @Option(names = "--dry-run", description = "print what would change, change nothing")
            boolean dryRun;

            @Override
            public Integer call() throws Exception {
                RestageCli root = (RestageCli) topics.spec.parent().userObject();
                String servers = bootstrap != null ? bootstrap : root.env.getOrDefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092");
                List<TopicsSetup.Action> actions = TopicsSetup.apply(servers, commandConfig, partitions, replication,
                        duration(batchRetention, "--batch-retention").toMillis(), dryRun);
                PrintWriter out = topics.spec.commandLine().getOut();
                for (TopicsSetup.Action a : actions) {
                    out.printf("%-20s %-10s %s%n", a.topic(), a.what(), a.detail());
                }
                return ExitCodes.OK;
            }
        }
    }

    @Command(name = "token", description = "Mint a bearer token with the local signing key (embedded default and tests;"
            + " with an identity provider, get tokens from it).")
    static final class Token implements Callable<Integer> {
        @CommandLine.ParentCommand
        RestageCli root;
        @Option(names = "--subject", required = true, paramLabel = "EMAIL", description = "the staff member's email")
        String subject;
        @Option(names = {"--role", "--group"}, required = true, paramLabel = "ROLE", description = "operator or viewer (repeatable)")
        List<String> roles;
        @Option(names = "--hours", defaultValue = "8", description = "lifetime, 1 to 168 hours (default ${DEFAULT-VALUE})")
        long hours;
        @Option(names = "--key", paramLabel = "FILE", description = "the private key (default: the run command's, .restage/demo/keys)")
        Path key;

        @Override
        public Integer call() throws IOException {
            if (!subject.contains("@")) {
                throw new CliException(ExitCodes.USAGE, "--subject must be the staff member's email");
            }
            if (roles.stream().anyMatch(String::isBlank)) {
                throw new CliException(ExitCodes.USAGE, "--role needs operator or viewer");
            }
            if (hours < 1 || hours > 24 * 7) {
                throw new CliException(ExitCodes.USAGE, "--hours must be between 1 and 168");
            }
            Path k = key != null ? key : Path.of(root.env.getOrDefault("RESTAGE_HOME", "."))
                    .resolve(".restage/demo/keys").resolve(LocalTokens.PRIVATE_KEY_FILE);
            if (!Files.isRegularFile(k)) {
                throw new CliException(ExitCodes.USAGE, "no signing key at " + k + ": start the run command once"
                        + " (deploy/run-demo.sh) or pass --key FILE");
            }
            root.spec.commandLine().getOut().println(LocalTokens.mint(LocalTokens.readPrivateKey(k),
                    LocalTokens.Claims.staff(subject, List.copyOf(roles), Duration.ofHours(hours))));
            return ExitCodes.OK;
        }
    }
}
