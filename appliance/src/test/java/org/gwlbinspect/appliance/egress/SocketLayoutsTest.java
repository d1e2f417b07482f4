package org.gwlbinspect.appliance.egress;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SocketLayoutsTest {

    @Test
    void iovecMatchesGlibcOn64BitLinux() {
        assertThat(SocketLayouts.IOVEC.byteSize()).isEqualTo(16);
        assertThat(SocketLayouts.IOV_BASE).isEqualTo(0);
        assertThat(SocketLayouts.IOV_LEN).isEqualTo(8);
    }

    @Test
    void msghdrIsFiftySixBytesWithPaddingAfterNameLength() {
        assertThat(SocketLayouts.MSGHDR.byteSize()).isEqualTo(56);
        assertThat(SocketLayouts.MSG_NAME).isEqualTo(0);
        assertThat(SocketLayouts.MSG_NAMELEN).isEqualTo(8);
        assertThat(SocketLayouts.MSG_IOV).isEqualTo(16);
        assertThat(SocketLayouts.MSG_IOVLEN).isEqualTo(24);
        assertThat(SocketLayouts.MSG_CONTROL).isEqualTo(32);
        assertThat(SocketLayouts.MSG_CONTROLLEN).isEqualTo(40);
        assertThat(SocketLayouts.MSG_FLAGS).isEqualTo(48);
    }

    @Test
    void mmsghdrIsSixtyFourBytesWithMessageLengthAfterHeader() {
        assertThat(SocketLayouts.MMSGHDR.byteSize()).isEqualTo(64);
        assertThat(SocketLayouts.MMSGHDR.byteAlignment()).isEqualTo(8);
        assertThat(SocketLayouts.MSG_LEN).isEqualTo(56);
    }

    @Test
    void sockaddrInIsSixteenBytes() {
        assertThat(SocketLayouts.SOCKADDR_IN.byteSize()).isEqualTo(16);
        assertThat(SocketLayouts.SIN_FAMILY).isEqualTo(0);
        assertThat(SocketLayouts.SIN_PORT).isEqualTo(2);
        assertThat(SocketLayouts.SIN_ADDR).isEqualTo(4);
    }

    @Test
    void namesErrnoValues() {
        assertThat(Errno.name(Errno.EPERM)).isEqualTo("EPERM");
        assertThat(Errno.name(Errno.EMSGSIZE)).isEqualTo("EMSGSIZE");
        assertThat(Errno.name(Errno.ENETUNREACH)).isEqualTo("ENETUNREACH");
        assertThat(Errno.name(4095)).isEqualTo("errno 4095");
        assertThat(Libc.strerror(Errno.EPERM)).isEqualTo("Operation not permitted");
    }
}
