package io.restage.common.policy;

import static io.restage.common.policy.TransformerSpec.Uniqueness.BREAKS;
import static io.restage.common.policy.TransformerSpec.Uniqueness.NULLS;
import static io.restage.common.policy.TransformerSpec.Uniqueness.PRESERVES;
import static io.restage.common.policy.TransformerSpec.Redraw.BATCH;
import static io.restage.common.policy.TransformerSpec.Redraw.NEVER;
import static io.restage.common.policy.TransformerSpec.Redraw.SELF;

import io.restage.common.config.RuleConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every transformer a policy may name, with its parameters and accepted types. The anonymizer has one class per
 * entry (a test proves the two agree); the policy check and the configuration loader read this catalogue.
 */
public final class TransformerCatalog {
    /** Types holding text: what every text-writing transformer accepts. */
    public static final Set<String> TEXT = Set.of("text", "character varying", "character", "varchar", "bpchar",
            "citext", "name");
    public static final String AUDIT = "audit";

    private static final Map<String, TransformerSpec> SPECS = new LinkedHashMap<>();

    private static Set<String> text(String... more) {
        Set<String> s = new TreeSet<>(TEXT);
        s.addAll(Set.of(more));
        return Set.copyOf(s);
    }

    private static final String MODE = "fake (default: a deterministic fake of the same format), blank or null";

    static {
        add("email", "a unique address on a reserved domain that can never deliver",
                Map.of("domain", "reserved domain ending in .invalid, .test, .example or .localhost (default staging.invalid)",
                        "shape", "hash (default: u<16 hex>, unique) or keep (same length and character classes as the local part; not unique)"),
                text(), PRESERVES, true, NEVER);
        add("person-name", "a deterministic realistic full name (drawn again if it equals the source's own)",
                Map.of("locale", "en (default), de, fr, ... (datafaker locales)"), text(), BREAKS, true, SELF);
        add("first-name", "a deterministic realistic first name (drawn again if it equals the source's own)",
                Map.of("locale", "en (default), de, ..."), text(), BREAKS, false, SELF);
        add("last-name", "a deterministic realistic last name (drawn again if it equals the source's own)",
                Map.of("locale", "en (default), de, ..."), text(), BREAKS, false, SELF);
        // BREAKS: the reserved ranges hold 100 (NANP, per area code) to 10,000 (FR) numbers, too few for a unique
        // index; unique: true trades the country for a bijection under +999
        add("phone", "a deterministic number that cannot ring anyone: the source country's range kept for fiction"
                        + " (US/CA 555-0100..0199, GB 07700 900xxx, AU 0491 570 006..156, DE 030 23125 xxx, FR 01 99 00 xx xx),"
                        + " else +999 (never assigned); separators and length kept where the range allows. The ranges"
                        + " hold 100 to 10,000 numbers: on a unique index use unique: true",
                Map.of("mode", MODE, "country", "country of numbers without +CC or 00CC: US (default), CA, GB, AU, DE, FR,"
                                + " or none (+999)",
                        "country-column", "a column of the same row naming the country (ISO code or name) of numbers"
                                + " without +CC; overrides country where it names a supported one",
                        "unique", "true: +999 followed by a keyed permutation of the source's digits (distinct numbers"
                                + " stay distinct, the country is lost); default false"), text(), BREAKS, true, BATCH);
        add("street-address", "a deterministic fake street address", Map.of("mode", MODE, "locale", "en (default), de, ...",
                "country-column", "a column of the same row naming the country (ISO code or name): the address is"
                        + " drawn in that country's locale"), text(), BREAKS, true, BATCH);
        add("postal-code", "a deterministic fake postal code of the same format (digits for digits, letters for letters),"
                + " so it follows the source's country by construction", Map.of("mode", MODE), text(), BREAKS, false, SELF);
        add("city", "a deterministic fake city name", Map.of("mode", MODE, "locale", "en (default), de, ...",
                "country-column", "a column of the same row naming the country (ISO code or name): the city is drawn"
                        + " in that country's locale"), text(), BREAKS, false, SELF);
        add("password", "the bcrypt hash of the staging password or of a random secret, hashed once per refresh",
                Map.of("mode", "staging (default: policy.staging-password) or random (nobody can log in)",
                        "cost", "bcrypt cost the target's verifier expects (default policy.bcrypt-cost)"), text(), BREAKS, true, NEVER);
        add("scrub", "fixed marker text", Map.of("text", "the marker (default [scrubbed for staging])"), text(), BREAKS, true, NEVER);
        add("placeholder", "a 1x1 PNG for binary content (base64 in text columns); filename and MIME columns are left alone",
                Map.of(), text("bytea"), BREAKS, false, NEVER);
        add("hash", "a keyed, uniqueness-preserving replacement of an identifier (hex text, a permuted integer, a UUID)",
                Map.of("length", "hex digits for text columns, 16 to 64 (default 32)"),
                text("integer", "bigint", "uuid"), PRESERVES, true, NEVER);
        add("token", "a keyed, uniqueness-preserving replacement of a token or key that keeps its prefix (sk_live_...)",
                Map.of("keep-prefix", "characters kept (default: up to the last _ or - in the first 16 characters)"),
                text(), PRESERVES, true, NEVER);
        add("ip", "a deterministic address of the same family (IPv4/IPv6) whose host part is keyed; the netmask suffix and,"
                        + " optionally, the network prefix are kept; cidr values stay networks (host bits zero);"
                        + " text that is not an address becomes one from the documentation range",
                Map.of("prefix", "IPv4 bits kept, 0 (default) to 30, e.g. 24",
                        "prefix6", "IPv6 bits kept, 0 (default) to 124, e.g. 48",
                        "range", "any (default) or documentation: 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 and"
                                + " 2001:db8::/32 (RFC 5737, RFC 3849), which route nowhere"),
                text("inet", "cidr"), BREAKS, true, BATCH);
        add("date-shift", "dates and timestamps moved by a keyed number of whole days per entity (the key column's"
                        + " value), never zero, so intervals between one entity's rows are kept exactly",
                Map.of("key-column", "the column of the same row that names the entity, e.g. user_id (required)",
                        "window", "largest shift in days, 1 to 3650 (default 30)"),
                text("date", "timestamp"), BREAKS, true, NEVER);
        add("birth-date", "a date that is never the real day: another day of the same year (default), of the same"
                        + " decade, or the date shifted by a keyed 1 to window days",
                Map.of("keep", "year (default), decade or shift", "window", "for keep: shift, the largest shift in days"
                        + " (default 30)"), text("date", "timestamp"), BREAKS, true, NEVER);
        add("iban", "a format-valid IBAN (ISO 13616 mod-97 check digits) of the source's country and length whose bank"
                        + " identifier is all zeros, which no bank is given; layout kept",
                Map.of(), text(), BREAKS, true, BATCH);
        add("card-number", "a Luhn-valid card number of the same length and brand from the networks' published test"
                        + " ranges (Visa 4111 11, Mastercard 5555 55, Amex 3782 82, Discover 6011 11, else 0000 00);"
                        + " layout kept", Map.of(), text("bigint", "numeric"), BREAKS, true, BATCH);
        add("json", "applies other transformers to JSON paths ($.a.b, $.list[*].c, $..key) inside json/jsonb",
                Map.of("paths", "map of JSON path to a transformer name or {transformer: NAME, ...parameters}"),
                Set.of("json", "jsonb"), BREAKS, true, NEVER);
        add("null", "NULL", Map.of(), Set.of(), NULLS, true, NEVER);
        add("constant", "a fixed value", Map.of("value", "the value, in the column's text form (required)"), Set.of(), BREAKS, true, NEVER);
        add("keep", "an explicit decision that the column is not personal: copied unchanged", Map.of(), Set.of(), PRESERVES, false, NEVER);
    }

    private static void add(String name, String description, Map<String, String> params, Set<String> types,
                            TransformerSpec.Uniqueness uniqueness, boolean audited, TransformerSpec.Redraw redraw) {
        SPECS.put(name, new TransformerSpec(name, description, Map.copyOf(params), Set.copyOf(types), uniqueness, audited, redraw));
    }

    public static Map<String, TransformerSpec> all() {
        return java.util.Collections.unmodifiableMap(SPECS);
    }

    public static TransformerSpec spec(String name) {
        TransformerSpec s = SPECS.get(name);
        if (s == null) {
            throw new IllegalArgumentException("unknown transformer '" + name + "': known transformers are "
                    + new TreeSet<>(SPECS.keySet()));
        }
        return s;
    }

    /** Checks a rule's transformer name and parameter names; the message names what is wrong and what is allowed. */
    public static void validate(RuleConfig rule) {
        TransformerSpec s = spec(rule.transformer());
        for (String p : rule.params().keySet()) {
            if (!p.equals(AUDIT) && !s.parameters().containsKey(p)) {
                throw new IllegalArgumentException("transformer '" + s.name() + "' has no parameter '" + p
                        + "': its parameters are " + new TreeSet<>(s.parameters().keySet()) + " and audit");
            }
        }
        String audit = rule.params().get(AUDIT);
        if (audit != null && !audit.equals("true") && !audit.equals("false")) {
            throw new IllegalArgumentException("parameter audit must be true or false, got '" + audit + "'");
        }
    }

    /** What the rule does to distinct values, parameters included (email with shape=keep is not unique). */
    public static TransformerSpec.Uniqueness uniqueness(RuleConfig rule) {
        if (rule.transformer().equals("email") && "keep".equals(rule.params().get("shape"))) {
            return BREAKS;
        }
        if (rule.transformer().equals("phone") && "true".equals(rule.params().get("unique"))) {
            return PRESERVES;
        }
        if (rule.transformer().equals("phone") || rule.transformer().equals("street-address")
                || rule.transformer().equals("postal-code") || rule.transformer().equals("city")) {
            return "null".equals(rule.params().get("mode")) ? NULLS : BREAKS;
        }
        return spec(rule.transformer()).uniqueness();
    }

    /**
     * Transformers whose output could be a real person's contact, credential or account: the leak audit also scans the
     * columns they wrote, so a fake that happens to equal a production value of the same audited rule fails the refresh. Names,
     * cities and postal codes are not scanned: a fake name equal to a customer's reaches nobody, and an honest Pagila
     * refresh (actor JENNIFER DAVIS, customer JENNIFER DAVIS) must pass. IP addresses are not scanned: with a kept /24,
     * a fake equal to another client's address is expected and reaches nobody (use range: documentation for none);
     * nor are shifted dates (a date identifies nobody alone). Phones are drawn from ranges kept for fiction, emails
     * from reserved domains, IBANs with a bank identifier no bank has, cards from test ranges: a hit there means
     * production itself holds such values.
     */
    public static final Set<String> SCANNED_WHEN_WRITTEN = Set.of("phone", "street-address", "token", "hash", "email",
            "iban", "card-number");

    /** When the anonymizer re-draws this rule's fakes (a uniqueness-preserving phone never does: a bijection). */
    public static TransformerSpec.Redraw redraw(RuleConfig rule) {
        if (rule.transformer().equals("phone") && "true".equals(rule.params().get("unique"))) {
            return NEVER;
        }
        return spec(rule.transformer()).redraw();
    }

    /** Whether the leak audit scans a column this rule wrote (see {@link #SCANNED_WHEN_WRITTEN}). */
    public static boolean scannedWhenWritten(RuleConfig rule) {
        return SCANNED_WHEN_WRITTEN.contains(rule.transformer());
    }

    /** Whether the leak audit fingerprints this rule's source values (parameter {@code audit} overrides). */
    public static boolean audited(RuleConfig rule) {
        if (rule.transformer().equals("keep")) {
            return false;
        }
        String audit = rule.params().get(AUDIT);
        return audit != null ? Boolean.parseBoolean(audit) : spec(rule.transformer()).audited();
    }

    private TransformerCatalog() {
    }
}
