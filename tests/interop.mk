# tests/interop.mk - the ONC RPC interoperability programs (see
# tests/t_rpc_interop.sh), built from tests/interop/ipclab.x with rpcgen and
# linked with libtirpc, when both are installed; otherwise the test skips.
TIRPC_LIBS   := $(shell pkg-config --libs libtirpc 2>/dev/null)
TIRPC_CFLAGS := $(shell pkg-config --cflags libtirpc 2>/dev/null)
RPCGEN       := $(shell command -v rpcgen 2>/dev/null)

ifneq ($(and $(TIRPC_LIBS),$(RPCGEN)),)
IOP := $(BUILD)/interop
IOP_GEN := $(IOP)/ipclab.h $(IOP)/ipclab_clnt.c $(IOP)/ipclab_svc.c $(IOP)/ipclab_xdr.c
# rpcgen's output is not ours to make -Wextra clean; libtirpc's API needs
# casts to xdrproc_t that -Wcast-function-type flags
IOP_CFLAGS := $(filter-out -Werror -Wextra -std=c11 -MMD -MP $(IPL_WARN),$(IPL_CFLAGS) $(CFLAGS)) -w
IOP_OWN    := $(filter-out -MMD -MP,$(IPL_CFLAGS) $(CFLAGS)) -Wno-cast-function-type

# rpcgen names its header after the input path: run it beside a copy
$(IOP)/ipclab.x: tests/interop/ipclab.x
	@mkdir -p $(IOP)
	$(Q)cp $< $@
$(IOP)/ipclab.h: $(IOP)/ipclab.x
	$(call quiet,RPCGEN,$@)cd $(IOP) && rm -f ipclab.h && rpcgen -h -o ipclab.h ipclab.x
$(IOP)/ipclab_clnt.c: $(IOP)/ipclab.x
	$(Q)cd $(IOP) && rm -f ipclab_clnt.c && rpcgen -l -o ipclab_clnt.c ipclab.x
$(IOP)/ipclab_svc.c: $(IOP)/ipclab.x
	$(Q)cd $(IOP) && rm -f ipclab_svc.c && rpcgen -m -o ipclab_svc.c ipclab.x
$(IOP)/ipclab_xdr.c: $(IOP)/ipclab.x
	$(Q)cd $(IOP) && rm -f ipclab_xdr.c && rpcgen -c -o ipclab_xdr.c ipclab.x

$(IOP)/gen_%.o: $(IOP)/ipclab_%.c $(IOP)/ipclab.h
	$(call quiet,CC,$<)$(CC) $(IPL_CPPFLAGS) $(CPPFLAGS) $(TIRPC_CFLAGS) -I$(IOP) $(IOP_CFLAGS) -c -o $@ $<

$(IOP)/rpcgen_server: tests/interop/rpcgen_server.c $(IOP)/gen_svc.o $(IOP)/gen_xdr.o $(IOP)/ipclab.h
	$(call quiet,LD,$@)$(CC) $(IPL_CPPFLAGS) $(CPPFLAGS) $(TIRPC_CFLAGS) -I$(IOP) $(IOP_OWN) $(LDFLAGS) -o $@ \
		$< $(IOP)/gen_svc.o $(IOP)/gen_xdr.o $(TIRPC_LIBS)
$(IOP)/rpcgen_client: tests/interop/rpcgen_client.c $(IOP)/gen_clnt.o $(IOP)/gen_xdr.o $(IOP)/ipclab.h
	$(call quiet,LD,$@)$(CC) $(IPL_CPPFLAGS) $(CPPFLAGS) $(TIRPC_CFLAGS) -I$(IOP) $(IOP_OWN) $(LDFLAGS) -o $@ \
		$< $(IOP)/gen_clnt.o $(IOP)/gen_xdr.o $(TIRPC_LIBS)
endif

# ipclab's side needs nothing but ipclab
$(BUILD)/interop/ipl_client: tests/interop/ipl_client.c $(BLIB) $(LIB)
	@mkdir -p $(dir $@)
	$(call quiet,LD,$@)$(CC) $(IPL_CPPFLAGS) $(CPPFLAGS) $(filter-out -MMD -MP,$(IPL_CFLAGS) $(CFLAGS)) $(LDFLAGS) -o $@ $< $(BLIB) $(LIB) $(LDLIBS)

tests: $(BUILD)/interop/ipl_client $(if $(IOP),$(IOP)/rpcgen_server $(IOP)/rpcgen_client)
