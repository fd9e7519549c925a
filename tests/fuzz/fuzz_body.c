
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * libFuzzer target: the body validator, ngx_http_lambda_validate_body(),
 * for both POSTs (ngx_http_lambda_schema.c over ngx_http_lambda_json.c).
 *
 * The first input byte picks the variant, the rest is the body:
 *
 *   bit 0      0: POST /api/lambda/requests, 1: an online call
 *   bit 1      lambda_validate strict
 *   bits 2-4   the Content-Type charset, from the table below; the last
 *              entry takes it from the input, up to the first "\n"
 *   bits 5-7   7: allocation failures; byte 1 is N and every allocation
 *              from the Nth on fails, the body starts at byte 2
 *
 * Beyond what AddressSanitizer, UBSan and LeakSanitizer catch, it aborts
 * when:
 *
 *   - the answer is inconsistent: PASS with a status or an error value,
 *     a refusal without one, a status other than 400;
 *   - a JSON refusal is not {"detail":"JSON parse error - ..."}, a schema
 *     refusal is not DRF-shaped (a string, a list of strings, or an
 *     object whose values are lists of strings or such objects);
 *   - the error value does not serialise with ngx_http_lambda_json_dumpb()
 *     to UTF-8 JSON that reads back to the same value, with lowercase
 *     "\u" escapes;
 *   - the same call twice gives different answers;
 *   - strict passes a body that the lenient mode refuses, or the two
 *     disagree on a JSON refusal (parsing does not depend on strictness);
 *   - the two POST kinds disagree on whether the body is valid JSON;
 *   - a spelling of UTF-8 ("utf-8", "", "\"UTF8\"") answers differently
 *     from no charset, or a single-byte charset answers an ASCII body
 *     differently from UTF-8;
 *   - with allocation failures, -1 is returned with an error value left.
 *
 * jansson's own loader is one step for the allocation failures: the target
 * is linked with -Wl,--wrap=json_loadb, and when the failure point falls
 * inside json_loadb() the call fails as a whole with jansson's
 * "out of memory" error.  jansson 2.14's lexer cannot survive a failure
 * inside it (an assertion in lex_unget_unsave() aborts; see
 * docs/hostile-input.md), which is jansson's, not the cores'.
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "ngx_http_lambda_json.h"
#include "ngx_http_lambda_schema.h"
#include "ngx_http_lambda_fuzz.h"


#define NGX_HTTP_LAMBDA_FUZZ_NOMEM  7


typedef struct {
    const char  *name;
    int          utf8;       /* a spelling of UTF-8 */
    int          single;     /* a single-byte charset: ASCII reads alike */
} ngx_http_lambda_fuzz_charset_t;


static const ngx_http_lambda_fuzz_charset_t  ngx_http_lambda_fuzz_charsets[] =
{
    { NULL, 1, 0 },
    { "utf-8", 1, 0 },
    { "", 1, 0 },
    { "\"UTF8\"", 1, 0 },
    { "latin-1", 0, 1 },
    { "ISO_8859-1", 0, 1 },
    { "ascii", 0, 1 },
    { NULL, 0, 0 }              /* from the input */
};


#define NGX_HTTP_LAMBDA_FUZZ_CHARSET_INPUT  7


static size_t  ngx_http_lambda_fuzz_allocs;
static size_t  ngx_http_lambda_fuzz_fail_at;
static int     ngx_http_lambda_fuzz_in_loader;


static void *ngx_http_lambda_fuzz_malloc(size_t size);
static void ngx_http_lambda_fuzz_drf(const json_t *value, int depth);
static void ngx_http_lambda_fuzz_shape(ngx_http_lambda_body_kind_t kind,
    const ngx_http_lambda_result_t *res);
static void ngx_http_lambda_fuzz_same(const ngx_http_lambda_result_t *a,
    const ngx_http_lambda_result_t *b, const char *what);
static void ngx_http_lambda_fuzz_run(ngx_http_lambda_body_kind_t kind,
    const unsigned char *body, size_t len, const char *charset,
    size_t charset_len, int strict, ngx_http_lambda_result_t *res);
static void ngx_http_lambda_fuzz_free(ngx_http_lambda_result_t *res);

json_t *__real_json_loadb(const char *buffer, size_t buflen, size_t flags,
    json_error_t *error);
json_t *__wrap_json_loadb(const char *buffer, size_t buflen, size_t flags,
    json_error_t *error);
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static void *
ngx_http_lambda_fuzz_malloc(size_t size)
{
    if (ngx_http_lambda_fuzz_fail_at && !ngx_http_lambda_fuzz_in_loader
        && ++ngx_http_lambda_fuzz_allocs >= ngx_http_lambda_fuzz_fail_at)
    {
        return NULL;
    }

    return malloc(size);
}


json_t *
__wrap_json_loadb(const char *buffer, size_t buflen, size_t flags,
    json_error_t *error)
{
    json_t  *value;

    if (ngx_http_lambda_fuzz_fail_at
        && ++ngx_http_lambda_fuzz_allocs >= ngx_http_lambda_fuzz_fail_at)
    {
        if (error != NULL) {
            memset(error, 0, sizeof(json_error_t));
            strcpy(error->text, "out of memory");
            error->text[JSON_ERROR_TEXT_LENGTH - 1] =
                                                (char) json_error_out_of_memory;
        }

        return NULL;
    }

    ngx_http_lambda_fuzz_in_loader = 1;
    value = __real_json_loadb(buffer, buflen, flags, error);
    ngx_http_lambda_fuzz_in_loader = 0;

    return value;
}


/* DRF's error shapes: ValidationError detail, nested for fields */

static void
ngx_http_lambda_fuzz_drf(const json_t *value, int depth)
{
    size_t       i;
    json_t      *item;
    const char  *key;

    if (depth > 8) {
        ngx_http_lambda_fuzz_fail("error value nested %d levels", depth);
    }

    if (json_is_array(value)) {
        if (json_array_size(value) == 0) {
            ngx_http_lambda_fuzz_fail("an empty list of errors");
        }

        json_array_foreach(value, i, item) {
            if (!json_is_string(item)) {
                ngx_http_lambda_fuzz_fail("a list of errors holds a %d",
                                          json_typeof(item));
            }
        }

        return;
    }

    if (!json_is_object(value) || json_object_size(value) == 0) {
        ngx_http_lambda_fuzz_fail("a field error is neither a list nor a "
                                  "non-empty object");
    }

    json_object_foreach((json_t *) value, key, item) {
        ngx_http_lambda_fuzz_drf(item, depth + 1);
    }
}


static void
ngx_http_lambda_fuzz_shape(ngx_http_lambda_body_kind_t kind,
    const ngx_http_lambda_result_t *res)
{
    char        *text;
    json_t      *detail;
    const char  *s;

    switch (res->verdict) {

    case NGX_HTTP_LAMBDA_VERDICT_PASS:
        if (res->status != 0 || res->error != NULL) {
            ngx_http_lambda_fuzz_fail("PASS with status %d or an error",
                                      res->status);
        }

        return;

    case NGX_HTTP_LAMBDA_VERDICT_JSON:
        if (res->status != 400 || !json_is_object(res->error)
            || json_object_size(res->error) != 1)
        {
            ngx_http_lambda_fuzz_fail("a JSON refusal is not a 400 with "
                                      "{\"detail\": ...}");
        }

        detail = json_object_get(res->error, "detail");
        s = json_string_value(detail);

        if (s == NULL
            || strncmp(s, NGX_HTTP_LAMBDA_JSON_ERROR_PREFIX,
                       sizeof(NGX_HTTP_LAMBDA_JSON_ERROR_PREFIX) - 1)
               != 0)
        {
            ngx_http_lambda_fuzz_fail("a JSON refusal without DRF's prefix");
        }

        break;

    case NGX_HTTP_LAMBDA_VERDICT_SCHEMA:
        if (res->status != 400 || res->error == NULL) {
            ngx_http_lambda_fuzz_fail("a schema refusal with status %d or "
                                      "no error", res->status);
        }

        if (json_is_string(res->error)) {
            s = json_string_value(res->error);

            /* CVAT's view answers with a bare string naming the function */

            if (kind != NGX_HTTP_LAMBDA_BODY_ONLINE
                || strncmp(s, "`det` lambda function ", 22) != 0)
            {
                ngx_http_lambda_fuzz_fail("an unexpected string answer: %s",
                                          s);
            }

        } else {
            ngx_http_lambda_fuzz_drf(res->error, 0);
        }

        break;

    default:
        ngx_http_lambda_fuzz_fail("verdict %d", (int) res->verdict);
    }

    text = ngx_http_lambda_fuzz_render(res->error);
    free(text);
}


static void
ngx_http_lambda_fuzz_same(const ngx_http_lambda_result_t *a,
    const ngx_http_lambda_result_t *b, const char *what)
{
    char  *ta, *tb;

    if (a->verdict == b->verdict && a->status == b->status
        && ((a->error == NULL && b->error == NULL)
            || (a->error != NULL && b->error != NULL
                && json_equal(a->error, b->error))))
    {
        return;
    }

    ta = a->error ? json_dumps(a->error, JSON_ENCODE_ANY) : NULL;
    tb = b->error ? json_dumps(b->error, JSON_ENCODE_ANY) : NULL;

    ngx_http_lambda_fuzz_fail("%s: verdict %d %s, then verdict %d %s", what,
                              (int) a->verdict, ta ? ta : "(none)",
                              (int) b->verdict, tb ? tb : "(none)");
}


static void
ngx_http_lambda_fuzz_run(ngx_http_lambda_body_kind_t kind,
    const unsigned char *body, size_t len, const char *charset,
    size_t charset_len, int strict, ngx_http_lambda_result_t *res)
{
    if (ngx_http_lambda_validate_body(kind, body, len, charset, charset_len,
                                      "det", 3, strict, res)
        != 0)
    {
        ngx_http_lambda_fuzz_fail("-1 without an allocation failure");
    }

    ngx_http_lambda_fuzz_shape(kind, res);
}


static void
ngx_http_lambda_fuzz_free(ngx_http_lambda_result_t *res)
{
    if (res->error != NULL) {
        json_decref(res->error);
        res->error = NULL;
    }
}


int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;

    json_set_alloc_funcs(ngx_http_lambda_fuzz_malloc, free);

    return 0;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                                    strict, rc;
    size_t                                 i, len, skip, cs_len;
    unsigned char                         *body, *input;
    const char                            *charset;
    const uint8_t                         *nl;
    ngx_http_lambda_result_t               res, again, other;
    ngx_http_lambda_body_kind_t            kind;
    const ngx_http_lambda_fuzz_charset_t  *cs;

    if (size == 0) {
        return 0;
    }

    kind = (data[0] & 1) ? NGX_HTTP_LAMBDA_BODY_ONLINE
                         : NGX_HTTP_LAMBDA_BODY_REQUESTS;
    strict = (data[0] >> 1) & 1;
    cs = &ngx_http_lambda_fuzz_charsets[(data[0] >> 2) & 7];

    skip = 1;

    if ((data[0] >> 5) == NGX_HTTP_LAMBDA_FUZZ_NOMEM) {
        if (size < 2) {
            return 0;
        }

        skip = 2;
    }

    len = size - skip;
    input = NULL;

    if (((data[0] >> 2) & 7) == NGX_HTTP_LAMBDA_FUZZ_CHARSET_INPUT) {

        /* any bytes as the charset, in a buffer of their exact size */

        nl = memchr(data + skip, '\n', len);
        cs_len = nl ? (size_t) (nl - data - skip) : 0;
        input = ngx_http_lambda_fuzz_dup(data + skip, cs_len);
        charset = (const char *) input;

        if (nl) {
            skip += cs_len + 1;
            len -= cs_len + 1;
        }

    } else {
        charset = cs->name;
        cs_len = charset ? strlen(charset) : 0;
    }

    body = ngx_http_lambda_fuzz_dup(data + skip, len);

    if (skip == 2) {

        /* every allocation from the Nth on fails: cleanup paths */

        ngx_http_lambda_fuzz_allocs = 0;
        ngx_http_lambda_fuzz_fail_at = (size_t) data[1] + 1;

        rc = ngx_http_lambda_validate_body(kind, body, len, charset, cs_len,
                                           "det", 3, strict, &res);

        ngx_http_lambda_fuzz_fail_at = 0;

        if (rc == -1) {
            if (res.error != NULL) {
                ngx_http_lambda_fuzz_fail("-1 with an error value");
            }

        } else if (rc == 0) {
            ngx_http_lambda_fuzz_shape(kind, &res);
            ngx_http_lambda_fuzz_free(&res);

        } else {
            ngx_http_lambda_fuzz_fail("validate returned %d", rc);
        }

        free(body);
        free(input);
        return 0;
    }

    ngx_http_lambda_fuzz_run(kind, body, len, charset, cs_len, strict, &res);

    /* the same call again: no hidden state */

    ngx_http_lambda_fuzz_run(kind, body, len, charset, cs_len, strict,
                             &again);
    ngx_http_lambda_fuzz_same(&res, &again, "a second call");
    ngx_http_lambda_fuzz_free(&again);

    /* strictness only adds refusals of unknown fields */

    ngx_http_lambda_fuzz_run(kind, body, len, charset, cs_len, !strict,
                             &other);

    if (strict && res.verdict == NGX_HTTP_LAMBDA_VERDICT_PASS
        && other.verdict != NGX_HTTP_LAMBDA_VERDICT_PASS)
    {
        ngx_http_lambda_fuzz_fail("strict passes what lenient refuses");
    }

    if (!strict && other.verdict == NGX_HTTP_LAMBDA_VERDICT_PASS
        && res.verdict != NGX_HTTP_LAMBDA_VERDICT_PASS)
    {
        ngx_http_lambda_fuzz_fail("strict passes what lenient refuses");
    }

    if (res.verdict == NGX_HTTP_LAMBDA_VERDICT_JSON
        || other.verdict == NGX_HTTP_LAMBDA_VERDICT_JSON)
    {
        ngx_http_lambda_fuzz_same(&res, &other, "strict and lenient");
    }

    ngx_http_lambda_fuzz_free(&other);

    /* parsing comes before the schema: both kinds read the same JSON */

    ngx_http_lambda_fuzz_run(kind == NGX_HTTP_LAMBDA_BODY_ONLINE
                             ? NGX_HTTP_LAMBDA_BODY_REQUESTS
                             : NGX_HTTP_LAMBDA_BODY_ONLINE,
                             body, len, charset, cs_len, strict, &other);

    if (res.verdict == NGX_HTTP_LAMBDA_VERDICT_JSON
        || other.verdict == NGX_HTTP_LAMBDA_VERDICT_JSON)
    {
        ngx_http_lambda_fuzz_same(&res, &other, "the two POST kinds");
    }

    ngx_http_lambda_fuzz_free(&other);

    /* another spelling of the same decoding answers alike */

    if (charset != NULL) {

        if (cs->single) {
            for (i = 0; i < len; i++) {
                if (body[i] >= 0x80) {
                    break;
                }
            }

        } else {
            i = len;
        }

        if (cs->utf8 || (cs->single && i == len)) {
            ngx_http_lambda_fuzz_run(kind, body, len, NULL, 0, strict,
                                     &other);
            ngx_http_lambda_fuzz_same(&other, &res, cs->name);
            ngx_http_lambda_fuzz_free(&other);
        }
    }

    ngx_http_lambda_fuzz_free(&res);
    free(body);
    free(input);

    return 0;
}
