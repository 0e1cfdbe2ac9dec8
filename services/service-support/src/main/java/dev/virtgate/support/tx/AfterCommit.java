package dev.virtgate.support.tx;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;

/**
 * Runs something once the current transaction has committed, and not at all if it rolls back:
 * what only a committed change may cause (an audit log line, a metric), never a half-done one.
 */
@ApplicationScoped
public class AfterCommit {
    @Inject
    TransactionSynchronizationRegistry transactions;

    /** Must be called inside a transaction. */
    public void run(Runnable action) {
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {
            }

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED) {
                    action.run();
                }
            }
        });
    }
}
