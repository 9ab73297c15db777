package dev.celadon.enlightenment.stimer.internal;

import dev.celadon.hypervisor.api.hyperv.HvMessageType;
import dev.celadon.hypervisor.api.hyperv.SynicMessage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The payload of an HVMSG_TIMER_EXPIRED message (0x80000010; Linux's struct hv_timer_message_payload): u32 timer
 * index @0, u32 reserved @4, u64 expiration time @8, u64 delivery time @16, both in reference time.
 */
final class TimerExpiredMessage {

    static final int SIZE = 24;
    static final int TIMER_INDEX_OFFSET = 0, EXPIRATION_OFFSET = 8, DELIVERY_OFFSET = 16;

    private TimerExpiredMessage() {
    }

    static SynicMessage of(int timer, long expiration, long delivery) {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(TIMER_INDEX_OFFSET, timer);
        b.putLong(EXPIRATION_OFFSET, expiration);
        b.putLong(DELIVERY_OFFSET, delivery);
        return new SynicMessage(HvMessageType.TIMER_EXPIRED, 0, b.array());
    }
}
