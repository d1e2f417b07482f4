/**
 * Reading the data path's Netty buffers without allocating: {@link org.gwlbinspect.buffer.ByteBufs#copy} replaces
 * {@code ByteBuf.getBytes(int, byte[], ...)} wherever bytes are copied out per packet (payload, L7 parsers, stream
 * reassembly), since Netty's own copy from a direct buffer allocates when {@code sun.misc.Unsafe} is off.
 */
package org.gwlbinspect.buffer;
