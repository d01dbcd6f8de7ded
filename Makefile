# zoomtrack: the nginx module (built against Debian's nginx-dev), the
# zoomtrack binary and the unit tests.  `make test` is what CI runs.

CC       ?= cc
OPT      ?= -O2
CFLAGS   ?= $(OPT) -g
WARN      = -Wall -Wextra -Werror -Wno-unused-parameter -Wpointer-arith
CPPFLAGS += -D_GNU_SOURCE -Icore -Idrainer
SAN       =
LIBS      = -lhiredis -ljansson -lsqlite3 -lcurl -lcrypto -linih -lm

B        ?= build

CORE_SRCS    := $(wildcard core/*.c)
DRAINER_SRCS := $(wildcard drainer/*.c)
UNIT_SRCS    := $(wildcard t/unit/test_*.c)
GEN_SRCS     := $(B)/gen/zt_sql_embed.c

CORE_OBJS    := $(CORE_SRCS:%.c=$(B)/obj/%.o)
DRAINER_OBJS := $(DRAINER_SRCS:%.c=$(B)/obj/%.o) $(B)/obj/gen/zt_sql_embed.o
LIB_OBJS     := $(CORE_OBJS) $(filter-out $(B)/obj/drainer/zoomtrack.o,$(DRAINER_OBJS))
UNIT_BINS    := $(UNIT_SRCS:t/unit/%.c=$(B)/unit/%)
SQL_FILES    := $(sort $(wildcard sql/sqlite/*.sql))

MODULE_SO    := $(B)/ngx_http_zoomtrack_module.so

.PHONY: all module zoomtrack unit deps test test-unit test-nginx sanitize \
	valgrind run bench lint clean

all: zoomtrack module unit

zoomtrack: $(B)/zoomtrack

module: $(MODULE_SO)

unit: $(UNIT_BINS)

deps:
	@scripts/install-deps

$(B)/zoomtrack: $(CORE_OBJS) $(DRAINER_OBJS)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LIBS)

$(B)/obj/%.o: %.c $(wildcard core/*.h drainer/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN) $(WARN) -c -o $@ $<

$(B)/obj/gen/%.o: $(B)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(SAN) $(WARN) -c -o $@ $<

# SQL files are compiled in, so the binary needs nothing from the source tree
$(B)/gen/zt_sql_embed.c: scripts/embed-sql $(wildcard sql/sqlite/*.sql)
	@mkdir -p $(dir $@)
	scripts/embed-sql sql/sqlite > $@

$(B)/unit/%: t/unit/%.c t/unit/tap.h $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -It/unit $(CFLAGS) $(SAN) $(WARN) -o $@ $< \
	    $(LIB_OBJS) $(LIBS)

$(MODULE_SO): config $(wildcard ngx_http_zoomtrack_module/*.[ch]) \
	      $(CORE_SRCS) $(wildcard core/*.h)
	scripts/build-module $(B)/nginx $@ "$(MODULE_CFLAGS)"

test-unit: unit
	prove -e '' $(UNIT_BINS)

test-nginx: all
	prove -r t/

# what README tells newcomers and CI runs
test: deps
	$(MAKE) all
	prove -e '' $(UNIT_BINS)
	prove -r t/

# ASan+UBSan build of the module, binary and unit tests; suite run under it
sanitize: deps
	$(MAKE) B=build/asan OPT=-O1 \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    MODULE_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" all
	ZT_BUILD=build/asan ZT_SANITIZE=1 prove -e '' build/asan/unit/*
	ZT_BUILD=build/asan ZT_SANITIZE=1 prove -r t/

# nginx (single process) and the unit tests under valgrind memcheck
valgrind: all
	ZT_VALGRIND=1 prove -e '' $(UNIT_BINS)
	ZT_VALGRIND=1 prove -r t/

run: deps all
	scripts/run

lint:
	scripts/lint.sh

clean:
	rm -rf build
