package dev.virtgate.support.audit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a resource method as an audited operator action, so that a request refused before the
 * method runs (403 for the caller's role, a body that does not parse or breaks a constraint, a
 * parameter refused by a filter) is recorded as refused by the problem mappers. The method records
 * what happens once it runs itself (AuditRecorder.accepted in its transaction, AuditRecorder.attempt).
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
public @interface AuditedAction {

    /** One of {@link AuditActions}. */
    String value();

    /** The path parameter naming what is acted on, if any. */
    String target() default "";

    /** The target is a host id (recorded as the row's host too). */
    boolean targetIsHost() default false;

    /** The target is a cluster id (recorded as the row's cluster too). */
    boolean targetIsCluster() default false;
}
