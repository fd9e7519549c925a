
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * The response side of the cache, for the list_functions requests that
 * went upstream:
 *
 *   - a 2xx from CVAT marks the credential as accepted (scope=shared), a
 *     401 or 403 forgets it and drops what was stored for it;
 *   - the answer of a fill is copied while it passes, and stored at its
 *     last buffer if it is a storable 200: a JSON content type, no
 *     Content-Encoding, no Set-Cookie, no "no-store", "private" or
 *     "no-cache", no "Vary: *", and not larger than the zone can hold;
 *   - a 5xx (CVAT's, or nginx's own 502 and 504 when CVAT cannot be
 *     reached) is replaced by the stored copy when it is younger than
 *     ttl + stale: its headers are replaced in the header filter, its
 *     body is swallowed and the stored body sent in its place.
 *
 * The filters sit below not_modified, range and copy (so they see whole
 * buffers in memory when asked to) and above headers, gzip and chunked.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_lambda_cache.h"


static ngx_int_t ngx_http_lambda_cache_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_lambda_cache_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static ngx_http_lambda_cache_req_t *ngx_http_lambda_cache_get(
    ngx_http_request_t *r);
static ngx_int_t ngx_http_lambda_cache_storable(ngx_http_request_t *r,
    ngx_http_lambda_cache_req_t *rs);
static ngx_uint_t ngx_http_lambda_cache_json(ngx_str_t *type);
static ngx_int_t ngx_http_lambda_cache_append(ngx_http_request_t *r,
    ngx_http_lambda_cache_req_t *rs, u_char *data, size_t len);
static ngx_int_t ngx_http_lambda_cache_serve_stale(ngx_http_request_t *r,
    ngx_http_lambda_cache_req_t *rs);
static ngx_int_t ngx_http_lambda_cache_stale_body(ngx_http_request_t *r,
    ngx_http_lambda_cache_req_t *rs, ngx_chain_t *in);


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;


ngx_int_t
ngx_http_lambda_cache_filter_init(ngx_conf_t *cf)
{
    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_lambda_cache_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_lambda_cache_body_filter;

    return NGX_OK;
}


static ngx_http_lambda_cache_req_t *
ngx_http_lambda_cache_get(ngx_http_request_t *r)
{
    ngx_http_lambda_ctx_t        *ctx;
    ngx_http_lambda_cache_req_t  *rs;

    if (r != r->main) {
        return NULL;
    }

    ctx = ngx_http_lambda_get_ctx(r);

    if (ctx == NULL || ctx->cache == NULL) {
        return NULL;
    }

    rs = ctx->cache;

    if (!rs->cacheable || rs->served) {
        return NULL;
    }

    return rs;
}


static ngx_int_t
ngx_http_lambda_cache_header_filter(ngx_http_request_t *r)
{
    ngx_uint_t                    status;
    ngx_http_lambda_cache_req_t  *rs;

    rs = ngx_http_lambda_cache_get(r);

    if (rs == NULL || rs->stale) {
        return ngx_http_next_header_filter(r);
    }

    status = r->headers_out.status;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "lambda cache header filter, status:%ui lease:%uL",
                   status, rs->lease);

    if (status >= NGX_HTTP_OK && status < NGX_HTTP_SPECIAL_RESPONSE) {
        ngx_http_lambda_cache_verdict(rs, 1);

    } else if (status == NGX_HTTP_UNAUTHORIZED
               || status == NGX_HTTP_FORBIDDEN)
    {
        ngx_http_lambda_cache_verdict(rs, 0);
    }

    if (rs->lease
        && status == NGX_HTTP_OK
        && ngx_http_lambda_cache_storable(r, rs) == NGX_OK)
    {
        rs->capture = 1;
        r->filter_need_in_memory = 1;

        return ngx_http_next_header_filter(r);
    }

    if (status >= NGX_HTTP_INTERNAL_SERVER_ERROR
        && ngx_http_lambda_cache_stale(rs) == NGX_OK)
    {
        if (ngx_http_lambda_cache_serve_stale(r, rs) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    ngx_http_lambda_cache_release(rs);

    return ngx_http_next_header_filter(r);
}


static ngx_int_t
ngx_http_lambda_cache_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_uint_t                    last;
    ngx_chain_t                  *cl;
    ngx_http_lambda_cache_req_t  *rs;

    if (in == NULL) {
        return ngx_http_next_body_filter(r, in);
    }

    rs = ngx_http_lambda_cache_get(r);

    if (rs == NULL) {
        return ngx_http_next_body_filter(r, in);
    }

    if (rs->stale) {
        return ngx_http_lambda_cache_stale_body(r, rs, in);
    }

    if (!rs->capture) {
        return ngx_http_next_body_filter(r, in);
    }

    last = 0;

    for (cl = in; cl; cl = cl->next) {

        if (ngx_buf_in_memory(cl->buf)) {
            if (ngx_http_lambda_cache_append(r, rs, cl->buf->pos,
                                             cl->buf->last - cl->buf->pos)
                != NGX_OK)
            {
                break;
            }

        } else if (ngx_buf_size(cl->buf)) {
            ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "lambda cache: a buffer not in memory");
            rs->capture = 0;
            break;
        }

        if (cl->buf->last_buf) {
            last = 1;
        }
    }

    if (!rs->capture) {
        ngx_http_lambda_cache_release(rs);

    } else if (last) {
        rs->capture = 0;

        if (r->headers_out.status == NGX_HTTP_OK
            && (rs->expect == -1 || rs->expect == (off_t) rs->len))
        {
            ngx_http_lambda_cache_commit(rs);

        } else {
            ngx_http_lambda_cache_release(rs);
        }
    }

    return ngx_http_next_body_filter(r, in);
}


static ngx_int_t
ngx_http_lambda_cache_storable(ngx_http_request_t *r,
    ngx_http_lambda_cache_req_t *rs)
{
    u_char           *p, *last;
    ngx_str_t        *type;
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    type = &r->headers_out.content_type;

    if (!ngx_http_lambda_cache_json(type)) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "lambda cache: not stored, content type \"%V\"",
                       type);
        return NGX_DECLINED;
    }

    if (r->headers_out.content_encoding
        && r->headers_out.content_encoding->value.len
        && !(r->headers_out.content_encoding->value.len == 8
             && ngx_strncasecmp(r->headers_out.content_encoding->value.data,
                                (u_char *) "identity", 8)
                == 0))
    {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "lambda cache: not stored, content encoding");
        return NGX_DECLINED;
    }

    part = &r->headers_out.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].hash == 0) {
            continue;
        }

        p = h[i].value.data;
        last = p + h[i].value.len;

        if ((h[i].key.len == 10
             && ngx_strncasecmp(h[i].key.data, (u_char *) "Set-Cookie", 10)
                == 0)
            || (h[i].key.len == 13
                && ngx_strncasecmp(h[i].key.data, (u_char *) "Cache-Control",
                                   13)
                   == 0
                && (ngx_strlcasestrn(p, last, (u_char *) "no-store", 8 - 1)
                    || ngx_strlcasestrn(p, last, (u_char *) "private", 7 - 1)
                    || ngx_strlcasestrn(p, last, (u_char *) "no-cache",
                                        8 - 1)))
            || (h[i].key.len == 4
                && ngx_strncasecmp(h[i].key.data, (u_char *) "Vary", 4) == 0
                && ngx_strlchr(p, last, '*')))
        {
            ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "lambda cache: not stored, \"%V: %V\"",
                           &h[i].key, &h[i].value);
            return NGX_DECLINED;
        }
    }

    rs->expect = r->headers_out.content_length_n;

    if (rs->expect > (off_t) rs->max) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "lambda cache: not stored, %O bytes", rs->expect);
        return NGX_DECLINED;
    }

    rs->type.len = type->len;
    rs->type.data = ngx_pstrdup(r->pool, type);
    if (rs->type.data == NULL) {
        return NGX_ERROR;
    }

    rs->size = (rs->expect >= 0) ? (size_t) rs->expect : ngx_pagesize;
    rs->len = 0;

    rs->buf = ngx_pnalloc(r->pool, rs->size ? rs->size : 1);
    if (rs->buf == NULL) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* application/json or application/<anything>+json, parameters aside */

static ngx_uint_t
ngx_http_lambda_cache_json(ngx_str_t *type)
{
    u_char  *p, *end, *last;
    size_t   len;

    p = type->data;
    last = p + type->len;

    for (end = p; end < last; end++) {
        if (*end == ';' || *end == ' ' || *end == '\t') {
            break;
        }
    }

    len = end - p;

    if (len < 16 || ngx_strncasecmp(p, (u_char *) "application/", 12) != 0) {
        return 0;
    }

    if (len == 16 && ngx_strncasecmp(p + 12, (u_char *) "json", 4) == 0) {
        return 1;
    }

    return len > 17 && ngx_strncasecmp(end - 5, (u_char *) "+json", 5) == 0;
}


static ngx_int_t
ngx_http_lambda_cache_append(ngx_http_request_t *r,
    ngx_http_lambda_cache_req_t *rs, u_char *data, size_t len)
{
    u_char  *p;
    size_t   size;

    if (len == 0) {
        return NGX_OK;
    }

    if (rs->len + len > rs->size) {

        if (rs->len + len > rs->max) {
            ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "lambda cache: not stored, more than %uz bytes",
                           rs->max);
            rs->capture = 0;
            return NGX_DECLINED;
        }

        size = ngx_max(rs->size * 2, rs->len + len);
        size = ngx_min(size, rs->max);

        p = ngx_pnalloc(r->pool, size);
        if (p == NULL) {
            rs->capture = 0;
            return NGX_ERROR;
        }

        ngx_memcpy(p, rs->buf, rs->len);

        rs->buf = p;
        rs->size = size;
    }

    ngx_memcpy(rs->buf + rs->len, data, len);
    rs->len += len;

    return NGX_OK;
}


/*
 * The refresh failed: the stored copy replaces the answer.  The headers of
 * the failed answer go, as in a special response.
 */

static ngx_int_t
ngx_http_lambda_cache_serve_stale(ngx_http_request_t *r,
    ngx_http_lambda_cache_req_t *rs)
{
    ngx_http_headers_out_t  *ho;

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "lambda cache serves a stale copy instead of status %ui",
                  r->headers_out.status);

    ho = &r->headers_out;

    ho->headers.part.nelts = 0;
    ho->headers.part.next = NULL;
    ho->headers.last = &ho->headers.part;

    ho->trailers.part.nelts = 0;
    ho->trailers.part.next = NULL;
    ho->trailers.last = &ho->trailers.part;

    ngx_memzero(&ho->status,
                sizeof(ngx_http_headers_out_t)
                - offsetof(ngx_http_headers_out_t, status));

    ho->content_length_n = -1;
    ho->last_modified_time = -1;

    r->err_status = 0;

    if (ngx_http_lambda_cache_set_headers(r, rs->body) != NGX_OK) {
        return NGX_ERROR;
    }

    rs->stale = 1;
    rs->status = NGX_HTTP_LAMBDA_CACHE_STALE;

    return NGX_OK;
}


/* the failed answer's buffers are swallowed; the stored body goes once */

static ngx_int_t
ngx_http_lambda_cache_stale_body(ngx_http_request_t *r,
    ngx_http_lambda_cache_req_t *rs, ngx_chain_t *in)
{
    ngx_buf_t    *b;
    ngx_chain_t  *cl, out;

    for (cl = in; cl; cl = cl->next) {
        cl->buf->pos = cl->buf->last;

        if (cl->buf->in_file) {
            cl->buf->file_pos = cl->buf->file_last;
        }
    }

    if (rs->stale_sent || r->header_only) {
        return ngx_http_next_body_filter(r, NULL);
    }

    rs->stale_sent = 1;

    b = ngx_calloc_buf(r->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = rs->body->data;
    b->last = rs->body->data + rs->body->len;
    b->memory = (rs->body->len != 0);
    b->last_buf = 1;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    return ngx_http_next_body_filter(r, &out);
}
