package io.restage.common.config;

/**
 * A named environment. {@code allowImport} is false unless the configuration says otherwise, so an environment
 * can only ever be a refresh target when someone opted it in. {@code hostname} is what an operator types to
 * confirm a refresh into it.
 */
public record EnvironmentConfig(String name, String hostname, boolean allowImport, DatabaseConfig database,
                                BucketConfig bucket) {
}
