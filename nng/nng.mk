# nng/nng.mk - the `nng` mechanism (libnng) is built when libnng is found:
# by pkg-config (`nng`), or, since Debian's libnng-dev 1.5.2 ships only a
# CMake config and no nng.pc, by its header and library being usable (a
# one-line link test).  Without it nng.c is left out and ipclab simply
# lacks that row (`make NNG=0` leaves it out on purpose).  IPL_HAVE_NNG
# tells the registry and the test variants (the only two files that name
# the table).
NNG_LIBS :=
ifneq ($(NNG),0)
NNG_LIBS := $(shell pkg-config --libs nng 2>/dev/null)
ifeq ($(NNG_LIBS),)
NNG_LIBS := $(shell printf '\043include <nng/nng.h>\nint main(void){nng_fini();return 0;}\n' | \
	$(CC) -x c - -o /dev/null -lnng >/dev/null 2>&1 && echo -lnng)
endif
endif
ifneq ($(NNG_LIBS),)
%/nng/nng.o: IPL_CPPFLAGS += $(shell pkg-config --cflags nng 2>/dev/null)
%/bench/registry/registry.o %/tests/helper_variants.o: IPL_CPPFLAGS += -DIPL_HAVE_NNG
LDLIBS += $(NNG_LIBS)
else
LIB_SRC := $(filter-out nng/nng.c,$(LIB_SRC))
endif
