package dev.virtgate.agent.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Copies two sockets into each other until both directions ended: 256 KiB buffers, one thread per
 * direction. The end of one direction is passed on as a half-close (FIN, or TLS close_notify) so the
 * other direction goes on; a failure in either aborts both. Closes both sockets when done.
 */
public final class StreamPump {
    static final int BUFFER = 256 * 1024;

    /** Bytes carried each way: {@code forward} from a to b, {@code backward} from b to a. */
    public record Result(long forward, long backward, boolean failed) {
    }

    public static Result run(Socket a, Socket b, String name) {
        AtomicLong forward = new AtomicLong();
        boolean[] forwardFailed = new boolean[1];
        Thread t = new Thread(() -> forwardFailed[0] = !copy(a, b, forward), name + "-out");
        t.setDaemon(true);
        t.start();
        AtomicLong backward = new AtomicLong();
        boolean backwardFailed = !copy(b, a, backward);
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(a);
            closeQuietly(b);
        }
        closeQuietly(a);
        closeQuietly(b);
        return new Result(forward.get(), backward.get(), forwardFailed[0] || backwardFailed);
    }

    /** True when the source ended cleanly and the end was passed on. */
    private static boolean copy(Socket from, Socket to, AtomicLong count) {
        byte[] buffer = new byte[BUFFER];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                count.addAndGet(n);
            }
            out.flush();
            to.shutdownOutput();
            return true;
        } catch (IOException e) {
            closeQuietly(from); // the other direction cannot go on either
            closeQuietly(to);
            return false;
        }
    }

    public static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing
            }
        }
    }

    private StreamPump() {
    }
}
