package dev.virtgate.pki.config;

import com.fasterxml.jackson.annotation.JsonValue;

/** Key types the CA may use in Transit; the value is Transit's own type name. */
public enum CaKeyType {
    ECDSA_P256("ecdsa-p256", "SHA256withECDSA"),
    ECDSA_P384("ecdsa-p384", "SHA256withECDSA"),
    RSA_3072("rsa-3072", "SHA256withRSA");

    private final String transitType;
    private final String signatureAlgorithm;

    CaKeyType(String transitType, String signatureAlgorithm) {
        this.transitType = transitType;
        this.signatureAlgorithm = signatureAlgorithm;
    }

    @JsonValue
    public String transitType() {
        return transitType;
    }

    /** JCA/BouncyCastle name: always SHA-256, the digest Transit receives prehashed. */
    public String signatureAlgorithm() {
        return signatureAlgorithm;
    }

    public boolean isRsa() {
        return this == RSA_3072;
    }

    /** Accepts "ecdsa-p256" as well as "ECDSA_P256" (config converters try valueOf first). */
    public static CaKeyType of(String value) {
        for (CaKeyType type : values()) {
            if (type.transitType.equalsIgnoreCase(value) || type.name().equalsIgnoreCase(value)) {
                return type;
            }
        }
        throw new IllegalArgumentException("unsupported CA key type " + value + " (ecdsa-p256, ecdsa-p384, rsa-3072)");
    }
}
