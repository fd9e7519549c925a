
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * Answering list_functions from a stored body, in the content phase: the
 * status, content type and bytes CVAT gave, an ETag made from the bytes so
 * that the not_modified filter answers If-None-Match with 304, and no body
 * for HEAD (the header filter sets header_only).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_lambda_cache.h"


static ngx_int_t ngx_http_lambda_cache_content_handler(ngx_http_request_t *r);


static ngx_str_t  ngx_http_lambda_cache_etag = ngx_string("ETag");


/*
 * The access step only chose the entry: the answer is sent by the content
 * phase, so that every access check configured after the gateway (allow,
 * deny, auth_request, satisfy) still applies to a hit.
 */

ngx_int_t
ngx_http_lambda_cache_send(ngx_http_request_t *r,
    ngx_http_lambda_cache_req_t *rs)
{
    rs->served = 1;
    r->content_handler = ngx_http_lambda_cache_content_handler;

    return NGX_DECLINED;
}


static ngx_int_t
ngx_http_lambda_cache_content_handler(ngx_http_request_t *r)
{
    ngx_int_t                     rc;
    ngx_buf_t                    *b;
    ngx_chain_t                   out;
    ngx_http_lambda_ctx_t        *ctx;
    ngx_http_lambda_cache_req_t  *rs;

    ctx = ngx_http_lambda_get_ctx(r);

    if (ctx == NULL || ctx->cache == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rs = ctx->cache;

    if (rs->body == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    if (ngx_http_lambda_cache_set_headers(r, rs->body) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = rs->body->data;
    b->last = rs->body->data + rs->body->len;
    b->memory = (rs->body->len != 0);
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


/*
 * Whether the request is answered from the cache (HIT, UPDATING): the
 * access handler then declines with the content handler replaced, and the
 * request does not go to CVAT.  For lambda_status' "cached" outcome.
 */

ngx_uint_t
ngx_http_lambda_cache_served(ngx_http_lambda_ctx_t *ctx)
{
    ngx_http_lambda_cache_req_t  *rs;

    rs = ctx->cache;

    return rs != NULL && rs->served;
}


/* the headers of a stored answer; the body stays referenced by rs */

ngx_int_t
ngx_http_lambda_cache_set_headers(ngx_http_request_t *r,
    ngx_http_lambda_cache_body_t *body)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key = ngx_http_lambda_cache_etag;
    h->value = body->etag;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    r->headers_out.etag = h;

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_type = body->type;
    r->headers_out.content_type_len = body->type.len;
    r->headers_out.content_type_lowcase = NULL;
    r->headers_out.content_length_n = body->len;

    return NGX_OK;
}
