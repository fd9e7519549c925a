
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * libFuzzer target, differential: the one-pass fast path
 * (ngx_http_lambda_fast_pass()) against the full validator
 * (ngx_http_lambda_validate_body()), which stays the authority.  Whenever
 * the fast path says a body passes, the full validator must say PASS too,
 * with no charset and with "utf-8" (the two cases in which the module
 * consults the fast path); otherwise the target aborts.
 *
 * The first input byte picks the variant (bit 0: 0 for
 * POST /api/lambda/requests, 1 for an online call; bit 1: strict), the
 * rest is the body.  The fast path answering 0 is always allowed.
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "ngx_http_lambda_json.h"
#include "ngx_http_lambda_schema.h"
#include "ngx_http_lambda_fastpath.h"
#include "ngx_http_lambda_fuzz.h"


static void ngx_http_lambda_fuzz_full(ngx_http_lambda_body_kind_t kind,
    const unsigned char *body, size_t len, const char *charset, int strict);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void
ngx_http_lambda_fuzz_full(ngx_http_lambda_body_kind_t kind,
    const unsigned char *body, size_t len, const char *charset, int strict)
{
    char                      *text;
    ngx_http_lambda_result_t   res;

    if (ngx_http_lambda_validate_body(kind, body, len, charset,
                                      charset ? strlen(charset) : 0,
                                      "det", 3, strict, &res)
        != 0)
    {
        ngx_http_lambda_fuzz_fail("the full validator failed");
    }

    if (res.verdict != NGX_HTTP_LAMBDA_VERDICT_PASS) {
        text = res.error ? json_dumps(res.error, JSON_ENCODE_ANY) : NULL;

        ngx_http_lambda_fuzz_fail("the fast path passes a body the full "
                                  "validator refuses (kind %d, strict %d, "
                                  "charset %s): verdict %d %s",
                                  (int) kind, strict,
                                  charset ? charset : "none",
                                  (int) res.verdict, text ? text : "");
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                           strict, fast;
    size_t                        len;
    unsigned char                *body;
    ngx_http_lambda_body_kind_t   kind;

    if (size == 0) {
        return 0;
    }

    kind = (data[0] & 1) ? NGX_HTTP_LAMBDA_BODY_ONLINE
                         : NGX_HTTP_LAMBDA_BODY_REQUESTS;
    strict = (data[0] >> 1) & 1;

    len = size - 1;
    body = ngx_http_lambda_fuzz_dup(data + 1, len);

    fast = ngx_http_lambda_fast_pass(kind, body, len, strict);

    if (fast != 0 && fast != 1) {
        ngx_http_lambda_fuzz_fail("the fast path answered %d", fast);
    }

    if (fast) {
        ngx_http_lambda_fuzz_full(kind, body, len, NULL, strict);
        ngx_http_lambda_fuzz_full(kind, body, len, "utf-8", strict);
    }

    free(body);

    return 0;
}
