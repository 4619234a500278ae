package io.restage.cli;

import io.restage.common.config.ConfigException;
import io.restage.common.config.EnvironmentConfig;
import io.restage.common.config.PolicyConfig;
import io.restage.common.config.RestageConfig;
import io.restage.common.config.RestageConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code config validate FILE}: loads the file exactly as every service does at start (same loader, same checks),
 * without connecting anywhere, and summarises what it configures. Secrets are never printed.
 */
final class ConfigValidation {
    /** A placeholder for variables that are not set, long enough for every key-length check. */
    static final String PLACEHOLDER = "restage-placeholder-".repeat(4);

    record Result(List<String> lines, String error) {
    }

    static Result validate(Path file, Map<String, String> env, boolean ignoreMissingEnv) {
        List<String> lines = new ArrayList<>();
        if (!Files.isRegularFile(file)) {
            return new Result(lines, "no file at " + file.toAbsolutePath() + ": give the path of a restage configuration (YAML)");
        }
        TreeSet<String> missing = new TreeSet<>();
        RestageConfig config;
        try {
            config = RestageConfigLoader.load(file, name -> {
                String v = env.get(name);
                if (v == null && ignoreMissingEnv) {
                    missing.add(name);
                    return PLACEHOLDER;
                }
                return v;
            });
            for (String e : config.environments().keySet()) {
                config.policyFor(e); // every source's policy resolves (an import-only target too: a refresh could name it)
            }
        } catch (ConfigException e) {
            return new Result(lines, file + " is not valid: " + e.getMessage());
        }
        lines.add(file + ": valid");
        for (EnvironmentConfig e : config.environments().values()) {
            lines.add(String.format("  environment %-20s %s, hostname %s%s%s", e.name(),
                    e.allowImport() ? "target (allows imports)" : "source only", e.hostname(),
                    e.bucket() != null ? ", bucket" : "", e.allowImport() ? ", keeps " + e.keepGenerations() + " generation(s) for undo" : ""));
        }
        if (config.policy() != null) {
            lines.add(describe("default", config.policy()));
        }
        config.policies().forEach((name, p) -> lines.add(describe(name, p)));
        if (!missing.isEmpty()) {
            lines.add("  not set here, assumed set where the services run: " + missing);
        }
        return new Result(lines, null);
    }

    private static String describe(String name, PolicyConfig p) {
        return String.format("  policy %-25s %d rules, %d tables excluded%s", name, p.allRules().size(), p.excludeTables().size(),
                p.adminRewrite().isPresent() ? ", admin row rewritten in place" : "");
    }

    private ConfigValidation() {
    }
}
