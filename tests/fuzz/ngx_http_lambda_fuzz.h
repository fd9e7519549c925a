
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * Helpers shared by the libFuzzer targets of the pure cores: a failure
 * that aborts with a readable message (libFuzzer then saves the input),
 * exact-size copies of the input so that AddressSanitizer sees a read one
 * byte past any part of it, and the checks every error body must pass.
 */


#ifndef _NGX_HTTP_LAMBDA_FUZZ_H_INCLUDED_
#define _NGX_HTTP_LAMBDA_FUZZ_H_INCLUDED_


#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static inline void ngx_http_lambda_fuzz_fail(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));


static inline void
ngx_http_lambda_fuzz_fail(const char *fmt, ...)
{
    va_list  args;

    fprintf(stderr, "\nngx_http_lambda fuzz invariant failed: ");

    va_start(args, fmt);
    vfprintf(stderr, fmt, args);
    va_end(args);

    fprintf(stderr, "\n");

    abort();
}


/*
 * A copy of exactly len bytes in its own allocation: AddressSanitizer
 * reports a read of p[len] (also for len == 0, where malloc(0) gives a
 * distinct pointer with no usable byte).
 */

static inline unsigned char *
ngx_http_lambda_fuzz_dup(const uint8_t *data, size_t len)
{
    unsigned char  *p;

    p = malloc(len);
    if (p == NULL) {
        ngx_http_lambda_fuzz_fail("out of memory");
    }

    if (len) {
        memcpy(p, data, len);
    }

    return p;
}


/*
 * Strict UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF), written independently of the cores.
 */

static inline int
ngx_http_lambda_fuzz_utf8(const unsigned char *p, size_t len)
{
    size_t    i, k, n;
    uint32_t  cp, min;

    i = 0;

    while (i < len) {

        if (p[i] < 0x80) {
            i++;
            continue;
        }

        if (p[i] >= 0xc2 && p[i] <= 0xdf) {
            n = 1;
            cp = p[i] & 0x1f;
            min = 0x80;

        } else if ((p[i] & 0xf0) == 0xe0) {
            n = 2;
            cp = p[i] & 0x0f;
            min = 0x800;

        } else if (p[i] >= 0xf0 && p[i] <= 0xf4) {
            n = 3;
            cp = p[i] & 0x07;
            min = 0x10000;

        } else {
            return 0;
        }

        if (len - i <= n) {
            return 0;
        }

        for (k = 1; k <= n; k++) {
            if ((p[i + k] & 0xc0) != 0x80) {
                return 0;
            }

            cp = (cp << 6) | (p[i + k] & 0x3f);
        }

        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return 0;
        }

        i += n + 1;
    }

    return 1;
}


#ifdef _NGX_HTTP_LAMBDA_JSON_H_INCLUDED_

/*
 * An error value as the gateway sends it: ngx_http_lambda_json_dumpb()
 * must render it (a 400 with an empty body is a bug), the rendering must
 * be valid UTF-8 JSON that reads back to the same value, and every "\u"
 * escape must use lowercase hex as Python's json module writes it.
 * Returns the rendering (malloc()ed, NUL-terminated) for further checks.
 */

static inline char *
ngx_http_lambda_fuzz_render(const json_t *value)
{
    int            upper;
    char          *buf;
    size_t         n, m, i, k;
    json_t        *back;
    json_error_t   err;

    n = ngx_http_lambda_json_dumpb(value, NULL, 0);
    if (n == 0) {
        ngx_http_lambda_fuzz_fail("the error value does not serialise");
    }

    buf = malloc(n + 1);
    if (buf == NULL) {
        ngx_http_lambda_fuzz_fail("out of memory");
    }

    m = ngx_http_lambda_json_dumpb(value, buf, n);
    if (m != n) {
        ngx_http_lambda_fuzz_fail("dumpb gave %zu bytes, then %zu", n, m);
    }

    buf[n] = '\0';

    if (!ngx_http_lambda_fuzz_utf8((unsigned char *) buf, n)) {
        ngx_http_lambda_fuzz_fail("the error body is not UTF-8: %s", buf);
    }

    back = json_loadb(buf, n, JSON_DECODE_ANY | JSON_ALLOW_NUL
                              | JSON_REJECT_DUPLICATES, &err);
    if (back == NULL) {
        ngx_http_lambda_fuzz_fail("the error body is not JSON (%s): %s",
                                  err.text, buf);
    }

    if (!json_equal(back, (json_t *) value)) {
        ngx_http_lambda_fuzz_fail("the error body reads back differently: "
                                  "%s", buf);
    }

    json_decref(back);

    for (i = 0; i + 1 < n; i++) {

        if (buf[i] != '\\') {
            continue;
        }

        if (buf[i + 1] == 'u') {
            upper = 0;

            for (k = i + 2; k < i + 6 && k < n; k++) {
                if (buf[k] >= 'A' && buf[k] <= 'F') {
                    upper = 1;
                }
            }

            if (upper) {
                ngx_http_lambda_fuzz_fail("uppercase \\u escape: %s", buf);
            }
        }

        i++;
    }

    return buf;
}

#endif


#endif /* _NGX_HTTP_LAMBDA_FUZZ_H_INCLUDED_ */
