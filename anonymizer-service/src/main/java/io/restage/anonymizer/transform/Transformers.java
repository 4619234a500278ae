package io.restage.anonymizer.transform;

import io.restage.common.config.RuleConfig;
import java.util.Set;

/** Builds the transformer a rule names, checking its parameters. The catalogue is listed in {@link #NAMES}. */
public final class Transformers {
    public static final Set<String> NAMES = Set.of("email", "person-name", "first-name", "last-name", "phone", "null",
            "constant", "scrub", "password", "keep");

    public static Transformer create(RuleConfig rule) {
        try {
            return switch (rule.transformer()) {
                case "email" -> new EmailTransformer(rule.params().get("domain"));
                case "person-name" -> new PersonNameTransformer(PersonNameTransformer.Part.FULL);
                case "first-name" -> new PersonNameTransformer(PersonNameTransformer.Part.FIRST);
                case "last-name" -> new PersonNameTransformer(PersonNameTransformer.Part.LAST);
                case "phone" -> new PhoneTransformer();
                case "null" -> new NullTransformer();
                case "constant" -> new ConstantTransformer(rule.params().get("value"));
                case "scrub" -> new ScrubTransformer(rule.params().get("text"));
                case "password" -> new PasswordTransformer();
                case "keep" -> new KeepTransformer();
                default -> throw new IllegalArgumentException("unknown transformer '" + rule.transformer()
                        + "': known transformers are " + new java.util.TreeSet<>(NAMES));
            };
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("rule for " + rule.id() + ": " + e.getMessage(), e);
        }
    }

    private Transformers() {
    }
}
