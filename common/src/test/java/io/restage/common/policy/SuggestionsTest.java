package io.restage.common.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What the policy check suggests for a flagged column, by name, type, constraints and the table's other columns.
 * The first rows are the music store (Chinook) a new user tried: mixed-case names, a Country column beside the
 * address, names of artists and tracks that are not people's.
 */
class SuggestionsTest {
    private static final List<String> CUSTOMER = List.of("CustomerId", "FirstName", "LastName", "Company", "Address",
            "City", "State", "Country", "PostalCode", "Phone", "Fax", "Email");

    @ParameterizedTest(name = "{0}.{1} {2} -> {6}")
    @CsvSource(delimiter = '|', value = {
            "public.Customer | FirstName  | character varying(40) | true  | false | content | {transformer: first-name}",
            "public.Customer | LastName   | character varying(20) | true  | false | name    | {transformer: last-name}",
            "public.Customer | Company    | character varying(80) | false | false | company | {transformer: null}",
            "public.Customer | Address    | character varying(70) | false | false | address | {transformer: street-address, country-column: \"Country\"}",
            "public.Customer | City       | character varying(40) | false | false | city    | {transformer: city, country-column: \"Country\"}",
            "public.Customer | State      | character varying(40) | false | false | state   | {transformer: keep}",
            "public.Customer | PostalCode | character varying(10) | false | false | postal  | {transformer: postal-code}",
            "public.Customer | Phone      | character varying(24) | false | false | phone   | {transformer: phone, country-column: \"Country\"}",
            "public.Customer | Fax        | character varying(24) | false | false | fax     | {transformer: phone, country-column: \"Country\"}",
            "public.Customer | Email      | character varying(60) | true  | false | email   | {transformer: email}",
            "public.Employee | BirthDate  | timestamp without time zone | false | false | birth | {transformer: birth-date}",
            "public.Employee | HireDate   | timestamp without time zone | false | false | hire  | {transformer: date-shift, key-column: \"CustomerId\"}",
            "public.Employee | Title      | character varying(30) | false | false | title   | {transformer: keep}",
            "public.Artist   | Name       | character varying(120) | false | false | name   | {transformer: keep}",
            "public.Track    | Name       | character varying(200) | true  | false | name   | {transformer: keep}",
            "public.users    | full_name  | text                  | true  | false | name    | {transformer: person-name}",
            "public.users    | last_login_ip | inet               | false | false | ip      | {transformer: ip, prefix: \"24\"}",
            "public.users    | phone      | text                  | true  | true  | phone   | {transformer: phone, unique: \"true\"}",
            "public.users    | username   | citext                | true  | true  | name    | {transformer: hash, length: \"16\"}",
            "public.users    | reset_token | text                 | false | false | token   | {transformer: token}",
            "public.users    | iban       | text                  | false | false | iban    | {transformer: iban}",
            "public.users    | date_of_birth | date               | false | false | birth   | {transformer: birth-date}",
            "public.people   | mi         | character(1)          | false | false | mi      | {transformer: null}",
            "public.people   | mi         | character(1)          | true  | false | mi      | {transformer: constant, value: \"\"}",
            "public.people   | ssn        | integer               | true  | true  | ssn     | {transformer: hash}",
            "public.people   | notes      | text                  | false | false | content:phone numbers | {transformer: phone}",
            "public.people   | contact    | text                  | true  | false | content:emails | {transformer: email}",
            "public.orders   | street     | text                  | true  | true  | street  | {transformer: hash}"})
    void suggestsARuleThatFitsTheColumn(String table, String column, String type, boolean notNull, boolean unique,
                                        String why, String expected) {
        List<String> siblings = table.equals("public.Customer") || table.equals("public.Employee") ? CUSTOMER : List.of("id", column);
        Suggestions.Shape shape = new Suggestions.Shape(table, column, type, notNull, unique, false,
                table.equals("public.Employee") ? "CustomerId" : "id", siblings);
        String got = Suggestions.yaml(Suggestions.suggest(shape, why.equals("content") ? "name" : why));
        assertEquals(expected.replace("{transformer: ", "").replaceAll("}$", "").contains(",") ? expected
                : expected.substring("{transformer: ".length(), expected.length() - 1), got);
        assertTrue(Suggestions.fits(Suggestions.suggest(shape, why.equals("content") ? "name" : why), shape));
    }
}
