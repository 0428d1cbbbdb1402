package io.p2p4j.pex;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.p2p4j.proto.NetAddressProto;
import io.p2p4j.proto.PexAddrs;
import io.p2p4j.proto.PexMessage;
import io.p2p4j.proto.PexRequest;
import java.io.IOException;

/**
 * Reading a PEX message off the wire at a cost bounded by its size. Protobuf's own parser builds
 * an object per address (an empty one is 2 bytes on the wire and about a hundred on the heap) and
 * keeps every unknown field as objects of its own, so a peer could make us allocate fifty times
 * what it sent. Here a list is counted on the raw bytes first ({@link #countAddresses}), and only
 * a list within the limit is decoded ({@link #decode}), by hand, skipping unknown fields.
 *
 * <p>The decoding keeps protobuf's rules, so the result equals {@code PexMessage.parseFrom}'s
 * but for unknown fields: repeated occurrences of {@code pex_addrs} merge, the last field of the
 * oneof wins, the last value of a scalar field wins, strings must be valid UTF-8.
 */
final class PexWire {
    private static final int REQUEST_TAG = tag(PexMessage.PEX_REQUEST_FIELD_NUMBER);
    private static final int ADDRS_TAG = tag(PexMessage.PEX_ADDRS_FIELD_NUMBER);
    private static final int ADDR_TAG = tag(PexAddrs.ADDRS_FIELD_NUMBER);
    private static final int ID_TAG = tag(NetAddressProto.ID_FIELD_NUMBER);
    private static final int IP_TAG = tag(NetAddressProto.IP_FIELD_NUMBER);
    private static final int PORT_TAG = NetAddressProto.PORT_FIELD_NUMBER << 3 | WireFormat.WIRETYPE_VARINT;

    private PexWire() {}

    private static int tag(int lengthDelimitedField) {
        return lengthDelimitedField << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;
    }

    /**
     * The addresses a decoded message would hold: the entries of every {@code pex_addrs} in it
     * (all occurrences count, since protobuf merges them), found by skipping over the bytes
     * without building anything.
     *
     * @throws InvalidProtocolBufferException if the bytes are no well-formed protobuf
     */
    static int countAddresses(byte[] message) throws InvalidProtocolBufferException {
        try {
            CodedInputStream in = CodedInputStream.newInstance(message);
            int count = 0;
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                if (tag != ADDRS_TAG) {
                    skip(in, tag);
                    continue;
                }
                int outer = enter(in, message.length);
                while (!in.isAtEnd()) {
                    int inner = in.readTag();
                    if (inner == ADDR_TAG) {
                        count++;
                    }
                    skip(in, inner);
                }
                in.popLimit(outer);
            }
            return count;
        } catch (InvalidProtocolBufferException e) {
            throw e;
        } catch (IOException e) { // reading a byte array cannot fail otherwise, but the API says it may
            throw new InvalidProtocolBufferException(e);
        }
    }

    /** Decodes a message whose address count was checked, skipping unknown fields instead of keeping them. */
    static PexMessage decode(byte[] message) throws InvalidProtocolBufferException {
        try {
            CodedInputStream in = CodedInputStream.newInstance(message);
            PexAddrs.Builder addrs = null;
            boolean request = false;
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                if (tag == REQUEST_TAG) {
                    skipMessage(in, message.length); // PexRequest has no fields
                    request = true;
                } else if (tag == ADDRS_TAG) {
                    if (request || addrs == null) {
                        addrs = PexAddrs.newBuilder(); // a oneof field replaces the other one
                    }
                    request = false;
                    int outer = enter(in, message.length);
                    while (!in.isAtEnd()) {
                        int inner = in.readTag();
                        if (inner == ADDR_TAG) {
                            addrs.addAddrs(address(in, message.length));
                        } else {
                            skip(in, inner);
                        }
                    }
                    in.popLimit(outer);
                } else {
                    skip(in, tag);
                }
            }
            if (request) {
                return PexMessage.newBuilder().setPexRequest(PexRequest.getDefaultInstance()).build();
            }
            return addrs == null ? PexMessage.getDefaultInstance() : PexMessage.newBuilder().setPexAddrs(addrs).build();
        } catch (InvalidProtocolBufferException e) {
            throw e;
        } catch (IOException e) {
            throw new InvalidProtocolBufferException(e);
        }
    }

    private static NetAddressProto address(CodedInputStream in, int size) throws IOException {
        NetAddressProto.Builder address = NetAddressProto.newBuilder();
        int outer = enter(in, size);
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            if (tag == ID_TAG) {
                address.setId(in.readStringRequireUtf8());
            } else if (tag == IP_TAG) {
                address.setIp(in.readStringRequireUtf8());
            } else if (tag == PORT_TAG) {
                address.setPort(in.readUInt32());
            } else {
                skip(in, tag);
            }
        }
        in.popLimit(outer);
        return address.build();
    }

    /**
     * Reads a length prefix and limits reading to it; returns the limit to restore. A nested
     * limit past its parent's is refused by {@code pushLimit}; one past the end of the bytes is
     * not (the outermost limit is open), hence the check against what is left.
     */
    private static int enter(CodedInputStream in, int size) throws IOException {
        int length = in.readRawVarint32();
        if (length < 0 || length > size - in.getTotalBytesRead()) {
            throw new InvalidProtocolBufferException("a field of " + length + " bytes runs past the end of the "
                    + size + "-byte message");
        }
        return in.pushLimit(length);
    }

    private static void skipMessage(CodedInputStream in, int size) throws IOException {
        int outer = enter(in, size);
        while (!in.isAtEnd()) {
            skip(in, in.readTag());
        }
        in.popLimit(outer);
    }

    private static void skip(CodedInputStream in, int tag) throws IOException {
        if (!in.skipField(tag)) {
            throw new InvalidProtocolBufferException("end of a group that never began");
        }
    }

    /** CometBFT v0.38's metrics name for a PEX request: the Go type {@code p2p.PexRequest}. */
    static final String REQUEST_TYPE = "p2p_PexRequest";
    /** CometBFT v0.38's metrics name for a PEX address list: the Go type {@code p2p.PexAddrs}. */
    static final String ADDRS_TYPE = "p2p_PexAddrs";

    /**
     * The type CometBFT v0.38 names a PEX message by in its metrics: that of the field of the
     * oneof the message holds, the last one when it has both; null when it has neither, or when
     * its fields cannot be told apart at the top level (a field running past the end, a group, a
     * oneof field not length-delimited), since CometBFT counts only the messages it decodes. Only
     * the top level is looked at, nothing is allocated: this runs for every PEX message.
     */
    static String messageType(byte[] message) {
        String type = null;
        int pos = 0;
        while (pos < message.length) {
            long tag = varint(message, pos);
            if (tag == -1) {
                return null;
            }
            int field = (int) (tag >>> 35);
            int wireType = (int) (tag >>> 32) & 7;
            long end = switch (wireType) {
                case WireFormat.WIRETYPE_VARINT -> {
                    long value = varint(message, (int) tag);
                    yield value == -1 ? -1 : value & 0xffffffffL;
                }
                case WireFormat.WIRETYPE_FIXED64 -> (int) tag + 8L;
                case WireFormat.WIRETYPE_FIXED32 -> (int) tag + 4L;
                case WireFormat.WIRETYPE_LENGTH_DELIMITED -> {
                    long length = varint(message, (int) tag);
                    yield length == -1 ? -1 : (length & 0xffffffffL) + (length >>> 32);
                }
                default -> -1; // groups, which PEX messages never hold
            };
            if (end == -1 || end > message.length) {
                return null;
            }
            pos = (int) end;
            if (field == PexMessage.PEX_REQUEST_FIELD_NUMBER || field == PexMessage.PEX_ADDRS_FIELD_NUMBER) {
                if (wireType != WireFormat.WIRETYPE_LENGTH_DELIMITED) {
                    return null;
                }
                type = field == PexMessage.PEX_REQUEST_FIELD_NUMBER ? REQUEST_TYPE : ADDRS_TYPE;
            }
        }
        return type;
    }

    /**
     * The varint at {@code pos}: the low 32 bits of its value in the high half of the result and
     * the position after it in the low half, or -1 if it runs past the end or is longer than 10 bytes.
     */
    private static long varint(byte[] bytes, int pos) {
        long value = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (pos >= bytes.length) {
                return -1;
            }
            byte b = bytes[pos++];
            if (shift < 32) {
                value |= (long) (b & 0x7f) << shift;
            }
            if (b >= 0) {
                return (value & 0xffffffffL) << 32 | pos;
            }
        }
        return -1;
    }
}
