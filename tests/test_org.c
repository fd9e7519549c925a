
/*
 * Unit tests of the organization context (contract 5).
 */


#include <string.h>

#include "ngx_http_lambda_org.h"
#include "tap.h"


#define OK         NGX_HTTP_LAMBDA_ORG_OK
#define DUP        NGX_HTTP_LAMBDA_ORG_DUPLICATE_HEADER
#define CONFLICT1  NGX_HTTP_LAMBDA_ORG_CONFLICT_ID
#define CONFLICT2  NGX_HTTP_LAMBDA_ORG_CONFLICT_SLUG
#define BAD_ID     NGX_HTTP_LAMBDA_ORG_INVALID_ID
#define UNKNOWN    NGX_HTTP_LAMBDA_ORG_UNKNOWN_SLUG


typedef struct {
    const char  *args;
    const char  *header;    /* NULL: absent */
    unsigned     count;     /* X-Organization headers sent */
    int          rc;
    const char  *id;        /* canonical identity when OK */
    const char  *value;     /* the offending value otherwise */
} ngx_http_lambda_org_case_t;


static const ngx_http_lambda_org_case_t  cases[] = {
    { "", NULL, 0, OK, "", NULL },
    { "org=acme", NULL, 0, OK, "acme", NULL },
    { "", "acme", 1, OK, "acme", NULL },
    { "org=acme", "acme", 1, OK, "acme", NULL },
    { "org=acme", "other", 1, CONFLICT2, NULL, NULL },
    { "org=Acme", "acme", 1, CONFLICT2, NULL, NULL },
    { "org=", "acme", 1, CONFLICT2, NULL, NULL },
    { "org=acme", "", 1, CONFLICT2, NULL, NULL },
    { "org=", "", 1, OK, "", NULL },
    { "org_id=3&org=acme", NULL, 0, CONFLICT1, NULL, NULL },
    { "org_id=3", "acme", 1, CONFLICT1, NULL, NULL },
    { "org_id=", "", 1, CONFLICT1, NULL, NULL },
    { "org_id&org", NULL, 0, CONFLICT1, NULL, NULL },
    { "org_id=42", NULL, 0, OK, "org_id:42", NULL },
    { "org_id=007", NULL, 0, OK, "org_id:7", NULL },
    { "org_id=+%2007%20", NULL, 0, OK, "org_id:7", NULL },
    { "org_id=-3", NULL, 0, OK, "org_id:-3", NULL },
    { "org_id=-0", NULL, 0, OK, "org_id:0", NULL },
    { "org_id=1_000", NULL, 0, OK, "org_id:1000", NULL },
    { "org_id=1__0", NULL, 0, BAD_ID, NULL, "1__0" },
    { "org_id=_1", NULL, 0, BAD_ID, NULL, "_1" },
    { "org_id=1_", NULL, 0, BAD_ID, NULL, "1_" },
    { "org_id=abc", NULL, 0, BAD_ID, NULL, "abc" },
    { "org_id=1.0", NULL, 0, BAD_ID, NULL, "1.0" },
    { "org_id=%20", NULL, 0, BAD_ID, NULL, " " },
    { "org_id=99999999999999999999999", NULL, 0, BAD_ID, NULL,
      "99999999999999999999999" },
    { "org_id=", NULL, 0, OK, "", NULL },
    { "org_id", NULL, 0, OK, "", NULL },
    { "org=", NULL, 0, OK, "", NULL },
    { "org", NULL, 0, OK, "", NULL },
    { "org=first&org=second", NULL, 0, OK, "second", NULL },
    { "org=second&x=1&org=", NULL, 0, OK, "", NULL },
    { "or%67=acme", NULL, 0, OK, "acme", NULL },
    { "org=ac%6De", NULL, 0, OK, "acme", NULL },
    { "org=a+b", NULL, 0, UNKNOWN, NULL, "a b" },
    { "org=no!", NULL, 0, UNKNOWN, NULL, "no!" },
    { "org=%zz", NULL, 0, UNKNOWN, NULL, "%zz" },
    { "org=a%FFb", NULL, 0, UNKNOWN, NULL, "a\xef\xbf\xbd" "b" },
    { "org=abcdefghijklmnop", NULL, 0, OK, "abcdefghijklmnop", NULL },
    { "org=abcdefghijklmnopq", NULL, 0, UNKNOWN, NULL, "abcdefghijklmnopq" },
    { "org=A-b_9", NULL, 0, OK, "A-b_9", NULL },
    { "", "caf\xc3\xa9", 1, UNKNOWN, NULL, "caf\xc3\xa9" },
    { "", "acme", 2, DUP, NULL, NULL },
    { "organization=acme&xorg=b", NULL, 0, OK, "", NULL },
    { "a=1&&org=acme&", NULL, 0, OK, "acme", NULL },
};


int
main(void)
{
    char                    name[256], buf[NGX_HTTP_LAMBDA_ORG_VALUE_MAX + 8];
    size_t                  i, len;
    unsigned char           arg[64];
    ngx_http_lambda_org_t   org;
    ngx_http_lambda_org_rc_e  rc;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rc = ngx_http_lambda_org_resolve(
                 (const unsigned char *) cases[i].args, strlen(cases[i].args),
                 (const unsigned char *) cases[i].header,
                 cases[i].header ? strlen(cases[i].header) : 0,
                 cases[i].count, &org);

        snprintf(name, sizeof(name), "args \"%s\" header %s%s%s: result",
                 cases[i].args, cases[i].header ? "\"" : "",
                 cases[i].header ? cases[i].header : "(none)",
                 cases[i].header ? "\"" : "");
        ngx_http_lambda_tap_is_int(rc, cases[i].rc, name);

        if (cases[i].id != NULL) {
            snprintf(buf, sizeof(buf), "%.*s", (int) org.id_len, org.id);
            snprintf(name, sizeof(name), "args \"%s\": identity",
                     cases[i].args);
            ngx_http_lambda_tap_is(buf, cases[i].id, name);
        }

        if (cases[i].value != NULL) {
            snprintf(buf, sizeof(buf), "%.*s", (int) org.value_len,
                     org.value);
            snprintf(name, sizeof(name), "args \"%s\": reported value",
                     cases[i].args);
            ngx_http_lambda_tap_is(buf, cases[i].value, name);
        }
    }

    /* a value longer than the buffer is truncated, not overrun */

    {
        static char  args[2000];

        memcpy(args, "org=", 4);
        memset(args + 4, 'a', sizeof(args) - 5);

        rc = ngx_http_lambda_org_resolve((const unsigned char *) args,
                                         strlen(args), NULL, 0, 0, &org);
        ngx_http_lambda_tap_is_int(rc, UNKNOWN, "a 2000-byte slug");
        ngx_http_lambda_tap_ok(org.value_len <= NGX_HTTP_LAMBDA_ORG_VALUE_MAX,
                               "a 2000-byte slug is reported truncated");
    }

    /* a header longer than the buffer is reported by its own first bytes */

    {
        static char  header[300];

        memset(header, 'b', sizeof(header));

        rc = ngx_http_lambda_org_resolve((const unsigned char *) "", 0,
                                         (const unsigned char *) header,
                                         sizeof(header), 1, &org);
        ngx_http_lambda_tap_is_int(rc, UNKNOWN, "a 300-byte X-Organization");
        ngx_http_lambda_tap_is_int(org.value_len,
                                   NGX_HTTP_LAMBDA_ORG_VALUE_MAX,
                                   "its first 256 bytes are reported");
        ngx_http_lambda_tap_ok(memcmp(org.value, header, org.value_len) == 0,
                               "as sent");
    }

    /* a slug that needs no decoding is referred to where it stands */

    {
        static const char  *plain = "x=1&org=acme", *coded = "org=ac%6De";

        rc = ngx_http_lambda_org_resolve((const unsigned char *) plain,
                                         strlen(plain), NULL, 0, 0, &org);
        ngx_http_lambda_tap_ok(rc == OK
                               && org.ref == (const unsigned char *) plain + 8,
                               "a plain org argument is referred to in args");

        rc = ngx_http_lambda_org_resolve((const unsigned char *) "", 0,
                                         (const unsigned char *) plain + 8,
                                         4, 1, &org);
        ngx_http_lambda_tap_ok(rc == OK
                               && org.ref == (const unsigned char *) plain + 8,
                               "the header is referred to");

        rc = ngx_http_lambda_org_resolve((const unsigned char *) coded,
                                         strlen(coded), NULL, 0, 0, &org);
        ngx_http_lambda_tap_ok(rc == OK && org.ref == NULL
                               && org.id_len == 4
                               && memcmp(org.id, "acme", 4) == 0,
                               "a decoded one is not");

        rc = ngx_http_lambda_org_resolve((const unsigned char *) "org_id=5",
                                         8, NULL, 0, 0, &org);
        ngx_http_lambda_tap_ok(rc == OK && org.ref == NULL,
                               "nor is an org_id identity");
    }

    ngx_http_lambda_tap_is_int(
        ngx_http_lambda_query_arg((const unsigned char *) "sign=abc&x=1", 12,
                                  "sign", 4, arg, sizeof(arg), &len),
        1, "query_arg finds sign");
    ngx_http_lambda_tap_is_int(len, 3, "query_arg decoded length");

    ngx_http_lambda_tap_is_int(
        ngx_http_lambda_query_arg((const unsigned char *) "signx=1", 7,
                                  "sign", 4, arg, sizeof(arg), &len),
        0, "query_arg needs the whole name");

    return ngx_http_lambda_tap_done();
}
