package io.p2p4j.crypto;

import java.nio.charset.StandardCharsets;

/**
 * The part of STROBE-128/1600 (v1.0.2) that Merlin transcripts need: AD, meta-AD, KEY and PRF,
 * each optionally continuing the previous operation. No Java library offers it; this follows
 * the STROBE specification and is checked against the StrobeGo test vectors. Not thread-safe.
 */
final class Strobe128 {
    static final int RATE = 166;
    private static final int FLAG_I = 1;
    private static final int FLAG_A = 1 << 1;
    private static final int FLAG_C = 1 << 2;
    private static final int FLAG_T = 1 << 3;
    private static final int FLAG_M = 1 << 4;

    private final byte[] state = new byte[200];
    private int pos;
    private int posBegin;
    private int curFlags;

    /** A STROBE-128 instance initialised with this customisation string (meta-AD'd at once). */
    Strobe128(String customization) {
        byte[] prefix = {1, (byte) (RATE + 2), 1, 0, 1, 96};
        System.arraycopy(prefix, 0, state, 0, prefix.length);
        byte[] version = "STROBEv1.0.2".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(version, 0, state, prefix.length, version.length);
        KeccakF1600.permute(state);
        metaAd(customization.getBytes(StandardCharsets.US_ASCII), false);
    }

    void metaAd(byte[] data, boolean more) {
        beginOp(FLAG_M | FLAG_A, more);
        absorb(data);
    }

    void ad(byte[] data, boolean more) {
        beginOp(FLAG_A, more);
        absorb(data);
    }

    void key(byte[] data, boolean more) {
        beginOp(FLAG_A | FLAG_C, more);
        overwrite(data);
    }

    void prf(byte[] out, boolean more) {
        beginOp(FLAG_I | FLAG_A | FLAG_C, more);
        squeeze(out);
    }

    /** A copy of the 200-byte state, for tests. */
    byte[] state() {
        return state.clone();
    }

    private void beginOp(int flags, boolean more) {
        if (more) {
            if (flags != curFlags) {
                throw new IllegalStateException("a continued STROBE operation must keep its flags");
            }
            return;
        }
        if ((flags & FLAG_T) != 0) {
            throw new IllegalArgumentException("transport operations are not supported");
        }
        int oldBegin = posBegin;
        posBegin = pos + 1;
        curFlags = flags;
        absorb(new byte[] {(byte) oldBegin, (byte) flags});
        if ((flags & FLAG_C) != 0 && pos != 0) {
            runF();
        }
    }

    private void absorb(byte[] data) {
        for (byte b : data) {
            state[pos] ^= b;
            if (++pos == RATE) {
                runF();
            }
        }
    }

    private void overwrite(byte[] data) {
        for (byte b : data) {
            state[pos] = b;
            if (++pos == RATE) {
                runF();
            }
        }
    }

    private void squeeze(byte[] out) {
        for (int i = 0; i < out.length; i++) {
            out[i] = state[pos];
            state[pos] = 0;
            if (++pos == RATE) {
                runF();
            }
        }
    }

    private void runF() {
        state[pos] ^= (byte) posBegin;
        state[pos + 1] ^= 0x04;
        state[RATE + 1] ^= (byte) 0x80;
        KeccakF1600.permute(state);
        pos = 0;
        posBegin = 0;
    }
}
