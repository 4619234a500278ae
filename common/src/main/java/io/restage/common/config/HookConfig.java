package io.restage.common.config;

import java.time.Duration;
import java.util.Map;

/**
 * A post-refresh hook of a target (configuration {@code environments.<target>.hooks}). {@code sql} runs in the target:
 * {@code in-commit} inside the commit's transaction (a failure rolls the whole commit back: the target keeps its old
 * data), {@code after-commit} in a transaction of its own once the commit is durable (a failure is reported, the data
 * stays committed). {@code url} is an HTTP call after the commit (flush a cache, notify a channel), with its headers
 * (values may be secrets: never logged); a non-2xx answer or no answer within {@code timeout} is reported as failed.
 * Hooks run in their order; each one's outcome is in the refresh's report.
 */
public record HookConfig(String name, When when, String sql, String url, String method, Map<String, Secret> headers,
                         Duration timeout) {
    public enum When { IN_COMMIT, AFTER_COMMIT }

    public HookConfig {
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    public boolean isSql() {
        return sql != null;
    }
}
