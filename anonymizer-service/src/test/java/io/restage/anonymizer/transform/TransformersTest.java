package io.restage.anonymizer.transform;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.restage.common.Json;
import io.restage.common.config.RuleConfig;
import io.restage.common.policy.TransformerCatalog;
import io.restage.common.policy.TransformerSpec;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mindrot.jbcrypt.BCrypt;

/** One table of cases for every transformer: what it makes of an input, whether it is deterministic and keyed. */
class TransformersTest {
    private static final String STAGING_HASH = BCrypt.hashpw("staging-pw", BCrypt.gensalt(4));
    private static final String RANDOM_HASH = BCrypt.hashpw("nobody-knows-this", BCrypt.gensalt(5));
    private static final TransformContext.PasswordHashes HASHES = (random, cost) -> random ? RANDOM_HASH
            : cost == 4 ? STAGING_HASH : "cost-" + cost;
    private static final TransformContext CTX = new TransformContext("secret-one-0123456789", HASHES, 4);
    private static final TransformContext OTHER = new TransformContext("secret-two-0123456789", HASHES, 4);

    /**
     * @param input     a realistic value (unicode included where it matters)
     * @param expected  what the output must look like
     * @param keyed     another secret and another input give another output
     * @param accepted  a column type it must accept; {@code refused}: one it must refuse (null: accepts any)
     */
    record Case(String transformer, Map<String, String> params, String columnType, String input,
                Predicate<String> expected, boolean keyed, String accepted, String refused) {
    }

    private static Case c(String t, Map<String, String> p, String type, String in, Predicate<String> ok, boolean keyed,
                          String accepted, String refused) {
        return new Case(t, p, type, in, ok, keyed, accepted, refused);
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                c("email", Map.of(), "text", "Jane.Doe@corp.com", v -> v.matches("u[0-9a-f]{16}@staging\\.invalid"), true, "character varying(255)", "integer"),
                c("email", Map.of("domain", "qa.test"), "text", "ümlaut@corp.de", v -> v.endsWith("@qa.test"), true, "text", "bytea"),
                c("email", Map.of("shape", "keep"), "text", "Jane.Doe42@corp.com", v -> v.matches("[A-Z][a-z]{3}\\.[A-Z][a-z]{2}\\d\\d@staging\\.invalid"), true, "citext", "text[]"),
                c("person-name", Map.of(), "text", "Gwendolyn Ashcombe", v -> v.matches("[\\p{L}'.-]+( [\\p{L}'.-]+)+"), true, "text", "integer"),
                c("person-name", Map.of("locale", "de"), "text", "Jürgen Weiß 🙂", v -> v.matches("[\\p{L}'.-]+( [\\p{L}'.-]+)+"), true, "varchar", "date"),
                c("first-name", Map.of(), "text", "Gwendolyn", v -> v.matches("[\\p{L}'-]+( [\\p{L}'-]+)?"), true, "text", "date"),
                c("last-name", Map.of("locale", "de"), "text", "Ashcombe", v -> v.matches("[\\p{L}' -]+"), true, "text", "date"),
                // one row per reserved range: the country is parsed, the fake lies in the range kept for fiction
                c("phone", Map.of(), "text", "+49 30 12345678", v -> v.matches("\\+49 30 23125\\d{3}"), true, "text", "integer"),
                c("phone", Map.of(), "text", "+44 7911 123456", v -> v.matches("\\+44 7700 900\\d{3}"), true, "text", "integer"),
                c("phone", Map.of(), "text", "+61 412 345 678", v -> v.matches("\\+61 491 570 (00[6-9]|0[1-9]\\d|1[0-4]\\d|15[0-6])"), true, "text", "integer"),
                c("phone", Map.of(), "text", "+33 6 12 34 56 78", v -> v.matches("\\+33 1 99 00 \\d\\d \\d\\d"), true, "text", "integer"),
                c("phone", Map.of(), "text", "+1 (415) 867-5309", v -> v.matches("\\+1 \\(415\\) 555-01\\d\\d"), true, "text", "integer"),
                c("phone", Map.of(), "text", "271-555-9715", v -> v.matches("271-555-01\\d\\d"), true, "text", "integer"),
                c("phone", Map.of("country", "GB"), "text", "07911 123456", v -> v.matches("07700 900\\d{3}"), true, "text", "integer"),
                c("phone", Map.of("country", "DE"), "text", "030 1234567", v -> v.matches("0 ?30 ?23125\\d{3}|030 23125\\d{3}"), true, "text", "integer"),
                c("phone", Map.of(), "text", "+55 11 91234-5678", v -> v.matches("\\+999 \\d{10}"), true, "text", "integer"),
                c("phone", Map.of("mode", "blank"), "text", "+49 30 1234567", ""::equals, false, "text", "integer"),
                c("street-address", Map.of(), "text", "1913 Hanoi Way", v -> v.matches(".*\\d.*") && v.length() > 5, true, "text", "integer"),
                c("street-address", Map.of("locale", "de", "mode", "null"), "text", "Hauptstraße 1", v -> v == null, false, "text", "integer"),
                c("postal-code", Map.of(), "text", "SW1A 1AA", v -> v.matches("[A-Z]{2}\\d[A-Z] \\d[A-Z]{2}"), true, "character(10)", "integer"),
                c("postal-code", Map.of(), "text", "10115", v -> v.matches("\\d{5}"), true, "text", "integer"),
                c("city", Map.of("locale", "de"), "text", "Lethbridge", v -> v.matches("[\\p{L}' .-]+"), true, "text", "integer"),
                c("password", Map.of(), "text", "$2a$10$prodhash", v -> BCrypt.checkpw("staging-pw", v), false, "text", "integer"),
                c("password", Map.of("mode", "random"), "text", "$2a$10$prodhash", v -> !BCrypt.checkpw("staging-pw", v) && v.startsWith("$2a$05$"), false, "text", "integer"),
                c("password", Map.of("cost", "12"), "text", "$2a$10$prodhash", "cost-12"::equals, false, "text", "integer"),
                c("scrub", Map.of(), "text", "private\tletter\n🙂", "[scrubbed for staging]"::equals, false, "text", "integer"),
                c("scrub", Map.of("text", "[gone]"), "text", "anything", "[gone]"::equals, false, "character varying", "jsonb"),
                c("placeholder", Map.of(), "bytea", "\\x255044462d312e34", v -> v.startsWith("\\x89504e47"), false, "bytea", "integer"),
                c("placeholder", Map.of(), "text", "aGVsbG8gd29ybGQ=", v -> v.startsWith("iVBORw0KGgo"), false, "text", "integer"),
                c("hash", Map.of(), "text", "cus_NffrFeUfNV2Hib", v -> v.matches("[0-9a-f]{32}"), true, "text", "date"),
                c("hash", Map.of("length", "16"), "text", "ext-ÄÖÜ-1", v -> v.matches("[0-9a-f]{16}"), true, "text", "date"),
                c("hash", Map.of(), "integer", "48213", v -> Integer.parseInt(v) >= 0, true, "integer", "numeric"),
                c("hash", Map.of(), "bigint", "-9000000000", v -> Long.parseLong(v) < 0, true, "bigint", "smallint"),
                c("hash", Map.of(), "uuid", "3F2504E0-4F89-11D3-9A0C-0305E82C3301", v -> v.matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"), true, "uuid", "bytea"),
                c("token", Map.of(), "text", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", v -> v.matches("sk_live_[0-9A-Za-z]{24}"), true, "text", "integer"),
                c("token", Map.of("keep-prefix", "0"), "text", "abc", v -> v.matches("[0-9A-Za-z]{16}"), true, "text", "integer"),
                // ip: family and netmask kept, host keyed; a kept prefix stays the same network
                c("ip", Map.of(), "inet", "81.2.69.142", v -> v.matches("\\d{1,3}(\\.\\d{1,3}){3}"), true, "inet", "text[]"),
                c("ip", Map.of("prefix", "24"), "inet", "81.2.69.142/16", v -> v.matches("81\\.2\\.69\\.\\d{1,3}/16"), true, "text", "integer"),
                c("ip", Map.of("prefix6", "48"), "inet", "2a02:8108:1ac0:ff00::1f", v -> v.startsWith("2a02:8108:1ac0:"), true, "inet", "integer"),
                c("ip", Map.of(), "cidr", "81.2.64.0/20", v -> v.matches("\\d+\\.\\d+\\.\\d+\\.0/20") && (Integer.parseInt(v.split("\\.")[2]) & 15) == 0, true, "cidr", "bytea"),
                c("ip", Map.of("range", "documentation"), "inet", "81.2.69.142", v -> v.matches("(192\\.0\\.2|198\\.51\\.100|203\\.0\\.113)\\.\\d{1,3}"), true, "inet", "integer"),
                c("ip", Map.of("range", "documentation"), "inet", "2a02:8108:1ac0:ff00::1f", v -> v.startsWith("2001:db8:"), true, "inet", "integer"),
                c("ip", Map.of(), "text", "not an address", v -> v.matches("(192\\.0\\.2|198\\.51\\.100|203\\.0\\.113)\\.\\d{1,3}"), true, "text", "integer"),
                // dates: never the real day; shifts keep the time of day and zone
                c("date-shift", Map.of("key-column", "user_id"), "date", "2024-03-05", v -> v.matches("202[34]-\\d\\d-\\d\\d") && !v.equals("2024-03-05"), true, "date", "integer"),
                c("date-shift", Map.of("key-column", "user_id", "window", "3"), "timestamp with time zone", "2024-03-05 10:11:12.5+01",
                        v -> v.matches("2024-03-0[2-8] 10:11:12\\.5\\+01") && !v.startsWith("2024-03-05"), true, "timestamp(3) without time zone", "time without time zone"),
                c("birth-date", Map.of(), "date", "1984-07-19", v -> v.startsWith("1984-") && !v.equals("1984-07-19"), true, "date", "integer"),
                c("birth-date", Map.of("keep", "decade"), "date", "1984-07-19", v -> v.startsWith("198") && !v.equals("1984-07-19"), true, "text", "integer"),
                c("birth-date", Map.of("keep", "shift", "window", "10"), "timestamp without time zone", "1984-07-19 00:00:00",
                        v -> v.matches("1984-07-(09|1\\d|2\\d) 00:00:00") && !v.startsWith("1984-07-19"), true, "timestamp without time zone", "interval"),
                // financial: valid check digits, bank identifier nobody has, test card ranges
                c("iban", Map.of(), "text", "DE89 3704 0044 0532 0130 00", v -> v.matches("DE\\d\\d 0000 0000 \\d{4} \\d{4} \\d\\d") && ibanValid(v), true, "text", "integer"),
                c("iban", Map.of(), "text", "GB29NWBK60161331926819", v -> v.matches("GB\\d\\dXXXX000000\\d{8}") && ibanValid(v), true, "varchar", "bytea"),
                c("card-number", Map.of(), "text", "4242 4242 4242 4242", v -> v.matches("4111 11\\d\\d \\d{4} \\d{4}") && CardNumberTransformer.luhnValid(v.replace(" ", "")), true, "text", "integer"),
                c("card-number", Map.of(), "text", "3714-496353-98431", v -> v.matches("3782-82\\d{4}-\\d{5}") && CardNumberTransformer.luhnValid(v.replace("-", "")), true, "bigint", "integer"),
                c("json", Map.of("paths", "{\"$.email\":\"email\",\"$.contacts[*].phone\":\"phone\",\"$..iban\":\"null\"}"), "jsonb",
                        "{\"email\":\"jane@corp.com\",\"plan\":\"pro\",\"contacts\":[{\"phone\":\"030 1234567\"},{\"phone\":\"0170 7654321\"}],\"bank\":{\"iban\":\"DE89370400440532013000\"}}",
                        v -> v.contains("@staging.invalid") && v.contains("\"plan\":\"pro\"") && v.contains("\"iban\":null")
                                && !v.contains("1234567") && !v.contains("7654321"), true, "json", "text"),
                c("null", Map.of(), "text", "sk_live_123", v -> v == null, false, "text", null),
                c("constant", Map.of("value", "false"), "boolean", "true", "false"::equals, false, "boolean", null),
                c("keep", Map.of(), "integer", "public value", "public value"::equals, false, "integer", null))
                .map(c -> Arguments.of(c.transformer() + c.params() + " on " + c.columnType(), c));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void transformerBehavesAsDeclared(String name, Case c) {
        Transformer t = Transformers.create(new RuleConfig("public.t", "c", c.transformer(), c.params(), "tables"), c.columnType());
        String out = t.apply(c.input(), CTX);
        assertTrue(c.expected().test(out), name + " produced " + out);
        if (out != null && !c.transformer().equals("keep")) {
            assertFalse(out.contains(c.input()), "output must not contain the input");
        }
        assertEquals(out, t.apply(c.input(), CTX), "same input, same output");
        assertEquals(out, Transformers.create(new RuleConfig("public.t", "c", c.transformer(), c.params(), "tables"),
                c.columnType()).apply(c.input(), CTX), "another instance gives the same output");
        if (c.keyed()) {
            assertNotEquals(out, t.apply(c.input(), OTHER), "another secret gives another output");
            assertNotEquals(out, t.apply(mutate(c.input()), CTX), "another input gives another output");
        }
        if (!c.transformer().equals("constant")) {
            assertNull(t.apply(null, CTX), "NULL stays NULL");
        }
        assertTrue(t.accepts(c.accepted()), name + " accepts " + c.accepted());
        if (c.refused() != null) {
            assertFalse(t.accepts(c.refused()), name + " refuses " + c.refused());
        }
        assertEquals(c.transformer(), t.name());
    }

    /** ISO 13616: the IBAN moved and read as digits (letters 10..35) is 1 modulo 97. */
    static boolean ibanValid(String iban) {
        String v = iban.replace(" ", "");
        String moved = v.substring(4) + v.substring(0, 4);
        StringBuilder d = new StringBuilder();
        for (char ch : moved.toCharArray()) {
            d.append(Character.isDigit(ch) ? String.valueOf(ch) : String.valueOf(ch - 'A' + 10));
        }
        return new java.math.BigInteger(d.toString()).mod(java.math.BigInteger.valueOf(97)).intValue() == 1;
    }

    /** A different input of the same shape (a digit or letter changed). */
    private static String mutate(String in) {
        if (in.matches("-?\\d+")) {
            return Long.toString(Long.parseLong(in) + 1);
        }
        char[] ch = in.toCharArray();
        for (int i = 0; i < ch.length; i++) {
            if (Character.isDigit(ch[i])) {
                ch[i] = ch[i] == '9' ? '8' : (char) (ch[i] + 1);
                return new String(ch);
            }
            if (ch[i] >= 'a' && ch[i] < 'z' || ch[i] >= 'A' && ch[i] < 'Z') {
                ch[i] = (char) (ch[i] + 1);
                return new String(ch);
            }
        }
        return in + "x";
    }

    @Test
    void everyCatalogueEntryHasOneImplementationThatDeclaresIt() {
        for (TransformerSpec spec : TransformerCatalog.all().values()) {
            Map<String, String> params = switch (spec.name()) {
                case "constant" -> Map.of("value", "x");
                case "date-shift" -> Map.of("key-column", "id");
                case "json" -> Map.of("paths", "{\"$.a\":\"email\"}");
                default -> Map.of();
            };
            Transformer t = Transformers.create(new RuleConfig("public.t", "c", spec.name(), params, "tables"), "text");
            assertEquals(spec, t.spec(), spec.name());
        }
    }

    static Stream<Arguments> uniqueTransformers() {
        return Stream.<Object[]>of(
                new Object[]{"email", Map.of(), "text", (Function<Integer, String>) i -> "user" + i + "@corp.com"},
                new Object[]{"hash", Map.of(), "text", (Function<Integer, String>) i -> "cus_" + i},
                new Object[]{"hash", Map.of(), "integer", (Function<Integer, String>) i -> Integer.toString(i - 500_000)},
                new Object[]{"hash", Map.of(), "bigint", (Function<Integer, String>) i -> Long.toString(i * 7_919_000_003L)},
                new Object[]{"hash", Map.of(), "uuid", (Function<Integer, String>) i -> new java.util.UUID(i, i * 31L).toString()},
                new Object[]{"token", Map.of(), "text", (Function<Integer, String>) i -> "sk_live_" + i},
                new Object[]{"phone", Map.of("unique", "true"), "text", (Function<Integer, String>) i -> switch (i % 4) {
                    // the same digits in other layouts and prefixes stay distinct too
                    case 0 -> "+1 (415) " + String.format("%03d-%04d", i / 4 % 1000, i / 4000);
                    case 1 -> "(415) " + String.format("%03d-%04d", i / 4 % 1000, i / 4000);
                    case 2 -> "001 415 " + String.format("%03d %04d", i / 4 % 1000, i / 4000);
                    default -> "1 415 " + String.format("%03d %04d", i / 4 % 1000, i / 4000);
                }})
                .map(a -> Arguments.of(a[0] + " on " + a[2], a[0], a[1], a[2], a[3]));
    }

    @ParameterizedTest(name = "{0} stays unique over a million distinct inputs")
    @MethodSource("uniqueTransformers")
    @SuppressWarnings("unchecked")
    void uniquenessPreservingTransformersStayUniqueOverAMillionDistinctInputs(String name, String transformer,
            Map<String, String> params, String type, Function<Integer, String> input) {
        RuleConfig rule = new RuleConfig("public.t", "c", transformer, params, "tables");
        Transformer t = Transformers.create(rule, type);
        assertEquals(TransformerSpec.Uniqueness.PRESERVES, TransformerCatalog.uniqueness(rule));
        Set<String> seen = new HashSet<>(2_000_000);
        for (int i = 0; i < 1_000_000; i++) {
            String in = input.apply(i);
            String out = t.apply(in, CTX);
            assertTrue(seen.add(out), name + ": collision at input " + i);
            if (transformer.equals("phone")) {
                assertTrue(out.startsWith("+999 "), out + ": under the unassigned country code");
            }
            if (type.equals("integer") || type.equals("bigint")) {
                assertEquals(in.startsWith("-"), out.startsWith("-"), "the permutation keeps the sign");
            }
        }
    }

    @Test
    void integerHashIsAPermutationOfItsRange() {
        long[] keys = CTX.roundKeys("hash-int", 8);
        // a bijection restricted to 16 bits would show repeats within a dense block; and extremes stay in range
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 65_536; i++) {
            assertTrue(seen.add(HashTransformer.permute32(i, keys)));
        }
        assertTrue(HashTransformer.permute32(Integer.MAX_VALUE, keys) >= 0);
        assertTrue(HashTransformer.permute32(Integer.MIN_VALUE, keys) < 0);
    }

    @Test
    void namesComeFromTheLocalesLists() {
        Transformer en = Transformers.create(new RuleConfig("public.t", "c", "last-name", Map.of("locale", "en"), "tables"), "text");
        Transformer de = Transformers.create(new RuleConfig("public.t", "c", "last-name", Map.of("locale", "de"), "tables"), "text");
        Set<String> enNames = new HashSet<>();
        Set<String> deNames = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            enNames.add(en.apply("person " + i, CTX));
            deNames.add(de.apply("person " + i, CTX));
        }
        assertTrue(enNames.size() > 150 && deNames.size() > 150, "realistic variety: " + enNames.size() + ", " + deNames.size());
        Set<String> common = new HashSet<>(enNames);
        common.retainAll(deNames);
        assertTrue(common.size() < 30, "de and en draw from different lists, shared: " + common);
        assertThrows(IllegalArgumentException.class, () -> Transformers.create(
                new RuleConfig("public.t", "c", "first-name", Map.of("locale", "!!"), "tables"), "text"));
    }

    @Test
    void placeholderIsAValidOnePixelPng() throws Exception {
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(PlaceholderTransformer.PNG));
        assertNotNull(img);
        assertEquals(1, img.getWidth());
        assertEquals(1, img.getHeight());
        String text = Transformers.create(new RuleConfig("public.files", "content", "placeholder", Map.of(), "tables"), "text")
                .apply("x", CTX);
        assertEquals(HexFormat.of().formatHex(PlaceholderTransformer.PNG), HexFormat.of().formatHex(Base64.getDecoder().decode(text)));
    }

    @Test
    void jsonShouldWalkArraysAndDepthAndReportItsAuditedValues() throws Exception {
        Transformer t = Transformers.create(new RuleConfig("public.events", "payload", "json", Map.of("paths",
                "{\"$.user.name\":{\"transformer\":\"person-name\",\"locale\":\"de\"},\"$.tags[1]\":\"scrub\","
                        + "\"$..email\":\"email\",\"$.card\":\"null\",\"$.score\":{\"transformer\":\"constant\",\"value\":\"0\"}}"), "tables"), "jsonb");
        String in = "{\"user\":{\"name\":\"Jane Doe\",\"emails\":[{\"email\":\"a@corp.com\"}],\"email\":\"b@corp.com\"},"
                + "\"tags\":[\"x\",\"secret note\"],\"card\":{\"pan\":\"4111111111111111\"},\"score\":17,\"missing\":null}";
        JsonNode out = Json.MAPPER.readTree(t.apply(in, CTX));
        assertNotEquals("Jane Doe", out.at("/user/name").asText());
        assertTrue(out.at("/user/emails/0/email").asText().endsWith("@staging.invalid"));
        assertTrue(out.at("/user/email").asText().endsWith("@staging.invalid"));
        assertEquals("x", out.at("/tags/0").asText());
        assertEquals("[scrubbed for staging]", out.at("/tags/1").asText());
        assertTrue(out.get("card").isNull());
        assertTrue(out.get("score").isNumber());
        assertEquals(0, out.get("score").asInt());
        List<String> audited = new ArrayList<>();
        t.auditedValues(in, audited::add);
        assertTrue(audited.containsAll(List.of("Jane Doe", "a@corp.com", "b@corp.com", "secret note", "4111111111111111")), audited.toString());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> t.apply("{not json", CTX));
        assertFalse(bad.getMessage().contains("not json"), "the value is never quoted");
    }

    @Test
    void phoneKeepsTheLayoutWhereTheReservedNumberHasAsManyDigits() {
        Transformer t = Transformers.create(new RuleConfig("public.t", "c", "phone", Map.of(), "tables"), "text");
        for (String in : List.of("+1 (415) 010-9999", "+44-7911-123-456", "0049-30-1234-5678", "+33 (0)6 12 34 56 78x")) {
            String out = t.apply(in, CTX);
            if (in.replaceAll("\\D", "").length() == out.replaceAll("\\D", "").length()) {
                assertEquals(in.replaceAll("\\d", "9"), out.replaceAll("\\d", "9"), in + " -> " + out);
            }
        }
        assertEquals("0049-30-2312-5" , t.apply("0049-30-1234-5678", CTX).substring(0, 14), "00 prefix kept, digits poured in");
    }

    @Test
    void phoneFakesNeverRingAnyoneAndNeverEqualASourceNumber() {
        Transformer t = Transformers.create(new RuleConfig("public.t", "c", "phone", Map.of(), "tables"), "text");
        java.util.Set<String> sources = new java.util.HashSet<>();
        java.util.Random r = new java.util.Random(7);
        for (int i = 0; i < 200_000; i++) {
            // a small, real-looking range: fakes drawn freely from it would collide with real numbers
            String in = switch (i % 6) {
                case 0 -> "+1 " + (200 + r.nextInt(800)) + "-" + (200 + r.nextInt(800)) + "-" + String.format("%04d", r.nextInt(10000));
                case 1 -> "+44 7" + (100 + r.nextInt(900)) + " " + String.format("%06d", r.nextInt(1_000_000));
                case 2 -> "+61 4" + String.format("%02d %03d %03d", r.nextInt(100), r.nextInt(1000), r.nextInt(1000));
                case 3 -> "+49 30 " + String.format("%08d", r.nextInt(100_000_000));
                case 4 -> "+33 6 " + String.format("%02d %02d %02d %02d", r.nextInt(100), r.nextInt(100), r.nextInt(100), r.nextInt(100));
                default -> "+55 11 9" + String.format("%08d", r.nextInt(100_000_000));
            };
            sources.add(in);
        }
        int checked = 0;
        for (String in : sources) {
            String out = t.apply(in, CTX);
            assertTrue(reservedDigits(out), in + " -> " + out + " is not in a reserved range");
            assertFalse(sources.contains(out), in + " -> " + out + " is a source number");
            assertEquals(out, t.apply(in, CTX), "deterministic");
            checked++;
        }
        assertTrue(checked > 150_000, checked + " distinct source numbers");
    }

    /** The digits (country code first) fall in one of the reserved blocks. */
    private static boolean reservedDigits(String phone) {
        String d = phone.replaceAll("\\D", "");
        return d.matches("1\\d{3}55501\\d\\d|447700900\\d{3}|61491570\\d{3}|493023125\\d{3}|3319900\\d{4}|999\\d+");
    }

    @Test
    void dateShiftMovesEveryRowOfAnEntityByTheSameDaysSoIntervalsStay() {
        Transformer t = Transformers.create(new RuleConfig("public.visits", "at", "date-shift", Map.of("key-column", "user_id",
                "window", "30"), "tables"), "timestamp with time zone");
        assertEquals(List.of("user_id"), t.reads());
        java.util.Map<Long, Integer> shifts = new java.util.HashMap<>();
        for (int user = 0; user < 500; user++) {
            String key = Integer.toString(user);
            java.time.LocalDate a = java.time.LocalDate.parse(t.apply("2024-02-28 23:59:59+00", new String[]{key}, CTX).substring(0, 10));
            java.time.LocalDate b = java.time.LocalDate.parse(t.apply("2024-03-01 08:00:00+00", new String[]{key}, CTX).substring(0, 10));
            java.time.LocalDate c = java.time.LocalDate.parse(t.apply("2025-12-31", new String[]{key}, CTX));
            assertEquals(2, java.time.temporal.ChronoUnit.DAYS.between(a, b), "the interval across a leap day stays");
            long shift = java.time.temporal.ChronoUnit.DAYS.between(java.time.LocalDate.of(2025, 12, 31), c);
            assertEquals(shift, java.time.temporal.ChronoUnit.DAYS.between(java.time.LocalDate.of(2024, 2, 28), a), "one shift per entity");
            assertTrue(shift != 0 && Math.abs(shift) <= 30, "shift " + shift + " within the window, never zero");
            shifts.merge(shift, 1, Integer::sum);
        }
        assertTrue(shifts.size() > 40, "entities move differently: " + shifts.size() + " distinct shifts");
        assertEquals("infinity", t.apply("infinity", new String[]{"1"}, CTX));
        assertTrue(t.apply("0044-03-15 BC", new String[]{"1"}, CTX).endsWith(" BC"), "BC dates stay BC");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> t.apply("15/03/2024", new String[]{"1"}, CTX));
        assertFalse(bad.getMessage().contains("15/03"), "the value is never quoted");
        assertThrows(IllegalArgumentException.class, () -> Transformers.create(
                new RuleConfig("public.visits", "at", "date-shift", Map.of(), "tables"), "date"), "key-column is required");
    }

    @Test
    void birthDatesNeverKeepTheRealDay() {
        Transformer year = Transformers.create(new RuleConfig("public.p", "dob", "birth-date", Map.of(), "tables"), "date");
        Transformer decade = Transformers.create(new RuleConfig("public.p", "dob", "birth-date", Map.of("keep", "decade"), "tables"), "date");
        java.time.LocalDate d = java.time.LocalDate.of(1950, 1, 1);
        Set<String> fakes = new HashSet<>();
        for (int i = 0; i < 20_000; i++, d = d.plusDays(1)) {
            String in = d.toString();
            String y = year.apply(in, CTX);
            String dec = decade.apply(in, CTX);
            assertNotEquals(in, y);
            assertNotEquals(in, dec);
            assertEquals(in.substring(0, 5), y.substring(0, 5), "same year");
            assertEquals(in.substring(0, 3), dec.substring(0, 3), "same decade");
            fakes.add(y.substring(5));
        }
        assertTrue(fakes.size() > 300, "days spread over the year: " + fakes.size());
    }

    @Test
    void ibansAndCardNumbersAreFormatValidFakesFromRangesNoBankIssues() {
        Transformer iban = Transformers.create(new RuleConfig("public.a", "iban", "iban", Map.of(), "tables"), "text");
        Transformer card = Transformers.create(new RuleConfig("public.a", "pan", "card-number", Map.of(), "tables"), "text");
        java.util.Random r = new java.util.Random(3);
        String[] countries = {"DE", "FR", "NL", "GB", "IT", "ES", "BR", "CH"};
        int[] lengths = {22, 27, 18, 22, 27, 24, 29, 21};
        for (int i = 0; i < 20_000; i++) {
            int k = i % countries.length;
            StringBuilder bban = new StringBuilder();
            for (int j = 4; j < lengths[k]; j++) {
                bban.append(countries[k].equals("NL") && j < 8 || countries[k].equals("GB") && j < 8 ? (char) ('A' + r.nextInt(26))
                        : (char) ('0' + r.nextInt(10)));
            }
            String src = countries[k] + "00" + bban;
            String out = iban.apply(src, CTX);
            assertTrue(ibanValid(out), src + " -> " + out + " passes mod 97");
            assertEquals(src.length(), out.length());
            assertEquals(countries[k], out.substring(0, 2));
            int bank = switch (countries[k]) { case "DE", "ES" -> 8; case "FR" -> 10; case "GB" -> 10; case "IT" -> 11; case "CH" -> 5; default -> 4; };
            assertTrue(out.substring(4, 4 + bank).matches("[0X]+"), out + ": bank identifier all zeros");
            String pan = (i % 3 == 0 ? "4" : i % 3 == 1 ? "5" + (1 + r.nextInt(5)) : "6011") + String.format("%015d", r.nextLong(1_000_000_000_000_000L));
            pan = pan.substring(0, 16);
            String fake = card.apply(pan, CTX);
            assertTrue(CardNumberTransformer.luhnValid(fake), pan + " -> " + fake);
            assertTrue(fake.startsWith("411111") || fake.startsWith("555555") || fake.startsWith("601111"), fake);
            assertEquals(pan.charAt(0), fake.charAt(0), "same brand");
        }
    }

    @Test
    void countryColumnDrawsAddressesAndNationalPhonesForTheRowsCountry() {
        Transformer city = Transformers.create(new RuleConfig("public.c", "City", "city", Map.of("country-column", "Country"), "tables"), "text");
        Transformer street = Transformers.create(new RuleConfig("public.c", "Address", "street-address", Map.of("country-column", "Country"), "tables"), "text");
        Transformer phone = Transformers.create(new RuleConfig("public.c", "Phone", "phone", Map.of("country-column", "Country"), "tables"), "text");
        assertEquals(List.of("Country"), city.reads());
        Set<String> brazil = new HashSet<>();
        Set<String> usa = new HashSet<>();
        for (int i = 0; i < 300; i++) {
            brazil.add(city.apply("city " + i, new String[]{"Brazil"}, CTX));
            usa.add(city.apply("city " + i, new String[]{"USA"}, CTX));
        }
        Set<String> shared = new HashSet<>(brazil);
        shared.retainAll(usa);
        assertTrue(shared.size() < 30, "Brazilian rows get Brazilian cities, not American ones: " + shared);
        assertEquals(city.apply("Porto Alegre", new String[]{"BR"}, CTX), city.apply("Porto Alegre", new String[]{"Brasil"}, CTX),
                "ISO code, English and native names name the same country");
        assertEquals(city.apply("Porto Alegre", new String[]{"BRA"}, CTX), city.apply("Porto Alegre", new String[]{"brazil "}, CTX));
        assertNotEquals(street.apply("Rua Dr. Falcão Filho, 155", new String[]{"Brazil"}, CTX),
                street.apply("Rua Dr. Falcão Filho, 155", new String[]{"Germany"}, CTX));
        assertTrue(phone.apply("07911 123456", new String[]{"United Kingdom"}, CTX).matches("07700 900\\d{3}"), "a national GB number");
        assertTrue(phone.apply("030 1234567", new String[]{"Deutschland"}, CTX).replaceAll("\\D", "").startsWith("03023125"), "a national DE number");
        assertTrue(phone.apply("(11) 3055-3278", new String[]{"Brazil"}, CTX).startsWith("+999 "), "a national number of a"
                + " country without a fiction range gets +999, not a US number");
        assertTrue(phone.apply("(11) 3055-3278", new String[]{null}, CTX).replaceAll("\\D", "").matches("\\d{3}55501\\d\\d"),
                "an unknown country falls back to the rule's country (US)");
        assertTrue(phone.apply("+55 11 3055-3278", new String[]{"Germany"}, CTX).startsWith("+999"), "a +CC prefix wins over the column");
    }

    @Test
    void aDateShiftInsideJsonIsRefusedForItHasNoRow() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Transformers.create(new RuleConfig("public.e",
                "payload", "json", Map.of("paths", "{\"$.at\":{\"transformer\":\"date-shift\",\"key-column\":\"id\"}}"), "tables"), "jsonb"));
        assertTrue(e.getMessage().contains("birth-date"), e.getMessage());
    }

    @Test
    void badParametersAreRefusedNamingTheRule() {
        for (Map<String, String> p : List.<Map<String, String>>of(Map.of("domain", "gmail.com"), Map.of("shape", "round"), Map.of("domian", "x.test"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Transformers.create(new RuleConfig("public.users", "email", "email", p, "tables"), "text"));
            assertTrue(e.getMessage().contains("public.users.email"), e.getMessage());
        }
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> Transformers.create(new RuleConfig("public.users", "ssn", "shuffle", Map.of(), "tables"), "text"));
        assertTrue(unknown.getMessage().contains("public.users.ssn") && unknown.getMessage().contains("email"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Transformers.create(new RuleConfig("public.t", "c", "constant", Map.of(), "tables"), "text"));
        assertThrows(IllegalArgumentException.class,
                () -> Transformers.create(new RuleConfig("public.t", "c", "hash", Map.of("length", "8"), "tables"), "text"));
        assertThrows(IllegalArgumentException.class,
                () -> Transformers.create(new RuleConfig("public.t", "c", "json", Map.of("paths", "{\"email\":\"email\"}"), "tables"), "jsonb"));
    }
}
