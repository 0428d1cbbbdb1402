package io.p2p4j.testkit;

import java.util.Arrays;

/**
 * Reads a fuzz input front to back as a script of small decisions. Jazzer's own
 * FuzzedDataProvider takes numbers from the end of the input, which makes seed files awkward to
 * write by hand; reading everything in order keeps a seed a plain sequence of choices and bytes
 * (see {@link FuzzSeeds}). Every read past the end yields zeros, so any input is a whole script.
 */
public final class FuzzScript {
    private final byte[] input;
    private int pos;

    public FuzzScript(byte[] input) {
        this.input = input;
    }

    /** True while unread bytes remain. */
    public boolean hasMore() {
        return pos < input.length;
    }

    /** Bytes not read yet. */
    public int remaining() {
        return input.length - pos;
    }

    /** The next byte, 0 to 255 (0 past the end). */
    public int u8() {
        return pos < input.length ? input[pos++] & 0xff : 0;
    }

    /** The next two bytes, big-endian, 0 to 65535. */
    public int u16() {
        return u8() << 8 | u8();
    }

    /** The next four bytes, big-endian. */
    public int i32() {
        return u16() << 16 | u16();
    }

    /** A choice in {@code [0, bound)} from one byte ({@code bound} at most 256). */
    public int pick(int bound) {
        return u8() % bound;
    }

    /** Up to {@code n} next bytes (fewer at the end of the input). */
    public byte[] take(int n) {
        int count = Math.max(0, Math.min(n, remaining()));
        byte[] out = Arrays.copyOfRange(input, pos, pos + count);
        pos += count;
        return out;
    }

    /** A length-prefixed piece: one length byte (or two when {@code wide}), then that many bytes. */
    public byte[] chunk(boolean wide) {
        return take(wide ? u16() : u8());
    }

    /** Everything left. */
    public byte[] rest() {
        return take(remaining());
    }
}
