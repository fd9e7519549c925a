
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * Stored bodies in a worker's memory.  A hit needs the bytes of an entry
 * for as long as the client takes to read them, and the zone's copy may
 * be replaced or evicted by another worker meanwhile.  Rather than copy
 * the body into every request's pool, a worker copies each distinct body
 * (the same digest, content type and length) once, with the zone locked,
 * and counts the requests that are sending it.  A body that no request
 * sends any more is freed when its slot is needed for another one.  When
 * every slot is in use the body is copied into the request's pool.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_lambda_cache.h"


#define NGX_HTTP_LAMBDA_CACHE_BODIES  8


static ngx_http_lambda_cache_body_t *ngx_http_lambda_cache_body_new(
    ngx_pool_t *pool, u_char *digest, u_char *type, size_t type_len,
    u_char *data, size_t len);


static ngx_http_lambda_cache_body_t
    *ngx_http_lambda_cache_bodies[NGX_HTTP_LAMBDA_CACHE_BODIES];
static ngx_uint_t  ngx_http_lambda_cache_tick;


/* called with the zone locked: data and type point into the zone */

ngx_http_lambda_cache_body_t *
ngx_http_lambda_cache_body_get(ngx_http_request_t *r, u_char *digest,
    u_char *type, size_t type_len, u_char *data, size_t len)
{
    ngx_uint_t                     i, slot;
    ngx_http_lambda_cache_body_t  *b;

    slot = NGX_HTTP_LAMBDA_CACHE_BODIES;

    for (i = 0; i < NGX_HTTP_LAMBDA_CACHE_BODIES; i++) {
        b = ngx_http_lambda_cache_bodies[i];

        if (b == NULL) {

            /* an empty slot is better than one to free */

            if (slot == NGX_HTTP_LAMBDA_CACHE_BODIES
                || ngx_http_lambda_cache_bodies[slot] != NULL)
            {
                slot = i;
            }

            continue;
        }

        if (b->len == len
            && b->type.len == type_len
            && ngx_memcmp(b->digest, digest, NGX_HTTP_LAMBDA_CACHE_KEY_LEN)
               == 0
            && ngx_memcmp(b->type.data, type, type_len) == 0)
        {
            b->refs++;
            b->used = ++ngx_http_lambda_cache_tick;
            return b;
        }

        if (b->refs == 0
            && (slot == NGX_HTTP_LAMBDA_CACHE_BODIES
                || (ngx_http_lambda_cache_bodies[slot] != NULL
                    && ngx_http_lambda_cache_bodies[slot]->used > b->used)))
        {
            slot = i;
        }
    }

    if (slot == NGX_HTTP_LAMBDA_CACHE_BODIES) {

        /* every body is being sent: a copy for this request only */

        return ngx_http_lambda_cache_body_new(r->pool, digest, type,
                                              type_len, data, len);
    }

    b = ngx_http_lambda_cache_body_new(NULL, digest, type, type_len, data,
                                       len);
    if (b == NULL) {
        return ngx_http_lambda_cache_body_new(r->pool, digest, type,
                                              type_len, data, len);
    }

    if (ngx_http_lambda_cache_bodies[slot] != NULL) {
        ngx_free(ngx_http_lambda_cache_bodies[slot]);
    }

    ngx_http_lambda_cache_bodies[slot] = b;

    b->refs = 1;
    b->used = ++ngx_http_lambda_cache_tick;

    return b;
}


static ngx_http_lambda_cache_body_t *
ngx_http_lambda_cache_body_new(ngx_pool_t *pool, u_char *digest,
    u_char *type, size_t type_len, u_char *data, size_t len)
{
    u_char                        *p;
    size_t                         size;
    ngx_http_lambda_cache_body_t  *b;

    size = sizeof(ngx_http_lambda_cache_body_t)
           + NGX_HTTP_LAMBDA_CACHE_ETAG_LEN + type_len + len;

    if (pool) {
        b = ngx_palloc(pool, size);

    } else {
        b = ngx_alloc(size, ngx_cycle->log);
    }

    if (b == NULL) {
        return NULL;
    }

    p = (u_char *) (b + 1);

    ngx_memcpy(b->digest, digest, NGX_HTTP_LAMBDA_CACHE_KEY_LEN);

    b->etag.data = p;
    *p++ = '"';
    p = ngx_hex_dump(p, digest, NGX_HTTP_LAMBDA_CACHE_KEY_LEN);
    *p++ = '"';
    b->etag.len = p - b->etag.data;

    b->type.data = p;
    b->type.len = type_len;
    p = ngx_cpymem(p, type, type_len);

    b->data = p;
    b->len = len;
    ngx_memcpy(p, data, len);

    b->refs = 0;
    b->used = 0;
    b->heap = pool ? 0 : 1;

    return b;
}


void
ngx_http_lambda_cache_body_put(ngx_http_lambda_cache_body_t *body)
{
    if (body->heap) {
        body->refs--;
    }
}


void
ngx_http_lambda_cache_body_free_all(void)
{
    ngx_uint_t  i;

    for (i = 0; i < NGX_HTTP_LAMBDA_CACHE_BODIES; i++) {
        if (ngx_http_lambda_cache_bodies[i] != NULL) {
            ngx_free(ngx_http_lambda_cache_bodies[i]);
            ngx_http_lambda_cache_bodies[i] = NULL;
        }
    }
}
