package dev.virtgate.contracts.events;

/** One self-probe result, such as {@code unauthenticated-tcp-refused}. */
public record PostureCheck(String name, CheckStatus status, String detail) {
}
