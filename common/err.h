/* err.h - ipclab error codes.
 *
 * Every library function returns 0 (or a count) on success and a negative
 * code on failure.  System errors are the negated errno value (-ECONNRESET);
 * ipclab's own conditions live below IPL_ERR_BASE so the two never collide.
 */
#ifndef IPL_ERR_H
#define IPL_ERR_H

#define IPL_ERR_BASE (-4000)

enum ipl_err {
	IPL_EBADMAGIC = IPL_ERR_BASE - 1,  /* header magic is not ours */
	IPL_EBADVERSION = IPL_ERR_BASE - 2,/* protocol version we do not speak */
	IPL_EBADOP = IPL_ERR_BASE - 3,     /* unknown op code */
	IPL_EBADFLAGS = IPL_ERR_BASE - 4,  /* flag bits we do not know */
	IPL_ETOOBIG = IPL_ERR_BASE - 5,    /* payload length over the cap */
	IPL_EBADCRC = IPL_ERR_BASE - 6,    /* payload checksum mismatch */
	IPL_ETRUNC = IPL_ERR_BASE - 7,     /* peer closed in the middle of a message */
	IPL_ECLOSED = IPL_ERR_BASE - 8,    /* peer closed at a message boundary */
	IPL_ESEQ = IPL_ERR_BASE - 9,       /* reply carries the wrong sequence number */
	IPL_ELEN = IPL_ERR_BASE - 10,      /* reply carries the wrong length */
	IPL_EPAYLOAD = IPL_ERR_BASE - 11,  /* reply payload differs from the request */
	IPL_EREMOTE = IPL_ERR_BASE - 12,   /* the server answered with an ERROR message */
	IPL_ECANCELED = IPL_ERR_BASE - 13, /* a blocking call was cancelled (shutdown) */
	IPL_EDONE = IPL_ERR_BASE - 14,     /* accept: no further client will come */
	IPL_EUNSUPP = IPL_ERR_BASE - 15,   /* the transport cannot do this */
	IPL_EADDR = IPL_ERR_BASE - 16,     /* address cannot be parsed */
	IPL_EPEERDEAD = IPL_ERR_BASE - 17, /* the peer process is gone */
	IPL_EPROTO = IPL_ERR_BASE - 18,    /* the peer broke the protocol otherwise */
	IPL_EXDR = IPL_ERR_BASE - 19,      /* XDR data does not decode */
	IPL_ERPC = IPL_ERR_BASE - 20,      /* the RPC server rejected the call */
	IPL_EBUSY = IPL_ERR_BASE - 21,     /* the server serves its most clients already */
	IPL_EOVERLOAD = IPL_ERR_BASE - 22, /* the server's buffer memory is spent: request refused */
	IPL_ESHMLOST = IPL_ERR_BASE - 23,  /* shm: the shared object was truncated under us */
	IPL_ERR_LAST = IPL_ERR_BASE - 24
};

/* Returns a static, human-readable text for any code this library returns. */
const char *ipl_strerror(int err);

#endif
