
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * The function-list cache: types shared by its files.
 *
 *     ngx_http_lambda_cache_module.c   directives, $lambda_cache_status,
 *                                      the purge handler, the filters'
 *                                      and the hook's installation
 *     ngx_http_lambda_cache_handler.c  the access-phase step: key, verdict,
 *                                      waiting for a fill
 *     ngx_http_lambda_cache.c          the zone: verdicts, leases, commit,
 *                                      known credentials, purge
 *     ngx_http_lambda_cache_body.c     bodies kept in worker memory
 *     ngx_http_lambda_cache_send.c     answering from an entry
 *     ngx_http_lambda_cache_filter.c   capturing a fill, stale if error
 */


#ifndef _NGX_HTTP_LAMBDA_CACHE_H_INCLUDED_
#define _NGX_HTTP_LAMBDA_CACHE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_md5.h>

#include "ngx_http_lambda_module.h"
#include "ngx_http_lambda_shm.h"
#include "ngx_http_lambda_stats.h"


/* bumped when the zone's entry or data layout changes */
#define NGX_HTTP_LAMBDA_CACHE_LAYOUT      1

#define NGX_HTTP_LAMBDA_CACHE_KEY_LEN     16     /* an MD5 digest */
#define NGX_HTTP_LAMBDA_CACHE_ETAG_LEN    34     /* "32 hex digits" */

#define NGX_HTTP_LAMBDA_CACHE_CREDENTIAL  0
#define NGX_HTTP_LAMBDA_CACHE_SHARED      1


/* $lambda_cache_status */
typedef enum {
    NGX_HTTP_LAMBDA_CACHE_NONE = 0,
    NGX_HTTP_LAMBDA_CACHE_MISS,
    NGX_HTTP_LAMBDA_CACHE_BYPASS,
    NGX_HTTP_LAMBDA_CACHE_EXPIRED,
    NGX_HTTP_LAMBDA_CACHE_STALE,
    NGX_HTTP_LAMBDA_CACHE_UPDATING,
    NGX_HTTP_LAMBDA_CACHE_HIT
} ngx_http_lambda_cache_status_e;


/* what the access-phase step does with a request */
typedef enum {
    NGX_HTTP_LAMBDA_CACHE_SERVE = 0,   /* answer from the entry */
    NGX_HTTP_LAMBDA_CACHE_FILL,        /* holds the lease: go and store */
    NGX_HTTP_LAMBDA_CACHE_PASS,        /* go upstream, store nothing */
    NGX_HTTP_LAMBDA_CACHE_WAIT         /* another request is filling */
} ngx_http_lambda_cache_action_e;


typedef struct {
    ngx_shm_zone_t                  *zone;       /* NULL: off */
    ngx_msec_t                       ttl;
    ngx_msec_t                       stale;
    ngx_msec_t                       lock_timeout;
    ngx_uint_t                       scope;

    ngx_shm_zone_t                  *purge;      /* lambda_cache_purge */
} ngx_http_lambda_cache_loc_conf_t;


/* the zone's own data, in shm->sh->data */
typedef struct {
    ngx_uint_t                       generation; /* bumped by a purge */
} ngx_http_lambda_cache_sh_t;


/* a zone's configuration, in shm->data */
typedef struct {
    ngx_int_t                        stats;      /* lambda_status index */
} ngx_http_lambda_cache_zone_t;


/* a stored body, copied once into a worker's memory and shared there */
typedef struct {
    u_char                           digest[NGX_HTTP_LAMBDA_CACHE_KEY_LEN];
    ngx_str_t                        type;
    ngx_str_t                        etag;
    u_char                          *data;
    size_t                           len;
    ngx_uint_t                       refs;
    ngx_uint_t                       used;
    unsigned                         heap:1;     /* not a pool copy */
} ngx_http_lambda_cache_body_t;


/* per request, in ctx->cache */
typedef struct {
    ngx_http_lambda_cache_loc_conf_t  *conf;
    ngx_http_lambda_shm_t            *shm;
    ngx_http_request_t               *request;

    u_char                           key[NGX_HTTP_LAMBDA_CACHE_KEY_LEN];
    u_char                           known_key[NGX_HTTP_LAMBDA_CACHE_KEY_LEN];

    uint64_t                         lease;      /* ours, 0: none */
    ngx_uint_t                       generation; /* of the zone at lease */

    ngx_msec_t                       wait_until;
    ngx_event_t                      wait;

    ngx_http_lambda_cache_body_t    *body;       /* a held reference */

    /* the captured answer of a fill */
    u_char                          *buf;
    size_t                           len;
    size_t                           size;
    size_t                           max;
    off_t                            expect;     /* Content-Length */
    ngx_str_t                        type;

    ngx_http_lambda_cache_status_e   status;

    unsigned                         cacheable:1;
    unsigned                         shared:1;
    unsigned                         known:1;        /* accepted in ttl */
    unsigned                         known_stale:1;  /* ... ttl + stale */
    unsigned                         served:1;       /* answered here */
    unsigned                         capture:1;
    unsigned                         stale:1;        /* stale if error */
    unsigned                         stale_sent:1;
    unsigned                         waiting:1;
} ngx_http_lambda_cache_req_t;


extern ngx_module_t  ngx_http_lambda_cache_module;
extern ngx_str_t     ngx_http_lambda_cache_statuses[];


/* ngx_http_lambda_cache_handler.c */
ngx_int_t ngx_http_lambda_cache_handler(ngx_http_request_t *r,
    ngx_http_lambda_ctx_t *ctx);

/* ngx_http_lambda_cache.c */
ngx_int_t ngx_http_lambda_cache_init_zone(ngx_http_lambda_shm_t *shm);
ngx_http_lambda_cache_action_e ngx_http_lambda_cache_lookup(
    ngx_http_lambda_cache_req_t *rs, ngx_uint_t can_fill);
ngx_int_t ngx_http_lambda_cache_stale(ngx_http_lambda_cache_req_t *rs);
void ngx_http_lambda_cache_release(ngx_http_lambda_cache_req_t *rs);
void ngx_http_lambda_cache_commit(ngx_http_lambda_cache_req_t *rs);
void ngx_http_lambda_cache_verdict(ngx_http_lambda_cache_req_t *rs,
    ngx_uint_t accepted);
ngx_uint_t ngx_http_lambda_cache_purge(ngx_http_lambda_shm_t *shm);
void ngx_http_lambda_cache_count(ngx_http_lambda_shm_t *shm,
    ngx_http_lambda_cache_status_e status);
void ngx_http_lambda_cache_usage(void *data, ngx_uint_t *entries,
    size_t *bytes);
ngx_uint_t ngx_http_lambda_cache_served(ngx_http_lambda_ctx_t *ctx);
size_t ngx_http_lambda_cache_max_size(ngx_http_lambda_shm_t *shm);

/* ngx_http_lambda_cache_body.c */
ngx_http_lambda_cache_body_t *ngx_http_lambda_cache_body_get(
    ngx_http_request_t *r, u_char *digest, u_char *type, size_t type_len,
    u_char *data, size_t len);
void ngx_http_lambda_cache_body_put(ngx_http_lambda_cache_body_t *body);
void ngx_http_lambda_cache_body_free_all(void);

/* ngx_http_lambda_cache_send.c */
ngx_int_t ngx_http_lambda_cache_send(ngx_http_request_t *r,
    ngx_http_lambda_cache_req_t *rs);
ngx_int_t ngx_http_lambda_cache_set_headers(ngx_http_request_t *r,
    ngx_http_lambda_cache_body_t *body);

/* ngx_http_lambda_cache_filter.c */
ngx_int_t ngx_http_lambda_cache_filter_init(ngx_conf_t *cf);


#endif /* _NGX_HTTP_LAMBDA_CACHE_H_INCLUDED_ */
