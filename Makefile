# zoomtrack: the nginx module (built against Debian's nginx-dev), the
# zoomtrack binary and the unit tests.  `make test` is what CI runs.

CC       ?= cc
OPT      ?= -O2
CFLAGS   ?= $(OPT) -g
WARN      = -Wall -Wextra -Werror -Wno-unused-parameter -Wpointer-arith
ZT_DIRS  := $(sort $(dir $(wildcard zoomtrack/*/*.c zoomtrack/*/*.h)))
CPPFLAGS += -D_GNU_SOURCE -Icore $(ZT_DIRS:%/=-I%)
SAN       =
LIBS      = -lhiredis -lyajl -ljansson -lsqlite3 -lcurl -lcrypto -linih -lunistring -lm
# The zoomtrack binary allocates with jemalloc (Debian's libjemalloc): a
# drain batch frees thousands of jansson objects and then asks for large
# buffers, and glibc's malloc walks and merges every freed chunk on each
# large request (malloc_consolidate); the three-sink drain spent a third of
# its user time in malloc and free (bench/drain, perf).  Builds with a
# sanitizer keep the sanitizer's allocator; valgrind runs name jemalloc
# with --soname-synonyms so memcheck still sees every block.
ALLOC    ?= $(if $(SAN),,-ljemalloc)

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

# the page `make run` serves at / and `make install` installs: the first
# that exists
PAGE_DIR     ?= $(patsubst %/index.html,%,$(firstword \
                $(wildcard web/board/index.html conf/dashboard/index.html)))

.PHONY: all module zoomtrack unit deps test test-unit test-nginx sanitize \
	valgrind run bench lint clean

all: zoomtrack module unit

zoomtrack: $(B)/zoomtrack

module: $(MODULE_SO)

unit: $(UNIT_BINS)

deps:
	@scripts/install-deps

$(B)/zoomtrack: $(CORE_OBJS) $(ZT_OBJS)
	$(CC) $(CFLAGS) $(SAN) -o $@ $^ $(ALLOC) $(LIBS)

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

$(B)/unit/%: t/unit/%.c $(wildcard t/unit/*.h) $(LIB_OBJS)
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

# every test file starts its own servers on free ports, so several run at
# once; most of a file's time is spent waiting (outages, backoff, polling),
# so three at a time on 2 cores keep the CPUs busy without starving them
# (PROVE_J= runs them one by one)
PROVE_J ?= -j3
# `make test` is run without -j (./test, CI): its builds use every core
BUILD_J ?= -j$(shell nproc 2>/dev/null || echo 2)

# what README tells newcomers and CI runs: the style check, the suite, the
# suite again on the ASan+UBSan build, and the main paths under valgrind
test: deps
	scripts/lint.sh
	$(MAKE) $(BUILD_J) all
	prove -e '' $(UNIT_BINS)
	$(MAKE) BUILD_J=$(BUILD_J) fuzz-smoke
	prove $(PROVE_J) -r t/
	$(MAKE) BUILD_J=$(BUILD_J) sanitize
	$(MAKE) valgrind

# ASan+UBSan build of the module, binary and unit tests; suite run under it
sanitize: deps
	$(MAKE) $(BUILD_J) B=build/asan OPT=-O1 \
	    SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    MODULE_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" all
	ZT_BUILD=build/asan ZT_SANITIZE=1 prove -e '' build/asan/unit/*
	ZT_BUILD=build/asan ZT_SANITIZE=1 prove $(PROVE_J) -r t/

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
                 t/300-camera-basic.t t/175-chat-sink.t

valgrind: all
	prove $(PROVE_J) -e '$(VALGRIND)' $(UNIT_BINS)
	ZT_VALGRIND=1 prove $(PROVE_J) -r $(VALGRIND_TESTS)

run: deps all
	PAGE_DIR=$(PAGE_DIR) scripts/run

lint:
	scripts/lint.sh

clean:
	rm -rf build

# `make install` (PREFIX, DESTDIR): the binary, the module, the SQL, the
# page, the nginx/redis configs and the systemd units; README "Production"
# walks through the rest.  Files under /etc are configuration: one that
# exists is left alone and the new version is put beside it as *.new.
PREFIX      ?= /usr/local
DESTDIR     ?=
BINDIR      ?= $(PREFIX)/bin
LIBEXECDIR  ?= $(PREFIX)/lib/zoomtrack
DATADIR     ?= $(PREFIX)/share/zoomtrack
DOCDIR      ?= $(PREFIX)/share/doc/zoomtrack
SYSCONFDIR  ?= /etc
MODULEDIR   ?= /usr/lib/nginx/modules
UNITDIR     ?= /etc/systemd/system
SYSUSERSDIR ?= /usr/lib/sysusers.d
TMPFILESDIR ?= /usr/lib/tmpfiles.d

# the shipped files name the default paths; other PREFIX/SYSCONFDIR
# values are substituted as they are installed
INSTALL_SED = sed -e 's|/usr/local/|$(PREFIX)/|g' \
                  -e 's|/etc/zoomtrack|$(SYSCONFDIR)/zoomtrack|g' \
                  -e 's|/etc/nginx/zoomtrack|$(SYSCONFDIR)/nginx/zoomtrack|g'

.PHONY: install

install: $(B)/zoomtrack $(MODULE_SO)
	@test -n "$(PAGE_DIR)" || { echo "install: no page found" >&2; exit 1; }
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) \
	    $(DESTDIR)$(MODULEDIR) $(DESTDIR)$(DATADIR)/www \
	    $(DESTDIR)$(DATADIR)/redis $(DESTDIR)$(DOCDIR) \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) \
	    $(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(SYSCONFDIR)/zoomtrack \
	    $(DESTDIR)$(SYSCONFDIR)/nginx/zoomtrack \
	    $(DESTDIR)$(SYSCONFDIR)/nginx/modules-available \
	    $(DESTDIR)$(SYSCONFDIR)/nginx/modules-enabled \
	    $(DESTDIR)$(SYSCONFDIR)/nginx/sites-available
	install -m 0755 $(B)/zoomtrack $(DESTDIR)$(BINDIR)/zoomtrack
	install -m 0755 scripts/zoomtrack-daily \
	    $(DESTDIR)$(LIBEXECDIR)/zoomtrack-daily
	install -m 0644 $(MODULE_SO) $(DESTDIR)$(MODULEDIR)/
	cp -R sql $(DESTDIR)$(DATADIR)/
	cp -R $(PAGE_DIR)/. $(DESTDIR)$(DATADIR)/www/
	install -m 0644 conf/redis/zoomtrack.conf $(DESTDIR)$(DATADIR)/redis/
	install -m 0644 README.md $(DESTDIR)$(DOCDIR)/
	for u in conf/systemd/*.service conf/systemd/*.timer; do \
	    $(INSTALL_SED) $$u > $(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; \
	done
	install -m 0644 conf/systemd/zoomtrack.sysusers \
	    $(DESTDIR)$(SYSUSERSDIR)/zoomtrack.conf
	install -m 0644 conf/systemd/zoomtrack.tmpfiles \
	    $(DESTDIR)$(TMPFILESDIR)/zoomtrack.conf
	@set -e; \
	conf() { \
	    t="$(DESTDIR)$$2"; $(INSTALL_SED) "$$1" > "$$t.new"; \
	    chmod 0644 "$$t.new"; \
	    if [ ! -e "$$t" ]; then mv "$$t.new" "$$t"; \
	    elif cmp -s "$$t" "$$t.new"; then rm "$$t.new"; \
	    else echo "install: $$2 was changed here; the new one is" \
	        "$$2.new"; fi; \
	}; \
	sed -e 's|^data_dir = .*|data_dir = /var/lib/zoomtrack|' \
	    -e '/^\[redis\]/,/^\[/ s|^password_file =.*|password_file = /etc/zoomtrack/redis-password|' \
	    -e '/^\[spool\]/,/^\[/ s|^dir =.*|dir = /var/spool/zoomtrack|' \
	    conf/zoomtrack.conf > $(B)/zoomtrack.conf.prod; \
	conf $(B)/zoomtrack.conf.prod $(SYSCONFDIR)/zoomtrack/zoomtrack.conf; \
	conf conf/nginx/zoomtrack.conf \
	    $(SYSCONFDIR)/nginx/zoomtrack/zoomtrack.conf; \
	conf conf/nginx/zoomtrack-site.conf \
	    $(SYSCONFDIR)/nginx/sites-available/zoomtrack; \
	conf conf/nginx/mod-http-zoomtrack.conf \
	    $(SYSCONFDIR)/nginx/modules-available/mod-http-zoomtrack.conf; \
	ln -sf ../modules-available/mod-http-zoomtrack.conf \
	    $(DESTDIR)$(SYSCONFDIR)/nginx/modules-enabled/50-mod-http-zoomtrack.conf
	@echo "install: done; README \"Production\" has the next steps"


# ---- fuzzing (fuzz/README): libFuzzer targets built with clang, ASan and
# UBSan in build/fuzz.  `make fuzz FUZZ_SECONDS=N` runs each target for N
# seconds; `make fuzz-smoke` (part of `make test`) a few seconds each.
# Every target is also linked with fuzz/fuzz_replay.c by the normal
# compiler into $(B)/unit/test_fuzz_<target>, a TAP test that replays
# fuzz/regress/<target> and fuzz/corpus/<target>: run with the unit tests,
# under ASan (make sanitize) and under valgrind (make valgrind).
FUZZ_TARGETS        = event sig csv presence conf zoom_json spool record
FUZZ_SECONDS       ?= 60
FUZZ_SMOKE_SECONDS ?= 4
FUZZ_CC            ?= clang
FUZZ_SAN            = -fsanitize=address,undefined \
                      -fno-sanitize-recover=all -fno-omit-frame-pointer
# targets that #include the source they test (to reach its static
# functions) must not link its object too
FUZZ_OMIT_zoom_json = zoomtrack/zoom/zt_zoom_api \
                      zoomtrack/zoom/zt_camera_qos \
                      zoomtrack/zoom/zt_camera_rooms \
                      zoomtrack/zoom/zt_camera_sqlite
FUZZ_OMIT_spool     = zoomtrack/drain/zt_spool_import
FUZZ_REPLAY        := $(FUZZ_TARGETS:%=$(B)/unit/test_fuzz_%)
FUZZ_BINS          := $(FUZZ_TARGETS:%=$(B)/fuzzer/%)

UNIT_BINS += $(FUZZ_REPLAY)

.PHONY: fuzz fuzz-smoke fuzz-build fuzz-bins

unit: $(FUZZ_REPLAY)

$(B)/unit/test_fuzz_%: fuzz/fuzz_%.c fuzz/fuzz_replay.c fuzz/fuzz.h \
		       $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Ifuzz $(CFLAGS) $(SAN) $(WARN) \
	    -DZT_FUZZ_TARGET='"$*"' -o $@ fuzz/fuzz_$*.c fuzz/fuzz_replay.c \
	    $(filter-out $(FUZZ_OMIT_$*:%=$(B)/obj/%.o),$(LIB_OBJS)) $(LIBS)

$(B)/fuzzer/%: fuzz/fuzz_%.c fuzz/fuzz.h $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Ifuzz $(CFLAGS) $(SAN) -fsanitize=fuzzer $(WARN) \
	    -o $@ fuzz/fuzz_$*.c \
	    $(filter-out $(FUZZ_OMIT_$*:%=$(B)/obj/%.o),$(LIB_OBJS)) $(LIBS)

fuzz-bins: $(FUZZ_BINS)

fuzz-build:
	$(MAKE) $(BUILD_J) B=build/fuzz CC=$(FUZZ_CC) OPT=-O1 \
	    SAN="$(FUZZ_SAN) -fsanitize=fuzzer-no-link" fuzz-bins

fuzz: fuzz-build
	fuzz/run build/fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	fuzz/run build/fuzz $(FUZZ_SMOKE_SECONDS) $(FUZZ_TARGETS)
