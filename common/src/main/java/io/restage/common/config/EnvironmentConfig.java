package io.restage.common.config;

/**
 * A named environment. {@code allowImport} is false unless the configuration says otherwise, so an environment
 * can only ever be a refresh target when someone opted it in. {@code hostname} is what an operator types to
 * confirm a refresh into it. {@code policy} names the policy for data read from it (null: the default policy).
 * {@code keepGenerations} is how many previous states of its data a commit keeps for undo (default 1; 0 keeps none).
 */
public record EnvironmentConfig(String name, String hostname, boolean allowImport, DatabaseConfig database,
                                BucketConfig bucket, String policy, int keepGenerations, java.util.List<HookConfig> hooks) {

    public EnvironmentConfig {
        hooks = hooks == null ? java.util.List.of() : java.util.List.copyOf(hooks);
    }

    public EnvironmentConfig(String name, String hostname, boolean allowImport, DatabaseConfig database,
                             BucketConfig bucket, String policy, int keepGenerations) {
        this(name, hostname, allowImport, database, bucket, policy, keepGenerations, null);
    }

    public EnvironmentConfig(String name, String hostname, boolean allowImport, DatabaseConfig database,
                             BucketConfig bucket) {
        this(name, hostname, allowImport, database, bucket, null, 1);
    }
}
