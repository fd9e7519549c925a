
/*
 * Copyright (C) ngx_lambda_gateway developers
 */


#include <string.h>
#include <stdint.h>

#include "ngx_http_lambda_org.h"


#define NGX_HTTP_LAMBDA_SLUG_MAX  16


typedef struct {
    const char           *name;
    size_t                name_len;
    int                   found;
    const unsigned char  *value;         /* undecoded */
    size_t                value_len;
} ngx_http_lambda_arg_t;


static int ngx_http_lambda_hex(unsigned char c);
static int ngx_http_lambda_unescape_eq(const unsigned char *p, size_t len,
    const unsigned char *s, size_t slen);
static void ngx_http_lambda_args_scan(const unsigned char *args, size_t len,
    ngx_http_lambda_arg_t *wanted, size_t n);
static size_t ngx_http_lambda_unescape(const unsigned char *p, size_t len,
    unsigned char *buf, size_t size);
static size_t ngx_http_lambda_utf8_sanitize(const unsigned char *p,
    size_t len, char *out, size_t size);
static int ngx_http_lambda_org_is_slug(const unsigned char *p, size_t len);
static int ngx_http_lambda_dec_next(const unsigned char **pp,
    const unsigned char *end);
static int ngx_http_lambda_py_space(int c);
static int ngx_http_lambda_org_parse_id(const unsigned char *p, size_t len,
    char *out, size_t *out_len);


static int
ngx_http_lambda_hex(unsigned char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }

    c |= 0x20;

    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }

    return -1;
}


/*
 * urllib.parse.unquote_plus: "+" is a space, "%XX" a byte, a malformed
 * escape stays as it is.  Returns the full decoded length; at most size
 * bytes are written.
 */

static size_t
ngx_http_lambda_unescape(const unsigned char *p, size_t len,
    unsigned char *buf, size_t size)
{
    int            hi, lo;
    size_t         i, n;
    unsigned char  c;

    n = 0;

    for (i = 0; i < len; i++) {
        c = p[i];

        if (c == '+') {
            c = ' ';

        } else if (c == '%' && i + 2 < len) {
            hi = ngx_http_lambda_hex(p[i + 1]);
            lo = ngx_http_lambda_hex(p[i + 2]);

            if (hi >= 0 && lo >= 0) {
                c = (unsigned char) (hi * 16 + lo);
                i += 2;
            }
        }

        if (n < size) {
            buf[n] = c;
        }

        n++;
    }

    return n;
}


/*
 * One pass over the query string: the last occurrence of each wanted name
 * wins, as in Django's QueryDict.get().  A name of a wanted name's length
 * is compared undecoded: an escape in it ("+" is a space, "%XX" shortens
 * it, a malformed one stays "%") cannot make it equal to a plain name.
 * Other names are decoded only when they hold a "%".
 */

static void
ngx_http_lambda_args_scan(const unsigned char *args, size_t len,
    ngx_http_lambda_arg_t *wanted, size_t n)
{
    size_t                j, klen, dlen;
    const unsigned char  *p, *end, *amp, *eq;
    unsigned char         key[32];

    p = args;
    end = args + len;

    while (p < end) {

        amp = memchr(p, '&', end - p);
        if (amp == NULL) {
            amp = end;
        }

        eq = memchr(p, '=', amp - p);
        if (eq == NULL) {
            eq = amp;
        }

        klen = eq - p;
        dlen = 0;

        if (klen > 2 && klen <= 3 * sizeof(key)
            && memchr(p, '%', klen) != NULL)
        {
            dlen = ngx_http_lambda_unescape(p, klen, key, sizeof(key));
        }

        for (j = 0; j < n; j++) {
            if ((klen == wanted[j].name_len
                 && memcmp(p, wanted[j].name, klen) == 0)
                || (dlen && dlen == wanted[j].name_len && dlen != klen
                    && memcmp(key, wanted[j].name, dlen) == 0))
            {
                wanted[j].found = 1;
                wanted[j].value = (eq < amp) ? eq + 1 : amp;
                wanted[j].value_len = (eq < amp) ? (size_t) (amp - eq - 1) : 0;
            }
        }

        p = amp + 1;
    }
}


/* compares the decoded value with a string without a buffer for it */

static int
ngx_http_lambda_unescape_eq(const unsigned char *p, size_t len,
    const unsigned char *s, size_t slen)
{
    size_t         i, n;
    unsigned char  c[1];

    n = 0;
    i = 0;

    while (i < len) {

        /* one decoded byte at a time, as ngx_http_lambda_unescape() */

        if (p[i] == '%' && i + 2 < len
            && ngx_http_lambda_hex(p[i + 1]) >= 0
            && ngx_http_lambda_hex(p[i + 2]) >= 0)
        {
            (void) ngx_http_lambda_unescape(p + i, 3, c, 1);
            i += 3;

        } else {
            (void) ngx_http_lambda_unescape(p + i, 1, c, 1);
            i++;
        }

        if (n >= slen || s[n] != c[0]) {
            return 0;
        }

        n++;
    }

    return n == slen;
}


int
ngx_http_lambda_query_arg(const unsigned char *args, size_t args_len,
    const char *name, size_t name_len, unsigned char *buf, size_t size,
    size_t *len)
{
    ngx_http_lambda_arg_t  arg;

    arg.name = name;
    arg.name_len = name_len;
    arg.found = 0;

    ngx_http_lambda_args_scan(args, args_len, &arg, 1);

    *len = arg.found ? ngx_http_lambda_unescape(arg.value, arg.value_len,
                                                buf, size)
                     : 0;

    return arg.found;
}


/* invalid UTF-8 becomes U+FFFD, as bytes.decode(errors="replace") does */

static size_t
ngx_http_lambda_utf8_sanitize(const unsigned char *p, size_t len, char *out,
    size_t size)
{
    size_t    i, n, k, need;
    uint32_t  cp, min;

    n = 0;
    i = 0;

    while (i < len) {

        if (p[i] < 0x80) {
            need = 0;
            cp = p[i];
            min = 0;

        } else if ((p[i] & 0xe0) == 0xc0) {
            need = 1;
            cp = p[i] & 0x1f;
            min = 0x80;

        } else if ((p[i] & 0xf0) == 0xe0) {
            need = 2;
            cp = p[i] & 0x0f;
            min = 0x800;

        } else if ((p[i] & 0xf8) == 0xf0) {
            need = 3;
            cp = p[i] & 0x07;
            min = 0x10000;

        } else {
            need = (size_t) -1;
            cp = 0;
            min = 0;
        }

        for (k = 1; need != (size_t) -1 && k <= need; k++) {
            if (i + k >= len || (p[i + k] & 0xc0) != 0x80) {
                need = (size_t) -1;
                break;
            }

            cp = (cp << 6) | (p[i + k] & 0x3f);
        }

        if (need != (size_t) -1
            && (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)))
        {
            need = (size_t) -1;
        }

        if (need == (size_t) -1) {
            if (n + 3 > size) {
                break;
            }

            memcpy(out + n, "\xef\xbf\xbd", 3);
            n += 3;
            i++;
            continue;
        }

        if (n + need + 1 > size) {
            break;
        }

        memcpy(out + n, p + i, need + 1);
        n += need + 1;
        i += need + 1;
    }

    return n;
}


/* SlugField: ^[-a-zA-Z0-9_]+$, at most 16 characters */

static int
ngx_http_lambda_org_is_slug(const unsigned char *p, size_t len)
{
    size_t         i;
    unsigned char  c;

    if (len == 0 || len > NGX_HTTP_LAMBDA_SLUG_MAX) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        c = p[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9') || c == '-' || c == '_'))
        {
            return 0;
        }
    }

    return 1;
}


/* the next decoded byte of a query argument value, or -1 at its end */

static int
ngx_http_lambda_dec_next(const unsigned char **pp, const unsigned char *end)
{
    int                   hi, lo;
    const unsigned char  *p;

    p = *pp;

    if (p >= end) {
        return -1;
    }

    if (*p == '+') {
        *pp = p + 1;
        return ' ';
    }

    if (*p == '%' && end - p > 2) {
        hi = ngx_http_lambda_hex(p[1]);
        lo = ngx_http_lambda_hex(p[2]);

        if (hi >= 0 && lo >= 0) {
            *pp = p + 3;
            return hi * 16 + lo;
        }
    }

    *pp = p + 1;

    return *p;
}


/* the ASCII whitespace Python's int() skips around a number */

static int
ngx_http_lambda_py_space(int c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}


/*
 * Python's int() on the decoded argument: surrounding whitespace, an
 * optional sign, digits with single "_" between them; leading zeros and
 * whitespace may be of any length.  The value must fit in 64 bits (a
 * database key).  Writes the canonical "org_id:N".
 */

static int
ngx_http_lambda_org_parse_id(const unsigned char *p, size_t len, char *out,
    size_t *out_len)
{
    int                   c, neg, digit, under;
    size_t                digits, n;
    uint64_t              v, limit;
    const unsigned char  *end;
    char                  tmp[24];

    end = p + len;

    do {
        c = ngx_http_lambda_dec_next(&p, end);
    } while (c != -1 && ngx_http_lambda_py_space(c));

    neg = 0;

    if (c == '+' || c == '-') {
        neg = (c == '-');
        c = ngx_http_lambda_dec_next(&p, end);
    }

    limit = neg ? (uint64_t) 1 << 63 : ((uint64_t) 1 << 63) - 1;
    v = 0;
    digits = 0;
    digit = 0;
    under = 0;

    for ( /* void */ ; c != -1; c = ngx_http_lambda_dec_next(&p, end)) {

        if (c == '_') {
            if (!digit) {
                return 0;
            }

            digit = 0;
            under = 1;
            continue;
        }

        if (c < '0' || c > '9') {
            break;
        }

        /* |INT64_MIN| is 2^63, INT64_MAX is 2^63 - 1 */

        if (v > (limit - (uint64_t) (c - '0')) / 10) {
            return 0;
        }

        v = v * 10 + (c - '0');
        digits++;
        digit = 1;
        under = 0;
    }

    if (digits == 0 || under) {
        return 0;
    }

    /* only whitespace may follow */

    for ( /* void */ ; c != -1; c = ngx_http_lambda_dec_next(&p, end)) {
        if (!ngx_http_lambda_py_space(c)) {
            return 0;
        }
    }

    n = 0;

    do {
        tmp[n++] = (char) ('0' + v % 10);
        v /= 10;
    } while (v);

    memcpy(out, "org_id:", 7);
    *out_len = 7;

    if (neg && !(n == 1 && tmp[0] == '0')) {
        out[(*out_len)++] = '-';
    }

    while (n) {
        out[(*out_len)++] = tmp[--n];
    }

    out[*out_len] = '\0';

    return 1;
}


ngx_http_lambda_org_rc_e
ngx_http_lambda_org_resolve(const unsigned char *args, size_t args_len,
    const unsigned char *header, size_t header_len, unsigned header_count,
    ngx_http_lambda_org_t *org)
{
    int                    has_org, has_id, whole, valid;
    size_t                 slug_len, id_len;
    unsigned char          slug[NGX_HTTP_LAMBDA_ORG_VALUE_MAX];
    unsigned char          id[NGX_HTTP_LAMBDA_ORG_VALUE_MAX];
    const unsigned char   *s;
    ngx_http_lambda_arg_t  wanted[2];

    /*
     * the buffers are written only as far as their lengths tell; s is
     * the slug: the undecoded value itself when that is a valid slug
     * (it has no "%" and no "+": it decodes to itself)
     */

    org->kind = NGX_HTTP_LAMBDA_ORG_PERSONAL;
    org->id[0] = '\0';
    org->id_len = 0;
    org->ref = NULL;
    org->value[0] = '\0';
    org->value_len = 0;

    if (header_count > 1) {
        return NGX_HTTP_LAMBDA_ORG_DUPLICATE_HEADER;
    }

    has_org = 0;
    has_id = 0;
    slug_len = 0;
    id_len = 0;
    s = slug;
    valid = 0;

    if (args_len) {
        wanted[0].name = "org";
        wanted[0].name_len = 3;
        wanted[0].found = 0;
        wanted[1].name = "org_id";
        wanted[1].name_len = 6;
        wanted[1].found = 0;

        ngx_http_lambda_args_scan(args, args_len, wanted, 2);

        has_org = wanted[0].found;
        has_id = wanted[1].found;

        if (has_org
            && ngx_http_lambda_org_is_slug(wanted[0].value,
                                           wanted[0].value_len))
        {
            s = wanted[0].value;
            slug_len = wanted[0].value_len;
            valid = 1;

        } else if (has_org) {
            slug_len = ngx_http_lambda_unescape(wanted[0].value,
                                                wanted[0].value_len, slug,
                                                sizeof(slug));
        }

        if (has_id) {
            id_len = ngx_http_lambda_unescape(wanted[1].value,
                                              wanted[1].value_len, id,
                                              sizeof(id));
        }
    }

    if (has_id && (has_org || header != NULL)) {
        return NGX_HTTP_LAMBDA_ORG_CONFLICT_ID;
    }

    /* whole: s holds every byte of the slug, not the first sizeof(slug) */

    whole = (s != slug || slug_len <= sizeof(slug));

    if (has_org && header != NULL
        && (slug_len != header_len
            || (whole && memcmp(s, header, slug_len) != 0)
            || (!whole
                && !ngx_http_lambda_unescape_eq(wanted[0].value,
                                                wanted[0].value_len,
                                                header, header_len))))
    {
        return NGX_HTTP_LAMBDA_ORG_CONFLICT_SLUG;
    }

    /* whole stays true: no org argument left slug_len at 0 */

    if (!has_org && header != NULL) {
        s = header;
        slug_len = header_len;
        has_org = 1;
    }

    if (has_org && slug_len) {

        if (!valid
            && (!whole || !ngx_http_lambda_org_is_slug(s, slug_len)))
        {
            org->value_len = ngx_http_lambda_utf8_sanitize(
                                 s, slug_len < sizeof(slug)
                                    ? slug_len : sizeof(slug),
                                 org->value, NGX_HTTP_LAMBDA_ORG_VALUE_MAX);
            return NGX_HTTP_LAMBDA_ORG_UNKNOWN_SLUG;
        }

        org->kind = NGX_HTTP_LAMBDA_ORG_SLUG;
        memcpy(org->id, s, slug_len);
        org->id[slug_len] = '\0';
        org->id_len = slug_len;
        org->ref = (s != slug) ? s : NULL;

        return NGX_HTTP_LAMBDA_ORG_OK;
    }

    if (has_id && id_len) {

        if (!ngx_http_lambda_org_parse_id(wanted[1].value,
                                          wanted[1].value_len, org->id,
                                          &org->id_len))
        {
            org->value_len = ngx_http_lambda_utf8_sanitize(
                                 id, id_len < sizeof(id) ? id_len : sizeof(id),
                                 org->value, NGX_HTTP_LAMBDA_ORG_VALUE_MAX);
            return NGX_HTTP_LAMBDA_ORG_INVALID_ID;
        }

        org->kind = NGX_HTTP_LAMBDA_ORG_ID;

        return NGX_HTTP_LAMBDA_ORG_OK;
    }

    /* absent or empty everywhere: the personal workspace */

    return NGX_HTTP_LAMBDA_ORG_OK;
}
