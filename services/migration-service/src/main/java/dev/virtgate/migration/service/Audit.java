package dev.virtgate.migration.service;

import org.jboss.logging.Logger;

/** Audit log lines (category {@code virtgate.audit}): who asked for what. Never carries secrets. */
public final class Audit {
    public static final String CATEGORY = "virtgate.audit";
    private static final Logger LOG = Logger.getLogger(CATEGORY);

    public static void info(String action, String who, String what) {
        LOG.info(action + " by=" + who + " " + what);
    }

    public static void warn(String action, String who, String what) {
        LOG.warn(action + " by=" + who + " " + what);
    }

    private Audit() {
    }
}
