
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * libFuzzer target: the organization context, ngx_http_lambda_org_resolve()
 * and ngx_http_lambda_query_arg() (ngx_http_lambda_org.c, contract 5).
 *
 * Input: byte 0, bits 0-1, is how many X-Organization headers were sent
 * (0: none, the header is then absent); the rest is the query string up to
 * the first "\n", then the header value.  Both are copied to buffers of
 * their exact size, so a read past either is an AddressSanitizer report.
 *
 * The answer is compared with a reference written here from contract 5,
 * plainly and without the module's bounded buffers: every argument fully
 * percent-decoded ("+" is a space), the last "org" and "org_id" win, then
 * CVAT's conflicts, the slug rule ([-a-zA-Z0-9_]{1,16}) and an org_id that
 * Python's int() reads (ASCII whitespace, sign, digits with single "_")
 * and that fits a signed 64-bit key.  It also checks that:
 *
 *   - the identity is "", a valid slug, or "org_id:N" with N canonical,
 *     NUL-terminated, id_len == strlen(id), the kind agreeing;
 *   - the offending value of a 404 or of an invalid org_id is valid UTF-8
 *     of at most NGX_HTTP_LAMBDA_ORG_VALUE_MAX bytes, and the decoded
 *     value itself when that is short valid UTF-8;
 *   - ngx_http_lambda_query_arg() agrees with the reference for "org" and
 *     writes no byte past the buffer size it is given.
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_http_lambda_org.h"
#include "ngx_http_lambda_fuzz.h"


typedef struct {
    int             found;
    unsigned char  *value;       /* decoded, malloc()ed */
    size_t          len;
} ngx_http_lambda_ref_arg_t;


static int ngx_http_lambda_ref_hex(unsigned char c);
static size_t ngx_http_lambda_ref_unquote(const unsigned char *p, size_t len,
    unsigned char *out);
static void ngx_http_lambda_ref_args(const unsigned char *args, size_t len,
    const char *name, ngx_http_lambda_ref_arg_t *arg);
static int ngx_http_lambda_ref_slug(const unsigned char *p, size_t len);
static int ngx_http_lambda_ref_int(const unsigned char *p, size_t len,
    char *out);
static void ngx_http_lambda_fuzz_identity(const ngx_http_lambda_org_t *org);
static void ngx_http_lambda_fuzz_value(const ngx_http_lambda_org_t *org,
    const unsigned char *p, size_t len);
static void ngx_http_lambda_fuzz_query_arg(const unsigned char *args,
    size_t len, const ngx_http_lambda_ref_arg_t *ref, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static int
ngx_http_lambda_ref_hex(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }

    return -1;
}


/* urllib.parse.unquote_plus() on bytes; out has room for len bytes */

static size_t
ngx_http_lambda_ref_unquote(const unsigned char *p, size_t len,
    unsigned char *out)
{
    size_t  i, n;

    n = 0;
    i = 0;

    while (i < len) {

        if (p[i] == '+') {
            out[n++] = ' ';
            i++;

        } else if (p[i] == '%' && len - i >= 3
                   && ngx_http_lambda_ref_hex(p[i + 1]) >= 0
                   && ngx_http_lambda_ref_hex(p[i + 2]) >= 0)
        {
            out[n++] = (unsigned char) (ngx_http_lambda_ref_hex(p[i + 1]) * 16
                                        + ngx_http_lambda_ref_hex(p[i + 2]));
            i += 3;

        } else {
            out[n++] = p[i++];
        }
    }

    return n;
}


/* parse_qsl(keep_blank_values=True): "&" separates, the last one wins */

static void
ngx_http_lambda_ref_args(const unsigned char *args, size_t len,
    const char *name, ngx_http_lambda_ref_arg_t *arg)
{
    size_t          start, end, eq, klen, vlen;
    unsigned char  *key, *value;

    arg->found = 0;
    arg->value = NULL;
    arg->len = 0;

    key = malloc(len + 1);
    value = malloc(len + 1);

    if (key == NULL || value == NULL) {
        ngx_http_lambda_fuzz_fail("out of memory");
    }

    start = 0;

    while (start <= len) {

        for (end = start; end < len && args[end] != '&'; end++) {
            /* void */
        }

        for (eq = start; eq < end && args[eq] != '='; eq++) {
            /* void */
        }

        klen = ngx_http_lambda_ref_unquote(args + start, eq - start, key);

        if (eq < end) {
            vlen = ngx_http_lambda_ref_unquote(args + eq + 1, end - eq - 1,
                                               value);
        } else {
            vlen = 0;
        }

        if (end > start && klen == strlen(name)
            && memcmp(key, name, klen) == 0)
        {
            free(arg->value);

            arg->found = 1;
            arg->value = malloc(vlen + 1);

            if (arg->value == NULL) {
                ngx_http_lambda_fuzz_fail("out of memory");
            }

            memcpy(arg->value, value, vlen);
            arg->len = vlen;
        }

        start = end + 1;
    }

    free(key);
    free(value);
}


static int
ngx_http_lambda_ref_slug(const unsigned char *p, size_t len)
{
    size_t  i;

    if (len < 1 || len > 16) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                   "0123456789-_", p[i]) == NULL
            || p[i] == '\0')
        {
            return 0;
        }
    }

    return 1;
}


/*
 * int() of an ASCII str that must fit a signed 64-bit key; writes
 * "org_id:N" in canonical form.  Returns 0 when int() fails or the value
 * does not fit.
 */

static int
ngx_http_lambda_ref_int(const unsigned char *p, size_t len, char *out)
{
    int             neg;
    char            digits[64];
    size_t          i, end, n;
    unsigned __int128  v;

    i = 0;
    end = len;

    while (i < end && strchr(" \t\n\v\f\r", p[i]) && p[i]) {
        i++;
    }

    while (end > i && strchr(" \t\n\v\f\r", p[end - 1]) && p[end - 1]) {
        end--;
    }

    neg = 0;

    if (i < end && (p[i] == '+' || p[i] == '-')) {
        neg = (p[i] == '-');
        i++;
    }

    if (i == end || p[i] == '_' || p[end - 1] == '_') {
        return 0;
    }

    v = 0;
    n = 0;

    for ( /* void */ ; i < end; i++) {

        if (p[i] == '_') {
            if (p[i - 1] == '_') {
                return 0;
            }

            continue;
        }

        if (p[i] < '0' || p[i] > '9') {
            return 0;
        }

        v = v * 10 + (p[i] - '0');

        if (v > ((unsigned __int128) 1 << 63)) {
            return 0;
        }

        n++;
    }

    if (n == 0 || (!neg && v == ((unsigned __int128) 1 << 63))) {
        return 0;
    }

    n = 0;

    do {
        digits[n++] = (char) ('0' + (int) (v % 10));
        v /= 10;
    } while (v);

    strcpy(out, "org_id:");

    if (neg && !(n == 1 && digits[0] == '0')) {
        strcat(out, "-");
    }

    i = strlen(out);

    while (n) {
        out[i++] = digits[--n];
    }

    out[i] = '\0';

    return 1;
}


static void
ngx_http_lambda_fuzz_identity(const ngx_http_lambda_org_t *org)
{
    size_t  i;

    if (org->id_len > NGX_HTTP_LAMBDA_ORG_MAX
        || org->id[org->id_len] != '\0'
        || strlen(org->id) != org->id_len)
    {
        ngx_http_lambda_fuzz_fail("identity of %zu bytes is not a C string",
                                  org->id_len);
    }

    switch (org->kind) {

    case NGX_HTTP_LAMBDA_ORG_PERSONAL:
        if (org->id_len != 0) {
            ngx_http_lambda_fuzz_fail("personal workspace named \"%s\"",
                                      org->id);
        }

        return;

    case NGX_HTTP_LAMBDA_ORG_SLUG:
        if (!ngx_http_lambda_ref_slug((unsigned char *) org->id,
                                      org->id_len))
        {
            ngx_http_lambda_fuzz_fail("not a slug: \"%s\"", org->id);
        }

        return;

    case NGX_HTTP_LAMBDA_ORG_ID:
        i = 7;

        if (org->id_len < 8 || memcmp(org->id, "org_id:", 7) != 0) {
            ngx_http_lambda_fuzz_fail("not an org_id: \"%s\"", org->id);
        }

        if (org->id[i] == '-') {
            i++;
        }

        if (i == org->id_len
            || (org->id[i] == '0' && org->id_len > i + 1)
            || (org->id[i] == '0' && org->id[7] == '-'))
        {
            ngx_http_lambda_fuzz_fail("not canonical: \"%s\"", org->id);
        }

        for ( /* void */ ; i < org->id_len; i++) {
            if (org->id[i] < '0' || org->id[i] > '9') {
                ngx_http_lambda_fuzz_fail("not an org_id: \"%s\"", org->id);
            }
        }

        return;

    default:
        ngx_http_lambda_fuzz_fail("kind %d", (int) org->kind);
    }
}


/* the offending value shown in the error body */

static void
ngx_http_lambda_fuzz_value(const ngx_http_lambda_org_t *org,
    const unsigned char *p, size_t len)
{
    size_t  n;

    if (org->value_len > NGX_HTTP_LAMBDA_ORG_VALUE_MAX
        || !ngx_http_lambda_fuzz_utf8((unsigned char *) org->value,
                                      org->value_len))
    {
        ngx_http_lambda_fuzz_fail("the value shown (%zu bytes) is not "
                                  "bounded UTF-8", org->value_len);
    }

    /* the value sent, or the first bytes of a longer one */

    n = len < NGX_HTTP_LAMBDA_ORG_VALUE_MAX ? len
                                            : NGX_HTTP_LAMBDA_ORG_VALUE_MAX;

    if (ngx_http_lambda_fuzz_utf8(p, n)
        && (org->value_len != n || memcmp(org->value, p, n) != 0))
    {
        ngx_http_lambda_fuzz_fail("the value shown is not the first %zu "
                                  "bytes of the %zu sent", n, len);
    }
}


static void
ngx_http_lambda_fuzz_query_arg(const unsigned char *args, size_t len,
    const ngx_http_lambda_ref_arg_t *ref, size_t size)
{
    int             found;
    size_t          n;
    unsigned char  *buf;

    buf = malloc(size);
    if (buf == NULL) {
        ngx_http_lambda_fuzz_fail("out of memory");
    }

    found = ngx_http_lambda_query_arg(args, len, "org", 3, buf, size, &n);

    if (found != ref->found || n != ref->len
        || memcmp(buf, ref->value ? ref->value : (unsigned char *) "",
                  n < size ? n : size) != 0)
    {
        ngx_http_lambda_fuzz_fail("query_arg(\"org\") found %d, %zu bytes; "
                                  "the reference %d, %zu bytes", found, n,
                                  ref->found, ref->len);
    }

    free(buf);
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                         has_header, conflict;
    char                        want[NGX_HTTP_LAMBDA_ORG_MAX + 1];
    size_t                      args_len, header_len, slug_len;
    unsigned                    count;
    unsigned char              *args, *header, *slug;
    const uint8_t              *nl;
    ngx_http_lambda_org_t       org;
    ngx_http_lambda_org_rc_e    rc, expect;
    ngx_http_lambda_ref_arg_t   ref_org, ref_id;

    if (size == 0) {
        return 0;
    }

    count = data[0] & 3;
    has_header = (count > 0);

    nl = memchr(data + 1, '\n', size - 1);

    args_len = nl ? (size_t) (nl - data - 1) : size - 1;
    header_len = nl ? size - 1 - args_len - 1 : 0;

    args = ngx_http_lambda_fuzz_dup(data + 1, args_len);
    header = ngx_http_lambda_fuzz_dup(nl ? nl + 1 : data + size, header_len);

    rc = ngx_http_lambda_org_resolve(args, args_len,
                                     has_header ? header : NULL, header_len,
                                     count, &org);

    /* the reference */

    ngx_http_lambda_ref_args(args, args_len, "org", &ref_org);
    ngx_http_lambda_ref_args(args, args_len, "org_id", &ref_id);

    want[0] = '\0';
    slug = NULL;
    slug_len = 0;
    conflict = 0;

    if (count > 1) {
        expect = NGX_HTTP_LAMBDA_ORG_DUPLICATE_HEADER;

    } else if (ref_id.found && (ref_org.found || has_header)) {
        expect = NGX_HTTP_LAMBDA_ORG_CONFLICT_ID;

    } else if (ref_org.found && has_header
               && (ref_org.len != header_len
                   || memcmp(ref_org.value, header, header_len) != 0))
    {
        expect = NGX_HTTP_LAMBDA_ORG_CONFLICT_SLUG;
        conflict = 1;

    } else {
        if (ref_org.found) {
            slug = ref_org.value;
            slug_len = ref_org.len;

        } else if (has_header) {
            slug = header;
            slug_len = header_len;
        }

        if (slug_len) {
            if (ngx_http_lambda_ref_slug(slug, slug_len)) {
                expect = NGX_HTTP_LAMBDA_ORG_OK;
                memcpy(want, slug, slug_len);
                want[slug_len] = '\0';

            } else {
                expect = NGX_HTTP_LAMBDA_ORG_UNKNOWN_SLUG;
            }

        } else if (ref_id.found && ref_id.len) {
            expect = ngx_http_lambda_ref_int(ref_id.value, ref_id.len, want)
                     ? NGX_HTTP_LAMBDA_ORG_OK
                     : NGX_HTTP_LAMBDA_ORG_INVALID_ID;

        } else {
            expect = NGX_HTTP_LAMBDA_ORG_OK;
        }
    }

    if (rc != expect) {
        ngx_http_lambda_fuzz_fail("org_resolve gave %d, the reference %d "
                                  "(args %zu bytes, header %s %zu bytes, "
                                  "org %zu bytes%s)", (int) rc, (int) expect,
                                  args_len, has_header ? "present" : "absent",
                                  header_len, ref_org.len,
                                  conflict ? ", differing" : "");
    }

    if (rc == NGX_HTTP_LAMBDA_ORG_OK) {
        ngx_http_lambda_fuzz_identity(&org);

        if (strcmp(org.id, want) != 0) {
            ngx_http_lambda_fuzz_fail("identity \"%s\", the reference "
                                      "\"%s\"", org.id, want);
        }

        /* a reference points at the same bytes inside the input */

        if (org.ref != NULL
            && ((org.ref < args || org.ref + org.id_len > args + args_len)
                && (!has_header || org.ref < header
                    || org.ref + org.id_len > header + header_len)))
        {
            ngx_http_lambda_fuzz_fail("identity referred to outside the "
                                      "input");
        }

        if (org.ref != NULL && memcmp(org.ref, org.id, org.id_len) != 0) {
            ngx_http_lambda_fuzz_fail("the referred identity differs");
        }

    } else if (rc == NGX_HTTP_LAMBDA_ORG_UNKNOWN_SLUG) {
        ngx_http_lambda_fuzz_value(&org, slug, slug_len);

    } else if (rc == NGX_HTTP_LAMBDA_ORG_INVALID_ID) {
        ngx_http_lambda_fuzz_value(&org, ref_id.value, ref_id.len);
    }

    /* the single-argument lookup, with buffers of every small size */

    ngx_http_lambda_fuzz_query_arg(args, args_len, &ref_org, 0);
    ngx_http_lambda_fuzz_query_arg(args, args_len, &ref_org,
                                   ref_org.len / 2);
    ngx_http_lambda_fuzz_query_arg(args, args_len, &ref_org,
                                   ref_org.len + 1);

    free(ref_org.value);
    free(ref_id.value);
    free(args);
    free(header);

    return 0;
}
