
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * Keyed entries in a shared memory zone: a red-black tree ordered by hash
 * and key bytes, an LRU queue, expiry, and eviction of the least recently
 * used entries when the slab allocator runs out of memory.  The zone keeps
 * its contents across "nginx -s reload".
 *
 * Usage:
 *
 *     at configuration time
 *         shm = ngx_http_lambda_shm_add(cf, &name, size, &my_module,
 *                                       "my_zone", MY_LAYOUT_VERSION);
 *
 *     in a worker, with the zone locked (ngx_http_lambda_shm_lock())
 *         value = ngx_http_lambda_shm_lookup(shm, hash, key, len);
 *         if (value == NULL) {
 *             value = ngx_http_lambda_shm_insert(shm, hash, key, len,
 *                                                sizeof(my_value_t));
 *         }
 *         ngx_http_lambda_shm_set_expire(value, ngx_current_msec + ...);
 *
 * An entry carries a value of a fixed size given at insertion (8-byte
 * aligned, zero-filled when created) followed by its key.  An entry whose
 * expiry time has passed may be removed at any later insertion; when memory
 * is short the least recently used entries go first, expired or not.
 * Times are ngx_current_msec values, which all workers share.
 */


#ifndef _NGX_HTTP_LAMBDA_SHM_H_INCLUDED_
#define _NGX_HTTP_LAMBDA_SHM_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


/* the smallest zone accepted, as for limit_req_zone */
#define NGX_HTTP_LAMBDA_SHM_MIN_SIZE  (8 * ngx_pagesize)


typedef struct {
    ngx_rbtree_t                  rbtree;
    ngx_rbtree_node_t             sentinel;
    ngx_queue_t                   lru;
    ngx_uint_t                    version;
    ngx_uint_t                    entries;
    ngx_uint_t                    evicted;     /* forced out while live */
    void                         *data;        /* the feature's zone data */
} ngx_http_lambda_shm_sh_t;


typedef struct ngx_http_lambda_shm_s  ngx_http_lambda_shm_t;

/* called once when a zone is created (not when it is reused) */
typedef ngx_int_t (*ngx_http_lambda_shm_init_pt)(ngx_http_lambda_shm_t *shm);


struct ngx_http_lambda_shm_s {
    ngx_http_lambda_shm_sh_t     *sh;
    ngx_slab_pool_t              *shpool;
    ngx_shm_zone_t               *zone;

    ngx_str_t                     name;
    const char                   *directive;   /* for messages */
    ngx_uint_t                    version;     /* the feature's layout */

    ngx_http_lambda_shm_init_pt   init;        /* optional */
    void                         *data;        /* the feature's conf */
};


/*
 * "name:size" of a zone directive, checked with nginx's messages ("invalid
 * zone size", "invalid zone name", "zone ... is too small"); NGX_OK or
 * NGX_ERROR (logged).
 */
ngx_int_t ngx_http_lambda_shm_parse(ngx_conf_t *cf, ngx_str_t *value,
    ngx_str_t *name, ssize_t *size);

ngx_http_lambda_shm_t *ngx_http_lambda_shm_add(ngx_conf_t *cf,
    ngx_str_t *name, size_t size, void *tag, const char *directive,
    ngx_uint_t version);

/* the zone must be locked for everything below */

#define ngx_http_lambda_shm_lock(shm)                                        \
    ngx_shmtx_lock(&(shm)->shpool->mutex)

#define ngx_http_lambda_shm_unlock(shm)                                      \
    ngx_shmtx_unlock(&(shm)->shpool->mutex)

void *ngx_http_lambda_shm_lookup(ngx_http_lambda_shm_t *shm, uint32_t hash,
    u_char *key, size_t len);
void *ngx_http_lambda_shm_insert(ngx_http_lambda_shm_t *shm, uint32_t hash,
    u_char *key, size_t len, size_t size);
void ngx_http_lambda_shm_delete(ngx_http_lambda_shm_t *shm, void *value);
void ngx_http_lambda_shm_set_expire(void *value, ngx_msec_t expire);

/*
 * removes up to n expired entries from the LRU tail; with n == 0, removes
 * the least recently used entry even if it is not expired; returns the
 * number removed
 */
ngx_uint_t ngx_http_lambda_shm_expire(ngx_http_lambda_shm_t *shm,
    ngx_uint_t n);

/* slab memory for the feature's own data, evicting entries when short */
void *ngx_http_lambda_shm_alloc(ngx_http_lambda_shm_t *shm, size_t size);
void ngx_http_lambda_shm_free(ngx_http_lambda_shm_t *shm, void *p);


#endif /* _NGX_HTTP_LAMBDA_SHM_H_INCLUDED_ */
