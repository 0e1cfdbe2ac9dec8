package dev.virtgate.agent.proxy;

/** A proxied stream is refused; the message says why and never holds key material. */
public class ProxyRefused extends Exception {
    public ProxyRefused(String message) {
        super(message);
    }
}
