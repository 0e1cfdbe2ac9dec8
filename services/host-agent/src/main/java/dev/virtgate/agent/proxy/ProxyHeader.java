package dev.virtgate.agent.proxy;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What the source agent sends first inside the TLS stream: magic {@code VGP1} and the destination's
 * loopback port (2 bytes, big-endian) where QEMU waits for the incoming migration.
 */
public final class ProxyHeader {
    static final byte[] MAGIC = "VGP1".getBytes(StandardCharsets.US_ASCII);
    static final int LENGTH = MAGIC.length + 2;

    public static byte[] encode(int port) {
        return ByteBuffer.allocate(LENGTH).put(MAGIC).putShort((short) port).array();
    }

    public static void write(OutputStream out, int port) throws IOException {
        out.write(encode(port));
        out.flush();
    }

    /** The port the header names, refused unless it lies in {@code allowed}. */
    public static int read(InputStream in, LoopbackPorts allowed) throws IOException, ProxyRefused {
        byte[] header = new byte[LENGTH];
        try {
            new DataInputStream(in).readFully(header);
        } catch (EOFException e) {
            throw new ProxyRefused("stream ended before the header");
        }
        if (!Arrays.equals(Arrays.copyOf(header, MAGIC.length), MAGIC)) {
            throw new ProxyRefused("bad header magic");
        }
        int port = ByteBuffer.wrap(header, MAGIC.length, 2).getShort() & 0xffff;
        if (!allowed.contains(port)) {
            throw new ProxyRefused("header port " + port + " outside " + allowed.first() + "-" + allowed.last());
        }
        return port;
    }

    private ProxyHeader() {
    }
}
