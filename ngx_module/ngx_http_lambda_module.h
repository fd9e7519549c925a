
/*
 * Copyright (C) ngx_lambda_gateway developers
 */


#ifndef _NGX_HTTP_LAMBDA_MODULE_H_INCLUDED_
#define _NGX_HTTP_LAMBDA_MODULE_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_lambda_op.h"
#include "ngx_http_lambda_org.h"


#define NGX_HTTP_LAMBDA_VALIDATE_OFF     0
#define NGX_HTTP_LAMBDA_VALIDATE_ON      1
#define NGX_HTTP_LAMBDA_VALIDATE_STRICT  2


/* $lambda_reject_reason */
typedef enum {
    NGX_HTTP_LAMBDA_REASON_NONE = 0,
    NGX_HTTP_LAMBDA_REASON_CREDENTIALS,
    NGX_HTTP_LAMBDA_REASON_ORGANIZATION,
    NGX_HTTP_LAMBDA_REASON_METHOD,
    NGX_HTTP_LAMBDA_REASON_MEDIA_TYPE,
    NGX_HTTP_LAMBDA_REASON_SIZE,
    NGX_HTTP_LAMBDA_REASON_JSON,
    NGX_HTTP_LAMBDA_REASON_SCHEMA,
    NGX_HTTP_LAMBDA_REASON_RATE_LIMIT,
    NGX_HTTP_LAMBDA_REASON_LIMIT_UNAVAILABLE,
    NGX_HTTP_LAMBDA_REASON_COUNT
} ngx_http_lambda_reason_e;


/* the states of the access handler; it is re-entered after every wait */
typedef enum {
    NGX_HTTP_LAMBDA_STATE_NEW = 0,
    NGX_HTTP_LAMBDA_STATE_BODY,          /* reading the request body */
    NGX_HTTP_LAMBDA_STATE_BODY_DONE,
    NGX_HTTP_LAMBDA_STATE_LIMIT,         /* waiting for a limit verdict */
    NGX_HTTP_LAMBDA_STATE_LIMIT_DONE,
    NGX_HTTP_LAMBDA_STATE_CACHE,         /* waiting for a cache fill */
    NGX_HTTP_LAMBDA_STATE_PASS,          /* on to proxy_pass */
    NGX_HTTP_LAMBDA_STATE_DONE
} ngx_http_lambda_state_e;


typedef struct {
    ngx_str_t                       name;
    ngx_uint_t                      kind;
    void                           *usage;      /* a usage handler */
    void                           *usage_data;
} ngx_http_lambda_stats_zone_t;


typedef struct {
    ngx_flag_t                 used;          /* lambda_gateway on */
    ngx_flag_t                 status;        /* lambda_status */
    ngx_array_t                stats_zones;   /* stats_zone_t */
    ngx_shm_zone_t            *stats_shm;
} ngx_http_lambda_main_conf_t;


typedef struct {
    ngx_flag_t                 enable;
    ngx_uint_t                 validate;
    size_t                     body_limit;
    ngx_flag_t                 require_credentials;
    ngx_flag_t                 org_required;
} ngx_http_lambda_loc_conf_t;


typedef struct {
    ngx_http_lambda_state_e    state;
    ngx_int_t                  rc;           /* the stored verdict */

    ngx_http_lambda_route_t    route;
    ngx_str_t                  org;          /* canonical, "" = personal */
    ngx_http_lambda_org_kind_e org_kind;
    ngx_str_t                  credential;   /* the raw credential, or empty */

    ngx_http_lambda_reason_e   reason;

    unsigned                   validate:1;   /* the body is checked */

    /* the request body, flattened, for validation only */
    u_char                    *body;
    size_t                     body_len;
    ngx_str_t                  charset;      /* of the Content-Type */

    /* extension state of the limit and cache modules */
    void                      *limit;
    void                      *cache;
} ngx_http_lambda_ctx_t;


/*
 * The later steps of the access handler, installed by the limit and cache
 * modules in their postconfiguration.  A hook returns NGX_DECLINED to go
 * on, NGX_DONE when it answered the request itself (the request may be
 * gone: nothing touches the context after that), NGX_AGAIN when it parked
 * the request: it then sets ctx->state to the next state and calls
 * ngx_http_lambda_resume() when its wait ends (reply, timeout or abort).
 * Any other value is an HTTP status for nginx to answer.
 *
 * A cache hit declines with r->content_handler set: the cached answer is
 * sent in the content phase, after every other access check (allow/deny,
 * auth_request, satisfy) of the location.
 */
typedef ngx_int_t (*ngx_http_lambda_hook_pt)(ngx_http_request_t *r,
    ngx_http_lambda_ctx_t *ctx);


/*
 * Called from the context's pool cleanup with ctx->limit when it is set:
 * the limit module detaches what a parked request still waits for.
 */
typedef void (*ngx_http_lambda_release_pt)(void *data);


extern ngx_http_lambda_hook_pt     ngx_http_lambda_limit_hook;
extern ngx_http_lambda_hook_pt     ngx_http_lambda_cache_hook;
extern ngx_http_lambda_release_pt  ngx_http_lambda_limit_release;


ngx_int_t ngx_http_lambda_access_handler(ngx_http_request_t *r);
ngx_http_lambda_ctx_t *ngx_http_lambda_get_ctx(ngx_http_request_t *r);
ngx_http_lambda_ctx_t *ngx_http_lambda_create_ctx(ngx_http_request_t *r);
void ngx_http_lambda_resume(ngx_http_request_t *r);

ngx_int_t ngx_http_lambda_read_body(ngx_http_request_t *r,
    ngx_http_lambda_ctx_t *ctx);
ngx_int_t ngx_http_lambda_check_body(ngx_http_request_t *r,
    ngx_http_lambda_ctx_t *ctx);

ngx_int_t ngx_http_lambda_reply(ngx_http_request_t *r,
    ngx_http_lambda_ctx_t *ctx, ngx_uint_t status,
    ngx_http_lambda_reason_e reason, u_char *body, size_t len);
ngx_int_t ngx_http_lambda_reply_error(ngx_http_request_t *r,
    ngx_http_lambda_ctx_t *ctx, ngx_uint_t status,
    ngx_http_lambda_reason_e reason, const char *field, const char *fmt,
    ...);
ngx_int_t ngx_http_lambda_reply_json(ngx_http_request_t *r,
    ngx_http_lambda_ctx_t *ctx, ngx_uint_t status,
    ngx_http_lambda_reason_e reason, void *json);

ngx_int_t ngx_http_lambda_status_handler(ngx_http_request_t *r);

void ngx_http_lambda_json_use_pool(ngx_pool_t *pool);
void ngx_http_lambda_json_init(void);

ngx_int_t ngx_http_lambda_add_variables(ngx_conf_t *cf);
extern ngx_str_t  ngx_http_lambda_reasons[];


extern ngx_module_t  ngx_http_lambda_module;


#endif /* _NGX_HTTP_LAMBDA_MODULE_H_INCLUDED_ */
