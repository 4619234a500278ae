package io.restage.cli;

import io.restage.common.TopicLayout;
import io.restage.common.TopicLayout.TopicSpec;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;

/**
 * {@code topics create}: every topic of {@link TopicLayout} exists afterwards with at least its partitions and exactly
 * its settings. Idempotent: a second run changes nothing and says so.
 */
final class TopicsSetup {
    private static final long TIMEOUT_S = 20;

    record Action(String topic, String what, String detail) {
    }

    static List<Action> apply(String bootstrap, Path commandConfig, int partitions, short replication, long batchRetentionMs,
                              boolean dryRun) throws Exception {
        if (replication == 0 || replication < -1) {
            throw new CliException(ExitCodes.USAGE, "--replication-factor must be -1 (the broker's default) or at least 1");
        }
        List<TopicSpec> specs;
        try {
            specs = TopicLayout.all(partitions, batchRetentionMs);
        } catch (IllegalArgumentException e) {
            throw new CliException(ExitCodes.USAGE, e.getMessage());
        }
        Properties props = new Properties();
        if (commandConfig != null) {
            try (Reader r = Files.newBufferedReader(commandConfig)) {
                props.load(r);
            } catch (IOException e) {
                throw new CliException(ExitCodes.USAGE, "cannot read --command-config " + commandConfig + ": " + e.getClass().getSimpleName());
            }
        }
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.putIfAbsent(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        props.putIfAbsent(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        List<Action> actions = new ArrayList<>();
        try (Admin admin = Admin.create(props)) {
            Collection<String> existing;
            try {
                existing = admin.listTopics().names().get(TIMEOUT_S, TimeUnit.SECONDS);
            } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new CliException(ExitCodes.ERROR, "cannot reach Kafka at " + bootstrap + ": "
                        + (e.getCause() != null ? e.getCause().getClass().getSimpleName() : "no answer in " + TIMEOUT_S + " s")
                        + " (set --bootstrap-server, and --command-config for SASL/SSL)");
            }
            List<NewTopic> create = new ArrayList<>();
            for (TopicSpec s : specs) {
                if (!existing.contains(s.name())) {
                    create.add(new NewTopic(s.name(), s.partitions(), replication).configs(s.configs()));
                    actions.add(new Action(s.name(), dryRun ? "would create" : "created", s.partitions() + " partitions, "
                            + describe(s.configs())));
                }
            }
            if (!create.isEmpty() && !dryRun) {
                admin.createTopics(create).all().get(TIMEOUT_S, TimeUnit.SECONDS);
            }
            List<TopicSpec> present = specs.stream().filter(s -> existing.contains(s.name())).toList();
            if (present.isEmpty()) {
                return actions;
            }
            Map<String, TopicDescription> descriptions = admin.describeTopics(present.stream().map(TopicSpec::name).toList())
                    .allTopicNames().get(TIMEOUT_S, TimeUnit.SECONDS);
            List<ConfigResource> resources = present.stream().map(s -> new ConfigResource(ConfigResource.Type.TOPIC, s.name())).toList();
            Map<ConfigResource, Config> configs = admin.describeConfigs(resources).all().get(TIMEOUT_S, TimeUnit.SECONDS);
            Map<ConfigResource, Collection<AlterConfigOp>> alter = new HashMap<>();
            Map<String, NewPartitions> grow = new HashMap<>();
            for (TopicSpec s : present) {
                List<String> changes = new ArrayList<>();
                int have = descriptions.get(s.name()).partitions().size();
                if (have < s.partitions()) {
                    grow.put(s.name(), NewPartitions.increaseTo(s.partitions()));
                    changes.add("partitions " + have + " -> " + s.partitions());
                }
                ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, s.name());
                List<AlterConfigOp> ops = new ArrayList<>();
                for (Map.Entry<String, String> e : s.configs().entrySet()) {
                    ConfigEntry current = configs.get(res).get(e.getKey());
                    if (current == null || !e.getValue().equals(current.value())) {
                        ops.add(new AlterConfigOp(new ConfigEntry(e.getKey(), e.getValue()), AlterConfigOp.OpType.SET));
                        changes.add(e.getKey() + " " + (current == null ? "unset" : current.value()) + " -> " + e.getValue());
                    }
                }
                if (!ops.isEmpty()) {
                    alter.put(res, ops);
                }
                actions.add(changes.isEmpty() ? new Action(s.name(), "ok", have + " partitions, " + describe(s.configs()))
                        : new Action(s.name(), dryRun ? "would alter" : "altered", String.join(", ", changes)));
            }
            if (!dryRun) {
                if (!grow.isEmpty()) {
                    admin.createPartitions(grow).all().get(TIMEOUT_S, TimeUnit.SECONDS);
                }
                if (!alter.isEmpty()) {
                    admin.incrementalAlterConfigs(alter).all().get(TIMEOUT_S, TimeUnit.SECONDS);
                }
            }
        } catch (ExecutionException e) {
            throw new CliException(ExitCodes.ERROR, "Kafka refused: " + e.getCause().getClass().getSimpleName() + ": "
                    + e.getCause().getMessage());
        }
        return actions;
    }

    private static String describe(Map<String, String> configs) {
        List<String> parts = new ArrayList<>();
        new java.util.TreeMap<>(configs).forEach((k, v) -> parts.add(k + "=" + v));
        return String.join(" ", parts);
    }

    private TopicsSetup() {
    }
}
