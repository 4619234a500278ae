package io.restage.common.config;

import java.util.Map;
import java.util.Optional;

/**
 * The whole configuration file: named environments and the anonymization policies. Read by every service.
 * {@code policy} is the default; {@code policies} holds named ones that a source environment selects with
 * {@code policy: NAME} (one configuration, several applications with their own schemas). {@code schemaVersionQuery}
 * ({@code schema-version.query}) returns one row with the schema version of a database; run on source and target,
 * it refuses a refresh whose source is newer than the target. {@code security} holds the message key and who may do
 * what through the API.
 */
public record RestageConfig(Map<String, EnvironmentConfig> environments, PolicyConfig policy,
                            Map<String, PolicyConfig> policies, String schemaVersionQuery, SecurityConfig security,
                            Map<String, ScheduleConfig> schedules, Map<String, SubsetConfig> subsets) {

    public RestageConfig {
        schedules = schedules == null ? Map.of() : Map.copyOf(schedules);
        subsets = subsets == null ? Map.of() : Map.copyOf(subsets);
    }

    public RestageConfig(Map<String, EnvironmentConfig> environments, PolicyConfig policy, Map<String, PolicyConfig> policies,
                         String schemaVersionQuery, SecurityConfig security, Map<String, ScheduleConfig> schedules) {
        this(environments, policy, policies, schemaVersionQuery, security, schedules, Map.of());
    }

    public RestageConfig(Map<String, EnvironmentConfig> environments, PolicyConfig policy, Map<String, PolicyConfig> policies,
                         String schemaVersionQuery, SecurityConfig security) {
        this(environments, policy, policies, schemaVersionQuery, security, Map.of());
    }

    public Optional<EnvironmentConfig> find(String name) {
        return Optional.ofNullable(name == null ? null : environments.get(name));
    }

    /** The environment, or an error naming the known ones. */
    public EnvironmentConfig environment(String name) {
        return find(name).orElseThrow(() -> new ConfigException("unknown environment '" + name
                + "': configured environments are " + environments.keySet()));
    }

    /** The policy that applies to data read from {@code sourceEnvironment}. */
    public PolicyConfig policyFor(String sourceEnvironment) {
        String name = environment(sourceEnvironment).policy();
        if (name == null) {
            if (policy == null) {
                throw new ConfigException("environment '" + sourceEnvironment + "' names no policy and there is no"
                        + " default policy: add policy: NAME to it (one of " + policies.keySet() + ")");
            }
            return policy;
        }
        return policies.get(name);
    }

    /** The named subset, or an error that lists the configured ones. */
    public SubsetConfig subset(String name) {
        SubsetConfig s = subsets.get(name);
        if (s == null) {
            throw new IllegalArgumentException("unknown subset '" + name + "': configured subsets are "
                    + new java.util.TreeSet<>(subsets.keySet()));
        }
        return s;
    }
}
