package org.gwlbinspect.appliance.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.NotNull;
import org.gwlbinspect.stateful.EncryptionHandling;

/** The {@code stateful} section: how the stateful engine treats what it inspects (docs/encrypted-tls.md). */
public class StatefulFactory {
    /**
     * {@code default} (Suricata 7's and so NFW's): once a TLS flow's encrypted records start, payload rules no longer
     * inspect it; {@code full}: they inspect the encrypted records too.
     */
    @NotNull
    private String encryptionHandling = EncryptionHandling.DEFAULT.label();

    @JsonProperty
    public String getEncryptionHandling() {
        return encryptionHandling;
    }

    @JsonProperty
    public void setEncryptionHandling(String encryptionHandling) {
        this.encryptionHandling = encryptionHandling;
    }

    /** The handling; a value other than {@code default} or {@code full} fails here with the key in the message. */
    public EncryptionHandling build() {
        return EncryptionHandling.ofLabel(encryptionHandling);
    }
}
