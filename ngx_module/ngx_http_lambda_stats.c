
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * The counters behind "lambda_status", and their Prometheus text
 * exposition (version 0.0.4).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_lambda_module.h"
#include "ngx_http_lambda_stats.h"


#define NGX_HTTP_LAMBDA_STATS_VERSION   1

/* counters kept for each registered zone: the larger of the two kinds */
#define NGX_HTTP_LAMBDA_STATS_PER_ZONE  NGX_HTTP_LAMBDA_STATS_CACHE_STATUSES

/* Redis latency buckets, in microseconds */
#define NGX_HTTP_LAMBDA_STATS_BUCKETS   10


typedef struct {
    ngx_uint_t                 version;
    uint32_t                   layout;      /* crc32 of the zone list */
    ngx_uint_t                 nzones;

    ngx_atomic_t               requests[NGX_HTTP_LAMBDA_OP_COUNT]
                                       [NGX_HTTP_LAMBDA_STATS_OUTCOMES];
    ngx_atomic_t               rejections[NGX_HTTP_LAMBDA_REASON_COUNT];
    ngx_atomic_t               redis[NGX_HTTP_LAMBDA_STATS_REDIS_EVENTS];
    ngx_atomic_t               circuit_open;
    ngx_atomic_t               latency[NGX_HTTP_LAMBDA_STATS_BUCKETS + 1];
    ngx_atomic_t               latency_sum;     /* microseconds */
    ngx_atomic_t               latency_count;

    ngx_atomic_t               zones[1];        /* nzones * PER_ZONE */
} ngx_http_lambda_stats_sh_t;


static ngx_int_t ngx_http_lambda_stats_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static uint32_t ngx_http_lambda_stats_layout(
    ngx_http_lambda_main_conf_t *lmcf);
static size_t ngx_http_lambda_stats_size(ngx_uint_t nzones);
static u_char *ngx_http_lambda_stats_escape(u_char *p, u_char *last,
    ngx_str_t *value);


static ngx_http_lambda_stats_sh_t  *ngx_http_lambda_stats_sh;


static ngx_uint_t  ngx_http_lambda_stats_bounds[NGX_HTTP_LAMBDA_STATS_BUCKETS]
    = { 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000 };

static const char  *ngx_http_lambda_stats_outcomes[] = {
    "passed", "rejected", "cached"
};

static const char  *ngx_http_lambda_stats_limit_results[] = {
    "passed", "rejected", "dry_run", "degraded"
};

static const char  *ngx_http_lambda_stats_cache_statuses[] = {
    "hit", "miss", "expired", "stale", "updating", "bypass"
};

static ngx_str_t  ngx_http_lambda_stats_name = ngx_string("lambda_stats");

static ngx_str_t  ngx_http_lambda_stats_type =
    ngx_string("text/plain; version=0.0.4");


ngx_int_t
ngx_http_lambda_stats_add_zone(ngx_conf_t *cf, ngx_uint_t kind,
    ngx_str_t *name)
{
    ngx_uint_t                     i;
    ngx_http_lambda_stats_zone_t  *z;
    ngx_http_lambda_main_conf_t   *lmcf;

    lmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_lambda_module);

    z = lmcf->stats_zones.elts;

    for (i = 0; i < lmcf->stats_zones.nelts; i++) {
        if (z[i].kind == kind && z[i].name.len == name->len
            && ngx_strncmp(z[i].name.data, name->data, name->len) == 0)
        {
            return i;
        }
    }

    z = ngx_array_push(&lmcf->stats_zones);
    if (z == NULL) {
        return NGX_ERROR;
    }

    z->name = *name;
    z->kind = kind;
    z->usage = NULL;
    z->usage_data = NULL;

    return lmcf->stats_zones.nelts - 1;
}


ngx_int_t
ngx_http_lambda_stats_set_usage(ngx_conf_t *cf, ngx_uint_t index,
    ngx_http_lambda_stats_usage_pt handler, void *data)
{
    ngx_http_lambda_stats_zone_t  *z;
    ngx_http_lambda_main_conf_t   *lmcf;

    lmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_lambda_module);

    if (index >= lmcf->stats_zones.nelts) {
        return NGX_ERROR;
    }

    z = lmcf->stats_zones.elts;
    z[index].usage = (void *) handler;
    z[index].usage_data = data;

    return NGX_OK;
}


void
ngx_http_lambda_stats_request(ngx_http_lambda_op_e op, ngx_uint_t outcome)
{
    if (ngx_http_lambda_stats_sh == NULL
        || op >= NGX_HTTP_LAMBDA_OP_COUNT
        || outcome >= NGX_HTTP_LAMBDA_STATS_OUTCOMES)
    {
        return;
    }

    (void) ngx_atomic_fetch_add(
               &ngx_http_lambda_stats_sh->requests[op][outcome], 1);
}


void
ngx_http_lambda_stats_reject(ngx_uint_t reason)
{
    if (ngx_http_lambda_stats_sh == NULL
        || reason >= NGX_HTTP_LAMBDA_REASON_COUNT)
    {
        return;
    }

    (void) ngx_atomic_fetch_add(&ngx_http_lambda_stats_sh->rejections[reason],
                                1);
}


void
ngx_http_lambda_stats_limit(ngx_int_t index, ngx_uint_t result)
{
    if (ngx_http_lambda_stats_sh == NULL || index < 0
        || (ngx_uint_t) index >= ngx_http_lambda_stats_sh->nzones
        || result >= NGX_HTTP_LAMBDA_STATS_LIMIT_RESULTS)
    {
        return;
    }

    (void) ngx_atomic_fetch_add(&ngx_http_lambda_stats_sh->zones[
               index * NGX_HTTP_LAMBDA_STATS_PER_ZONE + result], 1);
}


void
ngx_http_lambda_stats_cache(ngx_int_t index, ngx_uint_t status)
{
    if (ngx_http_lambda_stats_sh == NULL || index < 0
        || (ngx_uint_t) index >= ngx_http_lambda_stats_sh->nzones
        || status >= NGX_HTTP_LAMBDA_STATS_CACHE_STATUSES)
    {
        return;
    }

    (void) ngx_atomic_fetch_add(&ngx_http_lambda_stats_sh->zones[
               index * NGX_HTTP_LAMBDA_STATS_PER_ZONE + status], 1);
}


void
ngx_http_lambda_stats_redis(ngx_uint_t event)
{
    if (ngx_http_lambda_stats_sh == NULL
        || event >= NGX_HTTP_LAMBDA_STATS_REDIS_EVENTS)
    {
        return;
    }

    (void) ngx_atomic_fetch_add(&ngx_http_lambda_stats_sh->redis[event], 1);
}


void
ngx_http_lambda_stats_redis_latency(ngx_msec_t usec)
{
    ngx_uint_t  i;

    if (ngx_http_lambda_stats_sh == NULL) {
        return;
    }

    for (i = 0; i < NGX_HTTP_LAMBDA_STATS_BUCKETS; i++) {
        if (usec <= ngx_http_lambda_stats_bounds[i]) {
            break;
        }
    }

    /* buckets are stored singly and summed up when rendered */

    (void) ngx_atomic_fetch_add(&ngx_http_lambda_stats_sh->latency[i], 1);
    (void) ngx_atomic_fetch_add(&ngx_http_lambda_stats_sh->latency_sum,
                                usec);
    (void) ngx_atomic_fetch_add(&ngx_http_lambda_stats_sh->latency_count, 1);
}


void
ngx_http_lambda_stats_redis_circuit(ngx_int_t delta)
{
    if (ngx_http_lambda_stats_sh == NULL) {
        return;
    }

    (void) ngx_atomic_fetch_add(&ngx_http_lambda_stats_sh->circuit_open,
                                (ngx_atomic_int_t) delta);
}


/* the zone: created by the core module's postconfiguration */

ngx_int_t
ngx_http_lambda_stats_init_conf(ngx_conf_t *cf)
{
    size_t                        size;
    ngx_shm_zone_t               *shm_zone;
    ngx_http_lambda_main_conf_t  *lmcf;

    lmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_lambda_module);

    size = ngx_http_lambda_stats_size(lmcf->stats_zones.nelts);

    /* room for the slab pool's own pages */
    size = ngx_align(size, ngx_pagesize) + 8 * ngx_pagesize;

    shm_zone = ngx_shared_memory_add(cf, &ngx_http_lambda_stats_name, size,
                                     &ngx_http_lambda_module);
    if (shm_zone == NULL) {
        return NGX_ERROR;
    }

    shm_zone->init = ngx_http_lambda_stats_init_zone;
    shm_zone->data = lmcf;

    lmcf->stats_shm = shm_zone;

    return NGX_OK;
}


static size_t
ngx_http_lambda_stats_size(ngx_uint_t nzones)
{
    return offsetof(ngx_http_lambda_stats_sh_t, zones)
           + (nzones * NGX_HTTP_LAMBDA_STATS_PER_ZONE + 1)
             * sizeof(ngx_atomic_t);
}


static uint32_t
ngx_http_lambda_stats_layout(ngx_http_lambda_main_conf_t *lmcf)
{
    uint32_t                       crc;
    ngx_uint_t                     i;
    ngx_http_lambda_stats_zone_t  *z;

    ngx_crc32_init(crc);

    z = lmcf->stats_zones.elts;

    for (i = 0; i < lmcf->stats_zones.nelts; i++) {
        ngx_crc32_update(&crc, (u_char *) &z[i].kind, sizeof(ngx_uint_t));
        ngx_crc32_update(&crc, z[i].name.data, z[i].name.len);
        ngx_crc32_update(&crc, (u_char *) "", 1);
    }

    ngx_crc32_final(crc);

    return crc;
}


/*
 * Counters survive a reload that keeps the same zones; a reload that
 * changes them starts from zero, so that no counter changes its labels.
 */

static ngx_int_t
ngx_http_lambda_stats_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    size_t                        size;
    uint32_t                      layout;
    ngx_slab_pool_t              *shpool;
    ngx_http_lambda_stats_sh_t   *sh;
    ngx_http_lambda_main_conf_t  *lmcf;

    lmcf = shm_zone->data;

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;
    layout = ngx_http_lambda_stats_layout(lmcf);

    if (data != NULL) {

        /* the memory of the zone is kept across the reload */

        sh = shpool->data;

        if (sh != NULL && sh->version == NGX_HTTP_LAMBDA_STATS_VERSION
            && sh->layout == layout)
        {
            return NGX_OK;
        }

        if (sh != NULL) {
            ngx_slab_free(shpool, sh);
        }

    } else if (shm_zone->shm.exists) {
        return NGX_OK;
    }

    size = ngx_http_lambda_stats_size(lmcf->stats_zones.nelts);

    sh = ngx_slab_calloc(shpool, size);
    if (sh == NULL) {
        return NGX_ERROR;
    }

    sh->version = NGX_HTTP_LAMBDA_STATS_VERSION;
    sh->layout = layout;
    sh->nzones = lmcf->stats_zones.nelts;

    shpool->data = sh;

    return NGX_OK;
}


ngx_int_t
ngx_http_lambda_stats_init_process(ngx_cycle_t *cycle)
{
    ngx_slab_pool_t              *shpool;
    ngx_http_lambda_main_conf_t  *lmcf;

    ngx_http_lambda_stats_sh = NULL;

    if (ngx_http_cycle_get_module_main_conf(cycle, ngx_http_lambda_module)
        == NULL)
    {
        return NGX_OK;
    }

    lmcf = ngx_http_cycle_get_module_main_conf(cycle, ngx_http_lambda_module);

    if (lmcf->stats_shm == NULL) {
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) lmcf->stats_shm->shm.addr;
    ngx_http_lambda_stats_sh = shpool->data;

    return NGX_OK;
}


/* label values: backslash, double quote and line feed are escaped */

static u_char *
ngx_http_lambda_stats_escape(u_char *p, u_char *last, ngx_str_t *value)
{
    ngx_uint_t  i;

    for (i = 0; i < value->len && p + 2 <= last; i++) {
        switch (value->data[i]) {
        case '\\':
        case '"':
            *p++ = '\\';
            *p++ = value->data[i];
            break;
        case '\n':
            *p++ = '\\';
            *p++ = 'n';
            break;
        default:
            *p++ = value->data[i];
        }
    }

    return p;
}


ngx_chain_t *
ngx_http_lambda_stats_render(ngx_http_request_t *r)
{
    size_t                          size, entries_bytes;
    u_char                         *p, *last;
    ngx_buf_t                      *b;
    ngx_uint_t                      i, j, nzones, entries;
    ngx_atomic_uint_t               cumulative;
    ngx_chain_t                    *out;
    ngx_http_lambda_stats_sh_t     *sh;
    ngx_http_lambda_stats_zone_t   *z;
    ngx_http_lambda_main_conf_t    *lmcf;
    ngx_http_lambda_stats_usage_pt  usage;

    lmcf = ngx_http_get_module_main_conf(r, ngx_http_lambda_module);
    sh = ngx_http_lambda_stats_sh;

    z = lmcf->stats_zones.elts;
    nzones = lmcf->stats_zones.nelts;

    if (sh != NULL && sh->nzones < nzones) {
        nzones = sh->nzones;
    }

    size = 16384 + nzones * 2048;

    b = ngx_create_temp_buf(r->pool, size);
    if (b == NULL) {
        return NULL;
    }

    p = b->pos;
    last = b->end;

#define ngx_http_lambda_stats_value(field)                                    \
    (sh ? (ngx_atomic_uint_t) (field) : 0)

    p = ngx_slprintf(p, last,
            "# HELP nginx_lambda_requests_total Lambda API calls by "
            "operation and outcome.\n"
            "# TYPE nginx_lambda_requests_total counter\n");

    for (i = 1; i < NGX_HTTP_LAMBDA_OP_COUNT; i++) {
        for (j = 0; j < NGX_HTTP_LAMBDA_STATS_OUTCOMES; j++) {
            p = ngx_slprintf(p, last,
                    "nginx_lambda_requests_total{operation=\"%s\","
                    "outcome=\"%s\"} %uA\n",
                    ngx_http_lambda_op_name(i),
                    ngx_http_lambda_stats_outcomes[j],
                    ngx_http_lambda_stats_value(sh->requests[i][j]));
        }
    }

    p = ngx_slprintf(p, last,
            "# HELP nginx_lambda_rejections_total Calls the gateway "
            "answered itself, by reason.\n"
            "# TYPE nginx_lambda_rejections_total counter\n");

    for (i = 1; i < NGX_HTTP_LAMBDA_REASON_COUNT; i++) {
        p = ngx_slprintf(p, last,
                "nginx_lambda_rejections_total{reason=\"%V\"} %uA\n",
                &ngx_http_lambda_reasons[i],
                ngx_http_lambda_stats_value(sh->rejections[i]));
    }

    p = ngx_slprintf(p, last,
            "# HELP nginx_lambda_limit_decisions_total Rate limit "
            "decisions by zone and result.\n"
            "# TYPE nginx_lambda_limit_decisions_total counter\n");

    for (i = 0; i < nzones; i++) {
        if (z[i].kind != NGX_HTTP_LAMBDA_STATS_LIMIT_ZONE) {
            continue;
        }

        for (j = 0; j < NGX_HTTP_LAMBDA_STATS_LIMIT_RESULTS; j++) {
            p = ngx_slprintf(p, last,
                             "nginx_lambda_limit_decisions_total{zone=\"");
            p = ngx_http_lambda_stats_escape(p, last, &z[i].name);
            p = ngx_slprintf(p, last, "\",result=\"%s\"} %uA\n",
                    ngx_http_lambda_stats_limit_results[j],
                    ngx_http_lambda_stats_value(
                        sh->zones[i * NGX_HTTP_LAMBDA_STATS_PER_ZONE + j]));
        }
    }

    p = ngx_slprintf(p, last,
            "# HELP nginx_lambda_redis_commands_total Commands sent to "
            "Redis.\n"
            "# TYPE nginx_lambda_redis_commands_total counter\n"
            "nginx_lambda_redis_commands_total %uA\n"
            "# HELP nginx_lambda_redis_errors_total Redis commands that "
            "failed (error replies, lost connections).\n"
            "# TYPE nginx_lambda_redis_errors_total counter\n"
            "nginx_lambda_redis_errors_total %uA\n"
            "# HELP nginx_lambda_redis_timeouts_total Redis commands "
            "given up after their timeout.\n"
            "# TYPE nginx_lambda_redis_timeouts_total counter\n"
            "nginx_lambda_redis_timeouts_total %uA\n"
            "# HELP nginx_lambda_redis_reconnects_total Connections "
            "made to Redis after the first.\n"
            "# TYPE nginx_lambda_redis_reconnects_total counter\n"
            "nginx_lambda_redis_reconnects_total %uA\n"
            "# HELP nginx_lambda_redis_circuit_open Workers whose "
            "circuit breaker towards Redis is open.\n"
            "# TYPE nginx_lambda_redis_circuit_open gauge\n"
            "nginx_lambda_redis_circuit_open %uA\n"
            "# HELP nginx_lambda_redis_latency_seconds Round trips of "
            "Redis commands.\n"
            "# TYPE nginx_lambda_redis_latency_seconds histogram\n",
            ngx_http_lambda_stats_value(
                sh->redis[NGX_HTTP_LAMBDA_STATS_REDIS_COMMANDS]),
            ngx_http_lambda_stats_value(
                sh->redis[NGX_HTTP_LAMBDA_STATS_REDIS_ERRORS]),
            ngx_http_lambda_stats_value(
                sh->redis[NGX_HTTP_LAMBDA_STATS_REDIS_TIMEOUTS]),
            ngx_http_lambda_stats_value(
                sh->redis[NGX_HTTP_LAMBDA_STATS_REDIS_RECONNECTS]),
            ngx_http_lambda_stats_value(sh->circuit_open));

    cumulative = 0;

    for (i = 0; i < NGX_HTTP_LAMBDA_STATS_BUCKETS; i++) {
        cumulative += ngx_http_lambda_stats_value(sh->latency[i]);

        p = ngx_slprintf(p, last,
                "nginx_lambda_redis_latency_seconds_bucket{le=\"%ui.%06ui\"}"
                " %uA\n",
                ngx_http_lambda_stats_bounds[i] / 1000000,
                ngx_http_lambda_stats_bounds[i] % 1000000, cumulative);
    }

    cumulative += ngx_http_lambda_stats_value(
                      sh->latency[NGX_HTTP_LAMBDA_STATS_BUCKETS]);

    p = ngx_slprintf(p, last,
            "nginx_lambda_redis_latency_seconds_bucket{le=\"+Inf\"} %uA\n"
            "nginx_lambda_redis_latency_seconds_sum %uA.%06uA\n"
            "nginx_lambda_redis_latency_seconds_count %uA\n",
            cumulative,
            ngx_http_lambda_stats_value(sh->latency_sum) / 1000000,
            ngx_http_lambda_stats_value(sh->latency_sum) % 1000000,
            ngx_http_lambda_stats_value(sh->latency_count));

    p = ngx_slprintf(p, last,
            "# HELP nginx_lambda_cache_requests_total Function list "
            "calls by cache zone and cache status.\n"
            "# TYPE nginx_lambda_cache_requests_total counter\n");

    for (i = 0; i < nzones; i++) {
        if (z[i].kind != NGX_HTTP_LAMBDA_STATS_CACHE_ZONE) {
            continue;
        }

        for (j = 0; j < NGX_HTTP_LAMBDA_STATS_CACHE_STATUSES; j++) {
            p = ngx_slprintf(p, last,
                             "nginx_lambda_cache_requests_total{zone=\"");
            p = ngx_http_lambda_stats_escape(p, last, &z[i].name);
            p = ngx_slprintf(p, last, "\",status=\"%s\"} %uA\n",
                    ngx_http_lambda_stats_cache_statuses[j],
                    ngx_http_lambda_stats_value(
                        sh->zones[i * NGX_HTTP_LAMBDA_STATS_PER_ZONE + j]));
        }
    }

    p = ngx_slprintf(p, last,
            "# HELP nginx_lambda_cache_entries Entries in a cache zone.\n"
            "# TYPE nginx_lambda_cache_entries gauge\n");

    for (i = 0; i < nzones; i++) {
        if (z[i].kind != NGX_HTTP_LAMBDA_STATS_CACHE_ZONE) {
            continue;
        }

        entries = 0;
        entries_bytes = 0;

        if (z[i].usage != NULL) {
            usage = (ngx_http_lambda_stats_usage_pt) z[i].usage;
            usage(z[i].usage_data, &entries, &entries_bytes);
        }

        p = ngx_slprintf(p, last, "nginx_lambda_cache_entries{zone=\"");
        p = ngx_http_lambda_stats_escape(p, last, &z[i].name);
        p = ngx_slprintf(p, last, "\"} %ui\n", entries);

        p = ngx_slprintf(p, last, "nginx_lambda_cache_bytes{zone=\"");
        p = ngx_http_lambda_stats_escape(p, last, &z[i].name);
        p = ngx_slprintf(p, last, "\"} %uz\n", entries_bytes);
    }

#undef ngx_http_lambda_stats_value

    b->last = p;
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    out = ngx_alloc_chain_link(r->pool);
    if (out == NULL) {
        return NULL;
    }

    out->buf = b;
    out->next = NULL;

    return out;
}


ngx_int_t
ngx_http_lambda_status_handler(ngx_http_request_t *r)
{
    ngx_int_t     rc;
    ngx_chain_t  *out;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    out = ngx_http_lambda_stats_render(r);
    if (out == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_type = ngx_http_lambda_stats_type;
    r->headers_out.content_type_len = ngx_http_lambda_stats_type.len;
    r->headers_out.content_type_lowcase = NULL;
    r->headers_out.content_length_n = out->buf->last - out->buf->pos;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    return ngx_http_output_filter(r, out);
}
