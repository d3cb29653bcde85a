# rpc/oncrpc.mk - the `oncrpc` mechanism (libtirpc client and server) is
# built when libtirpc is installed; without it oncrpc.c (and oncrpc_dg.c,
# its udp half) is left out of the build and ipclab simply lacks that row
# (ipl_config.h says which).
ONCRPC_LIBS := $(shell pkg-config --libs libtirpc 2>/dev/null)
ifneq ($(ONCRPC_LIBS),)
IPL_HAVE_TIRPC := 1
ONCRPC_CFLAGS := $(shell pkg-config --cflags libtirpc)
# every build of oncrpc.o: $(BUILD)/ and the fuzzers' build/fuzz/
%/rpc/oncrpc.o %/rpc/oncrpc_dg.o: IPL_CPPFLAGS += $(ONCRPC_CFLAGS)
# libtirpc's API needs casts to xdrproc_t that -Wcast-function-type flags
%/rpc/oncrpc.o %/rpc/oncrpc_dg.o: IPL_CFLAGS += -Wno-cast-function-type
LDLIBS += $(ONCRPC_LIBS)
else
LIB_SRC := $(filter-out rpc/oncrpc.c rpc/oncrpc_dg.c,$(LIB_SRC))
endif
