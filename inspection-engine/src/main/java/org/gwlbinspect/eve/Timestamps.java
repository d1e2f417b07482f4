package org.gwlbinspect.eve;

/**
 * Allocation-free text forms of epoch-microsecond timestamps for EVE records, written as ASCII into a caller's byte
 * array: Suricata's ISO 8601 form with microseconds and a numeric UTC offset ({@code 2021-09-09T08:48:08.126655+0000})
 * and NFW's {@code event_timestamp} (whole epoch seconds).
 */
public final class Timestamps {

    /** Length of {@link #formatIso8601Micros} output for years 0000-9999. */
    public static final int ISO8601_MICROS_LENGTH = 31;

    /** Longest {@link #formatEpochSeconds} output: a negative 13-digit second count. */
    public static final int MAX_EPOCH_SECONDS_LENGTH = 20;

    private static final long MICROS_PER_SECOND = 1_000_000L;
    private static final long SECONDS_PER_DAY = 86_400L;

    /** 0000-01-01T00:00:00 and 9999-12-31T23:59:59.999999 in epoch microseconds: four-digit years only. */
    public static final long MIN_MICROS = -62_167_219_200L * MICROS_PER_SECOND;

    public static final long MAX_MICROS = 253_402_300_800L * MICROS_PER_SECOND - 1;

    private Timestamps() {}

    /**
     * Writes {@code yyyy-MM-ddTHH:mm:ss.SSSSSS+0000}; values outside {@link #MIN_MICROS}..{@link #MAX_MICROS} are
     * clamped so the output keeps its fixed length.
     *
     * @return the offset after the last byte written
     */
    public static int formatIso8601Micros(long epochMicros, byte[] dst, int offset) {
        long micros = Math.clamp(epochMicros, MIN_MICROS, MAX_MICROS);
        long seconds = Math.floorDiv(micros, MICROS_PER_SECOND);
        int fraction = (int) Math.floorMod(micros, MICROS_PER_SECOND);
        long days = Math.floorDiv(seconds, SECONDS_PER_DAY);
        int secondOfDay = (int) Math.floorMod(seconds, SECONDS_PER_DAY);

        // Civil date from days since 1970-01-01 (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms"):
        // count in 400-year eras starting on 0000-03-01 so the leap day is the last day of a year.
        long z = days + 719_468;
        long era = Math.floorDiv(z, 146_097);
        int dayOfEra = (int) (z - era * 146_097);
        int yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        int dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        int monthIndex = (5 * dayOfYear + 2) / 153; // 0 = March
        int day = dayOfYear - (153 * monthIndex + 2) / 5 + 1;
        int month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
        int year = (int) (yearOfEra + era * 400) + (month <= 2 ? 1 : 0);

        int pos = offset;
        pos = digits(year, 4, dst, pos);
        dst[pos++] = '-';
        pos = digits(month, 2, dst, pos);
        dst[pos++] = '-';
        pos = digits(day, 2, dst, pos);
        dst[pos++] = 'T';
        pos = digits(secondOfDay / 3600, 2, dst, pos);
        dst[pos++] = ':';
        pos = digits(secondOfDay / 60 % 60, 2, dst, pos);
        dst[pos++] = ':';
        pos = digits(secondOfDay % 60, 2, dst, pos);
        dst[pos++] = '.';
        pos = digits(fraction, 6, dst, pos);
        dst[pos++] = '+';
        dst[pos++] = '0';
        dst[pos++] = '0';
        dst[pos++] = '0';
        dst[pos++] = '0';
        return pos;
    }

    /**
     * Writes the whole epoch seconds of {@code epochMicros} in decimal (floor, so {@code -1} µs is second -1).
     *
     * @return the offset after the last byte written
     */
    public static int formatEpochSeconds(long epochMicros, byte[] dst, int offset) {
        long seconds = Math.floorDiv(epochMicros, MICROS_PER_SECOND);
        int pos = offset;
        if (seconds < 0) {
            dst[pos++] = '-';
            seconds = -seconds; // |Long.MIN_VALUE / 10^6| fits in a long
        }
        int length = 1;
        for (long rest = seconds / 10; rest != 0; rest /= 10) {
            length++;
        }
        for (int i = pos + length - 1; i >= pos; i--) {
            dst[i] = (byte) ('0' + seconds % 10);
            seconds /= 10;
        }
        return pos + length;
    }

    private static int digits(int value, int width, byte[] dst, int pos) {
        for (int i = pos + width - 1; i >= pos; i--) {
            dst[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        return pos + width;
    }
}
