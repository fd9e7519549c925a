
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * Counters of what the gateway does, in one shared memory zone so that
 * every worker's work shows in one answer of "lambda_status".  Counting is
 * one atomic add; nothing is locked.  No counter is kept per organization:
 * the access log carries the organization through the variables.
 *
 * Limit and cache zones register at configuration time, while their
 * directive is parsed, and get an index for their counters.
 */


#ifndef _NGX_HTTP_LAMBDA_STATS_H_INCLUDED_
#define _NGX_HTTP_LAMBDA_STATS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_lambda_op.h"


/* what happened to a call of one of the seven operations */
#define NGX_HTTP_LAMBDA_STATS_PASSED       0    /* went on to CVAT */
#define NGX_HTTP_LAMBDA_STATS_REJECTED     1    /* answered with an error */
#define NGX_HTTP_LAMBDA_STATS_CACHED       2    /* answered from the cache */
#define NGX_HTTP_LAMBDA_STATS_OUTCOMES     3

/* limit decisions */
#define NGX_HTTP_LAMBDA_STATS_LIMIT_PASSED    0
#define NGX_HTTP_LAMBDA_STATS_LIMIT_REJECTED  1
#define NGX_HTTP_LAMBDA_STATS_LIMIT_DRY_RUN   2
#define NGX_HTTP_LAMBDA_STATS_LIMIT_DEGRADED  3
#define NGX_HTTP_LAMBDA_STATS_LIMIT_RESULTS   4

/* cache statuses, in $lambda_cache_status order */
#define NGX_HTTP_LAMBDA_STATS_CACHE_HIT       0
#define NGX_HTTP_LAMBDA_STATS_CACHE_MISS      1
#define NGX_HTTP_LAMBDA_STATS_CACHE_EXPIRED   2
#define NGX_HTTP_LAMBDA_STATS_CACHE_STALE     3
#define NGX_HTTP_LAMBDA_STATS_CACHE_UPDATING  4
#define NGX_HTTP_LAMBDA_STATS_CACHE_BYPASS    5
#define NGX_HTTP_LAMBDA_STATS_CACHE_STATUSES  6

/* Redis events */
#define NGX_HTTP_LAMBDA_STATS_REDIS_COMMANDS    0
#define NGX_HTTP_LAMBDA_STATS_REDIS_ERRORS      1
#define NGX_HTTP_LAMBDA_STATS_REDIS_TIMEOUTS    2
#define NGX_HTTP_LAMBDA_STATS_REDIS_RECONNECTS  3
#define NGX_HTTP_LAMBDA_STATS_REDIS_EVENTS      4

/* zone kinds */
#define NGX_HTTP_LAMBDA_STATS_LIMIT_ZONE  0
#define NGX_HTTP_LAMBDA_STATS_CACHE_ZONE  1


/* the gauges of a cache zone, read when the status is rendered */
typedef void (*ngx_http_lambda_stats_usage_pt)(void *data,
    ngx_uint_t *entries, size_t *bytes);


ngx_int_t ngx_http_lambda_stats_add_zone(ngx_conf_t *cf, ngx_uint_t kind,
    ngx_str_t *name);
ngx_int_t ngx_http_lambda_stats_set_usage(ngx_conf_t *cf, ngx_uint_t index,
    ngx_http_lambda_stats_usage_pt handler, void *data);

void ngx_http_lambda_stats_request(ngx_http_lambda_op_e op,
    ngx_uint_t outcome);
void ngx_http_lambda_stats_reject(ngx_uint_t reason);
void ngx_http_lambda_stats_limit(ngx_int_t index, ngx_uint_t result);
void ngx_http_lambda_stats_cache(ngx_int_t index, ngx_uint_t status);
void ngx_http_lambda_stats_redis(ngx_uint_t event);
void ngx_http_lambda_stats_redis_latency(ngx_msec_t usec);
void ngx_http_lambda_stats_redis_circuit(ngx_int_t delta);

/* for the core module and the status handler */
ngx_int_t ngx_http_lambda_stats_init_conf(ngx_conf_t *cf);
ngx_int_t ngx_http_lambda_stats_init_process(ngx_cycle_t *cycle);
ngx_chain_t *ngx_http_lambda_stats_render(ngx_http_request_t *r);


#endif /* _NGX_HTTP_LAMBDA_STATS_H_INCLUDED_ */
