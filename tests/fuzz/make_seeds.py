#!/usr/bin/env python3
"""make_seeds.py - writes the seed corpora in tests/fuzz/corpus/<target>/.

Run from the repository root when the formats change; the files are
committed.  Layout of inputs for the targets built on fake.h: a knobs
byte, a chunk-count byte (n % 8), n chunk sizes, then the stream."""
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
MAGIC = 0x49504C31
ECHO, HELLO, SINK, ERROR, BYE = 2, 1, 3, 4, 5
F_CRC, F_REPLY, F_NOACK = 1, 2, 4


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def msg(op, seq=1, payload=b"", flags=0, crc=None, version=1, magic=MAGIC, length=None):
    if flags & F_CRC and crc is None:
        crc = crc32c(payload)
    return struct.pack(">IBBHQII", magic, version, op, flags, seq,
                       len(payload) if length is None else length, crc or 0) + payload


def fake(stream, knobs=11, chunks=()):
    return bytes([knobs, len(chunks)]) + bytes(chunks) + stream


def rm(rec, frag=0):
    """record-marks rec, in fragments of frag bytes (0: one fragment)"""
    if not frag:
        return struct.pack(">I", 0x80000000 | len(rec)) + rec
    out = b""
    for i in range(0, max(len(rec), 1), frag):
        part = rec[i:i + frag]
        last = i + frag >= len(rec)
        out += struct.pack(">I", (0x80000000 if last else 0) | len(part)) + part
    return out


def xdr_opaque(b):
    return struct.pack(">I", len(b)) + b + b"\0" * (-len(b) % 4)


PROG, VERS = 0x2049504C, 1


def call(xid, proc, args=b"", rpcvers=2, prog=PROG, vers=VERS, cred=(0, b""), verf=(0, b"")):
    h = struct.pack(">IIIIII", xid, 0, rpcvers, prog, vers, proc)
    h += struct.pack(">I", cred[0]) + xdr_opaque(cred[1])
    h += struct.pack(">I", verf[0]) + xdr_opaque(verf[1])
    return h + args


def authsys(stamp=1, machine=b"host", uid=1000, gid=1000, gids=(1000, 27)):
    return (struct.pack(">I", stamp) + xdr_opaque(machine) + struct.pack(">II", uid, gid)
            + struct.pack(">I", len(gids)) + b"".join(struct.pack(">I", g) for g in gids))


def reply_ok(xid, results=b""):
    return struct.pack(">IIIIII", xid, 1, 0, 0, 0, 0) + results


def write(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def main():
    p = b"payload!"
    # header decoder: cap byte, then header and payload
    hdrs = {
        "echo": msg(ECHO, 7, p), "echo-crc": msg(ECHO, 8, p, F_CRC),
        "echo-badcrc": msg(ECHO, 8, p, F_CRC, crc=1), "hello": msg(HELLO),
        "sink-noack": msg(SINK, 3, p, F_NOACK), "bye": msg(BYE),
        "bad-magic": msg(ECHO, magic=0x58504C31), "bad-version": msg(ECHO, version=2),
        "bad-op": msg(0x77), "bad-flags": msg(ECHO, flags=0x8000),
        "too-big": msg(ECHO, length=0xFFFFFFFF), "reply": msg(ECHO, 1, p, F_REPLY),
    }
    for k, v in hdrs.items():
        write("fuzz_hdr", k, b"\x80" + v)
    write("fuzz_hdr", "small-cap", b"\x01" + msg(ECHO, 1, b"x" * 300))

    # whole streams for the receive path and the server loop
    streams = {
        "session": msg(HELLO) + msg(ECHO, 1, p) + msg(ECHO, 2, p, F_CRC) + msg(SINK, 3, p)
        + msg(SINK, 4, p, F_NOACK) + msg(BYE, 5),
        "zero-flood": b"".join(msg(SINK, i, b"", F_NOACK) for i in range(40)) + msg(SINK, 41),
        "bad-crc-then-echo": msg(ECHO, 1, p, F_CRC, crc=5) + msg(ECHO, 2, p),
        "truncated": msg(ECHO, 1, b"", length=1000) + b"abc",
        "half-header": msg(ECHO)[:12],
        "client-error": msg(ERROR, 1, b"\0\0\0\1") + msg(ECHO, 2, p, F_REPLY) + msg(ECHO, 3, p),
        "bad-magic": b"\x00" * 24,
        "big": msg(ECHO, 1, bytes(range(256)) * 8),
    }
    for k, v in streams.items():
        for t in ("fuzz_msg_recv", "fuzz_serve"):
            write(t, k, fake(v))
            write(t, k + "-chunked", fake(v, 11, (0, 6, 22)))
    write("fuzz_serve", "cap-1k", fake(msg(ECHO, 1, b"y" * 2000), 0))
    # knobs 18: cap 64 KiB, through recvv (unix's one-call header read); the
    # lengths shrink, so the read past each shorter message's end spills
    big = bytes(i * 7 % 251 for i in range(40000))
    shrink = b"".join(msg(SINK, i, big[:n], F_CRC) for i, n in
                      enumerate((20000, 20000, 17000, 0, 40000, 40000, 1, 30000), 1))
    write("fuzz_msg_recv", "recvv-shrinking", fake(shrink, 18))

    # the client: replies from a server; knobs 0 = ECHO of 0 bytes, latency
    echo0 = b"".join(msg(ECHO, i, b"", F_REPLY) for i in range(1, 65))
    write("fuzz_client", "echo0-ok", fake(echo0 + msg(HELLO, 0, b"\0\0\1\0", F_REPLY) + msg(BYE, 0, b"", F_REPLY), 0))
    sink = b"".join(msg(SINK, i, b"", F_REPLY) for i in range(1, 65))
    write("fuzz_client", "sink-ok", fake(sink, 1))
    write("fuzz_client", "window", fake(sink, 1 | (3 << 1) | (1 << 2)))
    write("fuzz_client", "error-reply", fake(msg(ERROR, 1, b"\0\0\0\5", F_REPLY) * 3, 0))
    write("fuzz_client", "wrong-seq", fake(msg(ECHO, 9, b"", F_REPLY) * 3, 0, (3,)))

    # XDR: nops byte, ops, data
    data = struct.pack(">IQI", 7, 1 << 40, 1) + xdr_opaque(b"hello") + xdr_opaque(b"str") + struct.pack(">I", 3)
    write("fuzz_xdr", "mixed", bytes([8]) + bytes([0, 1, 2, 3 | (1 << 3), 5 | (2 << 3), 6 | (3 << 3), 7 | (1 << 3), 4]) + data)
    write("fuzz_xdr", "opaques", bytes([4]) + bytes([5 | (31 << 3)] * 4) + xdr_opaque(b"a") + xdr_opaque(b"bcdef") + xdr_opaque(b"") + struct.pack(">I", 0xFFFFFFF0))
    write("fuzz_xdr", "truncated", bytes([3]) + bytes([1, 5 | (31 << 3), 0]) + b"\0\0\0")

    # RPC messages
    calls = {
        "null": call(1, 0), "echo": call(2, 1, xdr_opaque(p)), "sink": call(3, 2, xdr_opaque(p)),
        "add": call(4, 3, struct.pack(">ii", 2, -5)),
        "sum": call(5, 4, struct.pack(">I", 3) + struct.pack(">iii", 1, 2, 3)),
        "batch": call(6, 5, xdr_opaque(p)),
        "authsys": call(7, 3, struct.pack(">ii", 1, 1), cred=(1, authsys())),
        "rpcvers3": call(8, 0, rpcvers=3), "other-prog": call(9, 0, prog=100003),
        "other-vers": call(10, 0, vers=7), "no-proc": call(11, 99),
        "garbage-args": call(12, 4, struct.pack(">I", 0x7FFFFFFF)),
        "big-cred": call(13, 0, cred=(1, b"\0" * 400)),
        "reply": reply_ok(14, xdr_opaque(p)),
    }
    for k, v in calls.items():
        write("fuzz_rpcmsg", k, v)
        write("fuzz_rpc_server", k, fake(rm(v), 0))
        write("fuzz_rpc_server", k + "-frag", fake(rm(v, 8), 0, (2, 13)))
        write("fuzz_rm", k, fake(rm(v), 0))
        write("fuzz_rm", k + "-frag", fake(rm(v, 5) + rm(v, 3), 11, (1, 6)))
    write("fuzz_rm", "empty-fragments", fake(struct.pack(">II", 0, 0) + rm(b"abcd"), 0))
    write("fuzz_rm", "over-cap", fake(struct.pack(">I", 0x7FFFFFFF) + b"x" * 16, 0))
    write("fuzz_rpc_server", "session", fake(b"".join(rm(v) for v in calls.values() if v[4:8] == b"\0\0\0\0"), 0))

    # the rpc client: replies to ECHO of 0 bytes, xids 1..32, then NULL replies
    rep = b"".join(rm(reply_ok(i, xdr_opaque(b""))) for i in range(1, 33))
    write("fuzz_rpc_client", "echo0-ok", fake(rep, 0))
    write("fuzz_rpc_client", "echo0-frag", fake(b"".join(rm(reply_ok(i, xdr_opaque(b"")), 4) for i in range(1, 33)), 0, (5,)))
    write("fuzz_rpc_client", "sink-ok", fake(b"".join(rm(reply_ok(i)) for i in range(1, 33)), 1))
    write("fuzz_rpc_client", "hello", fake(rm(reply_ok(0)), 8))
    denied = struct.pack(">IIIIII", 1, 1, 1, 0, 2, 2)
    write("fuzz_rpc_client", "denied", fake(rm(denied), 0))

    # udp: [2-byte length][datagram] records sent to a served udp endpoint
    def dg(*grams):
        return b"".join(struct.pack(">H", len(g)) + g for g in grams)
    write("fuzz_udp", "hello-echo-bye", dg(msg(HELLO), msg(ECHO, 2, p, F_CRC), msg(BYE, 3)))
    write("fuzz_udp", "len-lies", dg(msg(ECHO, 1, p, length=4000), msg(ECHO, 2, p, length=2)))
    write("fuzz_udp", "truncated", dg(msg(ECHO, 1, p)[:20], b"", b"\x49"))
    write("fuzz_udp", "bad-crc", dg(msg(ECHO, 1, p, F_CRC, crc=1), msg(SINK, 2, p)))
    write("fuzz_udp", "reply-flag", dg(msg(ECHO, 1, p, F_REPLY), msg(ERROR, 2, b"\0\0\0\1")))
    write("fuzz_udp", "over-cap", dg(msg(ECHO, 1, b"z" * 5000)))
    write("fuzz_udp", "bye-first", dg(msg(BYE, 1), msg(ECHO, 2, p), msg(BYE, 3), msg(BYE, 4)))
    write("fuzz_udp", "garbage", dg(bytes(range(256)), b"\xff" * 30))

    # rpc over datagrams: knobs byte, then [tag][2-byte length][datagram]
    # records.  Server (knobs bit 0 clear): (knobs >> 1) % 4 + 1 senders,
    # tag % that is the sender, cap 256 << ((knobs >> 3) % 8).  Client (bit 0
    # set): (knobs >> 1) % 4 picks the loop; tag bit 7 is a timeout; a
    # reply's first word below 64 is the xid of the call sent that long ago.
    def dgr(knobs, *recs):
        return bytes([knobs]) + b"".join(bytes([t]) + struct.pack(">H", len(g)) + g for t, g in recs)
    INCR = 6
    procs = {k: v for k, v in calls.items() if k in ("null", "echo", "sink", "add", "sum", "batch", "authsys")}
    procs["incr"] = call(20, INCR)
    for k, v in procs.items():
        write("fuzz_rpc_dgram", "call-" + k, dgr(0, (0, v)))
    write("fuzz_rpc_dgram", "errors", dgr(0, *((0, v) for k, v in calls.items()
                                                if k in ("rpcvers3", "other-prog", "other-vers", "no-proc",
                                                         "garbage-args", "big-cred", "reply"))))
    write("fuzz_rpc_dgram", "retransmit", dgr(0, (0, call(7, INCR)), (0, call(8, INCR)), (0, call(7, INCR)),
                                              (0, call(9, 1, xdr_opaque(p))), (0, call(9, 1, xdr_opaque(p))),
                                              (0, call(10, 5, xdr_opaque(p))), (0, call(10, 5, xdr_opaque(p)))))
    write("fuzz_rpc_dgram", "truncated", dgr(0, (0, call(11, 1, struct.pack(">I", 100) + b"abcd")),
                                             (0, call(12, INCR)[:10]), (0, b""), (0, call(11, 1, xdr_opaque(p))),
                                             (0, call(13, 4, struct.pack(">I", 5) + b"\0" * 8))))
    # three senders with the same xids: each has its own cache and counter
    write("fuzz_rpc_dgram", "senders", dgr(2 << 1, *((a, call(x, INCR)) for x in (1, 2, 1) for a in range(3))))
    # more calls than the cache holds: xid 1 is forgotten and runs again
    write("fuzz_rpc_dgram", "flood", dgr(0, *([(0, call(x, INCR)) for x in range(1, 140)]
                                              + [(0, call(1, INCR)), (0, call(139, INCR))])))
    # more reply bytes than the cache holds (cap 8 KiB): the oldest go
    big = b"e" * 7000
    write("fuzz_rpc_dgram", "bytes-bound", dgr(5 << 3, *([(0, call(x, 1, xdr_opaque(big))) for x in range(1, 81)]
                                                        + [(0, call(1, 1, xdr_opaque(big)))])))
    # the client: ECHO of 0 bytes (latency), replies to the last call sent
    e0 = reply_ok(0, xdr_opaque(b""))
    write("fuzz_rpc_dgram", "client-latency", dgr(1, *([(0, e0)] * 20)))
    write("fuzz_rpc_dgram", "client-retransmit", dgr(1, (0x80, b""), (0x80, b""), (0, e0), (0, e0),
                                                     (0, reply_ok(0x7000, xdr_opaque(b""))), (0x80, b""),
                                                     *([(0, e0)] * 16)))
    write("fuzz_rpc_dgram", "client-timeout", dgr(1, *([(0x80, b"")] * 40)))
    write("fuzz_rpc_dgram", "client-window", dgr(3 | 0x40, *([(0, reply_ok(1)), (0, reply_ok(0))] * 10)))
    write("fuzz_rpc_dgram", "client-hello", dgr(5, (0, reply_ok(0))))
    write("fuzz_rpc_dgram", "client-denied", dgr(1, (0, struct.pack(">IIIIII", 0, 1, 1, 0, 2, 2))))
    write("fuzz_rpc_dgram", "client-stubs", dgr(7, (0, reply_ok(0)), (0, reply_ok(0, xdr_opaque(p))),
                                                (0, reply_ok(0, struct.pack(">i", -3))),
                                                (0x80, b""), (0, reply_ok(0, struct.pack(">q", 2))),
                                                (0, reply_ok(0, struct.pack(">i", 1))), (0, reply_ok(0))))

    # mq: [1-byte length][record] messages to a served mq endpoint's announce queue
    def recs(*rs):
        return b"".join(bytes([len(r)]) + r for r in rs)
    pid = b"1"
    write("fuzz_mq", "lies", recs(b"IPLMQ1 " + pid + b" /ipclab-1-00", b"IPLMQ1 99999999 /ipclab-99999999-ab"))
    write("fuzz_mq", "not-records", recs(b"", b"IPLMQ1", b"IPLMQ1 x y", b"\xff" * 127, b"IPLMQ1 -5 /../etc"))
    write("fuzz_mq", "long", recs(b"IPLMQ1 1 /" + b"a" * 200))
    write("fuzz_mq", "flood", recs(*([b"junk"] * 64)))


if __name__ == "__main__":
    main()
