package dev.virtgate.agent.libvirt;

import org.libvirt.Connect;
import org.libvirt.ConnectAuth;
import org.libvirt.LibvirtException;

/** Opens libvirt connections through libvirt-java (JNA over libvirt0). */
public final class LibvirtClient {

    /** Outcome of a connection attempt: whether it opened, and libvirt's error otherwise. */
    public record Attempt(boolean connected, String error) {
    }

    /**
     * Opens without a JNA auth callback: libvirt-java hands Java strings to libvirt as callback
     * results, which libvirt later frees (a crash) and which are null for refused prompts. Any
     * credential a connection needs comes from a libvirt auth file instead.
     */
    public static Connect open(String uri) throws LibvirtException {
        return new Connect(uri, null, 0);
    }

    /** Opens, runs one trivial RPC, closes; no auth callback at all (a client without credentials). */
    public static Attempt attempt(String uri) {
        return attempt(uri, null);
    }

    /**
     * Announces the SASL credential types (without them the SASL client finds "no worthy mechs")
     * but never answers a prompt: libvirt fills them from the auth file named by the URI before it
     * would call back. The JNA wrapper is bypassed, as it would hand libvirt Java-owned strings
     * that libvirt later frees.
     */
    public static ConnectAuth fromAuthFileOnly() {
        ConnectAuth auth = new ConnectAuth() {
            @Override
            public int callback(Credential[] creds) {
                return -1;
            }

            @Override
            public int authCallback(org.libvirt.jna.virConnectCredential cred, int ncred, com.sun.jna.Pointer cbdata) {
                return -1; // a credential missing from the auth file: refuse, write nothing
            }
        };
        auth.credType = new ConnectAuth.CredentialType[] {ConnectAuth.CredentialType.VIR_CRED_AUTHNAME,
                ConnectAuth.CredentialType.VIR_CRED_PASSPHRASE, ConnectAuth.CredentialType.VIR_CRED_REALM};
        return auth;
    }

    /** Appends libvirt's {@code authfile} URI parameter, so only that file supplies credentials. */
    public static String withAuthFile(String uri, java.nio.file.Path authFile) {
        return uri + (uri.contains("?") ? "&" : "?") + "authfile=" + authFile;
    }

    /** Opens, runs one trivial RPC (so authentication really completed), closes. */
    public static Attempt attempt(String uri, ConnectAuth auth) {
        Connect c = null;
        try {
            c = new Connect(uri, auth, 0);
            c.getLibVersion();
            return new Attempt(true, null);
        } catch (LibvirtException e) {
            return new Attempt(false, e.getError() != null ? e.getError().getMessage() : e.getMessage());
        } finally {
            closeQuietly(c);
        }
    }

    /** Closes a connection (null: nothing); a failure to close changes nothing for the caller. */
    public static void closeQuietly(Connect c) {
        if (c != null) {
            try {
                c.close();
            } catch (LibvirtException ignored) {
                // closing
            }
        }
    }

    public static String version(long v) {
        return (v / 1_000_000) + "." + (v / 1000 % 1000) + "." + (v % 1000);
    }

    private LibvirtClient() {
    }
}
