package dev.virtgate.testsupport;

import java.util.function.Supplier;

/**
 * Starting a real server can fail for reasons outside the test (a port taken by another process
 * between our check and the server's bind, a slow disk): one more attempt on fresh ports and a
 * fresh directory, and both causes reported if that fails too.
 */
final class StartRetry {

    private StartRetry() {
    }

    static <T> T once(String what, Supplier<T> launch) {
        try {
            return launch.get();
        } catch (RuntimeException first) {
            System.err.println("[virtgate test-support] " + what + " did not start (" + first.getMessage()
                    + "); one more attempt on fresh ports");
            try {
                return launch.get();
            } catch (RuntimeException second) {
                second.addSuppressed(first);
                throw second;
            }
        }
    }
}
