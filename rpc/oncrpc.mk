# rpc/oncrpc.mk - the `oncrpc` mechanism (libtirpc client and server) is
# built when libtirpc is installed; without it ipclab simply lacks that row.
ONCRPC_LIBS := $(shell pkg-config --libs libtirpc 2>/dev/null)
ifneq ($(ONCRPC_LIBS),)
$(BUILD)/rpc/oncrpc.o: CPPFLAGS += -DIPL_HAVE_TIRPC $(shell pkg-config --cflags libtirpc)
$(BUILD)/rpc/oncrpc.o: CFLAGS += -Wno-cast-function-type
$(BUILD)/common/registry.o $(BUILD)/tests/helper_variants.o: CPPFLAGS += -DIPL_HAVE_TIRPC
LDLIBS += $(ONCRPC_LIBS)
endif
