package io.restage.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.restage.common.Json;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ExitCodesTest {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"SUCCEEDED, 0", "UNDONE, 0", "FAILED, 4", "CANCELLED, 5", "COMPENSATION_FAILED, 6", "RUNNING, -1",
            "COMPENSATING, -1", "UNDOING, -1", "SOMETHING_NEW, 1"})
    void shouldGiveEachEndItsOwnCode(String status, int code) {
        assertEquals(code, ExitCodes.forRefreshStatus(status));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "{'status':'RUNNING'}                                  | REFRESH_ENDS | -1",
            "{'status':'SUCCEEDED'}                                | REFRESH_ENDS | 0",
            "{'status':'COMPENSATING'}                             | ACTIVE_ENDS  | -1",
            "{'status':'CANCELLED'}                                | ACTIVE_ENDS  | 5",
            "{'status':'UNDOING','undo':{'status':'RUNNING'}}      | UNDO_ENDS    | -1",
            "{'status':'UNDONE','undo':{'status':'DONE'}}          | UNDO_ENDS    | 0",
            "{'status':'SUCCEEDED','undo':{'status':'FAILED'}}     | UNDO_ENDS    | 4",
            "{'status':'SUCCEEDED'}                                | UNDO_ENDS    | -1"})
    void shouldTellWhenAFollowedRefreshHasEnded(String json, Follower.Until until, int code) throws Exception {
        assertEquals(code, Follower.ended(Json.MAPPER.readTree(json.replace('\'', '"')), until));
    }
}
