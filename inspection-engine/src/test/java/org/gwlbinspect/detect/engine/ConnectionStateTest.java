package org.gwlbinspect.detect.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ConnectionStateTest {
    private static final int TCP = 6;
    private static final int UDP = 17;
    private static final int SYN = 0x02;
    private static final int ACK = 0x10;
    private static final int SYN_ACK = 0x12;
    private static final int PSH_ACK = 0x18;
    private static final int FIN_ACK = 0x11;

    @Test
    void tcpIsEstablishedOnlyAfterTheThreeWayHandshake() {
        long s = ConnectionState.update(0, TCP, true, SYN);
        assertThat(ConnectionState.established(s)).isFalse();
        s = ConnectionState.update(s, TCP, false, SYN_ACK);
        assertThat(ConnectionState.established(s)).isFalse();
        s = ConnectionState.update(s, TCP, true, ACK);
        assertThat(ConnectionState.established(s)).isTrue();
        assertThat(ConnectionState.midstream(s)).isFalse();
    }

    @Test
    void anAckWithoutASynAckBeforeItDoesNotEstablish() {
        long s = ConnectionState.update(0, TCP, true, SYN);
        s = ConnectionState.update(s, TCP, true, ACK);
        assertThat(ConnectionState.established(s)).isFalse();
    }

    @Test
    void aFlowFirstSeenMidstreamCountsAsEstablishedAndIsMarked() {
        // GWLB failover or an expired flow: data without a handshake (policy.md §2.5, §2.8).
        long s = ConnectionState.update(0, TCP, true, PSH_ACK);
        assertThat(ConnectionState.established(s)).isTrue();
        assertThat(ConnectionState.midstream(s)).isTrue();
        long fromServer = ConnectionState.update(0, TCP, false, SYN_ACK);
        assertThat(ConnectionState.midstream(fromServer)).isTrue();
    }

    @Test
    void udpIsEstablishedOnceBothDirectionsWereSeen() {
        long s = ConnectionState.update(0, UDP, true, 0);
        assertThat(ConnectionState.established(s)).isFalse();
        s = ConnectionState.update(s, UDP, true, 0);
        assertThat(ConnectionState.established(s)).isFalse();
        s = ConnectionState.update(s, UDP, false, 0);
        assertThat(ConnectionState.established(s)).isTrue();
    }

    @Test
    void reportsTheFirstPacketOfEachDirectionForIpOnlyRules() {
        assertThat(ConnectionState.firstInDirection(0, true)).isTrue();
        long s = ConnectionState.update(0, TCP, true, SYN);
        assertThat(ConnectionState.firstInDirection(s, true)).isFalse();
        assertThat(ConnectionState.firstInDirection(s, false)).isTrue();
    }

    @Test
    void finOrRstMarksTheFlowClosing() {
        long s = ConnectionState.update(0, TCP, true, SYN);
        assertThat(ConnectionState.closing(s)).isFalse();
        s = ConnectionState.update(s, TCP, true, FIN_ACK);
        assertThat(ConnectionState.closing(s)).isTrue();
    }
}
