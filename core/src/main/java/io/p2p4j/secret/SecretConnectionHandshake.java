package io.p2p4j.secret;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.p2p4j.crypto.Ed25519Keys;
import io.p2p4j.identity.Ed25519Signer;
import io.p2p4j.crypto.FrameCipher;
import io.p2p4j.crypto.X25519Keys;
import io.p2p4j.internal.HandshakeStage;
import io.p2p4j.internal.Varint;
import io.p2p4j.proto.AuthSigMessage;
import io.p2p4j.proto.PublicKey;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.crypto.AEADBadTagException;

/**
 * The SecretConnection handshake, as CometBFT v0.38 does it, as a Netty handler. Add it to an
 * active channel; it then:
 * <ol>
 * <li>sends its ephemeral X25519 key (35 bytes: a delimited {@code BytesValue}) and reads the
 *     peer's, accepting exactly that shape and refusing it at its first wrong byte, and refusing
 *     our own key sent back;</li>
 * <li>computes the shared secret (refusing a low-order key before anything is signed), orders
 *     the two ephemeral keys, derives the challenge from a Merlin transcript and the two frame
 *     keys by HKDF-SHA256;</li>
 * <li>sends, in the first sealed frame, its long-term key and signature over the challenge, and
 *     reads and verifies the peer's (Ed25519 only, not of small order, a 64-byte signature that
 *     verifies), refusing a length prefix over {@link #MAX_AUTH_MESSAGE} bytes without
 *     buffering it;</li>
 * <li>replaces itself with a {@link FrameSealer} and a {@link FrameOpener}, completes
 *     {@link #result()} with the peer's authenticated key, passes on any bytes that followed the
 *     auth frame, and fires the result as a user event. The next stage should already be in the
 *     pipeline behind this handler, so that those bytes reach it: add it first and this handler
 *     before it, since adding this handler starts the handshake, and on a transport that reads
 *     at once (Netty's in-memory channels) it can finish before a later {@code addLast}.</li>
 * </ol>
 * The key agreement with signing, and the verification, run on a small pool of threads of their
 * own (up to one per core, shared by the process, ending when idle) rather than on the event
 * loop, which also carries established peers; the handshake waits for each and reads on meanwhile. Everything must finish within the timeout
 * (CometBFT allows 3 s). Any failure fails the result
 * with a {@link SecretConnectionException} and closes the channel. Writes before completion fail.
 */
public final class SecretConnectionHandshake extends HandshakeStage<SecretConnectionInfo, SecretConnectionException> {
    /** The largest AuthSigMessage accepted: an ed25519 one is 102 bytes. */
    public static final int MAX_AUTH_MESSAGE = 128;
    private static final int EPHEMERAL_MESSAGE = 35;
    private static final byte[] EPHEMERAL_PREFIX = {0x22, 0x0a, 0x20};
    static final String TRANSCRIPT_LABEL = "TENDERMINT_SECRET_CONNECTION_TRANSCRIPT_HASH";
    static final String HKDF_INFO = "TENDERMINT_SECRET_CONNECTION_KEY_AND_CHALLENGE_GEN";

    /** Name prefix of the {@link #CRYPTO_THREADS}. */
    static final String CRYPTO_THREAD_NAME = "p2p4j-handshake-crypto-";
    /** How long a crypto thread with no handshake work waits for some before it ends. */
    static final Duration CRYPTO_THREAD_IDLE = Duration.ofSeconds(2);

    /**
     * Where key agreement, signing and verification run, so that peers looping handshakes do not
     * take the event loops from established peers: up to one daemon thread per core, started as
     * work comes and ended after {@link #CRYPTO_THREAD_IDLE} without any, so that none is left
     * once transports close (or a standalone handshake ends). The pool is one for the process,
     * not one per transport: the work is bounded by the cores whatever the number of transports
     * (many nodes in one process share it, as they may share event loops), a handshake built
     * without a transport needs it too, and no transport's close can refuse another's work. Each
     * handshake has at most one task here at a time, so the queue is bounded by the handshakes in
     * progress (the transport caps the inbound ones), and a task whose handshake has ended
     * meanwhile (closed, timed out, pushed out by a newer connection) is skipped.
     */
    private static final Executor CRYPTO_THREADS = cryptoThreads();

    /** Ephemeral key pairs kept ready, made on the {@link #CRYPTO_THREADS}. */
    static final int EPHEMERAL_KEYS_READY = 32;

    /**
     * Ephemeral key pairs made ahead on the {@link #CRYPTO_THREADS}, one for the process like them:
     * a handshake takes one as it starts and sends its key at once, with no hand-off; when none is
     * ready it makes its own there, as it did before there was a supply.
     */
    private static final EphemeralKeySupply EPHEMERAL_KEYS = new EphemeralKeySupply(EPHEMERAL_KEYS_READY, CRYPTO_THREADS);

    private static ThreadPoolExecutor cryptoThreads() {
        int threads = Runtime.getRuntime().availableProcessors();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, CRYPTO_THREAD_IDLE.toMillis(),
                TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
                Thread.ofPlatform().daemon().name(CRYPTO_THREAD_NAME, 0).factory());
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    private final Ed25519Signer identity;
    private final Duration timeout;
    private final Executor crypto;
    /** Where our key pair comes from when none was given; null when one was. */
    private final EphemeralKeySupply ephemeralKeys;
    /** Given, taken from {@link #ephemeralKeys} or made on {@link #crypto} as the handshake starts. */
    private byte[] ephemeralPrivate;
    private byte[] ephemeralPublic;
    private final SetupEmptyFrames emptyFrames = new SetupEmptyFrames();
    private ByteBuf authPlain;
    private boolean started;
    /** Bytes of the ephemeral key message's prefix found right so far. */
    private int prefixChecked;
    /** A step runs on {@link #crypto}: bytes that arrive meanwhile wait in {@link #held()}. */
    private boolean cryptoRunning;
    private HandshakeKeys keys;
    private FrameCipher sendCipher;
    private FrameCipher recvCipher;
    private byte[] plainScratch;
    private byte[] sealedScratch;

    /** A handshake with a fresh ephemeral key. */
    public SecretConnectionHandshake(Ed25519Signer identity, Duration timeout) {
        this(identity, timeout, EPHEMERAL_KEYS, CRYPTO_THREADS);
    }

    /** A handshake whose key pair comes from {@code ephemeralKeys} (or {@code crypto} when it has none ready). */
    SecretConnectionHandshake(Ed25519Signer identity, Duration timeout, EphemeralKeySupply ephemeralKeys,
            Executor crypto) {
        this(identity, timeout, null, ephemeralKeys, crypto);
    }

    /**
     * A handshake with a given ephemeral private scalar, its cryptography on the event loop: for
     * reproducing test vectors only.
     */
    SecretConnectionHandshake(Ed25519Signer identity, Duration timeout, byte[] ephemeralPrivate) {
        this(identity, timeout, ephemeralPrivate, Runnable::run);
    }

    /** A handshake whose key agreement, signing and verification run on {@code crypto}. */
    SecretConnectionHandshake(Ed25519Signer identity, Duration timeout, byte[] ephemeralPrivate, Executor crypto) {
        this(identity, timeout, ephemeralPrivate.clone(), null, crypto);
    }

    private SecretConnectionHandshake(Ed25519Signer identity, Duration timeout, byte[] ephemeralPrivate,
            EphemeralKeySupply ephemeralKeys, Executor crypto) {
        super("handshake", EPHEMERAL_MESSAGE + FrameCipher.SEALED_SIZE);
        this.identity = identity;
        this.timeout = timeout;
        this.crypto = crypto;
        this.ephemeralPrivate = ephemeralPrivate;
        this.ephemeralKeys = ephemeralKeys;
    }

    /** Completes with the peer's authenticated key, or fails with the reason. */
    @Override
    public CompletableFuture<SecretConnectionInfo> result() {
        return super.result();
    }

    /**
     * Adds a handshake at the end of an active channel's pipeline (on its event loop) and returns
     * its result. Nothing is behind it: for when the peer sends nothing after the handshake until
     * told to (bytes that come before a next stage is added are lost).
     */
    public static CompletableFuture<SecretConnectionInfo> secure(io.netty.channel.Channel channel,
            Ed25519Signer identity, Duration timeout) {
        SecretConnectionHandshake handshake = new SecretConnectionHandshake(identity, timeout);
        channel.eventLoop().execute(() -> channel.pipeline().addLast("secret-handshake", handshake));
        return handshake.result();
    }

    @Override
    protected SecretConnectionException failure(String message, Throwable cause) {
        return new SecretConnectionException(message, cause);
    }

    @Override
    protected void added(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start(ctx);
        ctx.fireChannelActive();
    }

    private void start(ChannelHandlerContext ctx) {
        if (started) {
            return;
        }
        started = true;
        startDeadline(ctx, timeout);
        // our key pair is never made on the event loop: a connection pushed out of a full
        // pending-handshake table before its turn costs the node nothing but the accept (and a
        // pair from the supply). Made ahead, it goes out at once; else it is made off the event
        // loop and the peer's bytes wait until it is (a read may deliver them at once, in memory)
        EphemeralKeySupply.KeyPair ready = ephemeralKeys == null ? null : ephemeralKeys.take();
        if (ready != null) {
            ephemeralPrivate = ready.privateKey();
            sendEphemeral(ctx, ready.publicKey());
        } else {
            byte[] given = ephemeralPrivate;
            offload(ctx, given == null ? EphemeralKeySupply.KeyPair::generate
                    : () -> new EphemeralKeySupply.KeyPair(given, X25519Keys.publicKey(given)), pair -> {
                ephemeralPrivate = pair.privateKey();
                sendEphemeral(ctx, pair.publicKey());
            });
        }
        ctx.channel().config().setAutoRead(true);
        ctx.read();
    }

    private void sendEphemeral(ChannelHandlerContext ctx, byte[] key) {
        ephemeralPublic = key;
        ByteBuf message = ctx.alloc().buffer(EPHEMERAL_MESSAGE);
        message.writeBytes(EPHEMERAL_PREFIX).writeBytes(key);
        send(ctx, message, "the ephemeral key");
    }

    /**
     * Tells the SecretConnection in {@code pipeline}, if there is one, that the connection is set
     * up (the NodeInfo exchange is done): frames without data stop counting against the few
     * tolerated before, as the receive rate limit counts them from then on. Event loop only.
     */
    public static void connectionSetUp(ChannelPipeline pipeline) {
        FrameOpener opener = pipeline.get(FrameOpener.class);
        if (opener != null) {
            opener.connectionSetUp();
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        io.netty.util.ReferenceCountUtil.release(msg);
        promise.setFailure(new IllegalStateException("the SecretConnection handshake has not completed"));
    }

    @Override
    protected void bytesArrived(ChannelHandlerContext ctx, ByteBuf held) {
        if (!cryptoRunning) {
            process(ctx);
        }
    }

    /** Goes as far as the bytes received allow, up to the next step that runs on {@link #crypto}. */
    private void process(ChannelHandlerContext ctx) {
        if (result().isDone()) {
            return; // ended, or complete: the buffers are gone
        }
        ByteBuf inbound = held();
        try {
            if (keys == null) {
                checkEphemeralPrefix(inbound);
            }
            if (keys == null && inbound.readableBytes() >= EPHEMERAL_MESSAGE) {
                exchangeKeys(ctx, inbound);
            }
            if (keys != null) {
                readAuth(ctx, inbound);
            }
            if (!result().isDone()) {
                // keep only the part of a frame still arriving: a peer that sends frames without
                // finishing its auth message must not make this buffer grow read after read
                inbound.discardReadBytes();
            }
        } catch (SecretConnectionException e) {
            fail(ctx, e);
        }
    }

    /**
     * Checks the bytes of the ephemeral key message's fixed prefix that have arrived so far, so
     * that a wrong one is refused at once rather than when the timeout fires: the only message
     * accepted is a 34-byte {@code BytesValue} (length prefix 0x22) whose field 1 (tag 0x0a)
     * holds 32 bytes (0x20).
     */
    private void checkEphemeralPrefix(ByteBuf inbound) throws SecretConnectionException {
        int available = Math.min(EPHEMERAL_PREFIX.length, inbound.readableBytes());
        for (; prefixChecked < available; prefixChecked++) {
            int got = inbound.getUnsignedByte(inbound.readerIndex() + prefixChecked);
            if (got != EPHEMERAL_PREFIX[prefixChecked]) {
                throw new SecretConnectionException("malformed ephemeral key message: "
                        + describeWrongPrefixByte(prefixChecked, got));
            }
        }
    }

    private static String describeWrongPrefixByte(int index, int got) {
        String size = (got & 0x80) != 0 ? "more than 127" : Integer.toString(got);
        return switch (index) {
            case 0 -> "length prefix says " + size + " bytes, expected 34 (a BytesValue of 32 bytes)";
            case 1 -> String.format("not a BytesValue: field tag 0x%02x where 0x0a (field 1, bytes) belongs", got);
            default -> "a BytesValue of " + size + " bytes, expected 32";
        };
    }

    /** Work for {@link #crypto}. */
    @FunctionalInterface
    private interface CryptoStep<T> {
        T run() throws SecretConnectionException;
    }

    /** What to do with a crypto step's result, back on the event loop. */
    @FunctionalInterface
    private interface Continuation<T> {
        void accept(T value) throws SecretConnectionException;
    }

    /**
     * Runs {@code step} on {@link #crypto} and {@code then} with its result on the event loop,
     * unless the handshake ended meanwhile (failed, timed out, closed); then processes whatever
     * bytes arrived in between.
     */
    private <T> void offload(ChannelHandlerContext ctx, CryptoStep<T> step, Continuation<T> then) {
        cryptoRunning = true;
        crypto.execute(() -> {
            if (result().isDone()) {
                return; // the handshake ended meanwhile: nothing to compute for it
            }
            Object outcome;
            try {
                outcome = step.run();
            } catch (SecretConnectionException | RuntimeException e) {
                outcome = e;
            }
            Object done = outcome;
            Runnable resume = () -> {
                cryptoRunning = false;
                if (result().isDone()) {
                    return;
                }
                try {
                    if (done instanceof SecretConnectionException e) {
                        throw e;
                    }
                    if (done instanceof RuntimeException e) {
                        throw new SecretConnectionException("handshake failed: " + e, e);
                    }
                    @SuppressWarnings("unchecked")
                    T value = (T) done;
                    then.accept(value);
                } catch (SecretConnectionException e) {
                    fail(ctx, e);
                    return;
                }
                process(ctx);
            };
            if (ctx.executor().inEventLoop()) {
                resume.run();
            } else {
                ctx.executor().execute(resume);
            }
        });
    }

    /** The keys of this connection and our signature over its challenge. */
    private record Signed(HandshakeKeys keys, byte[] signature) { }

    private void exchangeKeys(ChannelHandlerContext ctx, ByteBuf inbound) throws SecretConnectionException {
        inbound.skipBytes(EPHEMERAL_PREFIX.length); // checked as it arrived
        byte[] remoteEphemeral = new byte[EPHEMERAL_MESSAGE - EPHEMERAL_PREFIX.length];
        inbound.readBytes(remoteEphemeral);
        if (java.util.Arrays.equals(remoteEphemeral, ephemeralPublic)) {
            // our own key sent back: a reflecting peer, which can never complete the handshake
            throw new SecretConnectionException("remote ephemeral key equals ours");
        }
        byte[] ourPrivate = ephemeralPrivate;
        byte[] ourPublic = ephemeralPublic;
        offload(ctx, () -> {
            HandshakeKeys derived;
            try {
                derived = HandshakeKeys.derive(ourPrivate, ourPublic, remoteEphemeral);
            } catch (X25519Keys.LowOrderPointException e) {
                throw new SecretConnectionException("low-order point: the peer's ephemeral key "
                        + HexFormat.of().formatHex(remoteEphemeral) + " gives an all-zero shared secret", e);
            }
            return new Signed(derived, identity.sign(derived.challenge()));
        }, signed -> sendAuth(ctx, signed));
    }

    private void sendAuth(ChannelHandlerContext ctx, Signed signed) throws SecretConnectionException {
        keys = signed.keys();
        sendCipher = FrameCipher.sealing(keys.sendKey());
        recvCipher = FrameCipher.opening(keys.recvKey());
        plainScratch = new byte[FrameCipher.PLAIN_SIZE];
        sealedScratch = new byte[FrameCipher.SEALED_SIZE];
        authPlain = ctx.alloc().heapBuffer(MAX_AUTH_MESSAGE + 2);

        AuthSigMessage auth = AuthSigMessage.newBuilder()
                .setPubKey(PublicKey.newBuilder().setEd25519(ByteString.copyFrom(identity.publicKey())))
                .setSig(ByteString.copyFrom(signed.signature()))
                .build();
        byte[] encoded = auth.toByteArray();
        java.util.Arrays.fill(plainScratch, (byte) 0);
        // the frame's data: the message, delimited, after the 4-byte little-endian data length
        ByteBuf delimited = Unpooled.wrappedBuffer(plainScratch).writerIndex(4);
        Varint.write(delimited, encoded.length);
        delimited.writeBytes(encoded);
        plainScratch[0] = (byte) (delimited.writerIndex() - 4); // a short message: one byte of the length
        ByteBuf frame = ctx.alloc().heapBuffer(FrameCipher.SEALED_SIZE);
        try {
            sendCipher.seal(plainScratch, 0, sealedScratch, 0);
        } catch (FrameCipher.NonceOverflowException e) {
            frame.release();
            throw new SecretConnectionException("nonce overflow", e);
        }
        frame.writeBytes(sealedScratch);
        send(ctx, frame, "the auth signature");
    }

    private void readAuth(ChannelHandlerContext ctx, ByteBuf inbound) throws SecretConnectionException {
        while (!result().isDone() && !cryptoRunning && inbound.readableBytes() >= FrameCipher.SEALED_SIZE) {
            inbound.readBytes(sealedScratch);
            try {
                recvCipher.open(sealedScratch, 0, plainScratch, 0);
            } catch (AEADBadTagException e) {
                throw new SecretConnectionException("frame authentication failed (auth signature frame)", e);
            } catch (FrameCipher.NonceOverflowException e) {
                throw new SecretConnectionException("nonce overflow", e);
            }
            long length = (plainScratch[0] & 0xffL) | (plainScratch[1] & 0xffL) << 8 | (plainScratch[2] & 0xffL) << 16
                    | (plainScratch[3] & 0xffL) << 24;
            if (length > FrameCipher.DATA_MAX) {
                throw new SecretConnectionException("frame length " + length + " > " + FrameCipher.DATA_MAX);
            }
            emptyFrames.frame(length);
            if (authPlain.readableBytes() + length > MAX_AUTH_MESSAGE + 5 + FrameCipher.DATA_MAX) {
                throw new SecretConnectionException("auth signature message too long");
            }
            authPlain.ensureWritable((int) length);
            authPlain.writeBytes(plainScratch, 4, (int) length);
            AuthSigMessage auth = tryParseAuth();
            if (auth != null) {
                verify(ctx, auth);
            }
        }
    }

    /** Parses the delimited AuthSigMessage once all of it has arrived; null until then. */
    private AuthSigMessage tryParseAuth() throws SecretConnectionException {
        int start = authPlain.readerIndex();
        long length = Varint.read(authPlain);
        if (length == Varint.TRUNCATED) {
            return null;
        }
        if (length == Varint.MALFORMED) {
            throw new SecretConnectionException("auth signature message length prefix is malformed");
        }
        if (length > MAX_AUTH_MESSAGE) {
            throw new SecretConnectionException("auth signature message of " + length + " bytes over the maximum of "
                    + MAX_AUTH_MESSAGE);
        }
        if (authPlain.readableBytes() < length) {
            authPlain.readerIndex(start); // the prefix again, once the rest has come
            return null;
        }
        try {
            return AuthSigMessage.parseFrom(authPlain.nioBuffer(authPlain.readerIndex(), (int) length));
        } catch (InvalidProtocolBufferException e) {
            throw new SecretConnectionException("undecodable auth signature message: " + e.getMessage(), e);
        } finally {
            authPlain.skipBytes((int) length);
        }
    }

    private void verify(ChannelHandlerContext ctx, AuthSigMessage auth) throws SecretConnectionException {
        if (!auth.hasPubKey() || auth.getPubKey().getSumCase() == PublicKey.SumCase.SUM_NOT_SET) {
            throw new SecretConnectionException("auth signature message has no public key");
        }
        if (auth.getPubKey().getSumCase() != PublicKey.SumCase.ED25519) {
            throw new SecretConnectionException("expected an ed25519 public key, got " + auth.getPubKey().getSumCase());
        }
        byte[] remoteKey = auth.getPubKey().getEd25519().toByteArray();
        if (remoteKey.length != 32) {
            throw new SecretConnectionException("ed25519 public key of " + remoteKey.length + " bytes, expected 32");
        }
        byte[] signature = auth.getSig().toByteArray();
        byte[] challenge = keys.challenge();
        offload(ctx, () -> {
            // decoded once, for the check and the verification both
            Ed25519Keys.Identity peer = Ed25519Keys.acceptableIdentity(remoteKey);
            if (peer == null) {
                throw new SecretConnectionException("public key " + HexFormat.of().formatHex(remoteKey)
                        + " is not a usable ed25519 key (small order, or no point at all)");
            }
            if (signature.length != 64) {
                throw new SecretConnectionException("signature of " + signature.length + " bytes, expected 64");
            }
            if (!peer.verifies(challenge, signature)) {
                throw new SecretConnectionException("signature does not verify for key " + HexFormat.of().formatHex(remoteKey));
            }
            return remoteKey;
        }, key -> complete(ctx, key));
    }

    /**
     * Puts the frame sealer and opener after this handler and leaves: the result completes, then
     * the data that shared the auth frame (Go never sends any) and the frames that came early go
     * on through the opener, in the order they came.
     */
    private void complete(ChannelHandlerContext ctx, byte[] remoteKey) {
        ChannelPipeline pipeline = ctx.pipeline();
        FrameOpener opener = new FrameOpener(recvCipher, emptyFrames);
        pipeline.addAfter(ctx.name(), "secret-opener", opener);
        pipeline.addAfter(ctx.name(), "secret-sealer", new FrameSealer(sendCipher));
        ChannelHandlerContext openerCtx = pipeline.context(opener);
        SecretConnectionInfo info = new SecretConnectionInfo(remoteKey);
        succeed(info);
        if (authPlain.isReadable()) {
            openerCtx.fireChannelRead(authPlain.retainedSlice());
        }
        leave(ctx); // the frames held go into the opener
        openerCtx.fireUserEventTriggered(info);
    }

    @Override
    protected void removed() {
        if (authPlain != null) {
            authPlain.release();
            authPlain = null;
        }
    }
}
