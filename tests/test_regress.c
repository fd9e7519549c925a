
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * Regression cases found by the fuzz targets (tests/fuzz/) and the
 * adversarial requests (t/030-adversarial.t): each is the smallest input
 * that showed the problem, with the answer the contract asks for.
 */


#include <stdio.h>
#include <string.h>

#include "ngx_http_lambda_org.h"
#include "tap.h"


typedef struct {
    const char  *name;
    const char  *args;
    const char  *header;    /* NULL: absent */
    int          rc;
    const char  *id;        /* the identity when OK */
} ngx_http_lambda_regress_org_t;


static void ngx_http_lambda_regress_org(void);
static void ngx_http_lambda_regress_org_long(void);
static void ngx_http_lambda_regress_org_id_long(void);


/*
 * fuzz_org: an org_id that fits a signed 64-bit key is an integer; the
 * overflow guard of ngx_http_lambda_org_parse_id() refused the eight
 * values nearest to 2^63 on either side (from 9223372036854775800 on).
 */

static const ngx_http_lambda_regress_org_t  ngx_http_lambda_regress_orgs[] = {
    { "org_id of INT64_MAX is an integer",
      "org_id=9223372036854775807", NULL,
      NGX_HTTP_LAMBDA_ORG_OK, "org_id:9223372036854775807" },
    { "org_id of INT64_MAX - 7 is an integer",
      "org_id=9223372036854775800", NULL,
      NGX_HTTP_LAMBDA_ORG_OK, "org_id:9223372036854775800" },
    { "org_id of INT64_MIN is an integer",
      "org_id=-9223372036854775808", NULL,
      NGX_HTTP_LAMBDA_ORG_OK, "org_id:-9223372036854775808" },
    { "org_id of INT64_MAX - 8 is an integer",
      "org_id=9223372036854775799", NULL,
      NGX_HTTP_LAMBDA_ORG_OK, "org_id:9223372036854775799" },
    { "org_id of 2^63 does not fit",
      "org_id=9223372036854775808", NULL,
      NGX_HTTP_LAMBDA_ORG_INVALID_ID, NULL },

    /*
     * int() skips only ASCII white space (\t \n \v \f \r and space) and
     * Unicode white space beyond ASCII; \x1c-\x1f, which str.strip()
     * removes, make it fail: int("\x1e2") is a ValueError
     */
    { "org_id with a leading \\x1e is not an integer",
      "org_id=%1E2", NULL,
      NGX_HTTP_LAMBDA_ORG_INVALID_ID, NULL },
    { "org_id with a trailing \\x1f is not an integer",
      "org_id=2%1F", NULL,
      NGX_HTTP_LAMBDA_ORG_INVALID_ID, NULL },
    { "org_id with \\t, \\n, \\v, \\f, \\r and spaces around is one",
      "org_id=%09%0A%0B+2%0C%0D%20", NULL,
      NGX_HTTP_LAMBDA_ORG_OK, "org_id:2" },
};


static void
ngx_http_lambda_regress_org(void)
{
    char                                  name[128];
    size_t                                i;
    ngx_http_lambda_org_t                 org;
    ngx_http_lambda_org_rc_e              rc;
    const ngx_http_lambda_regress_org_t  *c;

    for (i = 0; i < sizeof(ngx_http_lambda_regress_orgs)
                    / sizeof(ngx_http_lambda_regress_orgs[0]); i++)
    {
        c = &ngx_http_lambda_regress_orgs[i];

        rc = ngx_http_lambda_org_resolve((const unsigned char *) c->args,
                                         strlen(c->args),
                                         (const unsigned char *) c->header,
                                         c->header ? strlen(c->header) : 0,
                                         c->header ? 1 : 0, &org);

        if (!ngx_http_lambda_tap_is_int(rc, c->rc, c->name)) {
            continue;
        }

        if (c->id) {
            snprintf(name, sizeof(name), "%s: its identity", c->name);
            ngx_http_lambda_tap_is(org.id, c->id, name);
        }
    }
}


/*
 * fuzz_org: "org" and X-Organization with the same value longer than
 * NGX_HTTP_LAMBDA_ORG_VALUE_MAX (256) bytes were called different
 * (CONFLICT_SLUG, a 400) because ngx_http_lambda_org_resolve() compared
 * the decoded "org" kept in its bounded buffer; CVAT compares the two
 * strings and answers 404 "<slug> organization does not exist."
 */

static void
ngx_http_lambda_regress_org_long(void)
{
    char                      args[520], header[512], name[128];
    size_t                    n;
    ngx_http_lambda_org_t     org;
    ngx_http_lambda_org_rc_e  rc;

    for (n = NGX_HTTP_LAMBDA_ORG_VALUE_MAX;
         n <= NGX_HTTP_LAMBDA_ORG_VALUE_MAX + 1;
         n++)
    {
        memset(header, 'a', n);
        header[n] = '\0';
        snprintf(args, sizeof(args), "org=%s", header);

        rc = ngx_http_lambda_org_resolve((const unsigned char *) args,
                                         strlen(args),
                                         (const unsigned char *) header, n,
                                         1, &org);

        snprintf(name, sizeof(name), "org and X-Organization both %zu "
                 "bytes, equal: not a conflict, an unknown slug", n);
        ngx_http_lambda_tap_is_int(rc, NGX_HTTP_LAMBDA_ORG_UNKNOWN_SLUG,
                                   name);

        header[n - 1] = 'b';

        rc = ngx_http_lambda_org_resolve((const unsigned char *) args,
                                         strlen(args),
                                         (const unsigned char *) header, n,
                                         1, &org);

        snprintf(name, sizeof(name), "org and X-Organization both %zu "
                 "bytes, differing in the last: a conflict", n);
        ngx_http_lambda_tap_is_int(rc, NGX_HTTP_LAMBDA_ORG_CONFLICT_SLUG,
                                   name);
    }
}


/*
 * fuzz_org: an org_id whose decoded text is longer than
 * NGX_HTTP_LAMBDA_ORG_VALUE_MAX bytes is refused as "not an integer"
 * (ngx_http_lambda_org_resolve() keeps the decoded org_id in a 256-byte
 * buffer and refuses longer ones outright), although Python's int() reads
 * leading zeros, surrounding white space and "_" of any length: CVAT
 * looks organization 1 up for "?org_id=" + 256 zeros + "1".
 */

static void
ngx_http_lambda_regress_org_id_long(void)
{
    char                      args[600], name[128];
    size_t                    n;
    ngx_http_lambda_org_t     org;
    ngx_http_lambda_org_rc_e  rc;

    static const struct {
        const char  *what;
        char         pad;
        const char  *tail;
        const char  *id;
    } cases[] = {
        { "leading zeros", '0', "1", "org_id:1" },
        { "trailing spaces (\"+\")", '+', NULL, "org_id:42" },
    };

    for (n = 0; n < sizeof(cases) / sizeof(cases[0]); n++) {

        if (cases[n].tail) {
            memcpy(args, "org_id=", 7);
            memset(args + 7, cases[n].pad, NGX_HTTP_LAMBDA_ORG_VALUE_MAX);
            strcpy(args + 7 + NGX_HTTP_LAMBDA_ORG_VALUE_MAX, cases[n].tail);

        } else {
            memcpy(args, "org_id=42", 9);
            memset(args + 9, cases[n].pad, NGX_HTTP_LAMBDA_ORG_VALUE_MAX);
            args[9 + NGX_HTTP_LAMBDA_ORG_VALUE_MAX] = '\0';
        }

        rc = ngx_http_lambda_org_resolve((const unsigned char *) args,
                                         strlen(args), NULL, 0, 0, &org);

        snprintf(name, sizeof(name), "an org_id of %zu bytes with %s is "
                 "an integer", strlen(args) - 7, cases[n].what);

        if (ngx_http_lambda_tap_is_int(rc, NGX_HTTP_LAMBDA_ORG_OK, name)) {
            snprintf(name, sizeof(name), "an org_id of %zu bytes with %s: "
                     "its identity", strlen(args) - 7, cases[n].what);
            ngx_http_lambda_tap_is(org.id, cases[n].id, name);
        }
    }
}


int
main(void)
{
    ngx_http_lambda_regress_org();
    ngx_http_lambda_regress_org_long();
    ngx_http_lambda_regress_org_id_long();

    return ngx_http_lambda_tap_done();
}
