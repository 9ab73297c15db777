/**
 * VMBus ring buffers: {@link dev.celadon.vmbus.ring.RingBuffer} is one direction of a channel over its pages
 * of the ring GPADL, laid out as Linux 6.1 lays it out ({@code struct hv_ring_buffer}), with the producer's and
 * the consumer's signalling rules. Whatever the other side writes into the shared header or the packet
 * descriptors is validated; a violation is a {@link dev.celadon.vmbus.ring.RingBufferException} naming it.
 */
@org.osgi.annotation.versioning.Version("1.1.0")
package dev.celadon.vmbus.ring;
