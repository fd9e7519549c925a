
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * The body of the two POSTs: read in the access phase (the mirror module's
 * recipe), flattened into a copy so that the buffers proxy_pass sends stay
 * untouched, then checked as DRF's parsing layer and serializers would
 * (contract 2).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <jansson.h>

#include "ngx_http_lambda_module.h"
#include "ngx_http_lambda_media.h"
#include "ngx_http_lambda_schema.h"
#include "ngx_http_lambda_fastpath.h"


/* the blocks of the pool that jansson parses a body into */
#define NGX_HTTP_LAMBDA_PARSE_POOL  16384


static void ngx_http_lambda_body_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_lambda_media_check(ngx_http_request_t *r,
    ngx_http_lambda_ctx_t *ctx);
static ngx_int_t ngx_http_lambda_too_large(ngx_http_request_t *r,
    ngx_http_lambda_ctx_t *ctx, size_t limit);
static ngx_int_t ngx_http_lambda_flatten(ngx_http_request_t *r,
    ngx_http_lambda_ctx_t *ctx);


static u_char  ngx_http_lambda_empty_object[] = "{}";


ngx_int_t
ngx_http_lambda_read_body(ngx_http_request_t *r, ngx_http_lambda_ctx_t *ctx)
{
    ngx_int_t                    rc;
    ngx_http_lambda_loc_conf_t  *llcf;

    llcf = ngx_http_get_module_loc_conf(r, ngx_http_lambda_module);

    if (r->headers_in.content_length_n > (off_t) llcf->body_limit) {
        return ngx_http_lambda_too_large(r, ctx, llcf->body_limit);
    }

    if (r->headers_in.content_length_n <= 0 && !r->headers_in.chunked) {

        /* no body: DRF does not parse and request.data is {} */

        ctx->body = ngx_http_lambda_empty_object;
        ctx->body_len = 2;
        ctx->state = NGX_HTTP_LAMBDA_STATE_BODY_DONE;

        return ngx_http_lambda_access_handler(r);
    }

    if (r->headers_in.content_length_n > 0) {
        rc = ngx_http_lambda_media_check(r, ctx);
        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    rc = ngx_http_read_client_request_body(r, ngx_http_lambda_body_handler);

    if (rc >= NGX_HTTP_SPECIAL_RESPONSE) {
        return rc;
    }

    ngx_http_finalize_request(r, NGX_DONE);
    return NGX_DONE;
}


static void
ngx_http_lambda_body_handler(ngx_http_request_t *r)
{
    ngx_http_lambda_ctx_t  *ctx;

    ctx = ngx_http_lambda_get_ctx(r);

    if (ctx != NULL && ctx->state == NGX_HTTP_LAMBDA_STATE_BODY) {
        ctx->state = NGX_HTTP_LAMBDA_STATE_BODY_DONE;
    }

    r->write_event_handler = ngx_http_core_run_phases;
    ngx_http_core_run_phases(r);
}


/*
 * Called in state BODY_DONE: the size, the media type (for bodies whose
 * length was unknown before reading), the JSON and the schema.
 */

ngx_int_t
ngx_http_lambda_check_body(ngx_http_request_t *r, ngx_http_lambda_ctx_t *ctx)
{
    int                          strict;
    ngx_int_t                    rc;
    ngx_str_t                    func_id, cs;
    ngx_pool_t                  *pool;
    ngx_http_lambda_result_t     res;
    ngx_http_lambda_loc_conf_t  *llcf;
    ngx_http_lambda_body_kind_t  kind;

    llcf = ngx_http_get_module_loc_conf(r, ngx_http_lambda_module);

    if (ctx->body != ngx_http_lambda_empty_object) {

        rc = ngx_http_lambda_flatten(r, ctx);
        if (rc != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (ctx->body_len > llcf->body_limit) {
            return ngx_http_lambda_too_large(r, ctx, llcf->body_limit);
        }

        if (ctx->body_len == 0) {
            ctx->body = ngx_http_lambda_empty_object;
            ctx->body_len = 2;

        } else if (r->headers_in.content_length_n <= 0
                   || r->headers_in.chunked)
        {
            rc = ngx_http_lambda_media_check(r, ctx);
            if (rc != NGX_DECLINED) {
                return rc;
            }
        }
    }

    if (ctx->route.op == NGX_HTTP_LAMBDA_OP_CREATE_REQUESTS) {
        kind = NGX_HTTP_LAMBDA_BODY_REQUESTS;
        ngx_str_null(&func_id);

    } else {
        kind = NGX_HTTP_LAMBDA_BODY_ONLINE;
        func_id.data = (u_char *) ctx->route.arg;
        func_id.len = ctx->route.arg_len;
    }

    strict = (llcf->validate == NGX_HTTP_LAMBDA_VALIDATE_STRICT);

    /*
     * the bodies CVAT's clients send pass in one pass over the bytes; the
     * full validator decides everything else, errors included
     */

    cs = ctx->charset;

    if ((cs.data == NULL
         || (cs.len == 5 && ngx_strncasecmp(cs.data, (u_char *) "utf-8", 5)
                            == 0)
         || (cs.len == 4 && ngx_strncasecmp(cs.data, (u_char *) "utf8", 4)
                            == 0))
        && ngx_http_lambda_fast_pass(kind, ctx->body, ctx->body_len, strict))
    {
        return NGX_DECLINED;
    }

    /*
     * jansson's tree of the body lives in a pool of its own, destroyed as
     * soon as the body is judged: the request keeps nothing of it while it
     * is proxied (a body of small values can take tens of times its size)
     */

    pool = ngx_create_pool(NGX_HTTP_LAMBDA_PARSE_POOL, ngx_cycle->log);
    if (pool == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_lambda_json_use_pool(pool);

    if (ngx_http_lambda_validate_body(kind, ctx->body, ctx->body_len,
                                      (const char *) cs.data, cs.len,
                                      (const char *) func_id.data,
                                      func_id.len, strict, &res)
        != 0)
    {
        ngx_http_lambda_json_use_pool(NULL);
        ngx_destroy_pool(pool);
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    ngx_http_lambda_json_use_pool(NULL);

    if (res.verdict == NGX_HTTP_LAMBDA_VERDICT_PASS) {
        ngx_destroy_pool(pool);
        return NGX_DECLINED;
    }

    /* the error is written out into the request's pool before it goes */

    rc = ngx_http_lambda_reply_json(r, ctx, res.status,
               res.verdict == NGX_HTTP_LAMBDA_VERDICT_JSON
               ? NGX_HTTP_LAMBDA_REASON_JSON : NGX_HTTP_LAMBDA_REASON_SCHEMA,
               res.error);

    ngx_destroy_pool(pool);

    return rc;
}


static ngx_int_t
ngx_http_lambda_media_check(ngx_http_request_t *r, ngx_http_lambda_ctx_t *ctx)
{
    ngx_str_t                value;
    ngx_http_lambda_media_t  media;

    if (r->headers_in.content_type != NULL) {
        value = r->headers_in.content_type->value;

        if (ngx_http_lambda_media_json(value.data, value.len, &media)) {

            /* kept for decoding: the Content-Type is parsed once */

            ctx->charset.data = (u_char *) media.charset;
            ctx->charset.len = media.charset_len;

            return NGX_DECLINED;
        }

    } else {
        ngx_str_null(&value);
    }

    return ngx_http_lambda_reply_error(r, ctx,
               NGX_HTTP_UNSUPPORTED_MEDIA_TYPE,
               NGX_HTTP_LAMBDA_REASON_MEDIA_TYPE, NULL,
               "Unsupported media type \"%V\" in request.", &value);
}


static ngx_int_t
ngx_http_lambda_too_large(ngx_http_request_t *r, ngx_http_lambda_ctx_t *ctx,
    size_t limit)
{
    return ngx_http_lambda_reply_error(r, ctx,
               NGX_HTTP_REQUEST_ENTITY_TOO_LARGE,
               NGX_HTTP_LAMBDA_REASON_SIZE, NULL,
               "Request body is larger than %uz bytes.", limit);
}


/* a contiguous copy of the body; the chain itself is never modified */

static ngx_int_t
ngx_http_lambda_flatten(ngx_http_request_t *r, ngx_http_lambda_ctx_t *ctx)
{
    off_t         size;
    u_char       *p;
    ssize_t       n;
    ngx_buf_t    *b;
    ngx_chain_t  *cl;

    if (r->request_body == NULL || r->request_body->bufs == NULL) {
        ctx->body = (u_char *) "";
        ctx->body_len = 0;
        return NGX_OK;
    }

    size = 0;

    for (cl = r->request_body->bufs; cl; cl = cl->next) {
        size += ngx_buf_size(cl->buf);
    }

    ctx->body_len = (size_t) size;

    if (size == 0) {
        ctx->body = (u_char *) "";
        return NGX_OK;
    }

    cl = r->request_body->bufs;

    if (cl->next == NULL && !cl->buf->in_file) {
        /* one memory buffer: validate it in place, read-only */
        ctx->body = cl->buf->pos;
        return NGX_OK;
    }

    ctx->body = ngx_pnalloc(r->pool, (size_t) size);
    if (ctx->body == NULL) {
        return NGX_ERROR;
    }

    p = ctx->body;

    for ( /* void */ ; cl; cl = cl->next) {
        b = cl->buf;

        if (b->in_file) {
            n = ngx_read_file(b->file, p, (size_t) (b->file_last - b->file_pos),
                              b->file_pos);

            if (n != b->file_last - b->file_pos) {
                ngx_log_error(NGX_LOG_CRIT, r->connection->log, ngx_errno,
                              "lambda gateway could not read the request "
                              "body from \"%V\"", &b->file->name);
                return NGX_ERROR;
            }

            p += n;
            continue;
        }

        p = ngx_cpymem(p, b->pos, b->last - b->pos);
    }

    return NGX_OK;
}
