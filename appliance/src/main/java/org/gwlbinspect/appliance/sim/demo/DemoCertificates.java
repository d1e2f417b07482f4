package org.gwlbinspect.appliance.sim.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A throwaway certificate authority and one server certificate per demo name, made with the {@code openssl} CLI
 * (P-256 keys, valid two days). Clients trust {@link #caCertificate()} only, so a handshake that verifies proves
 * that the server chose the certificate for the SNI the client sent.
 */
public record DemoCertificates(Path caCertificate, Map<String, ServerCertificate> servers) {
    private static final Duration OPENSSL_LIMIT = Duration.ofSeconds(30);

    /** One name's certificate chain file (server certificate, then the CA) and its private key. */
    public record ServerCertificate(Path chain, Path key) {}

    public DemoCertificates {
        servers = Collections.unmodifiableMap(new LinkedHashMap<>(servers)); // keeps the order of the names
    }

    /** Creates the CA and a certificate for each of {@code names} in {@code dir} (which must exist). */
    public static DemoCertificates create(Path dir, List<String> names) throws IOException, InterruptedException {
        Path caKey = dir.resolve("demo-ca.key");
        Path caCert = dir.resolve("demo-ca.pem");
        Commands.runOrThrow(
                List.of(
                        "openssl",
                        "req",
                        "-x509",
                        "-newkey",
                        "ec",
                        "-pkeyopt",
                        "ec_paramgen_curve:P-256",
                        "-nodes",
                        "-days",
                        "2",
                        "-subj",
                        "/CN=gwlb-inspect demo CA",
                        "-keyout",
                        caKey.toString(),
                        "-out",
                        caCert.toString(),
                        "-addext",
                        "basicConstraints=critical,CA:TRUE",
                        "-addext",
                        "keyUsage=critical,keyCertSign,cRLSign"),
                OPENSSL_LIMIT);
        Map<String, ServerCertificate> servers = new LinkedHashMap<>();
        for (String name : names) {
            Path key = dir.resolve(name + ".key");
            Path cert = dir.resolve(name + ".pem");
            // openssl 3's `req -x509 -CA` signs with the CA directly: no CSR or extension file needed.
            Commands.runOrThrow(
                    List.of(
                            "openssl",
                            "req",
                            "-x509",
                            "-CA",
                            caCert.toString(),
                            "-CAkey",
                            caKey.toString(),
                            "-newkey",
                            "ec",
                            "-pkeyopt",
                            "ec_paramgen_curve:P-256",
                            "-nodes",
                            "-days",
                            "2",
                            "-subj",
                            "/CN=" + name,
                            "-addext",
                            "subjectAltName=DNS:" + name,
                            "-addext",
                            "basicConstraints=critical,CA:FALSE",
                            "-addext",
                            "extendedKeyUsage=serverAuth",
                            "-keyout",
                            key.toString(),
                            "-out",
                            cert.toString()),
                    OPENSSL_LIMIT);
            // nginx sends the whole file: with the CA appended, clients see the chain as a real server sends it.
            Path chain = dir.resolve(name + ".chain.pem");
            Files.writeString(chain, Files.readString(cert) + Files.readString(caCert));
            Files.delete(cert);
            servers.put(name, new ServerCertificate(chain, key));
        }
        return new DemoCertificates(caCert, servers);
    }
}
