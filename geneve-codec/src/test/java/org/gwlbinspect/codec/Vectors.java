package org.gwlbinspect.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Golden vectors: UDP payloads (GENEVE header + inner packet) stored as commented hex under {@code vectors/} on the test
 * classpath, shared with the other modules through geneve-codec's test-jar.
 *
 * <p>File format: hex digits in pairs; whitespace is ignored and {@code #} starts a comment that runs to the end of the
 * line. By convention one protocol layer per line, each preceded by a comment naming its fields.
 */
public final class Vectors {
    /** Every GENEVE vector, relative to {@code vectors/}. */
    public static final List<String> GENEVE = List.of(
            "geneve/gwlb-ipv4-tcp-syn.hex",
            "geneve/gwlb-ipv4-tcp-ack-padded.hex",
            "geneve/gwlb-ipv4-udp.hex",
            "geneve/gwlb-ipv4-options.hex",
            "geneve/gwlb-ipv4-first-fragment.hex",
            "geneve/gwlb-ipv4-non-first-fragment.hex",
            "geneve/gwlb-ipv4-icmp-echo.hex",
            "geneve/gwlb-icmp4-error-quoting-udp.hex",
            "geneve/gwlb-ipv6-tcp.hex",
            "geneve/gwlb-ipv6-hop-by-hop-fragment.hex",
            "geneve/gwlb-icmp6-error-quoting-udp.hex",
            "geneve/gwlb-extra-option.hex",
            "geneve/gwlb-reordered-options.hex");

    private Vectors() {}

    /**
     * Loads a vector into a new heap buffer (reader index 0, writer index at the end).
     *
     * @param path relative to {@code vectors/}, for example {@code "geneve/gwlb-ipv4-tcp-syn.hex"}
     * @throws IllegalArgumentException if the resource is missing or is not well-formed hex
     */
    public static ByteBuf load(String path) {
        return Unpooled.wrappedBuffer(bytes(path));
    }

    /** Loads a vector as a byte array; see {@link #load(String)}. */
    public static byte[] bytes(String path) {
        String resource = "/vectors/" + path;
        try (InputStream in = Vectors.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no test vector " + resource + " on the classpath");
            }
            return parseHex(new String(in.readAllBytes(), StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new UncheckedIOException("reading test vector " + resource, e);
        }
    }

    /** Parses hex text: {@code #} comments to end of line and all whitespace are ignored. */
    public static byte[] parseHex(String text) {
        StringBuilder digits = new StringBuilder(text.length());
        boolean comment = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '#') {
                comment = true;
            } else if (c == '\n' || c == '\r') {
                comment = false;
            } else if (!comment && !Character.isWhitespace(c)) {
                if (Character.digit(c, 16) < 0) {
                    throw new IllegalArgumentException("not a hex digit: '" + c + "' at index " + i);
                }
                digits.append(c);
            }
        }
        if ((digits.length() & 1) != 0) {
            throw new IllegalArgumentException("odd number of hex digits: " + digits.length());
        }
        return ByteBufUtil.decodeHexDump(digits);
    }

    /** The readable bytes of {@code buf} as lowercase hex without separators (for assertion messages). */
    public static String hex(ByteBuf buf) {
        return ByteBufUtil.hexDump(buf);
    }
}
