# ngx_lambda_gateway
#
#   make          build the dynamic module against Debian's nginx source tree
#   make test     install what is missing, build, run unit and t/ tests
#   make demo     install what is missing, build, run nginx in front of a
#                 mock CVAT on 127.0.0.1:$(PORT)
#
# VALGRIND=1 runs the t/ suite with nginx under valgrind; TEST_FILES= picks
# t/ files; TEST_NGINX_HARNESS=real uses an installed Test::Nginx.

NGINX_SRC ?= /usr/share/nginx/src
NGINX     ?= /usr/sbin/nginx
BUILD     ?= build
PORT      ?= 8080
CC        ?= cc

NGX_BUILD  = $(BUILD)/nginx
MODULE     = $(NGX_BUILD)/objs/ngx_http_lambda_module.so
ECHO_MOD   = /usr/lib/nginx/modules/ngx_http_echo_module.so

# the flags Debian builds its own nginx with, plus the project's warnings
CC_OPT     = -g -O2 -fstack-protector-strong -Wformat \
             -Werror=format-security -fPIC -Wdate-time -D_FORTIFY_SOURCE=2 \
             -Wall -Wextra -Werror

DEBS       = make gcc perl nginx nginx-dev libjansson-dev libhiredis-dev \
             redis-server libtest-base-perl libnginx-mod-http-echo \
             valgrind curl

TEST_FILES ?= t/*.t

# configure again when a source file appears or goes: objs/Makefile lists
# the files
SRCS_LIST := $(sort $(wildcard ngx_module/*.c ngx_module/*.h))
$(shell mkdir -p $(BUILD); echo '$(SRCS_LIST)' | cmp -s - $(BUILD)/srcs.list \
        || echo '$(SRCS_LIST)' > $(BUILD)/srcs.list)

.PHONY: all module deps unit style test test-valgrind demo bench fuzz \
        fuzz-smoke clean

all: module

deps:
	@missing=""; \
	for p in $(DEBS); do \
	    dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    echo "installing:$$missing"; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update && apt-get install -y $$missing; \
	fi

module: $(MODULE)

$(NGX_BUILD)/objs/Makefile: config $(BUILD)/srcs.list
	rm -rf $(NGX_BUILD)
	mkdir -p $(BUILD)
	cp -r $(NGINX_SRC) $(NGX_BUILD)
	cd $(NGX_BUILD) && bash -c '. ./conf_flags && ./configure \
	    "$${NGX_CONF_FLAGS[@]}" --with-compat --with-debug \
	    --with-cc-opt="$(CC_OPT)" --add-dynamic-module=$(CURDIR)' \
	    > $(CURDIR)/$(BUILD)/configure.log 2>&1 \
	    || { tail -20 $(CURDIR)/$(BUILD)/configure.log; exit 1; }

$(MODULE): $(NGX_BUILD)/objs/Makefile $(wildcard ngx_module/*.c) \
           $(wildcard ngx_module/*.h)
	$(MAKE) -C $(NGX_BUILD) -f objs/Makefile modules

unit:
	$(MAKE) -C tests

# nginx core style: 80 columns, no tabs, no C++ comments
style:
	@bad=$$(awk 'length > 80 { print FILENAME ":" FNR ": longer than 80" }' \
	        ngx_module/*.[ch] tests/*.[ch]; \
	        grep -n "$$(printf '\t')" ngx_module/*.[ch] tests/*.[ch] \
	            | sed 's/$$/: tab/'; \
	        grep -n '^\s*//' ngx_module/*.[ch] | sed 's/$$/: C++ comment/'); \
	if [ -n "$$bad" ]; then echo "$$bad"; exit 1; fi

test: deps style module unit
	@TEST_NGINX_BINARY=$(NGINX) \
	TEST_NGINX_LOAD_MODULES="$(CURDIR)/$(MODULE) $(ECHO_MOD)" \
	t/run-tests tests/bin/test_* $(TEST_FILES)

test-valgrind: deps module unit
	@TEST_NGINX_USE_VALGRIND=1 TEST_NGINX_BINARY=$(NGINX) \
	TEST_NGINX_LOAD_MODULES="$(CURDIR)/$(MODULE) $(ECHO_MOD)" \
	t/run-tests $(TEST_FILES)

bench: deps module
	@for p in wrk haproxy; do \
	    dpkg -s $$p >/dev/null 2>&1 || apt-get install -y $$p; \
	done
	MODULE="$(CURDIR)/$(MODULE)" bench/run $(BENCH_ARGS)

fuzz:
	@command -v clang >/dev/null || apt-get install -y clang
	$(MAKE) -C tests fuzz

fuzz-smoke:
	@command -v clang >/dev/null || apt-get install -y clang
	$(MAKE) -C tests fuzz-smoke

demo: deps module
	@conf/demo.sh "$(CURDIR)/$(MODULE)" "$(PORT)" "$(CURDIR)/$(BUILD)/demo"

clean:
	rm -rf $(BUILD) t/servroot*
	$(MAKE) -C tests clean 2>/dev/null || true
