package io.restage.anonymizer.transform;

import io.restage.common.policy.TransformerCatalog;
import io.restage.common.policy.TransformerSpec;

/**
 * {@code password}: every password hash becomes one bcrypt hash computed once per refresh (see
 * {@link TransformContext#passwordHash}), never per row: a cost-12 bcrypt takes about 250 ms, so per row it would
 * take hours for 100k users. {@code mode: staging} (default) hashes policy.staging-password, so testers can log in;
 * {@code mode: random} hashes a random secret that is never stored, so nobody can. {@code cost} is the bcrypt cost
 * the target's verifier expects (default policy.bcrypt-cost). NULL stays NULL (no password set).
 */
public final class PasswordTransformer implements Transformer {
    private static final TransformerSpec SPEC = TransformerCatalog.spec("password");
    private final boolean random;
    private final Integer cost;

    public PasswordTransformer(String mode, String cost) {
        if (mode != null && !mode.equals("staging") && !mode.equals("random")) {
            throw new IllegalArgumentException("password mode must be staging or random, got '" + mode + "'");
        }
        this.random = "random".equals(mode);
        this.cost = cost == null ? null : Params.intParam("password", "cost", cost, 0, 4, 31);
    }

    @Override
    public TransformerSpec spec() {
        return SPEC;
    }

    @Override
    public String apply(String value, TransformContext ctx) {
        return value == null ? null : ctx.passwordHash(random, cost == null ? ctx.defaultBcryptCost() : cost);
    }
}
