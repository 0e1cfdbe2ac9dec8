package dev.virtgate.migration.service;

import org.jboss.logging.Logger;

/** Audit log lines (category {@code virtgate.audit}): who asked for what. Never carries secrets. */
public final class Audit {
    public static final String CATEGORY = "virtgate.audit";
    private static final Logger LOG = Logger.getLogger(CATEGORY);

    public static void info(String action, String who, String what) {
        LOG.infof("%s by=%s %s", action, who, what);
    }

    public static void warn(String action, String who, String what) {
        LOG.warnf("%s by=%s %s", action, who, what);
    }

    private Audit() {
    }
}
