package io.restage.orchestrator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The JSON body of every refusal: a stable code and a message that says what was wrong and what to do, and for a
 * policy refusal the list of problems (table, column and fix; never a value).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiError(int status, String error, String message, List<String> problems) {
    public ApiError(int status, String error, String message) {
        this(status, error, message, null);
    }
}
