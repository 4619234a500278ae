package io.restage.common.messages;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.restage.common.Json;
import java.io.IOException;

/** JSON encoding of control messages; the polymorphic {@code type} field is the stable name, never a class. */
public final class MessageCodec {

    public static String encode(Message message) {
        try {
            return Json.MAPPER.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + message.getClass().getSimpleName(), e);
        }
    }

    public static <T extends Message> T decode(String json, Class<T> type) {
        try {
            return Json.MAPPER.readValue(json, type);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a valid " + type.getSimpleName() + " message: " + e.getMessage(), e);
        }
    }

    private MessageCodec() {
    }
}
