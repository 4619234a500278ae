package io.restage.common.security;

import io.restage.common.config.EnvironmentConfig;
import io.restage.common.config.RestageConfig;
import java.util.Optional;

/**
 * The rules every participant that writes re-checks against its own configuration, whatever a message says: only an
 * environment with {@code allow-import: true} is ever written, and never the source of the same refresh.
 */
public final class TargetRules {

    /** Null when {@code target} may receive data from {@code source}; else the reason it may not. */
    public static String refusal(RestageConfig config, String source, String target) {
        Optional<EnvironmentConfig> t = config.find(target);
        if (t.isEmpty()) {
            return "target '" + clean(target) + "' is not an environment in this service's configuration";
        }
        if (!t.get().allowImport()) {
            return "target '" + target + "' does not allow imports in this service's configuration"
                    + " (environments." + target + ".allow-import is not true): nothing is written into it";
        }
        if (source != null && source.equals(target)) {
            return "source and target are both '" + target + "': nothing is written";
        }
        if (source != null && config.find(source).isEmpty()) {
            return "source '" + clean(source) + "' is not an environment in this service's configuration";
        }
        return null;
    }

    static String clean(String s) {
        if (s == null) {
            return "null";
        }
        String c = s.codePoints().filter(cp -> !Character.isISOControl(cp)).limit(80)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return c;
    }

    private TargetRules() {
    }
}
