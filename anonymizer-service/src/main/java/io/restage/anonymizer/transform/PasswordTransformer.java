package io.restage.anonymizer.transform;

import java.util.Set;

/**
 * {@code password}: every password hash becomes the bcrypt hash of the configured staging password. The hash is
 * computed once per refresh (see {@link TransformContext#stagingPasswordHash()}), never per row: a cost-12 bcrypt
 * takes about 250 ms, so per row it would take hours for 100k users. NULL stays NULL (no password set).
 */
public final class PasswordTransformer implements Transformer {
    @Override
    public String name() {
        return "password";
    }

    @Override
    public Set<String> acceptedTypes() {
        return TEXT_TYPES;
    }

    @Override
    public String apply(String value, TransformContext ctx) {
        return value == null ? null : ctx.stagingPasswordHash();
    }
}
