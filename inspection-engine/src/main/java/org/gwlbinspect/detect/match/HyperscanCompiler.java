package org.gwlbinspect.detect.match;

import static com.gliwka.hyperscan.jni.hyperscan.hs_compile_multi;
import static com.gliwka.hyperscan.jni.hyperscan.hs_database_size;
import static com.gliwka.hyperscan.jni.hyperscan.hs_expression_info;
import static com.gliwka.hyperscan.jni.hyperscan.hs_free_compile_error;
import static com.gliwka.hyperscan.jni.hyperscan.hs_stream_size;

import com.gliwka.hyperscan.jni.hs_compile_error_t;
import com.gliwka.hyperscan.jni.hs_database_t;
import com.gliwka.hyperscan.jni.hs_platform_info_t;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.SizeTPointer;

/**
 * The control-plane calls into Hyperscan's compiler through the JavaCPP bindings. Every output pointer is zeroed
 * before the call (stack.md: JavaCPP does not zero what it allocates, and Hyperscan reads some outputs as inputs).
 */
final class HyperscanCompiler {
    private static final int HS_SUCCESS = 0;

    private HyperscanCompiler() {}

    /** Result of {@link #compileMulti}: a database, or the compiler's message and the failing expression's index. */
    record Compiled(hs_database_t database, String error, int errorExpression) {}

    /**
     * {@code hs_compile_multi} over NUL-free expressions.
     *
     * @param ids the id Hyperscan reports for each expression
     */
    static Compiled compileMulti(byte[][] expressions, int[] flags, int[] ids, int mode) {
        int n = expressions.length;
        BytePointer[] strings = new BytePointer[n];
        try (PointerPointer<BytePointer> exprs = new PointerPointer<>(n);
                IntPointer flagsPtr = new IntPointer(flags);
                IntPointer idsPtr = new IntPointer(ids);
                PointerPointer<hs_database_t> db = new PointerPointer<hs_database_t>(1).zero();
                PointerPointer<hs_compile_error_t> error = new PointerPointer<hs_compile_error_t>(1).zero()) {
            for (int i = 0; i < n; i++) {
                strings[i] = cString(expressions[i]);
                exprs.put(i, strings[i]);
            }
            int rc = hs_compile_multi(exprs, flagsPtr, idsPtr, n, mode, (hs_platform_info_t) null, db, error);
            if (rc == HS_SUCCESS) return new Compiled(new hs_database_t(db.get(0)), null, -1);
            hs_compile_error_t e = new hs_compile_error_t(error.get(0));
            try {
                return new Compiled(null, e.message().getString(), e.expression());
            } finally {
                hs_free_compile_error(e);
            }
        } finally {
            for (BytePointer s : strings) if (s != null) s.close();
        }
    }

    /** Hyperscan's message when it cannot compile {@code expression} with {@code flags}, else null. */
    static String expressionError(byte[] expression, int flags) {
        try (BytePointer expr = cString(expression);
                PointerPointer<Pointer> info = new PointerPointer<>(1).zero();
                PointerPointer<hs_compile_error_t> error = new PointerPointer<hs_compile_error_t>(1).zero()) {
            int rc = hs_expression_info(expr, flags, info, error);
            if (rc == HS_SUCCESS) {
                Pointer.free(info.get(0)); // allocated with the misc allocator, plain malloc by default
                return null;
            }
            hs_compile_error_t e = new hs_compile_error_t(error.get(0));
            try {
                return e.message().getString();
            } finally {
                hs_free_compile_error(e);
            }
        }
    }

    /** Bytes of native memory one open stream of {@code streamDatabase} holds ({@code hs_stream_size}). */
    static long streamSize(hs_database_t streamDatabase) {
        try (SizeTPointer size = new SizeTPointer(1)) {
            check(hs_stream_size(streamDatabase, size), "hs_stream_size");
            return size.get();
        }
    }

    /** Bytes of native memory the database itself takes ({@code hs_database_size}). */
    static long databaseSize(hs_database_t database) {
        try (SizeTPointer size = new SizeTPointer(1)) {
            check(hs_database_size(database, size), "hs_database_size");
            return size.get();
        }
    }

    static void check(int rc, String call) {
        if (rc != HS_SUCCESS) throw new IllegalStateException(call + " failed with Hyperscan error " + rc);
    }

    private static BytePointer cString(byte[] bytes) {
        BytePointer s = new BytePointer(bytes.length + 1L);
        s.put(bytes, 0, bytes.length);
        s.put(bytes.length, (byte) 0);
        return s;
    }
}
