package org.gwlbinspect.eve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class EveProducerTest {

    private final EveProducer producer = new EveProducer("worker-0", 4);

    private void publishAlert(long flowId) {
        EveRecord r = producer.claim(EveRecord.EventType.ALERT);
        assertThat(r).isNotNull();
        r.flowId(flowId);
        producer.publish();
    }

    @Test
    void dropsAndCountsRecordsWhenRingIsFull() {
        for (int i = 0; i < 4; i++) {
            publishAlert(i);
        }
        assertThat(producer.claim(EveRecord.EventType.ALERT)).isNull();
        assertThat(producer.claim(EveRecord.EventType.NETFLOW)).isNull();
        assertThat(producer.claim(EveRecord.EventType.NETFLOW)).isNull();
        assertThat(producer.lostRecords(EveRecord.EventType.ALERT)).isEqualTo(1);
        assertThat(producer.lostRecords(EveRecord.EventType.NETFLOW)).isEqualTo(2);
        assertThat(producer.backlog()).isEqualTo(4);
    }

    @Test
    void reusesSlotsOnceTheWriterDrainedThem() {
        List<Long> seen = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 4; i++) {
                publishAlert(round * 4L + i);
            }
            assertThat(producer.drainTo(r -> seen.add(r.flowId), 3)).isEqualTo(3);
            assertThat(producer.drainTo(r -> seen.add(r.flowId), 100)).isEqualTo(1);
        }
        assertThat(seen).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L);
        assertThat(producer.lostRecords(EveRecord.EventType.ALERT)).isZero();
    }

    @Test
    void resetsClaimedSlotSoNoFieldLeaksFromAnEarlierEvent() {
        EveRecord first = producer.claim(EveRecord.EventType.ALERT);
        first.resourceArn("arn").txId(3).sni(new byte[] {'a'}, 0, 1).verdict(EveRecord.VerdictAction.DROP);
        producer.publish();
        producer.drainTo(r -> {}, 1);
        for (int i = 0; i < 3; i++) {
            publishAlert(i);
        }
        producer.drainTo(r -> {}, 3);
        EveRecord again = producer.claim(EveRecord.EventType.NETFLOW);
        assertThat(again).isSameAs(first);
        assertThat(again.type()).isEqualTo(EveRecord.EventType.NETFLOW);
        assertThat(again.resourceArn).isNull();
        assertThat(again.txId).isEqualTo(EveRecord.ABSENT);
        assertThat(again.tls).isFalse();
        assertThat(again.verdict).isEqualTo(EveRecord.VerdictAction.NONE);
    }

    @Test
    void truncatesLongUrlToItsBoundAndCountsIt() {
        EveRecord r = producer.claim(EveRecord.EventType.ALERT);
        byte[] url = new byte[EveRecord.MAX_HTTP_URL + 100];
        url[EveRecord.MAX_HTTP_URL - 1] = 'x';
        r.httpUrl(url, 0, url.length);
        producer.publish();
        assertThat(r.httpUrlLength).isEqualTo(EveRecord.MAX_HTTP_URL);
        assertThat(r.httpUrl[EveRecord.MAX_HTTP_URL - 1]).isEqualTo((byte) 'x');
        assertThat(producer.truncatedFields()).isEqualTo(1);
    }

    @Test
    void refusesPublishWithoutClaim() {
        assertThatThrownBy(producer::publish).isInstanceOf(IllegalStateException.class);
        for (int i = 0; i < 4; i++) {
            publishAlert(i);
        }
        assertThat(producer.claim(EveRecord.EventType.ALERT)).isNull();
        assertThatThrownBy(producer::publish).isInstanceOf(IllegalStateException.class);
        assertThat(producer.backlog()).isEqualTo(4);
    }
}
