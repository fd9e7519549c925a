
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * The shared-memory rate limit backend: one TAT per identity in the zone
 * of the lambda_limit_zone, shared by the workers of this nginx.  It is the
 * backend of "backend=local" zones and the fallback of "backend=redis"
 * zones when Redis cannot decide ("fail=local").
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_lambda_limit.h"


typedef struct {
    uint64_t                          tat;         /* microseconds */
} ngx_http_lambda_limit_node_t;


/* the monotonic clock of nginx, shared by the workers */
#define ngx_http_lambda_limit_now()  ((uint64_t) ngx_current_msec * 1000)


void
ngx_http_lambda_limit_local(ngx_http_lambda_limit_item_t *item)
{
    uint64_t                       now;
    ngx_http_lambda_shm_t         *shm;
    ngx_http_lambda_limit_node_t  *node;

    shm = item->zone->shm;
    now = ngx_http_lambda_limit_now();

    item->hash = ngx_crc32_short(item->identity.data, item->identity.len);

    ngx_http_lambda_shm_lock(shm);

    node = ngx_http_lambda_shm_lookup(shm, item->hash, item->identity.data,
                                      item->identity.len);

    if (node == NULL) {
        node = ngx_http_lambda_shm_insert(shm, item->hash,
                                          item->identity.data,
                                          item->identity.len,
                                          sizeof(ngx_http_lambda_limit_node_t));

        if (node == NULL) {
            ngx_http_lambda_shm_unlock(shm);

            /* the allocation failure is logged; nothing is kept */

            item->verdict = NGX_HTTP_LAMBDA_LIMIT_OPEN;
            return;
        }
    }

    ngx_http_lambda_gcra_update(&item->policy->gcra, &node->tat, now,
                                &item->result);

    /* the entry can go once the bucket is empty again */

    ngx_http_lambda_shm_set_expire(node,
                                   (ngx_msec_t) (node->tat / 1000) + 1);

    ngx_http_lambda_shm_unlock(shm);

    if (item->result.allowed) {
        item->verdict = NGX_HTTP_LAMBDA_LIMIT_ALLOWED;
        item->charged = NGX_HTTP_LAMBDA_LIMIT_CHARGED_LOCAL;

    } else {
        item->verdict = NGX_HTTP_LAMBDA_LIMIT_EXCEEDED;
    }
}


void
ngx_http_lambda_limit_local_refund(ngx_http_lambda_limit_item_t *item)
{
    uint64_t                       now;
    ngx_http_lambda_shm_t         *shm;
    ngx_http_lambda_limit_node_t  *node;

    shm = item->zone->shm;
    now = ngx_http_lambda_limit_now();

    ngx_http_lambda_shm_lock(shm);

    node = ngx_http_lambda_shm_lookup(shm, item->hash, item->identity.data,
                                      item->identity.len);

    if (node != NULL) {
        if (ngx_http_lambda_gcra_refund(&item->policy->gcra, &node->tat, now))
        {
            ngx_http_lambda_shm_delete(shm, node);

        } else {
            ngx_http_lambda_shm_set_expire(node,
                                           (ngx_msec_t) (node->tat / 1000)
                                           + 1);
        }
    }

    ngx_http_lambda_shm_unlock(shm);
}
