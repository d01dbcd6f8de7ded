# zoomtrack: the nginx module (built against Debian's nginx-dev), the
# zoomtrack binary and the unit tests.  `make test` is what CI runs.

CC       ?= cc
OPT      ?= -O2
CFLAGS   ?= $(OPT) -g
WARN      = -Wall -Wextra -Werror -Wno-unused-parameter -Wpointer-arith
ZT_DIRS  := $(sort $(dir $(wildcard zoomtrack/*/*.c zoomtrack/*/*.h)))
CPPFLAGS += -D_GNU_SOURCE -Icore $(ZT_DIRS:%/=-I%)
SAN       =
LIBS      = -lhiredis -lyajl -ljansson -lsqlite3 -lcurl -lcrypto -linih -lm

B        ?= build

CORE_SRCS    := $(wildcard core/*.c)
ZT_SRCS      := $(wildcard zoomtrack/*/*.c)
UNIT_SRCS    := $(wildcard t/unit/test_*.c)
GEN_SRCS     := $(B)/gen/zt_sql_embed.c

CORE_OBJS    := $(CORE_SRCS:%.c=$(B)/obj/%.o)
ZT_OBJS      := $(ZT_SRCS:%.c=$(B)/obj/%.o) $(B)/obj/gen/zt_sql_embed.o
LIB_OBJS     := $(CORE_OBJS) $(filter-out $(B)/obj/zoomtrack/cmd/zt_main.o,$(ZT_OBJS))
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

$(B)/zoomtrack: $(CORE_OBJS) $(ZT_OBJS)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(LIBS)

$(B)/obj/%.o: %.c $(wildcard core/*.h zoomtrack/*/*.h)
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

# what README tells newcomers and CI runs: the style check, the suite, the
# suite again on the ASan+UBSan build, and the main paths under valgrind
# (~7 min, 2 cores)
test: deps
	scripts/lint.sh
	$(MAKE) all
	prove -e '' $(UNIT_BINS)
	prove -r t/
	$(MAKE) sanitize
	$(MAKE) valgrind

# ASan+UBSan build of the module, binary and unit tests; suite run under it
sanitize: deps
	$(MAKE) B=build/asan OPT=-O1 \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    MODULE_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" all
	ZT_BUILD=build/asan ZT_SANITIZE=1 prove -e '' build/asan/unit/*
	ZT_BUILD=build/asan ZT_SANITIZE=1 prove -r t/

# valgrind memcheck: the unit tests, then nginx (single process, as
# valgrind needs) and zoomtrack through the test files.  VALGRIND_TESTS is
# the part of the suite `make test` runs this way (every component's main
# path); `make valgrind VALGRIND_TESTS=t/` runs all of it (~10 min).
VALGRIND       = valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
                 --error-exitcode=99
VALGRIND_TESTS = t/010-events.t t/011-url-validation.t t/020-signature.t \
                 t/030-body.t t/040-redis-down.t t/055-spool.t \
                 t/100-drain-basic.t t/120-drain-poison.t t/140-status-sink.t \
                 t/160-e2e-simulate.t t/200-report-golden.t \
                 t/300-camera-basic.t

valgrind: all
	prove -e '$(VALGRIND)' $(UNIT_BINS)
	ZT_VALGRIND=1 prove -r $(VALGRIND_TESTS)

run: deps all
	scripts/run

lint:
	scripts/lint.sh

clean:
	rm -rf build
