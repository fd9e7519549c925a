
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * libFuzzer target: the operation classifier, ngx_http_lambda_op_classify()
 * (ngx_http_lambda_op.c, contract 1).
 *
 * Input: byte 0, bits 0-2, picks the method (GET, HEAD, POST, PUT, PATCH,
 * DELETE, OPTIONS, another); the rest is the decoded path, copied to a
 * buffer of its exact size.  The answer is compared with a reference that
 * matches CVAT's router patterns in Django's order, written here from
 * contract 1:
 *
 *   ^api/lambda/(functions|requests)$
 *   ^api/lambda/(functions|requests)\.(?P<format>[a-z0-9]+)/?$
 *   ^api/lambda/functions/(?P<func_id>[a-zA-Z0-9_.-]+)$
 *   ^api/lambda/functions/(?P<func_id>[a-zA-Z0-9_.-]+)\.(?P<format>...)/?$
 *   ^api/lambda/requests/(?P<id>[^/.]+)$
 *   ^api/lambda/requests/(?P<id>[^/.]+)\.(?P<format>[a-z0-9]+)/?$
 *
 * (a greedy func_id leaves the last dot to the format).  Also checked: the
 * route, the operation, the allowed methods and the "Allow" header agree
 * with one another, the argument and the format lie inside the path, and
 * the operation names and method names read back.
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_http_lambda_op.h"
#include "ngx_http_lambda_fuzz.h"


#define NGX_HTTP_LAMBDA_REF_PREFIX  "/api/lambda/"


typedef struct {
    ngx_http_lambda_route_e    route;
    size_t                     arg;        /* offsets into the path */
    size_t                     arg_len;
    size_t                     format;
    size_t                     format_len;
    int                        suffix;
} ngx_http_lambda_ref_route_t;


static const unsigned  ngx_http_lambda_fuzz_methods[] = {
    NGX_HTTP_LAMBDA_M_GET, NGX_HTTP_LAMBDA_M_HEAD, NGX_HTTP_LAMBDA_M_POST,
    NGX_HTTP_LAMBDA_M_PUT, NGX_HTTP_LAMBDA_M_PATCH, NGX_HTTP_LAMBDA_M_DELETE,
    NGX_HTTP_LAMBDA_M_OPTIONS, NGX_HTTP_LAMBDA_M_OTHER
};

static const char  *ngx_http_lambda_fuzz_method_names[] = {
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PROPFIND"
};


static int ngx_http_lambda_ref_fmt(const unsigned char *p, size_t len);
static int ngx_http_lambda_ref_func_char(unsigned char c);
static int ngx_http_lambda_ref_suffix(const unsigned char *p, size_t len,
    size_t *dot);
static void ngx_http_lambda_ref_classify(const unsigned char *path,
    size_t len, ngx_http_lambda_ref_route_t *ref);
static void ngx_http_lambda_fuzz_methods_of(ngx_http_lambda_route_e route,
    unsigned *methods, const char **allow);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


static int
ngx_http_lambda_ref_fmt(const unsigned char *p, size_t len)
{
    size_t  i;

    if (len == 0) {
        return 0;
    }

    for (i = 0; i < len; i++) {
        if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= '0' && p[i] <= '9')))
        {
            return 0;
        }
    }

    return 1;
}


static int
ngx_http_lambda_ref_func_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}


/*
 * "\.(?P<format>[a-z0-9]+)/?$" at the end of p: the offset of the dot, for
 * the longest text before it (the greedy argument before it)
 */

static int
ngx_http_lambda_ref_suffix(const unsigned char *p, size_t len, size_t *dot)
{
    size_t  end, i;

    for (end = len; end + 1 >= len && end > 0; end--) {

        /* with and without a final "/" */

        if (end < len && p[end] != '/') {
            continue;
        }

        for (i = end; i > 0; i--) {
            if (p[i - 1] == '.') {
                if (ngx_http_lambda_ref_fmt(p + i, end - i)) {
                    *dot = i - 1;
                    return 1;
                }

                break;
            }
        }
    }

    return 0;
}


static void
ngx_http_lambda_ref_classify(const unsigned char *path, size_t len,
    ngx_http_lambda_ref_route_t *ref)
{
    int                   functions;
    size_t                i, n, base, dot, end;
    const unsigned char  *p;

    memset(ref, 0, sizeof(ngx_http_lambda_ref_route_t));

    base = sizeof(NGX_HTTP_LAMBDA_REF_PREFIX) - 1;

    if (len < base || memcmp(path, NGX_HTTP_LAMBDA_REF_PREFIX, base) != 0) {
        return;
    }

    if (len - base >= 9 && memcmp(path + base, "functions", 9) == 0) {
        functions = 1;
        base += 9;

    } else if (len - base >= 8 && memcmp(path + base, "requests", 8) == 0) {
        functions = 0;
        base += 8;

    } else {
        return;
    }

    p = path + base;
    n = len - base;

    /* the list route, then its format suffix */

    if (n == 0) {
        ref->route = functions ? NGX_HTTP_LAMBDA_ROUTE_FUNCTIONS
                               : NGX_HTTP_LAMBDA_ROUTE_REQUESTS;
        return;
    }

    if (p[0] == '.') {
        end = (p[n - 1] == '/') ? n - 1 : n;

        if (ngx_http_lambda_ref_fmt(p + 1, end - 1)) {
            ref->route = functions ? NGX_HTTP_LAMBDA_ROUTE_FUNCTIONS
                                   : NGX_HTTP_LAMBDA_ROUTE_REQUESTS;
            ref->suffix = 1;
            ref->format = base + 1;
            ref->format_len = end - 1;
        }

        return;
    }

    if (p[0] != '/' || n < 2) {
        return;
    }

    p++;
    n--;
    base++;

    /* the detail route, then its format suffix */

    for (i = 0; i < n; i++) {
        if (functions ? !ngx_http_lambda_ref_func_char(p[i])
                      : (p[i] == '/' || p[i] == '.'))
        {
            break;
        }
    }

    if (i == n) {
        ref->route = functions ? NGX_HTTP_LAMBDA_ROUTE_FUNCTION
                               : NGX_HTTP_LAMBDA_ROUTE_REQUEST;
        ref->arg = base;
        ref->arg_len = n;
        return;
    }

    if (!ngx_http_lambda_ref_suffix(p, n, &dot) || dot == 0) {
        return;
    }

    for (i = 0; i < dot; i++) {
        if (functions ? !ngx_http_lambda_ref_func_char(p[i])
                      : (p[i] == '/' || p[i] == '.'))
        {
            return;
        }
    }

    end = (p[n - 1] == '/') ? n - 1 : n;

    ref->route = functions ? NGX_HTTP_LAMBDA_ROUTE_FUNCTION
                           : NGX_HTTP_LAMBDA_ROUTE_REQUEST;
    ref->suffix = 1;
    ref->arg = base;
    ref->arg_len = dot;
    ref->format = base + dot + 1;
    ref->format_len = end - dot - 1;
}


static void
ngx_http_lambda_fuzz_methods_of(ngx_http_lambda_route_e route,
    unsigned *methods, const char **allow)
{
    unsigned  safe;

    safe = NGX_HTTP_LAMBDA_M_GET | NGX_HTTP_LAMBDA_M_HEAD;

    switch (route) {

    case NGX_HTTP_LAMBDA_ROUTE_FUNCTIONS:
        *methods = safe;
        *allow = "GET, HEAD, OPTIONS";
        break;

    case NGX_HTTP_LAMBDA_ROUTE_FUNCTION:
    case NGX_HTTP_LAMBDA_ROUTE_REQUESTS:
        *methods = safe | NGX_HTTP_LAMBDA_M_POST;
        *allow = "GET, POST, HEAD, OPTIONS";
        break;

    case NGX_HTTP_LAMBDA_ROUTE_REQUEST:
        *methods = safe | NGX_HTTP_LAMBDA_M_DELETE;
        *allow = "GET, DELETE, HEAD, OPTIONS";
        break;

    default:
        *methods = 0;
        *allow = NULL;
    }
}


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t                        len, i;
    unsigned                      method, methods;
    const char                   *allow, *name;
    unsigned char                *path;
    ngx_http_lambda_op_e          want;
    ngx_http_lambda_route_t       rt;
    ngx_http_lambda_ref_route_t   ref;

    if (size == 0) {
        return 0;
    }

    method = ngx_http_lambda_fuzz_methods[data[0] & 7];
    name = ngx_http_lambda_fuzz_method_names[data[0] & 7];

    if (ngx_http_lambda_op_method((const unsigned char *) name, strlen(name))
        != method)
    {
        ngx_http_lambda_fuzz_fail("method %s does not read back", name);
    }

    len = size - 1;
    path = ngx_http_lambda_fuzz_dup(data + 1, len);

    ngx_http_lambda_op_classify(path, len, method, &rt);
    ngx_http_lambda_ref_classify(path, len, &ref);

    if (rt.route != ref.route) {
        ngx_http_lambda_fuzz_fail("route %d, the reference %d",
                                  (int) rt.route, (int) ref.route);
    }

    if ((int) rt.format_suffix != ref.suffix) {
        ngx_http_lambda_fuzz_fail("format suffix %d, the reference %d",
                                  (int) rt.format_suffix, ref.suffix);
    }

    if (ref.arg_len) {
        if (rt.arg != path + ref.arg || rt.arg_len != ref.arg_len) {
            ngx_http_lambda_fuzz_fail("argument at %zd (%zu bytes), the "
                                      "reference at %zu (%zu bytes)",
                                      rt.arg ? rt.arg - path : -1,
                                      rt.arg_len, ref.arg, ref.arg_len);
        }

    } else if (rt.arg != NULL || rt.arg_len != 0) {
        ngx_http_lambda_fuzz_fail("an argument on a route without one");
    }

    if (ref.suffix) {
        if (rt.format != path + ref.format
            || rt.format_len != ref.format_len)
        {
            ngx_http_lambda_fuzz_fail("format at %zd (%zu bytes), the "
                                      "reference at %zu (%zu bytes)",
                                      rt.format ? rt.format - path : -1,
                                      rt.format_len, ref.format,
                                      ref.format_len);
        }

        for (i = 0; i < rt.format_len; i++) {
            if (rt.format[i] == '.' || rt.format[i] == '/') {
                ngx_http_lambda_fuzz_fail("a format with '.' or '/'");
            }
        }

    } else if (rt.format != NULL || rt.format_len != 0) {
        ngx_http_lambda_fuzz_fail("a format without a suffix");
    }

    /* what the route serves */

    ngx_http_lambda_fuzz_methods_of(rt.route, &methods, &allow);

    if ((allow == NULL) != (rt.allow == NULL)
        || (allow != NULL && strcmp(allow, rt.allow) != 0))
    {
        ngx_http_lambda_fuzz_fail("Allow \"%s\" for route %d",
                                  rt.allow ? rt.allow : "(none)",
                                  (int) rt.route);
    }

    want = NGX_HTTP_LAMBDA_OP_NONE;

    if (rt.route != NGX_HTTP_LAMBDA_ROUTE_NONE
        && method != NGX_HTTP_LAMBDA_M_OPTIONS && (methods & method))
    {
        switch (rt.route) {

        case NGX_HTTP_LAMBDA_ROUTE_FUNCTIONS:
            want = NGX_HTTP_LAMBDA_OP_LIST_FUNCTIONS;
            break;

        case NGX_HTTP_LAMBDA_ROUTE_FUNCTION:
            want = (method == NGX_HTTP_LAMBDA_M_POST)
                   ? NGX_HTTP_LAMBDA_OP_CREATE_FUNCTIONS
                   : NGX_HTTP_LAMBDA_OP_RETRIEVE_FUNCTIONS;
            break;

        case NGX_HTTP_LAMBDA_ROUTE_REQUESTS:
            want = (method == NGX_HTTP_LAMBDA_M_POST)
                   ? NGX_HTTP_LAMBDA_OP_CREATE_REQUESTS
                   : NGX_HTTP_LAMBDA_OP_LIST_REQUESTS;
            break;

        default:
            want = (method == NGX_HTTP_LAMBDA_M_DELETE)
                   ? NGX_HTTP_LAMBDA_OP_DELETE_REQUESTS
                   : NGX_HTTP_LAMBDA_OP_RETRIEVE_REQUESTS;
        }
    }

    if (rt.op != want) {
        ngx_http_lambda_fuzz_fail("operation %d for route %d and method %s, "
                                  "expected %d", (int) rt.op, (int) rt.route,
                                  name, (int) want);
    }

    if (rt.route == NGX_HTTP_LAMBDA_ROUTE_NONE) {
        if (rt.method_allowed || rt.passthrough) {
            ngx_http_lambda_fuzz_fail("flags on a path that is no route");
        }

    } else if (method == NGX_HTTP_LAMBDA_M_OPTIONS) {
        if (!rt.method_allowed || !rt.passthrough) {
            ngx_http_lambda_fuzz_fail("OPTIONS does not pass through");
        }

    } else if ((int) rt.method_allowed != ((methods & method) != 0)
               || rt.passthrough)
    {
        ngx_http_lambda_fuzz_fail("method %s allowed %d on route %d", name,
                                  (int) rt.method_allowed, (int) rt.route);
    }

    name = ngx_http_lambda_op_name(rt.op);

    if (name == NULL || (rt.op == NGX_HTTP_LAMBDA_OP_NONE) != (*name == '\0'))
    {
        ngx_http_lambda_fuzz_fail("operation %d has no name", (int) rt.op);
    }

    free(path);

    return 0;
}
