package org.gwlbinspect.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class StreamConfigTest {

    @Test
    void defaultsAreValidAndMatchSuricataDepth() {
        StreamConfig config = StreamConfig.defaults();

        assertThat(config.depthBytes()).isEqualTo(1 << 20);
        assertThat(config.maxBufferedBytes()).isEqualTo(64 * 1024);
        assertThat(config.maxBufferedSegments()).isEqualTo(32);
    }

    @Test
    void rejectsChunkSizeThatIsNotAPowerOfTwo() {
        assertThatThrownBy(() -> new StreamConfig(16, 1000, 64, 0, 4096, 8, 8192, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("stream.chunkSizeBytes");
    }

    @Test
    void rejectsWindowThatCannotHoldTheBufferedBytes() {
        assertThatThrownBy(() -> new StreamConfig(16, 256, 64, 0, 16_384, 8, 8192, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("stream.windowBytes");
    }

    @Test
    void rejectsMemcapOfTwoGibibytesOrMore() {
        assertThatThrownBy(() -> new StreamConfig(16, 1 << 20, 2048, 0, 4096, 8, 1 << 20, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("stream.chunkCount");
    }

    @Test
    void rejectsMoreStreamsThanHandlesCanAddress() {
        assertThatThrownBy(() -> new StreamConfig(1 << 23, 256, 64, 0, 4096, 8, 8192, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("stream.capacityStreams");
    }
}
