package io.restage.common.policy;

import io.restage.common.config.RuleConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The rule the policy check suggests for a column that looks personal and has none: a transformer (and its
 * parameters) chosen from the column's name, type and sampled content, then checked like any rule: it must accept
 * the type, keep a unique index unique and write no NULL into NOT NULL. When the first choice does not fit, the
 * fallbacks are hash (unique columns), null (nullable ones) and scrub (text); when nothing fits, no suggestion.
 * A suggestion is a draft for a person to review, never applied by itself.
 */
public final class Suggestions {

    /** What the check knows about the column besides its name and type. */
    public record Shape(String table, String column, String type, boolean notNull, boolean unique, boolean primary,
                        String primaryKey, List<String> siblings) {
    }

    /** Names of tables whose rows are people: a {@code name} there is a person's, elsewhere a thing's. */
    private static final List<String> PEOPLE = List.of("user", "customer", "employee", "person", "people", "contact",
            "member", "staff", "author", "patient", "student", "client", "account", "profile", "owner", "driver",
            "guest", "passenger", "applicant", "candidate", "subscriber", "actor", "artist_contact", "lead", "buyer",
            "seller", "tenant", "resident", "visitor", "worker", "teacher", "doctor");
    private static final Set<String> COARSE = Set.of("state", "region", "county", "district", "province", "gender",
            "sex", "job_title", "jobtitle", "title");

    /**
     * The suggested rule for a column flagged for {@code why} (the matched name part, or {@code content:emails},
     * {@code content:phone numbers}, {@code content:IBANs}); null when no transformer fits.
     */
    public static Map<String, String> suggest(Shape s, String why) {
        String name = s.column().replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
        String table = s.table().substring(s.table().indexOf('.') + 1).replaceAll("([a-z0-9])([A-Z])", "$1_$2")
                .toLowerCase(Locale.ROOT);
        String type = s.type().toLowerCase(Locale.ROOT);
        boolean dateType = type.equals("date") || type.startsWith("timestamp");
        String country = s.siblings().stream().filter(c -> !c.equals(s.column())).filter(c -> {
            String n = c.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
            return n.equals("country") || n.endsWith("_country") || n.equals("country_code") || n.equals("country_name");
        }).findFirst().orElse(null);
        Map<String, String> first = choose(name, table, type, dateType, why, country, s);
        for (Map<String, String> candidate : candidates(first, s)) {
            if (fits(candidate, s)) {
                return candidate;
            }
        }
        return null;
    }

    private static Map<String, String> choose(String name, String table, String type, boolean dateType, String why,
                                              String country, Shape s) {
        List<String> words = List.of(name.split("_"));
        if (why.equals("content:emails")) {
            return type.startsWith("json") ? null : rule("email");
        }
        if (why.equals("content:IBANs")) {
            return rule("iban");
        }
        if (why.equals("content:phone numbers")) {
            return phone(s, country);
        }
        if (type.equals("inet") || type.equals("cidr") || words.contains("ip")) {
            return rule("ip", "prefix", "24");
        }
        if (name.contains("email") || name.contains("e_mail") || name.contains("mail")) {
            return rule("email");
        }
        if (name.contains("phone") || name.contains("mobile") || words.contains("tel") || words.contains("fax")
                || words.contains("msisdn")) {
            return phone(s, country);
        }
        if (name.contains("birth") || words.contains("dob")) {
            return rule("birth-date");
        }
        if (words.contains("hire")) {
            return s.primaryKey() != null && dateType ? rule("date-shift", "key-column", s.primaryKey())
                    : rule("birth-date");
        }
        if (name.contains("password") || name.contains("passwd") || words.contains("pwd")) {
            return rule("password");
        }
        if (name.contains("iban")) {
            return rule("iban");
        }
        if (name.contains("credit_card") || name.contains("card_number")) {
            return rule("card-number");
        }
        if (name.contains("token") || name.contains("secret") || name.contains("api_key") || name.contains("apikey")
                || words.contains("otp") || words.contains("salt")) {
            return rule("token");
        }
        if (name.contains("ssn") || name.contains("social_security") || name.contains("passport") || name.contains("tax_id")
                || name.contains("account_num") || name.contains("account_no") || name.contains("customer_num")
                || name.contains("customer_no")) {
            return rule("hash");
        }
        if (name.contains("zip") || name.contains("postal") || name.contains("postcode")) {
            return rule("postal-code");
        }
        if (name.contains("street") || name.contains("address")) {
            return country == null ? rule("street-address") : rule("street-address", "country-column", country);
        }
        if (words.contains("city")) {
            return country == null ? rule("city") : rule("city", "country-column", country);
        }
        if (words.contains("middle") || words.contains("mi")) {
            return rule("null");
        }
        for (String w : words) {
            if (COARSE.contains(w) || name.equals("job_title")) {
                return rule("keep"); // coarse on its own: review whether the combination singles a person out
            }
        }
        if (name.contains("company")) {
            return person(table) ? rule("null") : rule("keep");
        }
        if (name.contains("maiden") || name.contains("last_name") || name.contains("lastname") || name.contains("surname")
                || name.contains("family_name")) {
            return rule("last-name");
        }
        if (name.contains("first_name") || name.contains("firstname") || name.contains("given_name") || name.contains("forename")) {
            return rule("first-name");
        }
        if (name.contains("user_name") || name.contains("username") || name.equals("login") || name.equals("handle")) {
            return rule("hash", "length", "16");
        }
        if (name.contains("name")) {
            return person(table) ? rule("person-name") : rule("keep"); // an artist's, a genre's, a product's name
        }
        return null;
    }

    private static boolean person(String table) {
        for (String p : PEOPLE) {
            if (table.contains(p)) {
                return true;
            }
        }
        return false;
    }

    private static Map<String, String> phone(Shape s, String country) {
        if (s.unique()) {
            return rule("phone", "unique", "true");
        }
        return country == null ? rule("phone") : rule("phone", "country-column", country);
    }

    /** The first choice, then the fallbacks that fit more columns. */
    private static List<Map<String, String>> candidates(Map<String, String> first, Shape s) {
        List<Map<String, String>> out = new java.util.ArrayList<>();
        if (first != null) {
            out.add(first);
        }
        if (first == null || first.get("transformer").equals("keep")) {
            return out;
        }
        if (s.unique()) {
            out.add(rule("hash"));
        }
        out.add(rule("null"));
        out.add(rule("scrub"));
        out.add(rule("constant", "value", "")); // NOT NULL text too short for a marker: an empty string
        return out;
    }

    /** Whether the rule passes the check's own tests on this column. */
    static boolean fits(Map<String, String> rule, Shape s) {
        Map<String, String> params = new LinkedHashMap<>(rule);
        String t = params.remove("transformer");
        RuleConfig r = new RuleConfig(s.table(), s.column(), t, params, "tables");
        if (!TransformerCatalog.spec(t).accepts(s.type())) {
            return false;
        }
        boolean writesNull = t.equals("null") || "null".equals(params.get("mode"));
        if (writesNull && s.notNull()) {
            return false;
        }
        TransformerSpec.Uniqueness u = TransformerCatalog.uniqueness(r);
        if (s.unique() && (u == TransformerSpec.Uniqueness.BREAKS || u == TransformerSpec.Uniqueness.NULLS && s.primary())) {
            return false;
        }
        // a fake longer than a short fixed-width column would not fit it (a first name in char(1))
        if (t.equals("constant") && !TransformerCatalog.TEXT.stream().anyMatch(x -> s.type().startsWith(x))) {
            return false; // an empty string is text only
        }
        return !(s.type().matches("character(?: varying)?\\(([1-3])\\)") && !Set.of("null", "keep", "constant").contains(t));
    }

    private static Map<String, String> rule(String transformer, String... params) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("transformer", transformer);
        for (int i = 0; i < params.length; i += 2) {
            m.put(params[i], params[i + 1]);
        }
        return m;
    }

    /** The rule in the policy's YAML shape: {@code email} or {@code {transformer: phone, unique: "true"}}. */
    public static String yaml(Map<String, String> rule) {
        if (rule.size() == 1) {
            return rule.get("transformer");
        }
        StringBuilder sb = new StringBuilder("{transformer: ").append(rule.get("transformer"));
        new java.util.TreeMap<>(rule).forEach((k, v) -> {
            if (!k.equals("transformer")) {
                sb.append(", ").append(k).append(": ").append(k.equals("paths") ? v : PolicyDraft.quote(v));
            }
        });
        return sb.append('}').toString();
    }

    private Suggestions() {
    }
}
