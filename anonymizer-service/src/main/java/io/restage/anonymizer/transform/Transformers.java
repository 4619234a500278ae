package io.restage.anonymizer.transform;

import io.restage.common.config.RuleConfig;
import io.restage.common.policy.TransformerCatalog;

/**
 * Builds the transformer a rule names, checking its parameters. Every name in {@link TransformerCatalog} has one
 * class here (TransformersTest proves it).
 */
public final class Transformers {

    /** The transformer for {@code rule} on a column of {@code columnType} ({@code format_type} of its base type). */
    public static Transformer create(RuleConfig rule, String columnType) {
        try {
            TransformerCatalog.validate(rule);
            return switch (rule.transformer()) {
                case "email" -> new EmailTransformer(rule.params().get("domain"), rule.params().get("shape"));
                case "person-name" -> new PersonNameTransformer(PersonNameTransformer.Part.FULL, rule.params().get("locale"));
                case "first-name" -> new PersonNameTransformer(PersonNameTransformer.Part.FIRST, rule.params().get("locale"));
                case "last-name" -> new PersonNameTransformer(PersonNameTransformer.Part.LAST, rule.params().get("locale"));
                case "phone" -> new PhoneTransformer(rule.params().get("mode"), rule.params().get("country"),
                        rule.params().get("country-column"), rule.params().get("unique"));
                case "street-address" -> new StreetAddressTransformer(rule.params().get("mode"), rule.params().get("locale"),
                        rule.params().get("country-column"));
                case "postal-code" -> new PostalCodeTransformer(rule.params().get("mode"));
                case "city" -> new CityTransformer(rule.params().get("mode"), rule.params().get("locale"),
                        rule.params().get("country-column"));
                case "password" -> new PasswordTransformer(rule.params().get("mode"), rule.params().get("cost"));
                case "scrub" -> new ScrubTransformer(rule.params().get("text"));
                case "placeholder" -> new PlaceholderTransformer(columnType);
                case "hash" -> new HashTransformer(columnType, rule.params().get("length"));
                case "token" -> new TokenTransformer(rule.params().get("keep-prefix"));
                case "ip" -> new IpTransformer(columnType, rule.params().get("prefix"), rule.params().get("prefix6"),
                        rule.params().get("range"));
                case "date-shift" -> new DateShiftTransformer(rule.params().get("key-column"), rule.params().get("window"));
                case "birth-date" -> new BirthDateTransformer(rule.params().get("keep"), rule.params().get("window"));
                case "iban" -> new IbanTransformer();
                case "card-number" -> new CardNumberTransformer();
                case "json" -> new JsonTransformer(rule);
                case "null" -> new NullTransformer();
                case "constant" -> new ConstantTransformer(rule.params().get("value"));
                case "keep" -> new KeepTransformer();
                default -> throw new IllegalArgumentException("no implementation of transformer '" + rule.transformer() + "'");
            };
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("rule for " + rule.id() + ": " + e.getMessage(), e);
        }
    }

    private Transformers() {
    }
}
