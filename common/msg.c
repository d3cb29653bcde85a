#include "msg.h"

#include "bytes.h"
#include "err.h"

uint32_t ipl_wire_err_of(int err)
{
	switch (err) {
	case IPL_EBADMAGIC: return IPL_WERR_MAGIC;
	case IPL_EBADVERSION: return IPL_WERR_VERSION;
	case IPL_EBADOP: return IPL_WERR_OP;
	case IPL_EBADFLAGS: return IPL_WERR_FLAGS;
	case IPL_ETOOBIG: return IPL_WERR_TOOBIG;
	case IPL_EBADCRC: return IPL_WERR_CRC;
	default: return IPL_WERR_INTERNAL;
	}
}
