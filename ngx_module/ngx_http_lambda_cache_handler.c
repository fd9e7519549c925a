
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * The cache step of the access handler (ngx_http_lambda_cache_hook), run
 * after the credentials, the organization context and the limits were
 * checked.  It keys the request, asks the zone for a verdict and then
 * answers from the entry, lets the request go upstream to fill it (with
 * its conditional and range headers removed), lets it pass, or parks it
 * until the fill another request is making ends or lock_timeout passes.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_lambda_cache.h"


/* how often a parked request looks at the entry again */
#define NGX_HTTP_LAMBDA_CACHE_POLL  25

/* the longest "scheme" argument worth keying on */
#define NGX_HTTP_LAMBDA_CACHE_ARG   32


/* a key being digested: its bytes go to MD5 a block at a time */
typedef struct {
    ngx_md5_t                     md5;
    u_char                       *last;
    u_char                        buf[64];
} ngx_http_lambda_cache_digest_t;


static ngx_http_lambda_cache_req_t *ngx_http_lambda_cache_create(
    ngx_http_request_t *r, ngx_http_lambda_ctx_t *ctx,
    ngx_http_lambda_cache_loc_conf_t *clcf);
static ngx_uint_t ngx_http_lambda_cache_scheme(ngx_str_t *args);
static void ngx_http_lambda_cache_digest_init(
    ngx_http_lambda_cache_digest_t *d, u_char tag);
static void ngx_http_lambda_cache_digest_field(
    ngx_http_lambda_cache_digest_t *d, u_char *data, size_t len);
static void ngx_http_lambda_cache_digest_put(
    ngx_http_lambda_cache_digest_t *d, u_char *data, size_t len);
static void ngx_http_lambda_cache_digest_final(
    ngx_http_lambda_cache_digest_t *d, u_char *key);
static ngx_int_t ngx_http_lambda_cache_wait(ngx_http_request_t *r,
    ngx_http_lambda_cache_req_t *rs);
static void ngx_http_lambda_cache_wait_handler(ngx_event_t *ev);
static ngx_int_t ngx_http_lambda_cache_strip(ngx_http_request_t *r);
static void ngx_http_lambda_cache_cleanup(void *data);


/* request headers a fill never sends upstream */
static ngx_str_t  ngx_http_lambda_cache_stripped[] = {
    ngx_string("If-None-Match"),
    ngx_string("If-Modified-Since"),
    ngx_string("If-Match"),
    ngx_string("If-Unmodified-Since"),
    ngx_string("If-Range"),
    ngx_string("Range"),
    ngx_string("Accept-Encoding"),
    ngx_null_string
};


ngx_int_t
ngx_http_lambda_cache_handler(ngx_http_request_t *r,
    ngx_http_lambda_ctx_t *ctx)
{
    ngx_http_lambda_cache_req_t       *rs;
    ngx_http_lambda_cache_action_e     action;
    ngx_http_lambda_cache_loc_conf_t  *clcf;

    rs = ctx->cache;

    if (rs == NULL) {

        if (ctx->route.op != NGX_HTTP_LAMBDA_OP_LIST_FUNCTIONS) {
            return NGX_DECLINED;
        }

        clcf = ngx_http_get_module_loc_conf(r, ngx_http_lambda_cache_module);

        if (clcf->zone == NULL) {
            return NGX_DECLINED;
        }

        rs = ngx_http_lambda_cache_create(r, ctx, clcf);
        if (rs == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ctx->cache = rs;
    }

    if (!rs->cacheable) {
        return NGX_DECLINED;
    }

    action = ngx_http_lambda_cache_lookup(rs, r->method == NGX_HTTP_GET);

    switch (action) {

    case NGX_HTTP_LAMBDA_CACHE_SERVE:
        return ngx_http_lambda_cache_send(r, rs);

    case NGX_HTTP_LAMBDA_CACHE_FILL:

        if (ngx_http_lambda_cache_strip(r) != NGX_OK) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        rs->max = ngx_http_lambda_cache_max_size(rs->shm);

        return NGX_DECLINED;

    case NGX_HTTP_LAMBDA_CACHE_WAIT:
        return ngx_http_lambda_cache_wait(r, rs);

    default: /* NGX_HTTP_LAMBDA_CACHE_PASS */
        return NGX_DECLINED;
    }
}


/*
 * The key: the scope, the canonical organization, the representation
 * (Accept, a format suffix, the "scheme" argument: CVAT's format override)
 * and, with scope=credential, the credential; all of it as one MD5 digest,
 * so that no credential is kept.  A request that may get HTML or another
 * format, or has no credential, bypasses the cache.
 */

static ngx_http_lambda_cache_req_t *
ngx_http_lambda_cache_create(ngx_http_request_t *r,
    ngx_http_lambda_ctx_t *ctx, ngx_http_lambda_cache_loc_conf_t *clcf)
{
    size_t                           scheme_len;
    ngx_str_t                        accept;
    ngx_uint_t                       scheme;
    ngx_pool_cleanup_t              *cln;
    ngx_http_lambda_cache_req_t     *rs;
    ngx_http_lambda_cache_digest_t   d;
    u_char                           arg[NGX_HTTP_LAMBDA_CACHE_ARG];

    rs = ngx_pcalloc(r->pool, sizeof(ngx_http_lambda_cache_req_t));
    if (rs == NULL) {
        return NULL;
    }

    rs->conf = clcf;
    rs->shm = clcf->zone->data;
    rs->request = r;
    rs->status = NGX_HTTP_LAMBDA_CACHE_BYPASS;

    if (ctx->credential.len == 0) {
        goto bypass;
    }

    if (r->headers_in.accept) {
        accept = r->headers_in.accept->value;

        if (ngx_strlcasestrn(accept.data, accept.data + accept.len,
                             (u_char *) "html", 4 - 1)
            != NULL)
        {
            goto bypass;
        }

    } else {
        ngx_str_null(&accept);
    }

    if (ctx->route.format_suffix
        && (ctx->route.format_len != 4
            || ngx_strncmp(ctx->route.format, "json", 4) != 0))
    {
        goto bypass;
    }

    scheme = 0;

    if (ngx_http_lambda_cache_scheme(&r->args)) {
        scheme = ngx_http_lambda_query_arg(r->args.data, r->args.len,
                                           "scheme", 6, arg,
                                           NGX_HTTP_LAMBDA_CACHE_ARG,
                                           &scheme_len);

        if (scheme
            && (scheme_len != 4 || ngx_strncmp(arg, "json", 4) != 0))
        {
            goto bypass;
        }
    }

    rs->cacheable = 1;
    rs->shared = (clcf->scope == NGX_HTTP_LAMBDA_CACHE_SHARED);
    rs->known = 1;
    rs->known_stale = 1;
    rs->status = NGX_HTTP_LAMBDA_CACHE_NONE;

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    cln->handler = ngx_http_lambda_cache_cleanup;
    cln->data = rs;

    ngx_http_lambda_cache_digest_init(&d, rs->shared ? 's' : 'c');
    ngx_http_lambda_cache_digest_field(&d, ctx->org.data, ctx->org.len);
    ngx_http_lambda_cache_digest_field(&d, accept.data, accept.len);
    ngx_http_lambda_cache_digest_field(&d, (u_char *) "json",
                                       ctx->route.format_suffix ? 4 : 0);
    ngx_http_lambda_cache_digest_field(&d, (u_char *) "json",
                                       scheme ? 4 : 0);

    if (!rs->shared) {
        ngx_http_lambda_cache_digest_field(&d, ctx->credential.data,
                                           ctx->credential.len);
        ngx_http_lambda_cache_digest_final(&d, rs->key);

        return rs;
    }

    ngx_http_lambda_cache_digest_final(&d, rs->key);

    /* whether CVAT accepted this credential for this organization */

    ngx_http_lambda_cache_digest_init(&d, 'k');
    ngx_http_lambda_cache_digest_field(&d, ctx->org.data, ctx->org.len);
    ngx_http_lambda_cache_digest_field(&d, ctx->credential.data,
                                       ctx->credential.len);
    ngx_http_lambda_cache_digest_final(&d, rs->known_key);

    rs->known = 0;
    rs->known_stale = 0;

    return rs;

bypass:

    ngx_http_lambda_cache_count(rs->shm, NGX_HTTP_LAMBDA_CACHE_BYPASS);

    return rs;
}


/*
 * Whether the query may have a "scheme" argument: the name itself, or any
 * percent-encoding (a name may be encoded).  Most lists have neither.
 */

static ngx_uint_t
ngx_http_lambda_cache_scheme(ngx_str_t *args)
{
    u_char  *p, *last;

    p = args->data;
    last = p + args->len;

    for ( /* void */ ; p < last; p++) {

        if (*p == '%') {
            return 1;
        }

        if (*p == 's' && last - p >= 6 && ngx_strncmp(p, "scheme", 6) == 0) {
            return 1;
        }
    }

    return 0;
}


static void
ngx_http_lambda_cache_digest_init(ngx_http_lambda_cache_digest_t *d,
    u_char tag)
{
    ngx_md5_init(&d->md5);

    d->buf[0] = tag;
    d->last = d->buf + 1;
}


/*
 * A field is its length, then its bytes, so that no two keys run into each
 * other: one byte for a length below 128, else four with the top bit set.
 */

static void
ngx_http_lambda_cache_digest_field(ngx_http_lambda_cache_digest_t *d,
    u_char *data, size_t len)
{
    u_char  n[4];

    if (len < 0x80) {

        if ((size_t) (d->buf + sizeof(d->buf) - d->last) > len) {

            /* the usual case: it fits in the block being filled */

            *d->last++ = (u_char) len;
            d->last = ngx_cpymem(d->last, data, len);
            return;
        }

        n[0] = (u_char) len;
        ngx_http_lambda_cache_digest_put(d, n, 1);

    } else {
        n[0] = (u_char) (0x80 | ((len >> 24) & 0x7f));
        n[1] = (u_char) (len >> 16);
        n[2] = (u_char) (len >> 8);
        n[3] = (u_char) len;
        ngx_http_lambda_cache_digest_put(d, n, 4);
    }

    ngx_http_lambda_cache_digest_put(d, data, len);
}


static void
ngx_http_lambda_cache_digest_put(ngx_http_lambda_cache_digest_t *d,
    u_char *data, size_t len)
{
    size_t  n;

    while (len) {
        n = ngx_min(len, (size_t) (d->buf + sizeof(d->buf) - d->last));

        d->last = ngx_cpymem(d->last, data, n);
        data += n;
        len -= n;

        if (d->last == d->buf + sizeof(d->buf)) {
            ngx_md5_update(&d->md5, d->buf, sizeof(d->buf));
            d->last = d->buf;
        }
    }
}


static void
ngx_http_lambda_cache_digest_final(ngx_http_lambda_cache_digest_t *d,
    u_char *key)
{
    ngx_md5_update(&d->md5, d->buf, d->last - d->buf);
    ngx_md5_final(key, &d->md5);
}


/*
 * Parks the request until the next poll.  The wait has three exits: the
 * entry changed (the handler runs the cache step again), lock_timeout
 * passed (the request goes upstream, uncached), or the client went away
 * (ngx_http_test_reading finalizes the request, and the pool cleanup
 * deletes the timer).
 */

static ngx_int_t
ngx_http_lambda_cache_wait(ngx_http_request_t *r,
    ngx_http_lambda_cache_req_t *rs)
{
    ngx_msec_t  now, timer;

    now = ngx_current_msec;

    if (rs->wait_until == 0) {
        rs->wait_until = now + rs->conf->lock_timeout;

        rs->wait.handler = ngx_http_lambda_cache_wait_handler;
        rs->wait.data = rs;
        rs->wait.log = r->connection->log;
    }

    timer = rs->wait_until - now;

    if ((ngx_msec_int_t) timer <= 0) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "lambda cache lock timeout");

        rs->status = NGX_HTTP_LAMBDA_CACHE_MISS;
        return NGX_DECLINED;
    }

    ngx_add_timer(&rs->wait, ngx_min(timer, NGX_HTTP_LAMBDA_CACHE_POLL));

    rs->waiting = 1;
    r->read_event_handler = ngx_http_test_reading;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "lambda cache wait, %M ms left", timer);

    return NGX_AGAIN;
}


static void
ngx_http_lambda_cache_wait_handler(ngx_event_t *ev)
{
    ngx_http_request_t           *r;
    ngx_http_lambda_ctx_t        *ctx;
    ngx_http_lambda_cache_req_t  *rs;

    rs = ev->data;
    r = rs->request;

    rs->waiting = 0;

    ctx = ngx_http_lambda_get_ctx(r);

    /* the cache step runs again and decides: serve, fill, wait or go */

    ctx->state = NGX_HTTP_LAMBDA_STATE_LIMIT_DONE;

    ngx_http_lambda_resume(r);
}


/*
 * Removes the conditional, range and encoding headers before a fill goes
 * upstream, so that CVAT answers a full, identity-encoded 200.  The list
 * is copied only when one of them is present.
 */

static ngx_int_t
ngx_http_lambda_cache_strip(ngx_http_request_t *r)
{
    ngx_str_t        *name;
    ngx_uint_t        i, n, strip;
    ngx_list_t        headers;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h, *nh;

    strip = 0;
    n = 0;

    part = &r->headers_in.headers.part;
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

        n++;

        for (name = ngx_http_lambda_cache_stripped; name->len; name++) {
            if (h[i].key.len == name->len
                && ngx_strncasecmp(h[i].key.data, name->data, name->len)
                   == 0)
            {
                h[i].hash = 0;
                strip = 1;
                break;
            }
        }
    }

    if (!strip) {
        return NGX_OK;
    }

    if (ngx_list_init(&headers, r->pool, n, sizeof(ngx_table_elt_t))
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    part = &r->headers_in.headers.part;
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

        nh = ngx_list_push(&headers);
        if (nh == NULL) {
            return NGX_ERROR;
        }

        *nh = h[i];
    }

    r->headers_in.headers = headers;

    r->headers_in.if_modified_since = NULL;
    r->headers_in.if_unmodified_since = NULL;
    r->headers_in.if_match = NULL;
    r->headers_in.if_none_match = NULL;
    r->headers_in.if_range = NULL;
    r->headers_in.range = NULL;
#if (NGX_HTTP_GZIP || NGX_HTTP_HEADERS)
    r->headers_in.accept_encoding = NULL;
#endif

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "lambda cache fill: conditional headers removed");

    return NGX_OK;
}


/* however the request ends: no timer, no lease, no body reference left */

static void
ngx_http_lambda_cache_cleanup(void *data)
{
    ngx_http_lambda_cache_req_t  *rs = data;

    if (rs->wait.timer_set) {
        ngx_del_timer(&rs->wait);
    }

    if (rs->lease) {
        ngx_http_lambda_cache_release(rs);
    }

    if (rs->body) {
        ngx_http_lambda_cache_body_put(rs->body);
        rs->body = NULL;
    }

    ngx_http_lambda_cache_count(rs->shm, rs->status);
}
