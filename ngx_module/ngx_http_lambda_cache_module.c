
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * ngx_http_lambda_cache_module: the lambda_cache_zone,
 * lambda_functions_cache and lambda_cache_purge directives, the
 * $lambda_cache_status variable, and the installation of the cache step
 * and its filters when some location enables the cache.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_lambda_cache.h"


typedef struct {
    ngx_flag_t                 used;     /* lambda_functions_cache somewhere */
} ngx_http_lambda_cache_main_conf_t;


static char *ngx_http_lambda_cache_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_lambda_functions_cache(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_lambda_cache_purge_conf(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static ngx_int_t ngx_http_lambda_cache_purge_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_lambda_cache_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_lambda_cache_add_variables(ngx_conf_t *cf);
static void *ngx_http_lambda_cache_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_lambda_cache_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_lambda_cache_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static ngx_int_t ngx_http_lambda_cache_init(ngx_conf_t *cf);
static void ngx_http_lambda_cache_exit_process(ngx_cycle_t *cycle);


static ngx_command_t  ngx_http_lambda_cache_commands[] = {

    { ngx_string("lambda_cache_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE1,
      ngx_http_lambda_cache_zone,
      0,
      0,
      NULL },

    { ngx_string("lambda_functions_cache"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_lambda_functions_cache,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("lambda_cache_purge"),
      NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_lambda_cache_purge_conf,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_lambda_cache_module_ctx = {
    ngx_http_lambda_cache_add_variables,   /* preconfiguration */
    ngx_http_lambda_cache_init,            /* postconfiguration */

    ngx_http_lambda_cache_create_main_conf, /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_lambda_cache_create_loc_conf, /* create location configuration */
    ngx_http_lambda_cache_merge_loc_conf   /* merge location configuration */
};


ngx_module_t  ngx_http_lambda_cache_module = {
    NGX_MODULE_V1,
    &ngx_http_lambda_cache_module_ctx,     /* module context */
    ngx_http_lambda_cache_commands,        /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_lambda_cache_exit_process,    /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


ngx_str_t  ngx_http_lambda_cache_statuses[] = {
    ngx_null_string,
    ngx_string("MISS"),
    ngx_string("BYPASS"),
    ngx_string("EXPIRED"),
    ngx_string("STALE"),
    ngx_string("UPDATING"),
    ngx_string("HIT")
};


static ngx_str_t  ngx_http_lambda_cache_status_name =
    ngx_string("lambda_cache_status");


/* lambda_cache_zone NAME:SIZE */

static char *
ngx_http_lambda_cache_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ssize_t                        size;
    ngx_str_t                     *value, name;
    ngx_http_lambda_shm_t         *shm;
    ngx_http_lambda_cache_zone_t  *zone;

    value = cf->args->elts;

    if (ngx_http_lambda_shm_parse(cf, &value[1], &name, &size) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    shm = ngx_http_lambda_shm_add(cf, &name, size,
                                  &ngx_http_lambda_cache_module,
                                  "lambda_cache_zone",
                                  NGX_HTTP_LAMBDA_CACHE_LAYOUT);
    if (shm == NULL) {
        return NGX_CONF_ERROR;
    }

    zone = ngx_palloc(cf->pool, sizeof(ngx_http_lambda_cache_zone_t));
    if (zone == NULL) {
        return NGX_CONF_ERROR;
    }

    zone->stats = ngx_http_lambda_stats_add_zone(cf,
                                      NGX_HTTP_LAMBDA_STATS_CACHE_ZONE, &name);
    if (zone->stats == NGX_ERROR) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_lambda_stats_set_usage(cf, zone->stats,
                                        ngx_http_lambda_cache_usage, shm)
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    shm->init = ngx_http_lambda_cache_init_zone;
    shm->data = zone;

    return NGX_CONF_OK;
}


/*
 * lambda_functions_cache ZONE|off [ttl=T] [stale=T]
 *                        [scope=credential|shared] [lock_timeout=T]
 */

static char *
ngx_http_lambda_functions_cache(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_lambda_cache_loc_conf_t *clcf = conf;

    ngx_int_t                           ms;
    ngx_str_t                          *value, s;
    ngx_uint_t                          i;
    ngx_http_lambda_cache_main_conf_t  *cmcf;

    if (clcf->zone != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {

        if (cf->args->nelts > 2) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid parameter \"%V\"", &value[2]);
            return NGX_CONF_ERROR;
        }

        clcf->zone = NULL;
        return NGX_CONF_OK;
    }

    clcf->zone = ngx_shared_memory_add(cf, &value[1], 0,
                                       &ngx_http_lambda_cache_module);
    if (clcf->zone == NULL) {
        return NGX_CONF_ERROR;
    }

    clcf->ttl = 30000;
    clcf->stale = 0;
    clcf->lock_timeout = 5000;
    clcf->scope = NGX_HTTP_LAMBDA_CACHE_CREDENTIAL;

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "ttl=", 4) == 0) {

            s.len = value[i].len - 4;
            s.data = value[i].data + 4;

            ms = ngx_parse_time(&s, 0);
            if (ms == NGX_ERROR || ms == 0) {
                goto invalid;
            }

            clcf->ttl = (ngx_msec_t) ms;
            continue;
        }

        if (ngx_strncmp(value[i].data, "stale=", 6) == 0) {

            s.len = value[i].len - 6;
            s.data = value[i].data + 6;

            ms = ngx_parse_time(&s, 0);
            if (ms == NGX_ERROR) {
                goto invalid;
            }

            clcf->stale = (ngx_msec_t) ms;
            continue;
        }

        if (ngx_strncmp(value[i].data, "lock_timeout=", 13) == 0) {

            s.len = value[i].len - 13;
            s.data = value[i].data + 13;

            ms = ngx_parse_time(&s, 0);
            if (ms == NGX_ERROR || ms == 0) {
                goto invalid;
            }

            clcf->lock_timeout = (ngx_msec_t) ms;
            continue;
        }

        if (ngx_strcmp(value[i].data, "scope=credential") == 0) {
            clcf->scope = NGX_HTTP_LAMBDA_CACHE_CREDENTIAL;
            continue;
        }

        if (ngx_strcmp(value[i].data, "scope=shared") == 0) {
            clcf->scope = NGX_HTTP_LAMBDA_CACHE_SHARED;
            continue;
        }

        goto invalid;
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_lambda_cache_module);
    cmcf->used = 1;

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\"", &value[i]);

    return NGX_CONF_ERROR;
}


/* lambda_cache_purge ZONE */

static char *
ngx_http_lambda_cache_purge_conf(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf)
{
    ngx_http_lambda_cache_loc_conf_t *clcf = conf;

    ngx_str_t                 *value;
    ngx_http_core_loc_conf_t  *hclf;

    if (clcf->purge != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;

    clcf->purge = ngx_shared_memory_add(cf, &value[1], 0,
                                        &ngx_http_lambda_cache_module);
    if (clcf->purge == NULL) {
        return NGX_CONF_ERROR;
    }

    hclf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    hclf->handler = ngx_http_lambda_cache_purge_handler;

    return NGX_CONF_OK;
}


/*
 * POST, DELETE or PURGE on a lambda_cache_purge location voids every
 * entry of the zone and answers {"purged": N}.
 */

static ngx_int_t
ngx_http_lambda_cache_purge_handler(ngx_http_request_t *r)
{
    u_char                            *p;
    ngx_int_t                          rc;
    ngx_buf_t                         *b;
    ngx_uint_t                         n;
    ngx_chain_t                        out;
    ngx_table_elt_t                   *h;
    ngx_http_lambda_shm_t             *shm;
    ngx_http_lambda_cache_loc_conf_t  *clcf;

    if (!(r->method & (NGX_HTTP_POST|NGX_HTTP_DELETE))
        && !(r->method_name.len == 5
             && ngx_strncmp(r->method_name.data, "PURGE", 5) == 0))
    {
        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        h->hash = 1;
        ngx_str_set(&h->key, "Allow");
        ngx_str_set(&h->value, "POST, DELETE, PURGE");
#if (nginx_version >= 1023000)
        h->next = NULL;
#endif

        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);

    if (rc != NGX_OK) {
        return rc;
    }

    clcf = ngx_http_get_module_loc_conf(r, ngx_http_lambda_cache_module);
    shm = clcf->purge->data;

    n = ngx_http_lambda_cache_purge(shm);

    ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                  "lambda_cache_zone \"%V\" purged, %ui entries",
                  &shm->name, n);

    b = ngx_create_temp_buf(r->pool, sizeof("{\"purged\":}" CRLF) - 1
                                     + NGX_INT_T_LEN);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    p = ngx_sprintf(b->last, "{\"purged\":%ui}" CRLF, n);
    b->last = p;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = b->last - b->pos;
    ngx_str_set(&r->headers_out.content_type, "application/json");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.content_type_lowcase = NULL;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


static ngx_int_t
ngx_http_lambda_cache_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_lambda_ctx_t        *ctx;
    ngx_http_lambda_cache_req_t  *rs;

    ctx = ngx_http_lambda_get_ctx(r->main);

    if (ctx == NULL || ctx->cache == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    rs = ctx->cache;

    if (rs->status == NGX_HTTP_LAMBDA_CACHE_NONE) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;
    v->data = ngx_http_lambda_cache_statuses[rs->status].data;
    v->len = ngx_http_lambda_cache_statuses[rs->status].len;

    return NGX_OK;
}


static ngx_int_t
ngx_http_lambda_cache_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var;

    var = ngx_http_add_variable(cf, &ngx_http_lambda_cache_status_name,
                                NGX_HTTP_VAR_NOCACHEABLE);
    if (var == NULL) {
        return NGX_ERROR;
    }

    var->get_handler = ngx_http_lambda_cache_variable;

    return NGX_OK;
}


static void *
ngx_http_lambda_cache_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_lambda_cache_main_conf_t  *cmcf;

    cmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_lambda_cache_main_conf_t));
    if (cmcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     cmcf->used = 0;
     */

    return cmcf;
}


static void *
ngx_http_lambda_cache_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_lambda_cache_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_lambda_cache_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->ttl = 0;
     *     conf->stale = 0;
     *     conf->lock_timeout = 0;
     *     conf->scope = 0;
     */

    conf->zone = NGX_CONF_UNSET_PTR;
    conf->purge = NGX_CONF_UNSET_PTR;

    return conf;
}


static char *
ngx_http_lambda_cache_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_lambda_cache_loc_conf_t *prev = parent;
    ngx_http_lambda_cache_loc_conf_t *conf = child;

    if (conf->zone == NGX_CONF_UNSET_PTR) {

        if (prev->zone == NGX_CONF_UNSET_PTR) {
            conf->zone = NULL;

        } else {
            conf->zone = prev->zone;
            conf->ttl = prev->ttl;
            conf->stale = prev->stale;
            conf->lock_timeout = prev->lock_timeout;
            conf->scope = prev->scope;
        }
    }

    /* a handler directive: not inherited */

    if (conf->purge == NGX_CONF_UNSET_PTR) {
        conf->purge = NULL;
    }

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_lambda_cache_init(ngx_conf_t *cf)
{
    ngx_http_lambda_cache_main_conf_t  *cmcf;

    cmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_lambda_cache_module);

    /* the hook outlives a reload in the master: set or clear it */

    if (!cmcf->used) {
        ngx_http_lambda_cache_hook = NULL;
        return NGX_OK;
    }

    ngx_http_lambda_cache_hook = ngx_http_lambda_cache_handler;

    return ngx_http_lambda_cache_filter_init(cf);
}


static void
ngx_http_lambda_cache_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_lambda_cache_body_free_all();
}
