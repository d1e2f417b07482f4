package org.gwlbinspect.l7;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/** Builds TLS handshake bytes for tests: by hand, and from the JDK's own SSLEngine without any network. */
public final class TlsMessages {
    private TlsMessages() {}

    /** A ClientHello as the JDK's TLS client sends it, for {@code sni} and the given protocols ("TLSv1.3", ...). */
    public static byte[] javaClientHello(String sni, String... protocols) throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, null, null);
        SSLEngine client = context.createSSLEngine(sni, 443);
        client.setUseClientMode(true);
        SSLParameters parameters = client.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(sni)));
        parameters.setProtocols(protocols);
        client.setSSLParameters(parameters);
        ByteBuffer out = ByteBuffer.allocate(client.getSession().getPacketBufferSize());
        client.wrap(ByteBuffer.allocate(0), out);
        out.flip();
        byte[] bytes = new byte[out.remaining()];
        out.get(bytes);
        return bytes;
    }

    /**
     * Everything a JDK TLS 1.2 server sends after the JDK client's ClientHello (ServerHello, Certificate,
     * ServerKeyExchange, ServerHelloDone), with {@code keyStore} holding the server's key and certificate.
     */
    public static byte[] javaServerFlight(KeyStore keyStore, char[] password, String protocol) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keyStore, password);
        SSLContext serverContext = SSLContext.getInstance("TLS");
        serverContext.init(kmf.getKeyManagers(), null, null);
        SSLEngine server = serverContext.createSSLEngine();
        server.setUseClientMode(false);
        server.setEnabledProtocols(new String[] {protocol});

        SSLContext clientContext = SSLContext.getInstance("TLS");
        clientContext.init(null, new TrustManager[] {new TrustingManager()}, null);
        SSLEngine client = clientContext.createSSLEngine("server.test", 443);
        client.setUseClientMode(true);
        client.setEnabledProtocols(new String[] {protocol});

        int size = 64 * 1024;
        ByteBuffer clientOut = ByteBuffer.allocate(size);
        client.wrap(ByteBuffer.allocate(0), clientOut);
        clientOut.flip();
        ByteBuffer app = ByteBuffer.allocate(size);
        server.unwrap(clientOut, app);
        runTasks(server);
        ByteArrayOutputStream flight = new ByteArrayOutputStream();
        for (int i = 0; i < 8 && server.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_WRAP; i++) {
            ByteBuffer serverOut = ByteBuffer.allocate(size);
            server.wrap(ByteBuffer.allocate(0), serverOut);
            runTasks(server);
            serverOut.flip();
            flight.write(serverOut.array(), 0, serverOut.limit());
        }
        return flight.toByteArray();
    }

    /**
     * A PKCS12 key store in {@code dir} holding a self-signed EC key and certificate for {@code distinguishedName},
     * made by the JDK's keytool as an operator would make one (alias {@code server}).
     */
    public static KeyStore selfSignedKeyStore(Path dir, String distinguishedName, char[] password) throws Exception {
        Path store = dir.resolve("server-" + System.nanoTime() + ".p12");
        Process keytool = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "keytool")
                                .toString(),
                        "-genkeypair",
                        "-alias",
                        "server",
                        "-keyalg",
                        "EC",
                        "-groupname",
                        "secp256r1",
                        "-dname",
                        distinguishedName,
                        "-validity",
                        "30",
                        "-keystore",
                        store.toString(),
                        "-storetype",
                        "PKCS12",
                        "-storepass",
                        new String(password))
                .redirectErrorStream(true)
                .start();
        String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + output);
        }
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            keyStore.load(in, password);
        }
        return keyStore;
    }

    private static void runTasks(SSLEngine engine) {
        for (Runnable task = engine.getDelegatedTask(); task != null; task = engine.getDelegatedTask()) {
            task.run();
        }
    }

    /** Accepts any server certificate: the test only needs the bytes the server sends. */
    private static final class TrustingManager implements X509TrustManager {
        @Override
        public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType) {}

        @Override
        public java.security.cert.X509Certificate[] getAcceptedIssuers() {
            return new java.security.cert.X509Certificate[0];
        }
    }

    /** Wraps a handshake byte stream in TLS records of at most {@code fragment} bytes. */
    static byte[] records(int contentType, int version, byte[] payload, int fragment) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int p = 0; p < payload.length; p += fragment) {
            int n = Math.min(fragment, payload.length - p);
            out.write(contentType);
            out.write(version >> 8);
            out.write(version);
            out.write(n >> 8);
            out.write(n);
            out.write(payload, p, n);
        }
        return out.toByteArray();
    }

    static byte[] handshakeRecord(byte[] handshake) {
        return records(22, 0x0301, handshake, 16384);
    }

    static ByteBuf buf(byte[] bytes) {
        return Unpooled.wrappedBuffer(bytes);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    static byte[] u16(int v) {
        return new byte[] {(byte) (v >> 8), (byte) v};
    }

    static byte[] u24(int v) {
        return new byte[] {(byte) (v >> 16), (byte) (v >> 8), (byte) v};
    }

    static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    /** type(2) length(2) data. */
    static byte[] extension(int type, byte[] data) {
        return concat(u16(type), u16(data.length), data);
    }

    /** server_name extension with one host_name entry. */
    static byte[] sniExtension(String host) {
        byte[] name = host.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] entry = concat(bytes(0), u16(name.length), name);
        return extension(0, concat(u16(entry.length), entry));
    }

    /** A hand-built ClientHello, fields public so a test can break exactly one. */
    static final class ClientHelloBuilder {
        int handshakeType = 1;
        int legacyVersion = 0x0303;
        byte[] sessionId = new byte[32];
        byte[] cipherSuites = concat(u16(0x1301), u16(0xC02F));
        byte[] compressionMethods = bytes(0);
        byte[] extensions = sniExtension("www.example.com");
        boolean withExtensionsBlock = true;
        Integer extensionsLengthOverride;

        byte[] handshake() {
            byte[] body = concat(
                    u16(legacyVersion),
                    new byte[32],
                    bytes(sessionId.length),
                    sessionId,
                    u16(cipherSuites.length),
                    cipherSuites,
                    bytes(compressionMethods.length),
                    compressionMethods);
            if (withExtensionsBlock) {
                int length = extensionsLengthOverride != null ? extensionsLengthOverride : extensions.length;
                body = concat(body, u16(length), extensions);
            }
            return concat(bytes(handshakeType), u24(body.length), body);
        }

        byte[] record() {
            return handshakeRecord(handshake());
        }
    }
}
