
/*
 * Unit tests of the operation classification (contract 1).
 */


#include <string.h>

#include "ngx_http_lambda_op.h"
#include "tap.h"


#define GET     NGX_HTTP_LAMBDA_M_GET
#define HEAD    NGX_HTTP_LAMBDA_M_HEAD
#define POST    NGX_HTTP_LAMBDA_M_POST
#define PUT     NGX_HTTP_LAMBDA_M_PUT
#define PATCH   NGX_HTTP_LAMBDA_M_PATCH
#define DELETE  NGX_HTTP_LAMBDA_M_DELETE
#define OPTIONS NGX_HTTP_LAMBDA_M_OPTIONS


typedef struct {
    const char  *path;
    unsigned     method;
    const char  *op;        /* the operation name, "" for none */
    int          route;     /* a route was found */
    int          allowed;   /* the method is served */
    const char  *arg;       /* the path argument, or NULL */
    const char  *format;    /* the format suffix, or NULL */
} ngx_http_lambda_op_case_t;


static const ngx_http_lambda_op_case_t  cases[] = {
    { "/api/lambda/functions", GET, "list_functions", 1, 1, NULL, NULL },
    { "/api/lambda/functions", HEAD, "list_functions", 1, 1, NULL, NULL },
    { "/api/lambda/functions", POST, "", 1, 0, NULL, NULL },
    { "/api/lambda/functions", PUT, "", 1, 0, NULL, NULL },
    { "/api/lambda/functions", OPTIONS, "", 1, 1, NULL, NULL },
    { "/api/lambda/functions.json", GET, "list_functions", 1, 1, NULL,
      "json" },
    { "/api/lambda/functions.json/", GET, "list_functions", 1, 1, NULL,
      "json" },
    { "/api/lambda/functions.JSON", GET, "", 0, 0, NULL, NULL },
    { "/api/lambda/functions.", GET, "", 0, 0, NULL, NULL },
    { "/api/lambda/functions/", GET, "", 0, 0, NULL, NULL },
    { "/api/lambda/functionsx", GET, "", 0, 0, NULL, NULL },
    { "/api/lambda/functions/det", GET, "retrieve_functions", 1, 1, "det",
      NULL },
    { "/api/lambda/functions/det", HEAD, "retrieve_functions", 1, 1, "det",
      NULL },
    { "/api/lambda/functions/det", POST, "create_functions", 1, 1, "det",
      NULL },
    { "/api/lambda/functions/det", DELETE, "", 1, 0, "det", NULL },
    { "/api/lambda/functions/det", PATCH, "", 1, 0, "det", NULL },
    { "/api/lambda/functions/foo.json", GET, "retrieve_functions", 1, 1,
      "foo.json", NULL },
    { "/api/lambda/functions/foo.json/", GET, "retrieve_functions", 1, 1,
      "foo", "json" },
    { "/api/lambda/functions/a.b.json/", POST, "create_functions", 1, 1,
      "a.b", "json" },
    { "/api/lambda/functions/A_b-9.x", POST, "create_functions", 1, 1,
      "A_b-9.x", NULL },
    { "/api/lambda/functions/det/", GET, "", 0, 0, NULL, NULL },
    { "/api/lambda/functions/de~t", GET, "", 0, 0, NULL, NULL },
    { "/api/lambda/functions/det/x", GET, "", 0, 0, NULL, NULL },
    { "/api/lambda/requests", GET, "list_requests", 1, 1, NULL, NULL },
    { "/api/lambda/requests", HEAD, "list_requests", 1, 1, NULL, NULL },
    { "/api/lambda/requests", POST, "create_requests", 1, 1, NULL, NULL },
    { "/api/lambda/requests", DELETE, "", 1, 0, NULL, NULL },
    { "/api/lambda/requests.json", POST, "create_requests", 1, 1, NULL,
      "json" },
    { "/api/lambda/requests/abc", GET, "retrieve_requests", 1, 1, "abc",
      NULL },
    { "/api/lambda/requests/abc", DELETE, "delete_requests", 1, 1, "abc",
      NULL },
    { "/api/lambda/requests/abc", POST, "", 1, 0, "abc", NULL },
    { "/api/lambda/requests/abc.json", GET, "retrieve_requests", 1, 1, "abc",
      "json" },
    { "/api/lambda/requests/abc.json/", GET, "retrieve_requests", 1, 1,
      "abc", "json" },
    { "/api/lambda/requests/a=b+c==", GET, "retrieve_requests", 1, 1,
      "a=b+c==", NULL },
    { "/api/lambda/requests/a.b.c", GET, "", 0, 0, NULL, NULL },
    { "/api/lambda/requests/abc/", GET, "", 0, 0, NULL, NULL },
    { "/api/lambda/requests/", GET, "", 0, 0, NULL, NULL },
    { "/api/lambda/requests/.json", GET, "", 0, 0, NULL, NULL },
    { "/api/lambda/", GET, "", 0, 0, NULL, NULL },
    { "/api/lambda", GET, "", 0, 0, NULL, NULL },
    { "/api/lambdax/functions", GET, "", 0, 0, NULL, NULL },
    { "/api/tasks/1", GET, "", 0, 0, NULL, NULL },
    { "", GET, "", 0, 0, NULL, NULL },
};


static void
ngx_http_lambda_test_case(const ngx_http_lambda_op_case_t *c)
{
    char                     name[256], buf[256];
    ngx_http_lambda_route_t  rt;

    ngx_http_lambda_op_classify((const unsigned char *) c->path,
                                strlen(c->path), c->method, &rt);

    snprintf(name, sizeof(name), "%s %x: operation", c->path, c->method);
    ngx_http_lambda_tap_is(ngx_http_lambda_op_name(rt.op), c->op, name);

    snprintf(name, sizeof(name), "%s %x: route", c->path, c->method);
    ngx_http_lambda_tap_is_int(rt.route != NGX_HTTP_LAMBDA_ROUTE_NONE,
                               c->route, name);

    snprintf(name, sizeof(name), "%s %x: method allowed", c->path,
             c->method);
    ngx_http_lambda_tap_is_int(rt.method_allowed, c->allowed, name);

    if (c->arg != NULL) {
        snprintf(buf, sizeof(buf), "%.*s", (int) rt.arg_len,
                 rt.arg ? (const char *) rt.arg : "");
        snprintf(name, sizeof(name), "%s: argument", c->path);
        ngx_http_lambda_tap_is(buf, c->arg, name);
    }

    if (c->format != NULL) {
        snprintf(buf, sizeof(buf), "%.*s", (int) rt.format_len,
                 rt.format ? (const char *) rt.format : "");
        snprintf(name, sizeof(name), "%s: format suffix", c->path);
        ngx_http_lambda_tap_is(buf, c->format, name);

    } else if (c->route) {
        snprintf(name, sizeof(name), "%s: no format suffix", c->path);
        ngx_http_lambda_tap_is_int(rt.format_suffix, 0, name);
    }
}


int
main(void)
{
    size_t                   i;
    ngx_http_lambda_route_t  rt;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ngx_http_lambda_test_case(&cases[i]);
    }

    ngx_http_lambda_op_classify((const unsigned char *) "/api/lambda/requests",
                                20, PUT, &rt);
    ngx_http_lambda_tap_is(rt.allow, "GET, POST, HEAD, OPTIONS",
                           "Allow of the request list");

    ngx_http_lambda_op_classify((const unsigned char *)
                                "/api/lambda/requests/1", 22, PUT, &rt);
    ngx_http_lambda_tap_is(rt.allow, "GET, DELETE, HEAD, OPTIONS",
                           "Allow of a request");

    ngx_http_lambda_op_classify((const unsigned char *)
                                "/api/lambda/functions/x", 23, PUT, &rt);
    ngx_http_lambda_tap_is(rt.allow, "GET, POST, HEAD, OPTIONS",
                           "Allow of a function");

    ngx_http_lambda_op_classify((const unsigned char *)
                                "/api/lambda/functions", 21, PUT, &rt);
    ngx_http_lambda_tap_is(rt.allow, "GET, HEAD, OPTIONS",
                           "Allow of the function list");

    ngx_http_lambda_tap_is_int(
        ngx_http_lambda_op_method((const unsigned char *) "DELETE", 6),
        DELETE, "method DELETE");
    ngx_http_lambda_tap_is_int(
        ngx_http_lambda_op_method((const unsigned char *) "TRACE", 5),
        NGX_HTTP_LAMBDA_M_OTHER, "method TRACE is other");
    ngx_http_lambda_tap_is_int(
        ngx_http_lambda_op_method((const unsigned char *) "get", 3),
        NGX_HTTP_LAMBDA_M_OTHER, "methods are case-sensitive");

    ngx_http_lambda_tap_is(ngx_http_lambda_op_name(NGX_HTTP_LAMBDA_OP_COUNT),
                           "", "an out-of-range operation has no name");

    return ngx_http_lambda_tap_done();
}
