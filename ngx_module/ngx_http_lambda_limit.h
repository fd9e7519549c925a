
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * Per-organization rate limits: the types shared by the directives
 * (ngx_http_lambda_limit_module.c), the policy (ngx_http_lambda_limit.c)
 * and the shared-memory backend (ngx_http_lambda_limit_local.c).
 */


#ifndef _NGX_HTTP_LAMBDA_LIMIT_H_INCLUDED_
#define _NGX_HTTP_LAMBDA_LIMIT_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_lambda_module.h"
#include "ngx_http_lambda_gcra.h"
#include "ngx_http_lambda_shm.h"
#include "ngx_http_lambda_redis.h"


#define NGX_HTTP_LAMBDA_LIMIT_LOCAL        0
#define NGX_HTTP_LAMBDA_LIMIT_REDIS        1

#define NGX_HTTP_LAMBDA_LIMIT_FAIL_LOCAL   0
#define NGX_HTTP_LAMBDA_LIMIT_FAIL_OPEN    1
#define NGX_HTTP_LAMBDA_LIMIT_FAIL_CLOSED  2

/* the layout of the zone entries (ngx_http_lambda_shm_t version) */
#define NGX_HTTP_LAMBDA_LIMIT_LAYOUT       1


/* $lambda_limit_status */
typedef enum {
    NGX_HTTP_LAMBDA_LIMIT_NONE = 0,
    NGX_HTTP_LAMBDA_LIMIT_PASSED,
    NGX_HTTP_LAMBDA_LIMIT_REJECTED,
    NGX_HTTP_LAMBDA_LIMIT_REJECTED_DRY_RUN,
    NGX_HTTP_LAMBDA_LIMIT_DEGRADED,
    NGX_HTTP_LAMBDA_LIMIT_BYPASS
} ngx_http_lambda_limit_status_e;


/* the verdict of one limit for one request */
typedef enum {
    NGX_HTTP_LAMBDA_LIMIT_SKIPPED = 0,     /* its key=$variable is empty */
    NGX_HTTP_LAMBDA_LIMIT_PENDING,         /* asked to Redis */
    NGX_HTTP_LAMBDA_LIMIT_FAILED,          /* Redis did not decide */
    NGX_HTTP_LAMBDA_LIMIT_ALLOWED,
    NGX_HTTP_LAMBDA_LIMIT_EXCEEDED,
    NGX_HTTP_LAMBDA_LIMIT_OPEN,            /* fail=open let it through */
    NGX_HTTP_LAMBDA_LIMIT_UNAVAILABLE      /* fail=closed */
} ngx_http_lambda_limit_verdict_e;


/* where a charge was taken, to refund it */
#define NGX_HTTP_LAMBDA_LIMIT_CHARGED_NONE   0
#define NGX_HTTP_LAMBDA_LIMIT_CHARGED_LOCAL  1
#define NGX_HTTP_LAMBDA_LIMIT_CHARGED_REDIS  2


typedef struct {
    ngx_http_lambda_gcra_policy_t     gcra;
    uint64_t                          quota;       /* RateLimit-Policy q */
    uint64_t                          window;      /* RateLimit-Policy w */
    ngx_str_t                         item;        /* "zone";q=..;w=.. */
    ngx_str_t                         limit;       /* "zone";r= */
    ngx_http_lambda_redis_args_t      charge;      /* of the Redis script */
    ngx_http_lambda_redis_args_t      refund;
} ngx_http_lambda_limit_policy_t;


typedef struct {
    ngx_str_t                         org;         /* canonical identity */
    ngx_http_lambda_limit_policy_t    policy;
} ngx_http_lambda_limit_tier_t;


typedef struct {
    ngx_str_t                         name;
    ngx_http_lambda_shm_t            *shm;         /* local state, fallback */
    ngx_http_lambda_limit_policy_t    policy;
    ngx_uint_t                        backend;
    ngx_uint_t                        fail;
    ngx_array_t                       tiers;       /* sorted by org */
    ngx_str_t                         key_prefix;  /* "<prefix><name>:{" */
    ngx_int_t                         stats;       /* lambda_status index */

    u_char                           *file;        /* the first reference */
    ngx_uint_t                        line;
    unsigned                          defined:1;
} ngx_http_lambda_limit_zone_t;


typedef struct {
    ngx_http_lambda_limit_zone_t     *zone;
    ngx_uint_t                        ops;         /* 1 << op; 0: all */
    ngx_http_complex_value_t         *key;         /* key=$variable */
} ngx_http_lambda_limit_t;


typedef struct {
    ngx_array_t                      *limits;      /* ngx_http_lambda_limit_t */
    ngx_flag_t                        dry_run;
    ngx_flag_t                        headers;
    ngx_uint_t                        status;
} ngx_http_lambda_limit_loc_conf_t;


typedef struct {
    ngx_array_t                       zones;       /* zone pointers */
    ngx_http_lambda_redis_conf_t     *redis;
    ngx_http_lambda_redis_script_t   *script;
    ngx_uint_t                        max_limits;  /* in one location */
    unsigned                          used:1;
} ngx_http_lambda_limit_main_conf_t;


typedef struct {
    ngx_http_lambda_limit_zone_t     *zone;
    ngx_http_lambda_limit_policy_t   *policy;
    ngx_str_t                         identity;
    ngx_str_t                         key;         /* in Redis */
    u_char                            key_buf[64]; /* for a short one */
    uint32_t                          hash;        /* of the identity */
    ngx_http_lambda_gcra_result_t     result;
    ngx_http_lambda_limit_verdict_e   verdict;
    ngx_uint_t                        charged;
    unsigned                          degraded:1;
    unsigned                          org:1;       /* an organization */
    unsigned                          keyed:1;     /* key=$variable */
} ngx_http_lambda_limit_item_t;


typedef struct {
    ngx_http_request_t               *request;
    ngx_http_lambda_ctx_t            *ctx;
    ngx_http_lambda_limit_item_t     *items;
    ngx_uint_t                        nitems;
    ngx_http_lambda_redis_op_t       *op;
    ngx_event_t                       resume;
    ngx_http_lambda_limit_status_e    status;
    ngx_uint_t                        action;      /* once decided */
    uint64_t                          remaining;
    uint64_t                          retry_after; /* of a rejection */
    unsigned                          has_remaining:1;
    unsigned                          decided:1;
    unsigned                          headers:1;
    unsigned                          refunded:1;
} ngx_http_lambda_limit_ctx_t;


ngx_int_t ngx_http_lambda_limit_handler(ngx_http_request_t *r,
    ngx_http_lambda_ctx_t *ctx);
ngx_int_t ngx_http_lambda_limit_header_filter(ngx_http_request_t *r);
void ngx_http_lambda_limit_cleanup(void *data);
ngx_int_t ngx_http_lambda_limit_script(ngx_conf_t *cf,
    ngx_http_lambda_limit_main_conf_t *lmcf);

void ngx_http_lambda_limit_local(ngx_http_lambda_limit_item_t *item);
void ngx_http_lambda_limit_local_refund(ngx_http_lambda_limit_item_t *item);


extern ngx_str_t                          ngx_http_lambda_limit_statuses[];
extern ngx_http_output_header_filter_pt
    ngx_http_lambda_limit_next_header_filter;
extern ngx_module_t                       ngx_http_lambda_limit_module;


#endif /* _NGX_HTTP_LAMBDA_LIMIT_H_INCLUDED_ */
