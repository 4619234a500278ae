package io.restage.common.config;

import java.util.Map;
import java.util.Optional;

/** The whole configuration file: named environments and the anonymization policy. Read by every service. */
public record RestageConfig(Map<String, EnvironmentConfig> environments, PolicyConfig policy) {

    public Optional<EnvironmentConfig> find(String name) {
        return Optional.ofNullable(name == null ? null : environments.get(name));
    }

    /** The environment, or an error naming the known ones. */
    public EnvironmentConfig environment(String name) {
        return find(name).orElseThrow(() -> new ConfigException("unknown environment '" + name
                + "': configured environments are " + environments.keySet()));
    }
}
