#include "common/err.h"

#include <string.h>

static const char *const own_text[] = {
	[-(IPL_EBADMAGIC - IPL_ERR_BASE)] = "bad magic: not an ipclab message",
	[-(IPL_EBADVERSION - IPL_ERR_BASE)] = "unsupported protocol version",
	[-(IPL_EBADOP - IPL_ERR_BASE)] = "unknown op code",
	[-(IPL_EBADFLAGS - IPL_ERR_BASE)] = "unknown flag bits",
	[-(IPL_ETOOBIG - IPL_ERR_BASE)] = "payload length over the cap",
	[-(IPL_EBADCRC - IPL_ERR_BASE)] = "payload checksum mismatch",
	[-(IPL_ETRUNC - IPL_ERR_BASE)] = "peer closed in the middle of a message",
	[-(IPL_ECLOSED - IPL_ERR_BASE)] = "peer closed the connection",
	[-(IPL_ESEQ - IPL_ERR_BASE)] = "reply has the wrong sequence number",
	[-(IPL_ELEN - IPL_ERR_BASE)] = "reply has the wrong length",
	[-(IPL_EPAYLOAD - IPL_ERR_BASE)] = "reply payload differs from the request",
	[-(IPL_EREMOTE - IPL_ERR_BASE)] = "server answered with an error",
	[-(IPL_ECANCELED - IPL_ERR_BASE)] = "operation cancelled",
	[-(IPL_EDONE - IPL_ERR_BASE)] = "no further clients",
	[-(IPL_EUNSUPP - IPL_ERR_BASE)] = "not supported by this mechanism",
	[-(IPL_EADDR - IPL_ERR_BASE)] = "bad address",
	[-(IPL_EPEERDEAD - IPL_ERR_BASE)] = "peer process died",
	[-(IPL_EPROTO - IPL_ERR_BASE)] = "protocol violation by the peer",
	[-(IPL_EXDR - IPL_ERR_BASE)] = "XDR data does not decode",
	[-(IPL_ERPC - IPL_ERR_BASE)] = "RPC call rejected by the server",
	[-(IPL_EBUSY - IPL_ERR_BASE)] = "server busy: it serves its maximum number of clients",
	[-(IPL_EOVERLOAD - IPL_ERR_BASE)] = "server out of buffer memory: request refused",
	[-(IPL_ESHMLOST - IPL_ERR_BASE)] = "shared memory object truncated or rebuilt by another process",
};

const char *ipl_strerror(int err)
{
	if (err == 0)
		return "success";
	if (err < IPL_ERR_BASE && err > IPL_ERR_LAST) {
		const char *s = own_text[-(err - IPL_ERR_BASE)];
		return s ? s : "unknown ipclab error";
	}
	if (err < 0 && err > IPL_ERR_BASE)
		return strerror(-err);
	return "unknown error";
}
