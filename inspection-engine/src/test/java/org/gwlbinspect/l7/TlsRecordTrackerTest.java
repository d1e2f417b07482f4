package org.gwlbinspect.l7;

import static org.assertj.core.api.Assertions.assertThat;
import static org.gwlbinspect.l7.TlsMessages.buf;
import static org.gwlbinspect.l7.TlsMessages.bytes;
import static org.gwlbinspect.l7.TlsMessages.concat;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TlsRecordTrackerTest {
    private final TlsRecordTracker tracker = new TlsRecordTracker();
    private long offset;

    private void feed(byte[] bytes) {
        tracker.feed(buf(bytes), 0, bytes.length, offset);
        offset += bytes.length;
    }

    private static byte[] record(int type, int length) {
        byte[] r = new byte[5 + length];
        r[0] = (byte) type;
        r[1] = 3;
        r[2] = 3;
        r[3] = (byte) (length >> 8);
        r[4] = (byte) length;
        for (int i = 5; i < r.length; i++) r[i] = (byte) (i * 7);
        return r;
    }

    @Test
    void marksTheApplicationDataRecordOnlyOnceItsLastByteArrived() {
        feed(record(22, 40)); // a handshake record: no application data
        assertThat(tracker.takeApplicationData()).isFalse();
        byte[] data = record(23, 100);
        feed(java.util.Arrays.copyOf(data, 104)); // header and 99 bytes of the body
        assertThat(tracker.takeApplicationData()).isFalse();
        feed(new byte[] {data[104]});
        assertThat(tracker.takeApplicationData()).isTrue();
        assertThat(tracker.takeApplicationData()).as("the mark is taken").isFalse();
        assertThat(tracker.records()).isEqualTo(2);
        assertThat(tracker.broken()).isFalse();
    }

    @Test
    void followsRecordsWhateverTheSegmentationHeadersSplitByteByByte() {
        byte[] stream = concat(record(22, 300), record(20, 1), record(22, 40), record(23, 17), record(23, 5));
        int applicationRecords = 0;
        for (byte b : stream) {
            feed(new byte[] {b});
            if (tracker.takeApplicationData()) applicationRecords++;
        }
        assertThat(applicationRecords).isEqualTo(2);
        assertThat(tracker.records()).isEqualTo(5);
        assertThat(tracker.broken()).isFalse();
    }

    @Test
    void anEmptyApplicationDataRecordIsAcceptedButIsNotEncryptedData() {
        feed(concat(record(22, 10), record(23, 0)));
        assertThat(tracker.broken()).isFalse();
        assertThat(tracker.takeApplicationData()).isFalse();
        feed(record(24, 3)); // heartbeat (RFC 6520)
        assertThat(tracker.broken()).isFalse();
    }

    static Stream<Arguments> brokenHeaders() {
        return Stream.of(
                Arguments.of(bytes('G', 'E', 'T', ' ', '/'), TlsMalformedReason.RECORD_TYPE_UNKNOWN),
                Arguments.of(bytes(0x80, 0x2e, 0x01, 0x03, 0x01), TlsMalformedReason.RECORD_TYPE_UNKNOWN), // SSLv2
                Arguments.of(bytes(23, 2, 0, 0, 1), TlsMalformedReason.RECORD_VERSION_INVALID),
                Arguments.of(bytes(23, 3, 5, 0, 1), TlsMalformedReason.RECORD_VERSION_INVALID),
                Arguments.of(bytes(23, 3, 3, 0x48, 0x01), TlsMalformedReason.RECORD_CIPHERTEXT_OVERFLOW),
                Arguments.of(bytes(22, 3, 3, 0, 0), TlsMalformedReason.RECORD_EMPTY),
                Arguments.of(bytes(20, 3, 3, 0, 0), TlsMalformedReason.RECORD_EMPTY));
    }

    @ParameterizedTest
    @MethodSource("brokenHeaders")
    void aHeaderThatIsNotTlsBreaksTheWalkForGood(byte[] header, TlsMalformedReason reason) {
        feed(record(22, 20));
        feed(header);
        assertThat(tracker.broken()).isTrue();
        assertThat(tracker.reason()).isEqualTo(reason);
        feed(record(23, 10)); // a valid application-data record after it no longer counts
        assertThat(tracker.takeApplicationData()).isFalse();
    }

    @Test
    void theLargestCiphertextRecordIsAccepted() {
        feed(record(23, (1 << 14) + 2048));
        assertThat(tracker.broken()).isFalse();
        assertThat(tracker.takeApplicationData()).isTrue();
    }

    @Test
    void bytesThatDoNotContinueTheStreamBreakTheWalk() {
        feed(record(22, 20));
        offset += 3; // three bytes never seen
        feed(record(23, 10));
        assertThat(tracker.reason()).isEqualTo(TlsMalformedReason.RECORD_STREAM_GAP);
        assertThat(tracker.takeApplicationData()).isFalse();
    }

    @Test
    void resetStartsAnewAtStreamOffsetZero() {
        feed(bytes('x', 'x', 'x', 'x', 'x'));
        assertThat(tracker.broken()).isTrue();
        tracker.reset();
        offset = 0;
        feed(record(23, 4));
        assertThat(tracker.broken()).isFalse();
        assertThat(tracker.takeApplicationData()).isTrue();
    }
}
