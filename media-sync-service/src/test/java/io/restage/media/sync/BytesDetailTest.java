package io.restage.media.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BytesDetailTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "0          | 0             | 0 B of 0 B copied",
            "512        | 2048          | 512 B of 2.0 KiB copied",
            "1572864    | 41943040      | 1.5 MiB of 40.0 MiB copied",
            "3221225472 | 10995116277760 | 3.0 GiB of 10.0 TiB copied"})
    void shouldSayHowManyBytesOfHowManyAreCopied(long done, long total, String expected) {
        assertEquals(expected, MediaSync.bytesDetail(done, total));
    }
}
