
/*
 * Copyright (C) ngx_lambda_gateway developers
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_lambda_module.h"
#include "ngx_http_lambda_stats.h"


static char *ngx_http_lambda_gateway(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_lambda_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static void *ngx_http_lambda_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_lambda_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_lambda_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static ngx_int_t ngx_http_lambda_preconfiguration(ngx_conf_t *cf);
static ngx_int_t ngx_http_lambda_init(ngx_conf_t *cf);
static ngx_int_t ngx_http_lambda_init_process(ngx_cycle_t *cycle);


static ngx_conf_enum_t  ngx_http_lambda_validate_modes[] = {
    { ngx_string("off"), NGX_HTTP_LAMBDA_VALIDATE_OFF },
    { ngx_string("on"), NGX_HTTP_LAMBDA_VALIDATE_ON },
    { ngx_string("strict"), NGX_HTTP_LAMBDA_VALIDATE_STRICT },
    { ngx_null_string, 0 }
};


static ngx_command_t  ngx_http_lambda_commands[] = {

    { ngx_string("lambda_gateway"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_http_lambda_gateway,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_lambda_loc_conf_t, enable),
      NULL },

    { ngx_string("lambda_validate"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_enum_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_lambda_loc_conf_t, validate),
      &ngx_http_lambda_validate_modes },

    { ngx_string("lambda_body_limit"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_lambda_loc_conf_t, body_limit),
      NULL },

    { ngx_string("lambda_require_credentials"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_lambda_loc_conf_t, require_credentials),
      NULL },

    { ngx_string("lambda_org_required"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_lambda_loc_conf_t, org_required),
      NULL },

    { ngx_string("lambda_status"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_lambda_status,
      0,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_lambda_module_ctx = {
    ngx_http_lambda_preconfiguration,      /* preconfiguration */
    ngx_http_lambda_init,                  /* postconfiguration */

    ngx_http_lambda_create_main_conf,      /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_lambda_create_loc_conf,       /* create location configuration */
    ngx_http_lambda_merge_loc_conf         /* merge location configuration */
};


ngx_module_t  ngx_http_lambda_module = {
    NGX_MODULE_V1,
    &ngx_http_lambda_module_ctx,           /* module context */
    ngx_http_lambda_commands,              /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_lambda_init_process,          /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static char *
ngx_http_lambda_gateway(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char                         *rv;
    ngx_http_lambda_loc_conf_t   *llcf;
    ngx_http_lambda_main_conf_t  *lmcf;

    llcf = conf;

    rv = ngx_conf_set_flag_slot(cf, cmd, conf);

    if (rv == NGX_CONF_OK && llcf->enable) {
        lmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_lambda_module);
        lmcf->used = 1;
    }

    return rv;
}


static void *
ngx_http_lambda_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_lambda_main_conf_t  *lmcf;

    lmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_lambda_main_conf_t));
    if (lmcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     lmcf->used = 0;
     *     lmcf->status = 0;
     *     lmcf->stats_shm = NULL;
     */

    if (ngx_array_init(&lmcf->stats_zones, cf->pool, 4,
                       sizeof(ngx_http_lambda_stats_zone_t))
        != NGX_OK)
    {
        return NULL;
    }

    return lmcf;
}


static void *
ngx_http_lambda_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_lambda_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_lambda_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    conf->enable = NGX_CONF_UNSET;
    conf->validate = NGX_CONF_UNSET_UINT;
    conf->body_limit = NGX_CONF_UNSET_SIZE;
    conf->require_credentials = NGX_CONF_UNSET;
    conf->org_required = NGX_CONF_UNSET;

    return conf;
}


static char *
ngx_http_lambda_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_lambda_loc_conf_t *prev = parent;
    ngx_http_lambda_loc_conf_t *conf = child;

    ngx_conf_merge_value(conf->enable, prev->enable, 0);
    ngx_conf_merge_uint_value(conf->validate, prev->validate,
                              NGX_HTTP_LAMBDA_VALIDATE_ON);
    ngx_conf_merge_size_value(conf->body_limit, prev->body_limit,
                              1024 * 1024);
    ngx_conf_merge_value(conf->require_credentials,
                         prev->require_credentials, 1);
    ngx_conf_merge_value(conf->org_required, prev->org_required, 0);

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_lambda_preconfiguration(ngx_conf_t *cf)
{
    return ngx_http_lambda_add_variables(cf);
}


static ngx_int_t
ngx_http_lambda_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt          *h;
    ngx_http_core_main_conf_t    *cmcf;
    ngx_http_lambda_main_conf_t  *lmcf;

    lmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_lambda_module);

    if (lmcf->used || lmcf->status) {
        if (ngx_http_lambda_stats_init_conf(cf) != NGX_OK) {
            return NGX_ERROR;
        }
    }

    if (!lmcf->used) {
        return NGX_OK;
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_lambda_access_handler;

    return NGX_OK;
}


static char *
ngx_http_lambda_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t     *clcf;
    ngx_http_lambda_main_conf_t  *lmcf;

    lmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_lambda_module);
    lmcf->status = 1;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_lambda_status_handler;

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_lambda_init_process(ngx_cycle_t *cycle)
{
    ngx_http_lambda_json_init();

    return ngx_http_lambda_stats_init_process(cycle);
}
