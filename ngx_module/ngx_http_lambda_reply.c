
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * The answers the gateway makes itself: CVAT's status and JSON value,
 * "application/vnd.cvat+json", DRF's "Allow" and "Vary" headers.  Also the
 * jansson allocator, which takes memory from the request pool while a
 * request is being validated.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <jansson.h>

#include "ngx_http_lambda_module.h"
#include "ngx_http_lambda_json.h"
#include "ngx_http_lambda_stats.h"


#define NGX_HTTP_LAMBDA_JSON_HDR   16
#define NGX_HTTP_LAMBDA_JSON_POOL  1
#define NGX_HTTP_LAMBDA_JSON_HEAP  2


static ngx_int_t ngx_http_lambda_add_header(ngx_http_request_t *r,
    ngx_str_t *key, const char *value, ngx_table_elt_t **out);
static void *ngx_http_lambda_json_malloc(size_t size);
static void ngx_http_lambda_json_free(void *p);


static ngx_pool_t  *ngx_http_lambda_json_pool;

static ngx_str_t  ngx_http_lambda_content_type =
    ngx_string("application/vnd.cvat+json");


ngx_str_t  ngx_http_lambda_reasons[] = {
    ngx_null_string,
    ngx_string("credentials"),
    ngx_string("organization"),
    ngx_string("method"),
    ngx_string("media_type"),
    ngx_string("size"),
    ngx_string("json"),
    ngx_string("schema"),
    ngx_string("rate_limit"),
    ngx_string("limit_unavailable")
};


ngx_int_t
ngx_http_lambda_reply(ngx_http_request_t *r, ngx_http_lambda_ctx_t *ctx,
    ngx_uint_t status, ngx_http_lambda_reason_e reason, u_char *body,
    size_t len)
{
    ngx_int_t         rc;
    ngx_buf_t        *b;
    ngx_chain_t       out;
    ngx_table_elt_t  *h;

    static ngx_str_t  allow = ngx_string("Allow");
    static ngx_str_t  vary = ngx_string("Vary");
    static ngx_str_t  www = ngx_string("WWW-Authenticate");

    /* the request may be freed once finalized: the context says so first */

    ctx->reason = reason;
    ctx->state = NGX_HTTP_LAMBDA_STATE_DONE;
    ctx->rc = NGX_DONE;

    ngx_http_lambda_stats_reject(reason);
    ngx_http_lambda_stats_request(ctx->route.op,
                                  NGX_HTTP_LAMBDA_STATS_REJECTED);

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "lambda gateway rejected \"%s\" with %ui, reason \"%V\"",
                  ngx_http_lambda_op_name(ctx->route.op), status,
                  &ngx_http_lambda_reasons[reason]);

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        ngx_http_finalize_request(r, rc);
        return NGX_DONE;
    }

    r->headers_out.status = status;
    r->headers_out.content_type = ngx_http_lambda_content_type;
    r->headers_out.content_type_len = ngx_http_lambda_content_type.len;
    r->headers_out.content_type_lowcase = NULL;
    r->headers_out.content_length_n = len;

    if (ctx->route.allow != NULL
        && ngx_http_lambda_add_header(r, &allow, ctx->route.allow, NULL)
           != NGX_OK)
    {
        goto failed;
    }

    if (ngx_http_lambda_add_header(r, &vary, "Accept", NULL) != NGX_OK) {
        goto failed;
    }

    if (status == NGX_HTTP_UNAUTHORIZED) {
        if (ngx_http_lambda_add_header(r, &www, "Token", &h) != NGX_OK) {
            goto failed;
        }

        r->headers_out.www_authenticate = h;
    }

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only || len == 0) {
        ngx_http_finalize_request(r, rc);
        return NGX_DONE;
    }

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        goto failed;
    }

    b->pos = body;
    b->last = body + len;
    b->memory = 1;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    rc = ngx_http_output_filter(r, &out);

    ngx_http_finalize_request(r, rc);
    return NGX_DONE;

failed:

    ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
    return NGX_DONE;
}


/*
 * field == NULL: {"detail": msg}; field == "": [msg]; else {field: [msg]}
 */

ngx_int_t
ngx_http_lambda_reply_error(ngx_http_request_t *r, ngx_http_lambda_ctx_t *ctx,
    ngx_uint_t status, ngx_http_lambda_reason_e reason, const char *field,
    const char *fmt, ...)
{
    u_char     *p;
    va_list     args;
    json_t     *msg, *body, *list;
    u_char      buf[NGX_MAX_ERROR_STR];

    va_start(args, fmt);
    p = ngx_vslprintf(buf, buf + sizeof(buf), fmt, args);
    va_end(args);

    ngx_http_lambda_json_use_pool(r->pool);

    body = NULL;
    msg = json_stringn((char *) buf, p - buf);

    if (msg == NULL) {
        goto failed;
    }

    if (field == NULL) {
        body = json_object();

        if (body == NULL || json_object_set_new(body, "detail", msg) != 0) {
            goto failed;
        }

    } else {
        list = json_array();

        if (list == NULL || json_array_append_new(list, msg) != 0) {
            goto failed;
        }

        if (field[0] == '\0') {
            body = list;

        } else {
            body = json_object();

            if (body == NULL || json_object_set_new(body, field, list) != 0) {
                goto failed;
            }
        }
    }

    ngx_http_lambda_json_use_pool(NULL);

    return ngx_http_lambda_reply_json(r, ctx, status, reason, body);

failed:

    ngx_http_lambda_json_use_pool(NULL);

    ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
    return NGX_DONE;
}


ngx_int_t
ngx_http_lambda_reply_json(ngx_http_request_t *r, ngx_http_lambda_ctx_t *ctx,
    ngx_uint_t status, ngx_http_lambda_reason_e reason, void *json)
{
    u_char  *p;
    size_t   len;

    len = ngx_http_lambda_json_dumpb(json, NULL, 0);

    if (len == 0) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return NGX_DONE;
    }

    p = ngx_pnalloc(r->pool, len);
    if (p == NULL) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return NGX_DONE;
    }

    (void) ngx_http_lambda_json_dumpb(json, (char *) p, len);

    return ngx_http_lambda_reply(r, ctx, status, reason, p, len);
}


static ngx_int_t
ngx_http_lambda_add_header(ngx_http_request_t *r, ngx_str_t *key,
    const char *value, ngx_table_elt_t **out)
{
    ngx_table_elt_t  *h;

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key = *key;
    h->value.data = (u_char *) value;
    h->value.len = ngx_strlen(value);

    if (out) {
        *out = h;
    }

    return NGX_OK;
}


/*
 * jansson allocates through these: from the pool set for the request being
 * validated, or from the heap outside of one.  A small header tells free()
 * which, so that an object made in one mode is safely released in another.
 */

void
ngx_http_lambda_json_init(void)
{
    json_set_alloc_funcs(ngx_http_lambda_json_malloc,
                         ngx_http_lambda_json_free);
}


void
ngx_http_lambda_json_use_pool(ngx_pool_t *pool)
{
    ngx_http_lambda_json_pool = pool;
}


static void *
ngx_http_lambda_json_malloc(size_t size)
{
    u_char  *p;

    if (ngx_http_lambda_json_pool != NULL) {
        p = ngx_palloc(ngx_http_lambda_json_pool,
                       size + NGX_HTTP_LAMBDA_JSON_HDR);
        if (p == NULL) {
            return NULL;
        }

        p[0] = NGX_HTTP_LAMBDA_JSON_POOL;

    } else {
        p = malloc(size + NGX_HTTP_LAMBDA_JSON_HDR);
        if (p == NULL) {
            return NULL;
        }

        p[0] = NGX_HTTP_LAMBDA_JSON_HEAP;
    }

    return p + NGX_HTTP_LAMBDA_JSON_HDR;
}


static void
ngx_http_lambda_json_free(void *ptr)
{
    u_char  *p;

    if (ptr == NULL) {
        return;
    }

    p = (u_char *) ptr - NGX_HTTP_LAMBDA_JSON_HDR;

    if (p[0] == NGX_HTTP_LAMBDA_JSON_HEAP) {
        free(p);
    }
}
