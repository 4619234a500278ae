package io.restage.anonymizer.transform;

import io.restage.common.policy.TransformerCatalog;
import io.restage.common.policy.TransformerSpec;

/**
 * {@code keep}: an explicit decision that a column is not personal, so the policy check stops flagging it. The
 * value is copied unchanged, and the leak audit scans it (a kept column that holds another column's personal data
 * stops the refresh).
 */
public final class KeepTransformer implements Transformer {
    private static final TransformerSpec SPEC = TransformerCatalog.spec("keep");

    @Override
    public TransformerSpec spec() {
        return SPEC;
    }

    @Override
    public String apply(String value, TransformContext ctx) {
        return value;
    }

    @Override
    public void auditedValues(String value, java.util.function.Consumer<String> sink) {
        // a kept value is not personal by decision: nothing to look for elsewhere
    }
}
