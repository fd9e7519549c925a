
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * Keyed entries in a slab zone: the technique of limit_req (a tree ordered
 * by hash then key, an LRU queue, two expired entries removed per insertion,
 * forced eviction of the LRU tail when memory is short), written once for
 * the rate limiter and the function-list cache.
 */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_lambda_shm.h"


/* bumped when ngx_http_lambda_shm_sh_t or the node layout changes */
#define NGX_HTTP_LAMBDA_SHM_LAYOUT  1

/* eviction attempts before an allocation is given up */
#define NGX_HTTP_LAMBDA_SHM_EVICT   64


typedef struct {
    ngx_rbtree_node_t             node;        /* node.key: the hash */
    ngx_queue_t                   queue;
    ngx_msec_t                    expire;
    size_t                        len;         /* key length */
    size_t                        size;        /* value size, aligned */
    u_char                        data[1];     /* the value, then the key */
} ngx_http_lambda_shm_node_t;


static ngx_int_t ngx_http_lambda_shm_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static void ngx_http_lambda_shm_rbtree_insert_value(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel);
static void ngx_http_lambda_shm_remove(ngx_http_lambda_shm_t *shm,
    ngx_http_lambda_shm_node_t *ln);


#define ngx_http_lambda_shm_node(value)                                      \
    ((ngx_http_lambda_shm_node_t *)                                          \
         ((u_char *) (value) - offsetof(ngx_http_lambda_shm_node_t, data)))


ngx_int_t
ngx_http_lambda_shm_parse(ngx_conf_t *cf, ngx_str_t *value, ngx_str_t *name,
    ssize_t *size)
{
    u_char     *p;
    ngx_str_t   s;

    p = (u_char *) ngx_strchr(value->data, ':');

    if (p == NULL) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid zone size \"%V\"", value);
        return NGX_ERROR;
    }

    name->data = value->data;
    name->len = p - value->data;

    if (name->len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid zone name \"%V\"", value);
        return NGX_ERROR;
    }

    s.data = p + 1;
    s.len = value->data + value->len - s.data;

    *size = ngx_parse_size(&s);

    if (*size == NGX_ERROR) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid zone size \"%V\"", value);
        return NGX_ERROR;
    }

    if (*size < (ssize_t) NGX_HTTP_LAMBDA_SHM_MIN_SIZE) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "zone \"%V\" is too small", value);
        return NGX_ERROR;
    }

    return NGX_OK;
}


ngx_http_lambda_shm_t *
ngx_http_lambda_shm_add(ngx_conf_t *cf, ngx_str_t *name, size_t size,
    void *tag, const char *directive, ngx_uint_t version)
{
    ngx_shm_zone_t         *shm_zone;
    ngx_http_lambda_shm_t  *shm;

    shm = ngx_pcalloc(cf->pool, sizeof(ngx_http_lambda_shm_t));
    if (shm == NULL) {
        return NULL;
    }

    shm_zone = ngx_shared_memory_add(cf, name, size, tag);
    if (shm_zone == NULL) {
        return NULL;
    }

    if (shm_zone->data) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "%s \"%V\" is already defined", directive, name);
        return NULL;
    }

    shm->zone = shm_zone;
    shm->name = *name;
    shm->directive = directive;
    shm->version = NGX_HTTP_LAMBDA_SHM_LAYOUT << 16 | version;

    shm_zone->init = ngx_http_lambda_shm_init_zone;
    shm_zone->data = shm;

    return shm;
}


static ngx_int_t
ngx_http_lambda_shm_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_http_lambda_shm_t  *oshm = data;

    size_t                  len;
    ngx_http_lambda_shm_t  *shm;

    shm = shm_zone->data;

    if (oshm) {

        /* a reload: the same name, size and module; keep the entries */

        if (oshm->version != shm->version) {
            ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                          "%s \"%V\" has an incompatible layout, "
                          "nginx must be restarted",
                          shm->directive, &shm->name);
            return NGX_ERROR;
        }

        shm->sh = oshm->sh;
        shm->shpool = oshm->shpool;

        return NGX_OK;
    }

    shm->shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        shm->sh = shm->shpool->data;

        if (shm->sh->version != shm->version) {
            ngx_log_error(NGX_LOG_EMERG, shm_zone->shm.log, 0,
                          "%s \"%V\" has an incompatible layout",
                          shm->directive, &shm->name);
            return NGX_ERROR;
        }

        return NGX_OK;
    }

    shm->sh = ngx_slab_alloc(shm->shpool, sizeof(ngx_http_lambda_shm_sh_t));
    if (shm->sh == NULL) {
        return NGX_ERROR;
    }

    shm->shpool->data = shm->sh;

    ngx_rbtree_init(&shm->sh->rbtree, &shm->sh->sentinel,
                    ngx_http_lambda_shm_rbtree_insert_value);

    ngx_queue_init(&shm->sh->lru);

    shm->sh->version = shm->version;
    shm->sh->entries = 0;
    shm->sh->evicted = 0;
    shm->sh->data = NULL;

    len = sizeof(" in  \"\"") + ngx_strlen(shm->directive) + shm->name.len;

    shm->shpool->log_ctx = ngx_slab_alloc(shm->shpool, len);
    if (shm->shpool->log_ctx == NULL) {
        return NGX_ERROR;
    }

    ngx_sprintf(shm->shpool->log_ctx, " in %s \"%V\"%Z",
                shm->directive, &shm->name);

    /* allocation failures are handled here: the allocator stays silent */
    shm->shpool->log_nomem = 0;

    if (shm->init) {
        return shm->init(shm);
    }

    return NGX_OK;
}


static void
ngx_http_lambda_shm_rbtree_insert_value(ngx_rbtree_node_t *temp,
    ngx_rbtree_node_t *node, ngx_rbtree_node_t *sentinel)
{
    ngx_rbtree_node_t           **p;
    ngx_http_lambda_shm_node_t   *ln, *lnt;

    for ( ;; ) {

        if (node->key < temp->key) {

            p = &temp->left;

        } else if (node->key > temp->key) {

            p = &temp->right;

        } else { /* node->key == temp->key */

            ln = (ngx_http_lambda_shm_node_t *) node;
            lnt = (ngx_http_lambda_shm_node_t *) temp;

            p = (ngx_memn2cmp(ln->data + ln->size, lnt->data + lnt->size,
                              ln->len, lnt->len)
                 < 0)
                ? &temp->left : &temp->right;
        }

        if (*p == sentinel) {
            break;
        }

        temp = *p;
    }

    *p = node;
    node->parent = temp;
    node->left = sentinel;
    node->right = sentinel;
    ngx_rbt_red(node);
}


void *
ngx_http_lambda_shm_lookup(ngx_http_lambda_shm_t *shm, uint32_t hash,
    u_char *key, size_t len)
{
    ngx_int_t                    rc;
    ngx_rbtree_node_t           *node, *sentinel;
    ngx_http_lambda_shm_node_t  *ln;

    node = shm->sh->rbtree.root;
    sentinel = shm->sh->rbtree.sentinel;

    while (node != sentinel) {

        if (hash < node->key) {
            node = node->left;
            continue;
        }

        if (hash > node->key) {
            node = node->right;
            continue;
        }

        /* hash == node->key */

        ln = (ngx_http_lambda_shm_node_t *) node;

        rc = ngx_memn2cmp(key, ln->data + ln->size, len, ln->len);

        if (rc == 0) {
            ngx_queue_remove(&ln->queue);
            ngx_queue_insert_head(&shm->sh->lru, &ln->queue);

            return ln->data;
        }

        node = (rc < 0) ? node->left : node->right;
    }

    return NULL;
}


void *
ngx_http_lambda_shm_insert(ngx_http_lambda_shm_t *shm, uint32_t hash,
    u_char *key, size_t len, size_t size)
{
    size_t                       n;
    ngx_http_lambda_shm_node_t  *ln;

    size = ngx_align(size, 8);
    n = offsetof(ngx_http_lambda_shm_node_t, data) + size + len;

    /* two expired entries go for every new one, as in limit_req */

    (void) ngx_http_lambda_shm_expire(shm, 2);

    ln = ngx_http_lambda_shm_alloc(shm, n);
    if (ln == NULL) {
        return NULL;
    }

    ln->node.key = hash;
    ln->expire = 0;
    ln->len = len;
    ln->size = size;

    ngx_memzero(ln->data, size);
    ngx_memcpy(ln->data + size, key, len);

    ngx_rbtree_insert(&shm->sh->rbtree, &ln->node);
    ngx_queue_insert_head(&shm->sh->lru, &ln->queue);

    shm->sh->entries++;

    return ln->data;
}


void
ngx_http_lambda_shm_delete(ngx_http_lambda_shm_t *shm, void *value)
{
    ngx_http_lambda_shm_remove(shm, ngx_http_lambda_shm_node(value));
}


void
ngx_http_lambda_shm_set_expire(void *value, ngx_msec_t expire)
{
    ngx_http_lambda_shm_node(value)->expire = expire;
}


ngx_uint_t
ngx_http_lambda_shm_expire(ngx_http_lambda_shm_t *shm, ngx_uint_t n)
{
    ngx_uint_t                   removed;
    ngx_queue_t                 *q;
    ngx_http_lambda_shm_node_t  *ln;

    removed = 0;

    if (n == 0) {

        if (ngx_queue_empty(&shm->sh->lru)) {
            return 0;
        }

        q = ngx_queue_last(&shm->sh->lru);
        ln = ngx_queue_data(q, ngx_http_lambda_shm_node_t, queue);

        if ((ngx_msec_int_t) (ln->expire - ngx_current_msec) > 0) {
            shm->sh->evicted++;
        }

        ngx_http_lambda_shm_remove(shm, ln);

        return 1;
    }

    while (n--) {

        if (ngx_queue_empty(&shm->sh->lru)) {
            break;
        }

        q = ngx_queue_last(&shm->sh->lru);
        ln = ngx_queue_data(q, ngx_http_lambda_shm_node_t, queue);

        if ((ngx_msec_int_t) (ln->expire - ngx_current_msec) > 0) {
            break;
        }

        ngx_http_lambda_shm_remove(shm, ln);
        removed++;
    }

    return removed;
}


void *
ngx_http_lambda_shm_alloc(ngx_http_lambda_shm_t *shm, size_t size)
{
    void        *p;
    ngx_uint_t   i;

    p = ngx_slab_alloc_locked(shm->shpool, size);

    for (i = 0; p == NULL && i < NGX_HTTP_LAMBDA_SHM_EVICT; i++) {

        if (ngx_http_lambda_shm_expire(shm, 0) == 0) {
            break;
        }

        p = ngx_slab_alloc_locked(shm->shpool, size);
    }

    if (p == NULL) {
        ngx_log_error(NGX_LOG_ALERT, ngx_cycle->log, 0,
                      "could not allocate %uz bytes in %s \"%V\"",
                      size, shm->directive, &shm->name);
    }

    return p;
}


void
ngx_http_lambda_shm_free(ngx_http_lambda_shm_t *shm, void *p)
{
    ngx_slab_free_locked(shm->shpool, p);
}


static void
ngx_http_lambda_shm_remove(ngx_http_lambda_shm_t *shm,
    ngx_http_lambda_shm_node_t *ln)
{
    ngx_queue_remove(&ln->queue);
    ngx_rbtree_delete(&shm->sh->rbtree, &ln->node);
    ngx_slab_free_locked(shm->shpool, ln);

    shm->sh->entries--;
}
