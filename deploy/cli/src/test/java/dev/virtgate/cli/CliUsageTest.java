package dev.virtgate.cli;

import dev.virtgate.cli.config.Environment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Argument parsing and what reaches the terminal, without any service: usage errors exit 2. */
class CliUsageTest {
    @TempDir
    Path home;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void anUnknownSubCommandIsUsageAndExit2() {
        assertEquals(ExitCodes.USAGE, run("frobnicate"));
        assertTrue(err.toString().startsWith("virtgate: Unmatched argument at index 0: 'frobnicate'"), err.toString());
        assertTrue(err.toString().contains("Usage: virtgate"), err.toString());
    }

    @Test
    void anUnknownFlagIsUsageAndExit2() {
        assertEquals(ExitCodes.USAGE, run("hosts", "list", "--colour"));
        assertTrue(err.toString().contains("Unknown option: '--colour'"), err.toString());
        assertTrue(err.toString().contains("Usage: virtgate hosts list"), err.toString());
    }

    @Test
    void aNounWithoutVerbOrNothingAtAllIsUsageAndExit2() {
        assertEquals(ExitCodes.USAGE, run("hosts"));
        assertTrue(err.toString().contains("missing sub-command: one of list, show, register, decommission"));
        assertEquals(ExitCodes.USAGE, run());
    }

    @Test
    void aMissingArgumentOrABadValueIsUsage() {
        assertEquals(ExitCodes.USAGE, run("plan", "vm1", "kvm-a"));
        assertEquals(ExitCodes.USAGE, run("policy", "set", "c1", "SOMETIMES"));
        assertEquals(ExitCodes.USAGE, run("-o", "yaml", "hosts", "list"));
        assertEquals(ExitCodes.USAGE, run("audit", "--since", "yesterday"));
        assertEquals(ExitCodes.USAGE, run("policy", "set", "c1", "UPGRADE_WINDOW", "--window", "PT1H",
                "--window-expires-at", "2030-01-01T00:00:00Z"));
    }

    @Test
    void helpIsExit0() {
        assertEquals(ExitCodes.OK, run("--help"));
        assertTrue(out.toString().contains("migrations"));
        assertEquals(ExitCodes.OK, run("migrate", "--help"));
        assertTrue(out.toString().contains("--wait"));
    }

    @Test
    void aMissingTokenIsOneLineAndExit1WithoutAStackTrace() {
        assertEquals(ExitCodes.FAILED, run("hosts", "list"));
        assertEquals("virtgate: no token: pass --token, set VIRTGATE_TOKEN or put token=... in "
                + home.resolve(".config/virtgate/cli.conf") + " (mode 0600); get one with ./virtgate token operator "
                + "<name>\n", err.toString());
        assertEquals("", out.toString());
    }

    @Test
    void anUnreachableServiceIsOneLineAndExit1() {
        assertEquals(ExitCodes.FAILED, run("--token", "t", "--migration-url", "http://127.0.0.1:9", "hosts", "list"));
        assertEquals("virtgate: cannot reach migration-service at http://127.0.0.1:9 (is the stack up? ./virtgate "
                + "status)\n", err.toString());
        assertFalse(err.toString().contains("Exception"));
    }

    @Test
    void registerRefusesToOverwriteABundleFileBeforeAskingTheService() throws Exception {
        Path existing = java.nio.file.Files.writeString(home.resolve("kvm-a.enrollment.json"), "{}");
        assertEquals(ExitCodes.FAILED, run("--token", "t", "--migration-url", "http://127.0.0.1:9", "hosts", "register",
                "--cluster", "c1", "--fqdn", "kvm-a.example.org", "--management-address", "10.0.0.1", "--bundle-file",
                existing.toString()));
        assertEquals("virtgate: " + existing + " exists; nothing was registered (pass another --bundle-file)\n",
                err.toString());
        assertEquals("{}", java.nio.file.Files.readString(existing));
    }

    @Test
    void globalOptionsGoBeforeOrAfterTheSubCommand() {
        VirtgateCli before = new VirtgateCli(env(), false, Clock.systemUTC());
        VirtgateCli.commandLine(before).parseArgs("-o", "json", "hosts", "list");
        assertEquals(GlobalOptions.Format.json, before.output());
        VirtgateCli after = new VirtgateCli(env(), false, Clock.systemUTC());
        VirtgateCli.commandLine(after).parseArgs("hosts", "list", "-o", "json", "--token", "t");
        assertEquals(GlobalOptions.Format.json, after.output());
        assertEquals("t", after.token());
    }

    private int run(String... args) {
        return VirtgateCli.run(env(), false, new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    private Environment env() {
        return new Environment(Map.of(), home);
    }
}
