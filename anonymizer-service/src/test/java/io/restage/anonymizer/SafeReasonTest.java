package io.restage.anonymizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SafeReasonTest {

    @Test
    void shouldPassOnRestagesOwnRefusalsWhichNameRulesNotValues() {
        IllegalArgumentException ours = new IllegalArgumentException("rule for public.users.email: transformer 'email' writes text");
        assertEquals(ours.getMessage(), AnonymizerHandler.safeReason(ours));
    }

    @Test
    void shouldWithholdTheMessageOfAnyOtherExceptionBecauseItMayQuoteTheValue() {
        Exception parse = null;
        try {
            Long.parseLong("jane.doe@corp.example");
        } catch (NumberFormatException e) {
            parse = e;
        }
        String reason = AnonymizerHandler.safeReason(parse);
        assertFalse(reason.contains("jane.doe"), reason);
        assertTrue(reason.contains("NumberFormatException"), reason);
        // a plain IllegalArgumentException thrown by a library names its own class first in the stack: withheld too
        IllegalArgumentException library = new IllegalArgumentException("Illegal character in value 'jane.doe'");
        library.setStackTrace(new StackTraceElement[]{new StackTraceElement("net.datafaker.Faker", "x", "Faker.java", 1)});
        assertFalse(AnonymizerHandler.safeReason(library).contains("jane.doe"));
    }
}
