
/*
 * Copyright (C) ngx_lambda_gateway developers
 */


#include <string.h>
#include <strings.h>

#include "ngx_http_lambda_media.h"


static int ngx_http_lambda_media_space(unsigned char c);
static int ngx_http_lambda_media_is(const unsigned char *p, size_t len,
    const char *what, size_t what_len);


static int
ngx_http_lambda_media_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f'
           || c == '\v';
}


static int
ngx_http_lambda_media_is(const unsigned char *p, size_t len, const char *what,
    size_t what_len)
{
    return len == what_len
           && strncasecmp((const char *) p, what, what_len) == 0;
}


int
ngx_http_lambda_media_json(const unsigned char *value, size_t len,
    ngx_http_lambda_media_t *media)
{
    size_t                i, end, slash, start, eq, pend;
    const unsigned char  *main_type, *sub_type, *p;
    size_t                main_len, sub_len, n;

    media->charset = NULL;
    media->charset_len = 0;

    /* the full type, up to the first ";", stripped */

    for (end = 0; end < len && value[end] != ';'; end++) {
        /* void */
    }

    i = 0;

    while (i < end && ngx_http_lambda_media_space(value[i])) {
        i++;
    }

    n = end;

    while (n > i && ngx_http_lambda_media_space(value[n - 1])) {
        n--;
    }

    for (slash = i; slash < n && value[slash] != '/'; slash++) {
        /* void */
    }

    main_type = value + i;
    main_len = slash - i;

    if (slash < n) {
        sub_type = value + slash + 1;
        sub_len = n - slash - 1;

    } else {
        sub_type = value + n;
        sub_len = 0;
    }

    /* DRF's _MediaType.match(): "*" on either side matches */

    if (!(ngx_http_lambda_media_is(sub_type, sub_len, "*", 1)
          || ngx_http_lambda_media_is(sub_type, sub_len, "json", 4)))
    {
        return 0;
    }

    if (!(ngx_http_lambda_media_is(main_type, main_len, "*", 1)
          || ngx_http_lambda_media_is(main_type, main_len, "application", 11)))
    {
        return 0;
    }

    /* the parameters: only charset matters, for decoding */

    start = end;

    while (start < len) {
        start++;

        for (pend = start; pend < len && value[pend] != ';'; pend++) {
            /* void */
        }

        p = value + start;
        n = pend - start;

        while (n && ngx_http_lambda_media_space(*p)) {
            p++;
            n--;
        }

        for (eq = 0; eq < n && p[eq] != '='; eq++) {
            /* void */
        }

        i = eq;

        while (i > 0 && ngx_http_lambda_media_space(p[i - 1])) {
            i--;
        }

        if (eq < n && ngx_http_lambda_media_is(p, i, "charset", 7)) {
            p += eq + 1;
            n -= eq + 1;

            while (n && ngx_http_lambda_media_space(*p)) {
                p++;
                n--;
            }

            while (n && ngx_http_lambda_media_space(p[n - 1])) {
                n--;
            }

            if (n >= 2 && p[0] == '"' && p[n - 1] == '"') {
                p++;
                n -= 2;
            }

            media->charset = p;
            media->charset_len = n;
        }

        start = pend;
    }

    return 1;
}
