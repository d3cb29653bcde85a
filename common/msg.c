#include "common/msg.h"

#include "common/bytes.h"
#include "common/err.h"

uint32_t ipl_wire_err_of(int err)
{
	switch (err) {
	case IPL_EBADMAGIC: return IPL_WERR_MAGIC;
	case IPL_EBADVERSION: return IPL_WERR_VERSION;
	case IPL_EBADOP: return IPL_WERR_OP;
	case IPL_EBADFLAGS: return IPL_WERR_FLAGS;
	case IPL_ETOOBIG: return IPL_WERR_TOOBIG;
	case IPL_EBADCRC: return IPL_WERR_CRC;
	case IPL_EBUSY: return IPL_WERR_BUSY;
	case IPL_EOVERLOAD: return IPL_WERR_OVERLOAD;
	default: return IPL_WERR_INTERNAL;
	}
}

int ipl_err_of_wire(uint32_t code)
{
	switch (code) {
	case IPL_WERR_BUSY: return IPL_EBUSY;
	case IPL_WERR_OVERLOAD: return IPL_EOVERLOAD;
	default: return IPL_EREMOTE;
	}
}
