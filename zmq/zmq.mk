# zmq/zmq.mk - the `zmq` mechanism (libzmq) is built when pkg-config finds
# libzmq (Debian: libzmq3-dev); without it zmq.c is left out and ipclab
# simply lacks that row.  IPL_HAVE_ZMQ tells the registry and the test
# variants (the only two files that name the table).
ZMQ_LIBS := $(shell pkg-config --libs libzmq 2>/dev/null)
ifneq ($(ZMQ_LIBS),)
%/zmq/zmq.o: IPL_CPPFLAGS += $(shell pkg-config --cflags libzmq)
%/bench/registry/registry.o %/tests/helper_variants.o: IPL_CPPFLAGS += -DIPL_HAVE_ZMQ
LDLIBS += $(ZMQ_LIBS)
else
LIB_SRC := $(filter-out zmq/zmq.c,$(LIB_SRC))
endif
