package org.libvirt;

import org.libvirt.jna.virError;

/** A LibvirtException as libvirt raises it, with the given message (its constructor is package-private). */
public final class LibvirtFailures {

    private LibvirtFailures() {
    }

    public static LibvirtException withMessage(String message) {
        virError error = new virError();
        error.code = Error.ErrorNumber.VIR_ERR_OPERATION_FAILED.ordinal();
        error.domain = Error.ErrorDomain.VIR_FROM_QEMU.ordinal();
        error.level = Error.ErrorLevel.VIR_ERR_ERROR.ordinal();
        error.message = message;
        return new LibvirtException(new Error(error));
    }
}
