package io.restage.common.config;

/** JDBC URL and credentials of an environment's database. */
public record DatabaseConfig(String url, String user, Secret password) {
}
