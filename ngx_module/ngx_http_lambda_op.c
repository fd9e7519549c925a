
/*
 * Copyright (C) ngx_lambda_gateway developers
 */


#include <string.h>

#include "ngx_http_lambda_op.h"


#define NGX_HTTP_LAMBDA_PREFIX      "/api/lambda/"
#define NGX_HTTP_LAMBDA_PREFIX_LEN  (sizeof(NGX_HTTP_LAMBDA_PREFIX) - 1)

#define NGX_HTTP_LAMBDA_SAFE                                                  \
    (NGX_HTTP_LAMBDA_M_GET|NGX_HTTP_LAMBDA_M_HEAD)


typedef struct {
    ngx_http_lambda_route_e    route;
    unsigned                   methods;
    const char                *allow;
    ngx_http_lambda_op_e       get;
    ngx_http_lambda_op_e       post;
    ngx_http_lambda_op_e       delete;
} ngx_http_lambda_route_def_t;


/*
 * DRF's "Allow" lists the handlers of the view in http_method_names order
 * (get, post, put, patch, delete, head, options); HEAD follows GET.
 */
static const ngx_http_lambda_route_def_t  ngx_http_lambda_routes[] = {
    { NGX_HTTP_LAMBDA_ROUTE_NONE, 0, NULL,
      NGX_HTTP_LAMBDA_OP_NONE, NGX_HTTP_LAMBDA_OP_NONE,
      NGX_HTTP_LAMBDA_OP_NONE },
    { NGX_HTTP_LAMBDA_ROUTE_FUNCTIONS, NGX_HTTP_LAMBDA_SAFE,
      "GET, HEAD, OPTIONS",
      NGX_HTTP_LAMBDA_OP_LIST_FUNCTIONS, NGX_HTTP_LAMBDA_OP_NONE,
      NGX_HTTP_LAMBDA_OP_NONE },
    { NGX_HTTP_LAMBDA_ROUTE_FUNCTION,
      NGX_HTTP_LAMBDA_SAFE|NGX_HTTP_LAMBDA_M_POST,
      "GET, POST, HEAD, OPTIONS",
      NGX_HTTP_LAMBDA_OP_RETRIEVE_FUNCTIONS,
      NGX_HTTP_LAMBDA_OP_CREATE_FUNCTIONS, NGX_HTTP_LAMBDA_OP_NONE },
    { NGX_HTTP_LAMBDA_ROUTE_REQUESTS,
      NGX_HTTP_LAMBDA_SAFE|NGX_HTTP_LAMBDA_M_POST,
      "GET, POST, HEAD, OPTIONS",
      NGX_HTTP_LAMBDA_OP_LIST_REQUESTS, NGX_HTTP_LAMBDA_OP_CREATE_REQUESTS,
      NGX_HTTP_LAMBDA_OP_NONE },
    { NGX_HTTP_LAMBDA_ROUTE_REQUEST,
      NGX_HTTP_LAMBDA_SAFE|NGX_HTTP_LAMBDA_M_DELETE,
      "GET, DELETE, HEAD, OPTIONS",
      NGX_HTTP_LAMBDA_OP_RETRIEVE_REQUESTS, NGX_HTTP_LAMBDA_OP_NONE,
      NGX_HTTP_LAMBDA_OP_DELETE_REQUESTS }
};


static const char  *ngx_http_lambda_op_names[] = {
    "",
    "list_functions",
    "retrieve_functions",
    "create_functions",
    "create_requests",
    "list_requests",
    "retrieve_requests",
    "delete_requests"
};


static int ngx_http_lambda_func_id_char(unsigned char c);
static size_t ngx_http_lambda_format_suffix(const unsigned char *p,
    size_t len, size_t *dot);


/* {func_id}: [a-zA-Z0-9_.-]+ (lookup_value_regex of FunctionViewSet) */

static const unsigned char  ngx_http_lambda_func_id_chars[256] = {
    ['-'] = 1, ['.'] = 1, ['_'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1,
    ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1,
    ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
    ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
    ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
    ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
    ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1
};


static int
ngx_http_lambda_func_id_char(unsigned char c)
{
    return ngx_http_lambda_func_id_chars[c];
}


/*
 * DRF's format suffix: "\.(?P<format>[a-z0-9]+)/?$".  Returns the length of
 * the part before the dot (0 when there is no suffix) and sets *dot.
 */

static size_t
ngx_http_lambda_format_suffix(const unsigned char *p, size_t len, size_t *dot)
{
    size_t  i, end;

    end = len;

    if (end > 0 && p[end - 1] == '/') {
        end--;
    }

    for (i = end; i > 0; i--) {
        if (p[i - 1] == '.') {
            break;
        }

        if (!((p[i - 1] >= 'a' && p[i - 1] <= 'z')
              || (p[i - 1] >= '0' && p[i - 1] <= '9')))
        {
            return 0;
        }
    }

    if (i == 0 || i == end) {
        /* no dot, or an empty format */
        return 0;
    }

    *dot = i - 1;

    return end;
}


void
ngx_http_lambda_op_classify(const unsigned char *path, size_t len,
    unsigned method, ngx_http_lambda_route_t *rt)
{
    size_t                              i, n, dot, end;
    unsigned                            suffix;
    const unsigned char                *p, *arg, *slash;
    ngx_http_lambda_route_e             route;
    const ngx_http_lambda_route_def_t  *def;

    memset(rt, 0, sizeof(ngx_http_lambda_route_t));

    if (len < NGX_HTTP_LAMBDA_PREFIX_LEN
        || memcmp(path, NGX_HTTP_LAMBDA_PREFIX, NGX_HTTP_LAMBDA_PREFIX_LEN)
           != 0)
    {
        return;
    }

    p = path + NGX_HTTP_LAMBDA_PREFIX_LEN;
    n = len - NGX_HTTP_LAMBDA_PREFIX_LEN;

    route = NGX_HTTP_LAMBDA_ROUTE_NONE;
    suffix = 0;
    arg = NULL;
    end = 0;
    dot = 0;

    if (n >= 9 && memcmp(p, "functions", 9) == 0) {
        p += 9;
        n -= 9;
        route = NGX_HTTP_LAMBDA_ROUTE_FUNCTIONS;

    } else if (n >= 8 && memcmp(p, "requests", 8) == 0) {
        p += 8;
        n -= 8;
        route = NGX_HTTP_LAMBDA_ROUTE_REQUESTS;

    } else {
        return;
    }

    if (n == 0) {
        /* the list route */

    } else if (p[0] == '.') {
        /* "functions.json", "requests.json/" */

        if (ngx_http_lambda_format_suffix(p, n, &dot) == 0 || dot != 0) {
            return;
        }

        suffix = 1;
        end = n - (p[n - 1] == '/');

    } else if (p[0] == '/' && n > 1) {

        /* the detail route: the argument up to the end, or a suffix */

        p++;
        n--;
        route++;

        if (route == NGX_HTTP_LAMBDA_ROUTE_FUNCTION) {

            /*
             * "." is allowed in {func_id}, so "foo.json" is an id; only a
             * trailing "/" makes the suffix route the one that matches
             */

            for (i = 0; i < n; i++) {
                if (!ngx_http_lambda_func_id_char(p[i])) {
                    break;
                }
            }

            if (i == n) {
                arg = p;
                end = n;

            } else if (i == n - 1 && p[i] == '/'
                       && ngx_http_lambda_format_suffix(p, n, &dot) != 0
                       && dot > 0)
            {
                arg = p;
                end = dot;
                suffix = 1;

            } else {
                return;
            }

        } else {

            /* {id}: [^/.]+ */

            slash = memchr(p, '/', n);
            i = slash ? (size_t) (slash - p) : n;
            slash = memchr(p, '.', i);
            i = slash ? (size_t) (slash - p) : i;

            if (i == 0) {
                return;
            }

            if (i == n) {
                arg = p;
                end = n;

            } else if (p[i] == '.'
                       && ngx_http_lambda_format_suffix(p, n, &dot) != 0
                       && dot == i)
            {
                arg = p;
                end = i;
                suffix = 1;

            } else {
                return;
            }
        }

    } else {
        /* "functions/" and other trailing slashes: a Django 404 */
        return;
    }

    rt->route = route;
    rt->format_suffix = suffix;

    if (arg != NULL) {
        rt->arg = arg;
        rt->arg_len = end;
    }

    if (suffix) {
        rt->format = p + dot + 1;
        rt->format_len = n - dot - 1 - (p[n - 1] == '/');
    }

    def = &ngx_http_lambda_routes[route];
    rt->allow = def->allow;

    if (method == NGX_HTTP_LAMBDA_M_OPTIONS) {
        rt->method_allowed = 1;
        rt->passthrough = 1;
        return;
    }

    if (!(def->methods & method)) {
        return;
    }

    rt->method_allowed = 1;

    if (method & NGX_HTTP_LAMBDA_SAFE) {
        rt->op = def->get;

    } else if (method == NGX_HTTP_LAMBDA_M_POST) {
        rt->op = def->post;

    } else {
        rt->op = def->delete;
    }
}


const char *
ngx_http_lambda_op_name(ngx_http_lambda_op_e op)
{
    if (op >= NGX_HTTP_LAMBDA_OP_COUNT) {
        return "";
    }

    return ngx_http_lambda_op_names[op];
}


unsigned
ngx_http_lambda_op_method(const unsigned char *name, size_t len)
{
    static const struct {
        const char  *name;
        size_t       len;
        unsigned     bit;
    } methods[] = {
        { "GET", 3, NGX_HTTP_LAMBDA_M_GET },
        { "HEAD", 4, NGX_HTTP_LAMBDA_M_HEAD },
        { "POST", 4, NGX_HTTP_LAMBDA_M_POST },
        { "PUT", 3, NGX_HTTP_LAMBDA_M_PUT },
        { "PATCH", 5, NGX_HTTP_LAMBDA_M_PATCH },
        { "DELETE", 6, NGX_HTTP_LAMBDA_M_DELETE },
        { "OPTIONS", 7, NGX_HTTP_LAMBDA_M_OPTIONS }
    };

    size_t  i;

    for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        if (len == methods[i].len && memcmp(name, methods[i].name, len) == 0)
        {
            return methods[i].bit;
        }
    }

    return NGX_HTTP_LAMBDA_M_OTHER;
}
