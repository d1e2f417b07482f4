package org.gwlbinspect.detect.match;

import org.bytedeco.javacpp.BytePointer;

/**
 * A JavaCPP {@code BytePointer} re-pointed at the caller's native memory before each scan, so passing a packet to
 * Hyperscan allocates nothing. The generated JNI code reads {@code address + position} from the object's fields; this
 * view owns no memory and has no deallocator, so the garbage collector never frees what it points at.
 */
final class NativeBytes extends BytePointer {
    NativeBytes point(long address, int length) {
        this.address = address;
        this.position = 0;
        this.limit = length;
        this.capacity = length;
        return this;
    }
}
