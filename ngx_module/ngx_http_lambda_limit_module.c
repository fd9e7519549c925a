
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * ngx_http_lambda_limit_module: the rate limit directives, their
 * configuration, the $lambda_limit_status and $lambda_limit_remaining
 * variables, and the worker's Redis connection.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_lambda_limit.h"
#include "ngx_http_lambda_stats.h"


static char *ngx_http_lambda_limit_redis(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_lambda_limit_zone(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_lambda_limit_org(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_lambda_limit(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static ngx_int_t ngx_http_lambda_limit_param(ngx_conf_t *cf,
    ngx_str_t *value, ngx_http_lambda_limit_policy_t *policy,
    ngx_uint_t *rate);
static ngx_int_t ngx_http_lambda_limit_policy(ngx_conf_t *cf,
    ngx_http_lambda_limit_policy_t *policy, ngx_str_t *name);
static ngx_http_lambda_limit_zone_t *ngx_http_lambda_limit_get_zone(
    ngx_conf_t *cf, ngx_str_t *name);
static ngx_int_t ngx_http_lambda_limit_valid_org(ngx_str_t *org);
static int ngx_libc_cdecl ngx_http_lambda_limit_tier_cmp(const void *one,
    const void *two);

static ngx_int_t ngx_http_lambda_limit_add_variables(ngx_conf_t *cf);
static ngx_int_t ngx_http_lambda_limit_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static void *ngx_http_lambda_limit_create_main_conf(ngx_conf_t *cf);
static char *ngx_http_lambda_limit_init_main_conf(ngx_conf_t *cf,
    void *conf);
static void *ngx_http_lambda_limit_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_lambda_limit_merge_loc_conf(ngx_conf_t *cf,
    void *parent, void *child);
static ngx_int_t ngx_http_lambda_limit_init(ngx_conf_t *cf);
static ngx_int_t ngx_http_lambda_limit_init_process(ngx_cycle_t *cycle);
static void ngx_http_lambda_limit_exit_process(ngx_cycle_t *cycle);


#define NGX_HTTP_LAMBDA_LIMIT_VAR_STATUS     0
#define NGX_HTTP_LAMBDA_LIMIT_VAR_REMAINING  1


static ngx_conf_num_bounds_t  ngx_http_lambda_limit_status_bounds = {
    ngx_conf_check_num_bounds, 400, 599
};


static ngx_command_t  ngx_http_lambda_limit_commands[] = {

    { ngx_string("lambda_redis"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_1MORE,
      ngx_http_lambda_limit_redis,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("lambda_limit_zone"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_2MORE,
      ngx_http_lambda_limit_zone,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("lambda_limit_org"),
      NGX_HTTP_MAIN_CONF|NGX_CONF_TAKE3|NGX_CONF_TAKE4,
      ngx_http_lambda_limit_org,
      NGX_HTTP_MAIN_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("lambda_limit"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE123,
      ngx_http_lambda_limit,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("lambda_limit_dry_run"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_lambda_limit_loc_conf_t, dry_run),
      NULL },

    { ngx_string("lambda_limit_headers"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_conf_set_flag_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_lambda_limit_loc_conf_t, headers),
      NULL },

    { ngx_string("lambda_limit_status"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_num_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_lambda_limit_loc_conf_t, status),
      &ngx_http_lambda_limit_status_bounds },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_lambda_limit_module_ctx = {
    ngx_http_lambda_limit_add_variables,   /* preconfiguration */
    ngx_http_lambda_limit_init,            /* postconfiguration */

    ngx_http_lambda_limit_create_main_conf, /* create main configuration */
    ngx_http_lambda_limit_init_main_conf,  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_lambda_limit_create_loc_conf, /* create location configuration */
    ngx_http_lambda_limit_merge_loc_conf   /* merge location configuration */
};


ngx_module_t  ngx_http_lambda_limit_module = {
    NGX_MODULE_V1,
    &ngx_http_lambda_limit_module_ctx,     /* module context */
    ngx_http_lambda_limit_commands,        /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    ngx_http_lambda_limit_init_process,    /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_lambda_limit_exit_process,    /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_variable_t  ngx_http_lambda_limit_vars[] = {

    { ngx_string("lambda_limit_status"), NULL,
      ngx_http_lambda_limit_variable, NGX_HTTP_LAMBDA_LIMIT_VAR_STATUS,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("lambda_limit_remaining"), NULL,
      ngx_http_lambda_limit_variable, NGX_HTTP_LAMBDA_LIMIT_VAR_REMAINING,
      NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


ngx_str_t  ngx_http_lambda_limit_statuses[] = {
    ngx_null_string,
    ngx_string("PASSED"),
    ngx_string("REJECTED"),
    ngx_string("REJECTED_DRY_RUN"),
    ngx_string("DEGRADED"),
    ngx_string("BYPASS")
};


/* lambda_redis ADDRESS [db=] [username=] [password=] ... */

static char *
ngx_http_lambda_limit_redis(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_lambda_limit_main_conf_t *lmcf = conf;

    if (lmcf->redis) {
        return "is duplicate";
    }

    lmcf->redis = ngx_pcalloc(cf->pool, sizeof(ngx_http_lambda_redis_conf_t));
    if (lmcf->redis == NULL) {
        return NGX_CONF_ERROR;
    }

    return ngx_http_lambda_redis_conf(cf, lmcf->redis);
}


/* lambda_limit_zone NAME:SIZE rate=R [burst=N] [backend=] [fail=] */

static char *
ngx_http_lambda_limit_zone(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ssize_t                        size;
    ngx_int_t                      rc;
    ngx_str_t                     *value, name;
    ngx_uint_t                     i, rate;
    ngx_http_lambda_limit_zone_t  *zone;

    value = cf->args->elts;

    if (ngx_http_lambda_shm_parse(cf, &value[1], &name, &size) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    zone = ngx_http_lambda_limit_get_zone(cf, &name);
    if (zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (zone->defined) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "lambda_limit_zone \"%V\" is already defined",
                           &name);
        return NGX_CONF_ERROR;
    }

    zone->defined = 1;

    rate = 0;

    for (i = 2; i < cf->args->nelts; i++) {

        rc = ngx_http_lambda_limit_param(cf, &value[i], &zone->policy, &rate);

        if (rc == NGX_ERROR) {
            return NGX_CONF_ERROR;
        }

        if (rc == NGX_OK) {
            continue;
        }

        if (ngx_strcmp(value[i].data, "backend=local") == 0) {
            zone->backend = NGX_HTTP_LAMBDA_LIMIT_LOCAL;
            continue;
        }

        if (ngx_strcmp(value[i].data, "backend=redis") == 0) {
            zone->backend = NGX_HTTP_LAMBDA_LIMIT_REDIS;
            continue;
        }

        if (ngx_strcmp(value[i].data, "fail=local") == 0) {
            zone->fail = NGX_HTTP_LAMBDA_LIMIT_FAIL_LOCAL;
            continue;
        }

        if (ngx_strcmp(value[i].data, "fail=open") == 0) {
            zone->fail = NGX_HTTP_LAMBDA_LIMIT_FAIL_OPEN;
            continue;
        }

        if (ngx_strcmp(value[i].data, "fail=closed") == 0) {
            zone->fail = NGX_HTTP_LAMBDA_LIMIT_FAIL_CLOSED;
            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[i]);
        return NGX_CONF_ERROR;
    }

    if (!rate) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must have \"rate\" parameter",
                           &cmd->name);
        return NGX_CONF_ERROR;
    }

    if (ngx_http_lambda_limit_policy(cf, &zone->policy, &name) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    zone->shm = ngx_http_lambda_shm_add(cf, &name, size,
                                        &ngx_http_lambda_limit_module,
                                        "lambda_limit_zone",
                                        NGX_HTTP_LAMBDA_LIMIT_LAYOUT);
    if (zone->shm == NULL) {
        return NGX_CONF_ERROR;
    }

    zone->shm->data = zone;

    zone->stats = ngx_http_lambda_stats_add_zone(cf,
                                             NGX_HTTP_LAMBDA_STATS_LIMIT_ZONE,
                                             &name);
    if (zone->stats == NGX_ERROR) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* lambda_limit_org ZONE ORG rate=R [burst=N] */

static char *
ngx_http_lambda_limit_org(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_int_t                      rc;
    ngx_str_t                     *value;
    ngx_uint_t                     i, rate;
    ngx_http_lambda_limit_tier_t  *tier;
    ngx_http_lambda_limit_zone_t  *zone;

    value = cf->args->elts;

    zone = ngx_http_lambda_limit_get_zone(cf, &value[1]);
    if (zone == NULL) {
        return NGX_CONF_ERROR;
    }

    if (ngx_http_lambda_limit_valid_org(&value[2]) != NGX_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid organization \"%V\", a slug or "
                           "\"org_id:N\" is required", &value[2]);
        return NGX_CONF_ERROR;
    }

    if (zone->tiers.elts == NULL
        && ngx_array_init(&zone->tiers, cf->pool, 4,
                          sizeof(ngx_http_lambda_limit_tier_t))
           != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    tier = zone->tiers.elts;

    for (i = 0; i < zone->tiers.nelts; i++) {
        if (tier[i].org.len == value[2].len
            && ngx_strncmp(tier[i].org.data, value[2].data, value[2].len)
               == 0)
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "duplicate organization \"%V\" for "
                               "lambda_limit_zone \"%V\"",
                               &value[2], &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    tier = ngx_array_push(&zone->tiers);
    if (tier == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(tier, sizeof(ngx_http_lambda_limit_tier_t));

    tier->org = value[2];

    rate = 0;

    for (i = 3; i < cf->args->nelts; i++) {

        rc = ngx_http_lambda_limit_param(cf, &value[i], &tier->policy, &rate);

        if (rc == NGX_ERROR) {
            return NGX_CONF_ERROR;
        }

        if (rc == NGX_OK) {
            continue;
        }

        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid parameter \"%V\"", &value[i]);
        return NGX_CONF_ERROR;
    }

    if (!rate) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"%V\" must have \"rate\" parameter",
                           &cmd->name);
        return NGX_CONF_ERROR;
    }

    if (ngx_http_lambda_limit_policy(cf, &tier->policy, &value[1])
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* lambda_limit ZONE [operations=op,op] [key=$variable] */

static char *
ngx_http_lambda_limit(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_lambda_limit_loc_conf_t *llcf = conf;

    u_char                             *p, *last, *start;
    ngx_str_t                          *value, s;
    ngx_uint_t                          i, op;
    const char                         *name;
    ngx_http_lambda_limit_t            *limit, *limits;
    ngx_http_compile_complex_value_t    ccv;
    ngx_http_lambda_limit_main_conf_t  *lmcf;

    value = cf->args->elts;

    lmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_lambda_limit_module);

    if (llcf->limits == NULL) {
        llcf->limits = ngx_array_create(cf->pool, 2,
                                        sizeof(ngx_http_lambda_limit_t));
        if (llcf->limits == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    limit = ngx_array_push(llcf->limits);
    if (limit == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(limit, sizeof(ngx_http_lambda_limit_t));

    limit->zone = ngx_http_lambda_limit_get_zone(cf, &value[1]);
    if (limit->zone == NULL) {
        return NGX_CONF_ERROR;
    }

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "operations=", 11) == 0) {

            p = value[i].data + 11;
            last = value[i].data + value[i].len;

            if (p == last) {
                goto invalid;
            }

            while (p < last) {
                start = p;

                while (p < last && *p != ',') {
                    p++;
                }

                s.data = start;
                s.len = p - start;

                for (op = 1; op < NGX_HTTP_LAMBDA_OP_COUNT; op++) {
                    name = ngx_http_lambda_op_name(op);

                    if (s.len == ngx_strlen(name)
                        && ngx_strncmp(s.data, name, s.len) == 0)
                    {
                        break;
                    }
                }

                if (op == NGX_HTTP_LAMBDA_OP_COUNT) {
                    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                       "unknown operation \"%V\" in \"%V\"",
                                       &s, &value[i]);
                    return NGX_CONF_ERROR;
                }

                limit->ops |= (ngx_uint_t) 1 << op;

                if (p < last) {
                    p++;

                    if (p == last) {
                        goto invalid;
                    }
                }
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "key=", 4) == 0) {

            s.data = value[i].data + 4;
            s.len = value[i].len - 4;

            if (s.len == 0) {
                goto invalid;
            }

            limit->key = ngx_palloc(cf->pool,
                                    sizeof(ngx_http_complex_value_t));
            if (limit->key == NULL) {
                return NGX_CONF_ERROR;
            }

            ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

            ccv.cf = cf;
            ccv.value = &s;
            ccv.complex_value = limit->key;

            if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
                return NGX_CONF_ERROR;
            }

            continue;
        }

        goto invalid;
    }

    /* the same zone twice with the same key would charge twice */

    limits = llcf->limits->elts;

    for (i = 0; i < llcf->limits->nelts - 1; i++) {

        if (limits[i].zone != limit->zone) {
            continue;
        }

        if ((limits[i].key == NULL && limit->key == NULL)
            || (limits[i].key && limit->key
                && limits[i].key->value.len == limit->key->value.len
                && ngx_strncmp(limits[i].key->value.data,
                               limit->key->value.data,
                               limit->key->value.len) == 0))
        {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "duplicate lambda_limit \"%V\"", &value[1]);
            return NGX_CONF_ERROR;
        }
    }

    lmcf->used = 1;

    if (llcf->limits->nelts > lmcf->max_limits) {
        lmcf->max_limits = llcf->limits->nelts;
    }

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\"", &value[i]);

    return NGX_CONF_ERROR;
}


/*
 * "rate=" and "burst=" of lambda_limit_zone and lambda_limit_org: NGX_OK
 * when taken, NGX_DECLINED for another parameter, NGX_ERROR when invalid
 */

static ngx_int_t
ngx_http_lambda_limit_param(ngx_conf_t *cf, ngx_str_t *value,
    ngx_http_lambda_limit_policy_t *policy, ngx_uint_t *rate)
{
    int        rc;
    ngx_int_t  n;

    if (ngx_strncmp(value->data, "rate=", 5) == 0) {

        rc = ngx_http_lambda_gcra_parse_rate(value->data + 5, value->len - 5,
                                             &policy->gcra.interval);

        if (rc == 0) {
            *rate = 1;
            return NGX_OK;
        }

        if (rc == -2) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "rate \"%V\" is too high, "
                               "at most 1000000r/s is supported", value);

        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid rate \"%V\"", value);
        }

        return NGX_ERROR;
    }

    if (ngx_strncmp(value->data, "burst=", 6) == 0) {

        n = ngx_atoi(value->data + 6, value->len - 6);

        if (n == NGX_ERROR) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid burst value \"%V\"", value);
            return NGX_ERROR;
        }

        policy->gcra.burst = n;

        return NGX_OK;
    }

    return NGX_DECLINED;
}


/* what a policy needs at run time, computed once */

static ngx_int_t
ngx_http_lambda_limit_policy(ngx_conf_t *cf,
    ngx_http_lambda_limit_policy_t *policy, ngx_str_t *name)
{
    u_char      *p;
    size_t       len;
    ngx_str_t    args[3];
    ngx_uint_t   i;
    u_char       buf[2 * NGX_INT64_LEN];

    if (ngx_http_lambda_gcra_check(&policy->gcra) != 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "the rate and burst of \"%V\" span more than "
                           "30 years", name);
        return NGX_ERROR;
    }

    policy->quota = ngx_http_lambda_gcra_quota(&policy->gcra);
    policy->window = ngx_http_lambda_gcra_window(&policy->gcra);

    /*
     * the RateLimit-Policy item: the zone name as an sf-string, its quota
     * and window, e.g. "lambda_jobs";q=6;w=720
     */

    len = sizeof("\"\";q=;w=") - 1 + 2 * NGX_INT64_LEN;

    for (i = 0; i < name->len; i++) {
        len += (name->data[i] == '"' || name->data[i] == '\\') ? 2 : 1;
    }

    /* and the start of the RateLimit item, "lambda_jobs";r= */

    p = ngx_pnalloc(cf->pool, 2 * len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    policy->item.data = p;

    *p++ = '"';

    for (i = 0; i < name->len; i++) {
        if (name->data[i] == '"' || name->data[i] == '\\') {
            *p++ = '\\';
        }

        *p++ = name->data[i];
    }

    *p++ = '"';

    len = p - policy->item.data;

    p = ngx_sprintf(p, ";q=%uL;w=%uL", policy->quota, policy->window);

    policy->item.len = p - policy->item.data;

    policy->limit.data = p;
    p = ngx_cpymem(p, policy->item.data, len);
    *p++ = ';'; *p++ = 'r'; *p++ = '=';
    policy->limit.len = p - policy->limit.data;

    /* the arguments of the Redis script */

    args[0].data = buf;
    args[0].len = ngx_sprintf(buf, "%uL", policy->gcra.interval) - buf;

    args[1].data = buf + args[0].len;
    args[1].len = ngx_sprintf(args[1].data, "%uL",
                              (policy->gcra.burst + 1)
                              * policy->gcra.interval)
                  - args[1].data;

    ngx_str_set(&args[2], "+");

    if (ngx_http_lambda_redis_args(cf, &policy->charge, args, 3) != NGX_OK) {
        return NGX_ERROR;
    }

    ngx_str_set(&args[2], "-");

    if (ngx_http_lambda_redis_args(cf, &policy->refund, args, 3) != NGX_OK) {
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* zones may be referred to before they are defined */

static ngx_http_lambda_limit_zone_t *
ngx_http_lambda_limit_get_zone(ngx_conf_t *cf, ngx_str_t *name)
{
    ngx_uint_t                           i;
    ngx_http_lambda_limit_zone_t        *zone, **zonep;
    ngx_http_lambda_limit_main_conf_t   *lmcf;

    lmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_lambda_limit_module);

    zonep = lmcf->zones.elts;

    for (i = 0; i < lmcf->zones.nelts; i++) {
        if (zonep[i]->name.len == name->len
            && ngx_strncmp(zonep[i]->name.data, name->data, name->len) == 0)
        {
            return zonep[i];
        }
    }

    zone = ngx_pcalloc(cf->pool, sizeof(ngx_http_lambda_limit_zone_t));
    if (zone == NULL) {
        return NULL;
    }

    zone->name = *name;
    zone->backend = NGX_HTTP_LAMBDA_LIMIT_LOCAL;
    zone->fail = NGX_HTTP_LAMBDA_LIMIT_FAIL_LOCAL;
    zone->file = cf->conf_file->file.name.data;
    zone->line = cf->conf_file->line;

    zonep = ngx_array_push(&lmcf->zones);
    if (zonep == NULL) {
        return NULL;
    }

    *zonep = zone;

    return zone;
}


/* a slug (SlugField: [-a-zA-Z0-9_], 16 at most) or "org_id:N" */

static ngx_int_t
ngx_http_lambda_limit_valid_org(ngx_str_t *org)
{
    u_char  *p, *last;

    p = org->data;
    last = p + org->len;

    if (org->len > 7 && ngx_strncmp(p, "org_id:", 7) == 0) {
        p += 7;

        if (*p == '-' && p + 1 < last) {
            p++;
        }

        if (*p == '0' && p + 1 < last) {
            return NGX_ERROR;
        }

        for ( /* void */ ; p < last; p++) {
            if (*p < '0' || *p > '9') {
                return NGX_ERROR;
            }
        }

        return NGX_OK;
    }

    if (org->len == 0 || org->len > 16) {
        return NGX_ERROR;
    }

    for ( /* void */ ; p < last; p++) {
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')
              || (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
        {
            return NGX_ERROR;
        }
    }

    return NGX_OK;
}


static int ngx_libc_cdecl
ngx_http_lambda_limit_tier_cmp(const void *one, const void *two)
{
    const ngx_http_lambda_limit_tier_t  *a = one;
    const ngx_http_lambda_limit_tier_t  *b = two;

    return (int) ngx_memn2cmp(a->org.data, b->org.data, a->org.len,
                              b->org.len);
}


static ngx_int_t
ngx_http_lambda_limit_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_lambda_limit_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_lambda_limit_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                       *p;
    ngx_http_lambda_ctx_t        *ctx;
    ngx_http_lambda_limit_ctx_t  *lctx;

    ctx = ngx_http_lambda_get_ctx(r->main);

    lctx = ctx ? ctx->limit : NULL;

    if (lctx == NULL || lctx->status == NGX_HTTP_LAMBDA_LIMIT_NONE) {
        v->not_found = 1;
        return NGX_OK;
    }

    if (data == NGX_HTTP_LAMBDA_LIMIT_VAR_STATUS) {
        v->data = ngx_http_lambda_limit_statuses[lctx->status].data;
        v->len = ngx_http_lambda_limit_statuses[lctx->status].len;

    } else {

        if (!lctx->has_remaining) {
            v->not_found = 1;
            return NGX_OK;
        }

        p = ngx_pnalloc(r->pool, NGX_INT64_LEN);
        if (p == NULL) {
            return NGX_ERROR;
        }

        v->data = p;
        v->len = ngx_sprintf(p, "%uL", lctx->remaining) - p;
    }

    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    return NGX_OK;
}


static void *
ngx_http_lambda_limit_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_lambda_limit_main_conf_t  *lmcf;

    lmcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_lambda_limit_main_conf_t));
    if (lmcf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     lmcf->redis = NULL;
     *     lmcf->script = NULL;
     *     lmcf->max_limits = 0;
     *     lmcf->used = 0;
     */

    if (ngx_array_init(&lmcf->zones, cf->pool, 4,
                       sizeof(ngx_http_lambda_limit_zone_t *))
        != NGX_OK)
    {
        return NULL;
    }

    return lmcf;
}


static char *
ngx_http_lambda_limit_init_main_conf(ngx_conf_t *cf, void *conf)
{
    ngx_http_lambda_limit_main_conf_t *lmcf = conf;

    u_char                         *p;
    size_t                          len;
    ngx_uint_t                      i, redis;
    ngx_http_lambda_limit_zone_t  **zonep, *zone;

    zonep = lmcf->zones.elts;
    redis = 0;

    for (i = 0; i < lmcf->zones.nelts; i++) {
        zone = zonep[i];

        if (!zone->defined) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "unknown lambda_limit_zone \"%V\" in %s:%ui",
                          &zone->name, zone->file, zone->line);
            return NGX_CONF_ERROR;
        }

        if (zone->tiers.nelts > 1) {
            ngx_qsort(zone->tiers.elts, zone->tiers.nelts,
                      sizeof(ngx_http_lambda_limit_tier_t),
                      ngx_http_lambda_limit_tier_cmp);
        }

        if (zone->backend != NGX_HTTP_LAMBDA_LIMIT_REDIS) {
            continue;
        }

        if (lmcf->redis == NULL) {
            ngx_log_error(NGX_LOG_EMERG, cf->log, 0,
                          "lambda_limit_zone \"%V\" uses \"backend=redis\" "
                          "but \"lambda_redis\" is not defined",
                          &zone->name);
            return NGX_CONF_ERROR;
        }

        redis = 1;

        /* "<prefix><zone>:{" and, per request, "<identity>}" */

        len = lmcf->redis->prefix.len + zone->name.len + 2;

        p = ngx_pnalloc(cf->pool, len);
        if (p == NULL) {
            return NGX_CONF_ERROR;
        }

        zone->key_prefix.data = p;
        zone->key_prefix.len = len;

        p = ngx_cpymem(p, lmcf->redis->prefix.data, lmcf->redis->prefix.len);
        p = ngx_cpymem(p, zone->name.data, zone->name.len);
        *p++ = ':';
        *p = '{';
    }

    if (redis) {
        lmcf->redis->max_commands = lmcf->max_limits;

        if (ngx_http_lambda_limit_script(cf, lmcf) != NGX_OK) {
            return NGX_CONF_ERROR;
        }
    }

    return NGX_CONF_OK;
}


static void *
ngx_http_lambda_limit_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_lambda_limit_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_lambda_limit_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->limits = NULL;
     */

    conf->dry_run = NGX_CONF_UNSET;
    conf->headers = NGX_CONF_UNSET;
    conf->status = NGX_CONF_UNSET_UINT;

    return conf;
}


static char *
ngx_http_lambda_limit_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child)
{
    ngx_http_lambda_limit_loc_conf_t *prev = parent;
    ngx_http_lambda_limit_loc_conf_t *conf = child;

    /* as limit_req: inherited only when none is set at this level */

    if (conf->limits == NULL) {
        conf->limits = prev->limits;
    }

    ngx_conf_merge_value(conf->dry_run, prev->dry_run, 0);
    ngx_conf_merge_value(conf->headers, prev->headers, 1);
    ngx_conf_merge_uint_value(conf->status, prev->status,
                              NGX_HTTP_TOO_MANY_REQUESTS);

    return NGX_CONF_OK;
}


static ngx_int_t
ngx_http_lambda_limit_init(ngx_conf_t *cf)
{
    ngx_http_lambda_limit_main_conf_t  *lmcf;

    lmcf = ngx_http_conf_get_module_main_conf(cf,
                                              ngx_http_lambda_limit_module);

    if (!lmcf->used) {
        ngx_http_lambda_limit_hook = NULL;
        ngx_http_lambda_limit_release = NULL;
        return NGX_OK;
    }

    ngx_http_lambda_limit_hook = ngx_http_lambda_limit_handler;
    ngx_http_lambda_limit_release = ngx_http_lambda_limit_cleanup;

    ngx_http_lambda_limit_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_lambda_limit_header_filter;

    return NGX_OK;
}


static ngx_int_t
ngx_http_lambda_limit_init_process(ngx_cycle_t *cycle)
{
    ngx_http_lambda_limit_main_conf_t  *lmcf;

    lmcf = ngx_http_cycle_get_module_main_conf(cycle,
                                               ngx_http_lambda_limit_module);

    if (lmcf == NULL || !lmcf->used || lmcf->script == NULL) {
        return NGX_OK;
    }

    return ngx_http_lambda_redis_init_process(cycle, lmcf->redis);
}


static void
ngx_http_lambda_limit_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_lambda_redis_exit_process(cycle);
}
