
/*
 * Unit tests of DRF's media-type matching against application/json
 * (contract 2.1).
 */


#include <string.h>

#include "ngx_http_lambda_media.h"
#include "tap.h"


typedef struct {
    const char  *value;
    int          json;
    const char  *charset;   /* NULL: none reported */
} ngx_http_lambda_media_case_t;


static const ngx_http_lambda_media_case_t  cases[] = {
    { "application/json", 1, NULL },
    { "APPLICATION/JSON", 1, NULL },
    { "Application/Json", 1, NULL },
    { " application/json ", 1, NULL },
    { "application/json; charset=utf-8", 1, "utf-8" },
    { "application/json;charset=UTF-8", 1, "UTF-8" },
    { "application/json; charset=\"latin-1\"", 1, "latin-1" },
    { "application/json; boundary=x; charset = ascii ; q=1", 1, "ascii" },
    { "application/*", 1, NULL },
    { "*/*", 1, NULL },
    { "*/json", 1, NULL },
    { "application/vnd.cvat+json", 0, NULL },
    { "application/json-patch+json", 0, NULL },
    { "text/plain", 0, NULL },
    { "text/json", 0, NULL },
    { "multipart/form-data; boundary=xyz", 0, NULL },
    { "application/x-www-form-urlencoded", 0, NULL },
    { "application", 0, NULL },
    { "application/", 0, NULL },
    { "/json", 0, NULL },
    { "", 0, NULL },
    { "application/jsonx", 0, NULL },
    { "applications/json", 0, NULL },
};


int
main(void)
{
    int                      rc;
    char                     name[256], buf[64];
    size_t                   i;
    ngx_http_lambda_media_t  media;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rc = ngx_http_lambda_media_json((const unsigned char *) cases[i].value,
                                        strlen(cases[i].value), &media);

        snprintf(name, sizeof(name), "\"%s\" %s", cases[i].value,
                 cases[i].json ? "matches" : "does not match");
        ngx_http_lambda_tap_is_int(rc, cases[i].json, name);

        if (cases[i].json) {
            snprintf(buf, sizeof(buf), "%.*s", (int) media.charset_len,
                     media.charset ? (const char *) media.charset : "");
            snprintf(name, sizeof(name), "\"%s\" charset", cases[i].value);
            ngx_http_lambda_tap_is(media.charset ? buf : NULL,
                                   cases[i].charset, name);
        }
    }

    return ngx_http_lambda_tap_done();
}
