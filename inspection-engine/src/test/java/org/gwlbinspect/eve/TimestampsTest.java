package org.gwlbinspect.eve;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TimestampsTest {

    private static final DateTimeFormatter REFERENCE =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSxx").withZone(ZoneOffset.UTC);

    private static String iso(long micros) {
        byte[] out = new byte[Timestamps.ISO8601_MICROS_LENGTH];
        int end = Timestamps.formatIso8601Micros(micros, out, 0);
        assertThat(end).isEqualTo(Timestamps.ISO8601_MICROS_LENGTH);
        return new String(out, StandardCharsets.US_ASCII);
    }

    private static String seconds(long micros) {
        byte[] out = new byte[Timestamps.MAX_EPOCH_SECONDS_LENGTH];
        int end = Timestamps.formatEpochSeconds(micros, out, 0);
        return new String(out, 0, end, StandardCharsets.US_ASCII);
    }

    @ParameterizedTest
    @CsvSource({
        "1970-01-01T00:00:00Z, 1970-01-01T00:00:00.000000+0000",
        "1969-12-31T23:59:59.999999Z, 1969-12-31T23:59:59.999999+0000",
        "2021-09-09T08:48:08.126655Z, 2021-09-09T08:48:08.126655+0000",
        // leap years: divisible by 4, not by 100 unless by 400
        "2024-02-29T23:59:59.000001Z, 2024-02-29T23:59:59.000001+0000",
        "2024-03-01T00:00:00Z, 2024-03-01T00:00:00.000000+0000",
        "2000-02-29T12:00:00Z, 2000-02-29T12:00:00.000000+0000",
        "1900-03-01T00:00:00Z, 1900-03-01T00:00:00.000000+0000",
        "2100-02-28T23:59:59.999999Z, 2100-02-28T23:59:59.999999+0000",
        "2100-03-01T00:00:00Z, 2100-03-01T00:00:00.000000+0000",
        "2023-12-31T23:59:59.5Z, 2023-12-31T23:59:59.500000+0000",
        "9999-12-31T23:59:59.999999Z, 9999-12-31T23:59:59.999999+0000",
        "0000-01-01T00:00:00Z, 0000-01-01T00:00:00.000000+0000"
    })
    void formatsIso8601WithMicrosecondsAndUtcOffset(String instant, String expected) {
        assertThat(iso(EveExamples.micros(instant))).isEqualTo(expected);
    }

    @Test
    void agreesWithJavaTimeOverFourHundredYears() {
        SplittableRandom random = new SplittableRandom(42);
        long from = EveExamples.micros("1800-01-01T00:00:00Z");
        long to = EveExamples.micros("2200-01-01T00:00:00Z");
        for (int i = 0; i < 20_000; i++) {
            long micros = random.nextLong(from, to);
            Instant instant = Instant.EPOCH.plus(micros, ChronoUnit.MICROS);
            assertThat(iso(micros)).as("%d µs", micros).isEqualTo(REFERENCE.format(instant));
            assertThat(seconds(micros)).isEqualTo(Long.toString(instant.getEpochSecond()));
        }
    }

    @Test
    void clampsYearsOutsideFourDigits() {
        assertThat(iso(Long.MAX_VALUE)).isEqualTo("9999-12-31T23:59:59.999999+0000");
        assertThat(iso(Long.MIN_VALUE)).isEqualTo("0000-01-01T00:00:00.000000+0000");
    }

    @ParameterizedTest
    @CsvSource({
        "0, 0",
        "999999, 0",
        "1000000, 1",
        "-1, -1",
        "-1000000, -1",
        "-1000001, -2",
        "1631177288126655, 1631177288",
        "9223372036854775807, 9223372036854",
        "-9223372036854775808, -9223372036855"
    })
    void formatsEventTimestampAsWholeEpochSeconds(long micros, String expected) {
        assertThat(seconds(micros)).isEqualTo(expected);
    }
}
