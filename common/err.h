/* err.h - ipclab error codes.
 *
 * Every library function returns 0 (or a count) on success and a negative
 * code on failure.  System errors are the negated errno value (-ECONNRESET);
 * ipclab's own conditions live below IPL_ERR_BASE so the two never collide.
 */
#ifndef IPL_ERR_H
#define IPL_ERR_H

#define IPL_ERR_BASE (-4000)

/* The one list of ipclab's own codes: the enum, ipl_strerror, ipl_err_name
 * and ipl_err_is_header are all generated from it, so a code cannot exist
 * without its text or class.  Columns: name, offset below IPL_ERR_BASE
 * (never renumber: the values are compared by callers and appear in logs),
 * class, text.  Class HEADER means "the header could not be accepted, so the
 * stream has lost its framing": the server answers once and closes.  PLAIN is
 * every other code.  A new code takes the next free offset. */
#define IPL_ERR_LIST(X)                                                                            \
	X(IPL_EBADMAGIC, 1, HEADER, "bad magic: not an ipclab message")                            \
	X(IPL_EBADVERSION, 2, HEADER, "unsupported protocol version")                              \
	X(IPL_EBADOP, 3, HEADER, "unknown op code")                                                \
	X(IPL_EBADFLAGS, 4, HEADER, "unknown flag bits")                                           \
	X(IPL_ETOOBIG, 5, HEADER, "payload length over the cap")                                   \
	X(IPL_EBADCRC, 6, PLAIN, "payload checksum mismatch")                                      \
	X(IPL_ETRUNC, 7, PLAIN, "peer closed in the middle of a message")                          \
	X(IPL_ECLOSED, 8, PLAIN, "peer closed the connection")                                     \
	X(IPL_ESEQ, 9, PLAIN, "reply has the wrong sequence number")                               \
	X(IPL_ELEN, 10, PLAIN, "reply has the wrong length")                                       \
	X(IPL_EPAYLOAD, 11, PLAIN, "reply payload differs from the request")                       \
	X(IPL_EREMOTE, 12, PLAIN, "server answered with an error")                                 \
	X(IPL_ECANCELED, 13, PLAIN, "operation cancelled")                                         \
	X(IPL_EDONE, 14, PLAIN, "no further clients")                                              \
	X(IPL_EUNSUPP, 15, PLAIN, "not supported by this mechanism")                               \
	X(IPL_EADDR, 16, PLAIN, "bad address")                                                     \
	X(IPL_EPEERDEAD, 17, PLAIN, "peer process died")                                           \
	X(IPL_EPROTO, 18, PLAIN, "protocol violation by the peer")                                 \
	X(IPL_EXDR, 19, PLAIN, "XDR data does not decode")                                         \
	X(IPL_ERPC, 20, PLAIN, "RPC call rejected by the server")                                  \
	X(IPL_EBUSY, 21, PLAIN, "server busy: it serves its maximum number of clients")            \
	X(IPL_EOVERLOAD, 22, PLAIN, "server out of buffer memory: request refused")                \
	X(IPL_ESHMLOST, 23, PLAIN, "shared memory object truncated or rebuilt by another process") \
	X(IPL_ENOTREG, 24, PLAIN, "program not registered with rpcbind")                           \
	X(IPL_EREFUSED, 25, PLAIN, "rpcbind refused the registration")

#define IPL_ERR_ENUM_(name, off, cls, text) name = IPL_ERR_BASE - (off),
#define IPL_ERR_ONE_(name, off, cls, text) +1

enum ipl_err {
	IPL_ERR_LIST(IPL_ERR_ENUM_)
	/* One past the last code; the offsets are 1..N without gaps (err.c checks). */
	IPL_ERR_LAST = IPL_ERR_BASE - 1 - (0 IPL_ERR_LIST(IPL_ERR_ONE_))
};

/* Returns a static, human-readable text for any code this library returns. */
const char *ipl_strerror(int err);

/* Returns the symbolic name of a code: "IPL_ECLOSED", "ECONNRESET" for a
 * negated errno value, "OK" for 0, "unknown" for anything else.  A negated
 * errno the C library cannot name gets "errno N", in a per-thread buffer
 * valid until the thread's next call; every other result is static. */
const char *ipl_err_name(int err);

/* 1 if err says a header was refused (class HEADER above): the receiver can
 * no longer find the next frame.  0 for anything else. */
int ipl_err_is_header(int err);

#endif
