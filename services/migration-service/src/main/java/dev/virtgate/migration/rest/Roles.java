package dev.virtgate.migration.rest;

/** JWT groups the API knows: operators change things, viewers only read. */
public final class Roles {
    public static final String OPERATOR = "operator";
    public static final String VIEWER = "viewer";

    private Roles() {
    }
}
