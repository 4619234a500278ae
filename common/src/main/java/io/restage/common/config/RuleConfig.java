package io.restage.common.config;

import java.util.Map;

/**
 * One anonymization rule: a column of a table gets a named transformer with parameters. {@code id} is
 * {@code schema.table.column}, the name used to skip it and to report it. {@code origin} says which part of the
 * policy declared it ({@code tables} or {@code integrations}).
 */
public record RuleConfig(String table, String column, String transformer, Map<String, String> params, String origin) {
    public RuleConfig {
        params = params == null ? Map.of() : Map.copyOf(params);
    }

    public String id() {
        return table + "." + column;
    }

    public String param(String name, String fallback) {
        return params.getOrDefault(name, fallback);
    }
}
