
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * libFuzzer target: the Content-Type matcher, ngx_http_lambda_media_json()
 * (ngx_http_lambda_media.c, contract 2.1).  The whole input is the header
 * value, copied to a buffer of its exact size.
 *
 * The answer is compared with a reference written here from DRF's
 * _MediaType.match() against "application/json": the full type is what
 * precedes the first ";", stripped of white space (space, \t, \n, \v, \f,
 * \r), split at the first "/"; the subtype must be "json" or "*" and the
 * type "application" or "*", ASCII case-insensitively.  The charset is the
 * value of the last parameter named "charset" (case-insensitive, white
 * space around the name and the value ignored, one pair of surrounding
 * double quotes removed), reported only on a match.  Also checked: the
 * charset lies inside the given value, and the answer does not change when
 * the letters of the type are upper- or lower-cased or when another
 * parameter is appended.
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_http_lambda_media.h"
#include "ngx_http_lambda_fuzz.h"


static int ngx_http_lambda_ref_space(unsigned char c);
static unsigned char ngx_http_lambda_ref_lower(unsigned char c);
static int ngx_http_lambda_ref_is(const unsigned char *p, size_t len,
    const char *word);
static int ngx_http_lambda_ref_media(const unsigned char *v, size_t len,
    const unsigned char **charset, size_t *charset_len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static int
ngx_http_lambda_ref_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}


static unsigned char
ngx_http_lambda_ref_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char) (c + 32) : c;
}


static int
ngx_http_lambda_ref_is(const unsigned char *p, size_t len, const char *word)
{
    size_t  i;

    if (len != strlen(word)) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (ngx_http_lambda_ref_lower(p[i]) != (unsigned char) word[i]) {
            return 0;
        }
    }

    return 1;
}


static int
ngx_http_lambda_ref_media(const unsigned char *v, size_t len,
    const unsigned char **charset, size_t *charset_len)
{
    size_t                a, b, semi, slash, s, e, eq, ns, ne;
    const unsigned char  *sub;
    size_t                sub_len;

    *charset = NULL;
    *charset_len = 0;

    semi = 0;

    while (semi < len && v[semi] != ';') {
        semi++;
    }

    a = 0;
    b = semi;

    while (a < b && ngx_http_lambda_ref_space(v[a])) {
        a++;
    }

    while (b > a && ngx_http_lambda_ref_space(v[b - 1])) {
        b--;
    }

    slash = a;

    while (slash < b && v[slash] != '/') {
        slash++;
    }

    if (slash == b) {
        sub = v + b;
        sub_len = 0;

    } else {
        sub = v + slash + 1;
        sub_len = b - slash - 1;
    }

    if (!ngx_http_lambda_ref_is(sub, sub_len, "json")
        && !ngx_http_lambda_ref_is(sub, sub_len, "*"))
    {
        return 0;
    }

    if (!ngx_http_lambda_ref_is(v + a, slash - a, "application")
        && !ngx_http_lambda_ref_is(v + a, slash - a, "*"))
    {
        return 0;
    }

    /* the parameters, each up to the next ";" */

    s = semi;

    while (s < len) {
        s++;
        e = s;

        while (e < len && v[e] != ';') {
            e++;
        }

        eq = s;

        while (eq < e && v[eq] != '=') {
            eq++;
        }

        ns = s;
        ne = eq;

        while (ns < ne && ngx_http_lambda_ref_space(v[ns])) {
            ns++;
        }

        while (ne > ns && ngx_http_lambda_ref_space(v[ne - 1])) {
            ne--;
        }

        if (eq < e && ngx_http_lambda_ref_is(v + ns, ne - ns, "charset")) {
            a = eq + 1;
            b = e;

            while (a < b && ngx_http_lambda_ref_space(v[a])) {
                a++;
            }

            while (b > a && ngx_http_lambda_ref_space(v[b - 1])) {
                b--;
            }

            if (b - a >= 2 && v[a] == '"' && v[b - 1] == '"') {
                a++;
                b--;
            }

            *charset = v + a;
            *charset_len = b - a;
        }

        s = e;
    }

    return 1;
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                       rc, ref, other;
    size_t                    i, charset_len;
    unsigned char            *value, *flip, *more;
    const unsigned char      *charset;
    ngx_http_lambda_media_t   media, media2;

    value = ngx_http_lambda_fuzz_dup(data, size);

    rc = ngx_http_lambda_media_json(value, size, &media);

    if (rc != 0 && rc != 1) {
        ngx_http_lambda_fuzz_fail("media_json answered %d", rc);
    }

    if (media.charset != NULL
        && (media.charset < value
            || media.charset + media.charset_len > value + size))
    {
        ngx_http_lambda_fuzz_fail("the charset lies outside the value");
    }

    if (media.charset == NULL && media.charset_len != 0) {
        ngx_http_lambda_fuzz_fail("no charset, but %zu bytes of it",
                                  media.charset_len);
    }

    ref = ngx_http_lambda_ref_media(value, size, &charset, &charset_len);

    if (rc != ref) {
        ngx_http_lambda_fuzz_fail("media_json gave %d, the reference %d",
                                  rc, ref);
    }

    if (rc
        && (media.charset != charset || media.charset_len != charset_len))
    {
        ngx_http_lambda_fuzz_fail("charset at %p (%zu bytes), the reference "
                                  "at %p (%zu bytes)",
                                  (void *) media.charset, media.charset_len,
                                  (void *) charset, charset_len);
    }

    /* the case of the letters before the first ";" does not matter */

    flip = ngx_http_lambda_fuzz_dup(data, size);

    for (i = 0; i < size && flip[i] != ';'; i++) {
        if (flip[i] >= 'a' && flip[i] <= 'z') {
            flip[i] = (unsigned char) (flip[i] - 32);

        } else if (flip[i] >= 'A' && flip[i] <= 'Z') {
            flip[i] = (unsigned char) (flip[i] + 32);
        }
    }

    other = ngx_http_lambda_media_json(flip, size, &media2);

    if (other != rc) {
        ngx_http_lambda_fuzz_fail("the case of the type changed the answer");
    }

    free(flip);

    /* a parameter that is not the charset changes nothing */

    more = malloc(size + 6);
    if (more == NULL) {
        ngx_http_lambda_fuzz_fail("out of memory");
    }

    if (size) {
        memcpy(more, data, size);
    }

    memcpy(more + size, ";q=0.5", 6);

    other = ngx_http_lambda_media_json(more, size + 6, &media2);

    if (other != rc
        || (rc && media2.charset_len != media.charset_len)
        || (rc && media.charset != NULL
            && memcmp(media2.charset, media.charset, media.charset_len)
               != 0))
    {
        ngx_http_lambda_fuzz_fail("an appended parameter changed the "
                                  "answer");
    }

    free(more);
    free(value);

    return 0;
}
