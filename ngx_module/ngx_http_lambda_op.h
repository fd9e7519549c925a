
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * Classification of CVAT Lambda API calls (contract 1).  Pure core: no
 * nginx types, so unit tests and fuzz targets reach it directly.
 */


#ifndef _NGX_HTTP_LAMBDA_OP_H_INCLUDED_
#define _NGX_HTTP_LAMBDA_OP_H_INCLUDED_


#include <stddef.h>


/* methods, as bits */
#define NGX_HTTP_LAMBDA_M_GET      0x0001
#define NGX_HTTP_LAMBDA_M_HEAD     0x0002
#define NGX_HTTP_LAMBDA_M_POST     0x0004
#define NGX_HTTP_LAMBDA_M_PUT      0x0008
#define NGX_HTTP_LAMBDA_M_PATCH    0x0010
#define NGX_HTTP_LAMBDA_M_DELETE   0x0020
#define NGX_HTTP_LAMBDA_M_OPTIONS  0x0040
#define NGX_HTTP_LAMBDA_M_OTHER    0x0080


typedef enum {
    NGX_HTTP_LAMBDA_OP_NONE = 0,
    NGX_HTTP_LAMBDA_OP_LIST_FUNCTIONS,
    NGX_HTTP_LAMBDA_OP_RETRIEVE_FUNCTIONS,
    NGX_HTTP_LAMBDA_OP_CREATE_FUNCTIONS,
    NGX_HTTP_LAMBDA_OP_CREATE_REQUESTS,
    NGX_HTTP_LAMBDA_OP_LIST_REQUESTS,
    NGX_HTTP_LAMBDA_OP_RETRIEVE_REQUESTS,
    NGX_HTTP_LAMBDA_OP_DELETE_REQUESTS,
    NGX_HTTP_LAMBDA_OP_COUNT
} ngx_http_lambda_op_e;


typedef enum {
    NGX_HTTP_LAMBDA_ROUTE_NONE = 0,       /* not one of the four routes */
    NGX_HTTP_LAMBDA_ROUTE_FUNCTIONS,      /* functions */
    NGX_HTTP_LAMBDA_ROUTE_FUNCTION,       /* functions/{func_id} */
    NGX_HTTP_LAMBDA_ROUTE_REQUESTS,       /* requests */
    NGX_HTTP_LAMBDA_ROUTE_REQUEST         /* requests/{id} */
} ngx_http_lambda_route_e;


typedef struct {
    ngx_http_lambda_route_e    route;
    ngx_http_lambda_op_e       op;         /* NONE: method not served */
    unsigned                   method_allowed:1;
    unsigned                   passthrough:1;  /* OPTIONS: DRF metadata */
    unsigned                   format_suffix:1;

    /* the path argument ({func_id} or {id}), inside the given path */
    const unsigned char       *arg;
    size_t                     arg_len;

    /* the format suffix without the dot, e.g. "json" */
    const unsigned char       *format;
    size_t                     format_len;

    const char                *allow;      /* value of the "Allow" header */
} ngx_http_lambda_route_t;


/*
 * path: the decoded URI path; it must start with "/api/lambda/" for a route
 * to be found.  method: one NGX_HTTP_LAMBDA_M_* bit.
 */
void ngx_http_lambda_op_classify(const unsigned char *path, size_t len,
    unsigned method, ngx_http_lambda_route_t *rt);

const char *ngx_http_lambda_op_name(ngx_http_lambda_op_e op);
unsigned ngx_http_lambda_op_method(const unsigned char *name, size_t len);


#endif /* _NGX_HTTP_LAMBDA_OP_H_INCLUDED_ */
