# abusedesk - one Makefile, GNU make.
#
#   make            build ./abusedesk
#   make demo       install missing packages, build, ingest samples/ through the pipe path, show incidents and a digest
#   make check      install missing packages, build, run unit, golden, conformance and end-to-end tests
#                   and (as root) check-deb;
#                   with CI=true (or CHECK_ALL=1) also the suite under ASan/UBSan and a fuzz smoke run
#   make coverage   build with --coverage into build/coverage, run the unit and end-to-end tests
#                   against it, print line coverage per module (gcov); not part of `make check`
#   make deb        build the Debian package (debian/) into build/deb/ with dpkg-buildpackage, lintian it
#   make check-deb  as root: make deb, install the package into a fresh Debian 12 chroot with Postfix,
#                   deliver a complaint through the alias, list the incident, purge (tests/deb/check-deb.sh)
#   make rua-heldout PDM=DIR  DMARC aggregate reports of parsedmarc's samples/aggregate (unpacked into DIR)
#                   against an xml.etree reading of each (tests/conformance/rua_heldout.py); not part of `make check`
#   make check-asan / check-valgrind / fuzz / fuzz-smoke / bench / install

VERSION   := 0.1.0
PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
MANDIR    ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
DATADIR   ?= $(PREFIX)/share
DESTDIR   ?=

CC        ?= cc
PKG_CONFIG ?= pkg-config
PKGS      := gmime-3.0 libpcre2-8 libcurl sqlite3 json-glib-1.0 yaml-0.1 libxml-2.0 libmicrohttpd libcrypt
# libcurl is compiled against but loaded with dlopen when a notification is
# sent (notify/curl_dl.h): ingest starts ~10 ms faster without it; json-glib
# and libyaml likewise when an X-ARF report is read (parse/xarf_dl.h), and
# libxml2 when a complaint's only text is HTML (parse/html.c);
# libmicrohttpd when `abusedesk web` runs (web/mhd_dl.h) and libcrypt when a
# password is hashed or checked (app/crypt_dl.h)
LINK_PKGS := gmime-3.0 libpcre2-8 sqlite3

CFLAGS    ?= -g -O2 -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
LDFLAGS   ?= -pie -Wl,-z,relro,-z,now
override CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter \
	-DABUSEDESK_VERSION='"$(VERSION)"' -DSYSCONFDIR='"$(SYSCONFDIR)"' \
	-DDATADIR='"$(DATADIR)"'
ifeq ($(CI),true)
override CFLAGS += -Werror
endif
ifneq ($(BUILD),)
B := build/$(BUILD)
else
B := build/default
endif

DEP_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
DEP_LIBS   = $(shell $(PKG_CONFIG) --libs $(LINK_PKGS) 2>/dev/null) -lm -ldl

# The modules from the top of the stack down (docs/architecture.md). Each is
# a static library of its own, and the binary links them in this order: a
# module can only use the modules after it, so a call up the stack does not
# link (and `make checksrc` refuses an include up the stack, tests/lib/layers.txt).
LAYERS    := cli web app notify ingest db correlate/probe correlate/inventory correlate/logs correlate/trace parse util
MODULES   := $(LAYERS)
modlib     = $(B)/lib/lib$(subst /,-,$(1)).a
MOD_LIBS  := $(foreach m,$(LAYERS),$(call modlib,$(m)))
LIB_SRC   := $(filter-out cli/main.c,$(foreach m,$(MODULES),$(wildcard $(m)/*.c)))
LIB_OBJ   := $(LIB_SRC:%.c=$(B)/%.o)
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
TOOLS_SRC := $(wildcard bench/*.c)
TOOLS_BIN := $(TOOLS_SRC:bench/%.c=$(B)/bench/%)

.PHONY: all deps demo check check-unit check-e2e check-asan check-valgrind \
	check-conformance differential differential-heldout rua-heldout coverage fuzz fuzz-smoke bench bench-smoke install clean checksrc deb check-deb

all: abusedesk

abusedesk: $(B)/abusedesk
	@ln -sf $(B)/abusedesk abusedesk

$(B)/abusedesk: $(B)/cli/main.o $(MOD_LIBS)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(B)/cli/main.o $(MOD_LIBS) $(DEP_LIBS)

# module_lib MODULE - the rule of one module's library
define module_lib
$(call modlib,$(1)): $(patsubst %.c,$(B)/%.o,$(filter-out cli/main.c,$(wildcard $(1)/*.c)))
	@mkdir -p $$(dir $$@)
	@rm -f $$@
	$$(AR) rcs $$@ $$^
endef
$(foreach m,$(LAYERS),$(eval $(call module_lib,$(m))))

# every module in one archive, for test drivers, benchmarks and fuzz targets
$(B)/libabusedesk.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DEP_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/tests/%: tests/unit/%.c $(B)/libabusedesk.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DEP_CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libabusedesk.a $(DEP_LIBS) -lcmocka

# the LD_PRELOAD fault-injection shim of the no-loss tests (test_faultinject.sh)
$(B)/tests/faultinject.so: tests/lib/faultinject.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE -Wall -Wextra -O1 -g -fPIC -shared -o $@ $< -ldl

$(B)/tests/mimecmp: tests/conformance/mimecmp.c $(B)/libabusedesk.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DEP_CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libabusedesk.a $(DEP_LIBS)

$(B)/bench/%: bench/%.c $(B)/libabusedesk.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DEP_CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libabusedesk.a $(DEP_LIBS)

-include $(LIB_OBJ:.o=.d) $(B)/cli/main.d

deps:
	@sh tests/lib/deps.sh build

tools: $(TOOLS_BIN)

demo: deps
	@$(MAKE) --no-print-directory all tools
	@sh tests/lib/demo.sh

check: deps
	@sh tests/lib/deps.sh test
	@$(MAKE) --no-print-directory checksrc all tools $(UNIT_BIN) $(B)/tests/mimecmp \
	  $(B)/tests/faultinject.so
	@sh tests/check.sh $(B)

check-unit: all $(UNIT_BIN)
	@sh tests/run.sh $(B) unit

check-asan:
	@sh tests/lib/deps.sh test
	@$(MAKE) --no-print-directory BUILD=asan CC=clang \
	  CFLAGS='-g -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined' \
	  LDFLAGS='-fsanitize=address,undefined' all tools build/asan/tests/mimecmp \
	  $(UNIT_SRC:tests/unit/%.c=build/asan/tests/%)
	@ln -sf build/asan/abusedesk abusedesk
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lib/lsan.supp \
	  sh tests/run.sh build/asan; rc=$$?; ln -sf $(B)/abusedesk abusedesk; exit $$rc

coverage:
	@sh tests/lib/deps.sh test
	@$(MAKE) --no-print-directory BUILD=coverage CFLAGS='-g -O0 --coverage' LDFLAGS='--coverage' \
	  all tools build/coverage/tests/mimecmp build/coverage/tests/faultinject.so \
	  $(UNIT_SRC:tests/unit/%.c=build/coverage/tests/%)
	@chmod -R a+rwX build/coverage   # the pipe user's processes write their counters too
	@ln -sf build/coverage/abusedesk abusedesk
	@sh tests/lib/coverage.sh build/coverage; rc=$$?; ln -sf $(B)/abusedesk abusedesk; exit $$rc

check-valgrind: all $(UNIT_BIN)
	@VALGRIND=1 sh tests/run.sh $(B) unit

differential: all
	@SHOW=$${SHOW:-20} sh tests/differential/received.sh
	@SHOW=$${SHOW:-20} sh tests/differential/generated.sh
	@SHOW=$${SHOW:-20} sh tests/differential/bounces.sh
	@SHOW=$${SHOW:-20} sh tests/differential/generated_bounces.sh
	@sh tests/conformance/headers.sh

# the differentials on a sisimai set-of-emails checkout, less the corpus: SET=DIR
# (and, with MORE="DIR ...", on the Received values of the mail under each DIR)
differential-heldout: all
	@sh tests/differential/heldout.sh "$(SET)" $(MORE)

rua-heldout: all
	@python3 tests/conformance/rua_heldout.py "$(PDM)" "$(CURDIR)"

checksrc:
	@sh tests/lib/checksrc.sh

fuzz fuzz-smoke:
	@sh fuzz/build.sh $@

bench: deps all tools
	@sh bench/run.sh

bench-smoke: all tools
	@sh bench/run.sh --smoke

install: $(B)/abusedesk
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(SYSCONFDIR)/abusedesk
	install -m 0755 $(B)/abusedesk $(DESTDIR)$(BINDIR)/abusedesk
	install -d $(DESTDIR)$(DATADIR)/abusedesk
	install -m 0644 data/rdap-bootstrap.json $(DESTDIR)$(DATADIR)/abusedesk/rdap-bootstrap.json
	install -m 0644 man/abusedesk.1 $(DESTDIR)$(MANDIR)/man1/abusedesk.1
	install -m 0644 man/abusedesk.conf.5 $(DESTDIR)$(MANDIR)/man5/abusedesk.conf.5
	install -m 0644 contrib/abusedesk.conf.example $(DESTDIR)$(SYSCONFDIR)/abusedesk/abusedesk.conf.example

deb:
	@sh tests/lib/deps.sh deb
	@sh tests/lib/deb-build.sh

check-deb:
	@sh tests/lib/deps.sh deb
	@bash tests/deb/check-deb.sh

clean:
	rm -rf build abusedesk
