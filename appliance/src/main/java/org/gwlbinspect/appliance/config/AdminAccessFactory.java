package org.gwlbinspect.appliance.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The {@code adminAccess} section: who may run the admin port's tasks ({@code POST /tasks/*}: reload-policy, log-level,
 * gc). Dropwizard's own {@code admin} key configures the admin servlets, hence another name.
 */
public class AdminAccessFactory {
    /** Shortest token accepted: 128 bits as hex, so nobody configures a guessable word. */
    static final int MIN_TOKEN_CHARS = 32;

    /** File holding the bearer token (one line); none = only loopback peers may run tasks. */
    private String tokenFile;

    /** Whether a peer on 127.0.0.0/8 or ::1 may run tasks without the token (the operator's shell, systemd). */
    private boolean allowLoopback = true;

    @JsonProperty
    public String getTokenFile() {
        return tokenFile;
    }

    @JsonProperty
    public void setTokenFile(String tokenFile) {
        this.tokenFile = tokenFile;
    }

    @JsonProperty
    public boolean isAllowLoopback() {
        return allowLoopback;
    }

    @JsonProperty
    public void setAllowLoopback(boolean allowLoopback) {
        this.allowLoopback = allowLoopback;
    }

    /** Reads the token file once, at startup: a missing, unreadable or short token stops startup with the key. */
    public AdminAccessConfig build() {
        if (tokenFile == null || tokenFile.isBlank()) return new AdminAccessConfig(null, allowLoopback);
        String token;
        try {
            token = Files.readString(Path.of(tokenFile), StandardCharsets.UTF_8).strip();
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("adminAccess.tokenFile " + tokenFile + " cannot be read: " + e, e);
        }
        if (token.length() < MIN_TOKEN_CHARS || token.chars().anyMatch(c -> c <= ' ' || c > '~'))
            throw new IllegalArgumentException(
                    "adminAccess.tokenFile " + tokenFile + " must hold one token of at least " + MIN_TOKEN_CHARS
                            + " printable ASCII characters without spaces (e.g. `openssl rand -hex 32`)");
        return new AdminAccessConfig(token, allowLoopback);
    }
}
