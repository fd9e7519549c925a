
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * The function-list cache in a shared memory zone.
 *
 * An entry is keyed by a digest of the representation, the organization
 * and the scope (and, with scope=credential, the credential).  It holds
 * the time the body was stored, its content type and bytes, and a refresh
 * lease: an owner token and a deadline.  A request that finds no fresh
 * entry takes the lease if it is free or its deadline passed, and goes
 * upstream; while the lease is held, others are served the stale copy or
 * poll until the entry is filled.  Only the owner of a lease releases it,
 * and a purge (a new zone generation) voids entries and leases alike.
 *
 * The verdict itself, ngx_http_lambda_cache_decide(), only looks at what
 * the store tells it (is there a body, how old, is a live lease held by
 * someone else, does the credential count as accepted), so that a store
 * shared by many gateways, such as Redis with SET NX PX leases, can take
 * the place of the zone without changing it.
 *
 * With scope=shared, an entry has no credential in its key; a second kind
 * of entry, keyed by the organization and the credential, records when
 * CVAT last accepted that credential.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_lambda_cache.h"


#define NGX_HTTP_LAMBDA_CACHE_ENTRY   0
#define NGX_HTTP_LAMBDA_CACHE_KNOWN   1


typedef struct {
    uint64_t                         lease;      /* owner token, 0: none */
    ngx_msec_t                       lease_until;
    ngx_msec_t                       stored;     /* body or acceptance */
    ngx_uint_t                       generation;
    uint32_t                         len;        /* of the body */
    uint16_t                         type_len;
    u_char                           kind;
    u_char                           body;       /* a body is stored */
    u_char                           digest[NGX_HTTP_LAMBDA_CACHE_KEY_LEN];

    /* the content type, then the body */
} ngx_http_lambda_cache_entry_t;


/* what the store knows, as the verdict sees it */
typedef struct {
    unsigned                         body:1;
    unsigned                         fresh:1;    /* younger than ttl */
    unsigned                         usable:1;   /* ... ttl + stale */
    unsigned                         leased:1;   /* a live foreign lease */
    unsigned                         can_fill:1;
    unsigned                         known:1;
} ngx_http_lambda_cache_state_t;


static ngx_http_lambda_cache_action_e ngx_http_lambda_cache_decide(
    ngx_http_lambda_cache_state_t *st,
    ngx_http_lambda_cache_status_e *status);
static ngx_http_lambda_cache_entry_t *ngx_http_lambda_cache_find(
    ngx_http_lambda_shm_t *shm, u_char *key);
static ngx_int_t ngx_http_lambda_cache_hold(ngx_http_lambda_cache_req_t *rs,
    ngx_http_lambda_cache_entry_t *e);
static uint64_t ngx_http_lambda_cache_token(void);


#define ngx_http_lambda_cache_hash(key)                                      \
    ((uint32_t) (key)[0] << 24 | (uint32_t) (key)[1] << 16                   \
     | (uint32_t) (key)[2] << 8 | (uint32_t) (key)[3])

#define ngx_http_lambda_cache_sh(shm)                                        \
    ((ngx_http_lambda_cache_sh_t *) (shm)->sh->data)

#define ngx_http_lambda_cache_age(e, now)                                    \
    ((ngx_msec_int_t) ((now) - (e)->stored))


ngx_int_t
ngx_http_lambda_cache_init_zone(ngx_http_lambda_shm_t *shm)
{
    ngx_http_lambda_cache_sh_t  *csh;

    csh = ngx_slab_calloc(shm->shpool, sizeof(ngx_http_lambda_cache_sh_t));
    if (csh == NULL) {
        return NGX_ERROR;
    }

    shm->sh->data = csh;

    return NGX_OK;
}


/*
 * The single-flight verdict.  Requests of a credential that CVAT has not
 * accepted lately (scope=shared) are never served: they go upstream, and
 * refresh the entry if it needs it and nobody else does.
 */

static ngx_http_lambda_cache_action_e
ngx_http_lambda_cache_decide(ngx_http_lambda_cache_state_t *st,
    ngx_http_lambda_cache_status_e *status)
{
    if (!st->known) {
        *status = NGX_HTTP_LAMBDA_CACHE_MISS;

        if (st->can_fill && !st->fresh && !st->leased) {
            return NGX_HTTP_LAMBDA_CACHE_FILL;
        }

        return NGX_HTTP_LAMBDA_CACHE_PASS;
    }

    if (st->fresh) {
        *status = NGX_HTTP_LAMBDA_CACHE_HIT;
        return NGX_HTTP_LAMBDA_CACHE_SERVE;
    }

    if (st->leased) {

        if (st->usable) {
            *status = NGX_HTTP_LAMBDA_CACHE_UPDATING;
            return NGX_HTTP_LAMBDA_CACHE_SERVE;
        }

        return NGX_HTTP_LAMBDA_CACHE_WAIT;
    }

    *status = st->body ? NGX_HTTP_LAMBDA_CACHE_EXPIRED
                       : NGX_HTTP_LAMBDA_CACHE_MISS;

    return st->can_fill ? NGX_HTTP_LAMBDA_CACHE_FILL
                        : NGX_HTTP_LAMBDA_CACHE_PASS;
}


/* the zone must be locked */

static ngx_http_lambda_cache_entry_t *
ngx_http_lambda_cache_find(ngx_http_lambda_shm_t *shm, u_char *key)
{
    ngx_http_lambda_cache_entry_t  *e;

    e = ngx_http_lambda_shm_lookup(shm, ngx_http_lambda_cache_hash(key), key,
                                   NGX_HTTP_LAMBDA_CACHE_KEY_LEN);

    if (e != NULL
        && e->generation != ngx_http_lambda_cache_sh(shm)->generation)
    {
        /* purged */
        ngx_http_lambda_shm_delete(shm, e);
        return NULL;
    }

    return e;
}


ngx_http_lambda_cache_action_e
ngx_http_lambda_cache_lookup(ngx_http_lambda_cache_req_t *rs,
    ngx_uint_t can_fill)
{
    ngx_msec_t                       now, ttl, usable;
    ngx_msec_int_t                   age;
    ngx_http_lambda_shm_t           *shm;
    ngx_http_lambda_cache_sh_t      *csh;
    ngx_http_lambda_cache_entry_t   *e, *k;
    ngx_http_lambda_cache_state_t    st;
    ngx_http_lambda_cache_action_e   action;
    ngx_http_lambda_cache_status_e   status;

    shm = rs->shm;
    now = ngx_current_msec;
    ttl = rs->conf->ttl;
    usable = ttl + rs->conf->stale;

    ngx_memzero(&st, sizeof(ngx_http_lambda_cache_state_t));
    st.can_fill = can_fill;
    status = NGX_HTTP_LAMBDA_CACHE_MISS;

    ngx_http_lambda_shm_lock(shm);

    csh = ngx_http_lambda_cache_sh(shm);

    e = ngx_http_lambda_cache_find(shm, rs->key);

    if (e != NULL) {

        if (e->body) {
            age = ngx_http_lambda_cache_age(e, now);

            st.body = 1;
            st.fresh = (age < (ngx_msec_int_t) ttl);
            st.usable = (age < (ngx_msec_int_t) usable);
        }

        st.leased = (e->lease != 0 && e->lease != rs->lease
                     && (ngx_msec_int_t) (e->lease_until - now) > 0);
    }

    if (rs->shared) {
        k = ngx_http_lambda_cache_find(shm, rs->known_key);

        if (k != NULL) {
            age = ngx_http_lambda_cache_age(k, now);

            rs->known = (age < (ngx_msec_int_t) ttl);
            rs->known_stale = (age < (ngx_msec_int_t) usable);

        } else {
            rs->known = 0;
            rs->known_stale = 0;
        }
    }

    st.known = rs->known;

    action = ngx_http_lambda_cache_decide(&st, &status);

    switch (action) {

    case NGX_HTTP_LAMBDA_CACHE_SERVE:

        if (ngx_http_lambda_cache_hold(rs, e) != NGX_OK) {
            action = NGX_HTTP_LAMBDA_CACHE_PASS;
            status = NGX_HTTP_LAMBDA_CACHE_MISS;
        }

        break;

    case NGX_HTTP_LAMBDA_CACHE_FILL:

        if (e == NULL) {
            e = ngx_http_lambda_shm_insert(shm,
                                      ngx_http_lambda_cache_hash(rs->key),
                                      rs->key, NGX_HTTP_LAMBDA_CACHE_KEY_LEN,
                                      sizeof(ngx_http_lambda_cache_entry_t));
            if (e == NULL) {
                /* no memory even after eviction: go uncached */
                action = NGX_HTTP_LAMBDA_CACHE_PASS;
                break;
            }

            e->kind = NGX_HTTP_LAMBDA_CACHE_ENTRY;
            e->generation = csh->generation;
            ngx_http_lambda_shm_set_expire(e, now);
        }

        if (rs->lease == 0) {
            rs->lease = ngx_http_lambda_cache_token();
        }

        e->lease = rs->lease;
        e->lease_until = now + rs->conf->lock_timeout;
        rs->generation = csh->generation;

        /* an entry whose lease is live is not swept as expired */

        if (e->body && (ngx_msec_int_t) (e->stored + usable
                                         - e->lease_until) > 0)
        {
            ngx_http_lambda_shm_set_expire(e, e->stored + usable);

        } else {
            ngx_http_lambda_shm_set_expire(e, e->lease_until);
        }

        break;

    default: /* NGX_HTTP_LAMBDA_CACHE_PASS, NGX_HTTP_LAMBDA_CACHE_WAIT */
        break;
    }

    ngx_http_lambda_shm_unlock(shm);

    rs->status = status;

    ngx_log_debug4(NGX_LOG_DEBUG_HTTP, rs->request->connection->log, 0,
                   "lambda cache lookup: action:%d status:%d lease:%uL "
                   "known:%d", action, status, rs->lease, rs->known);

    return action;
}


/* the zone must be locked */

static ngx_int_t
ngx_http_lambda_cache_hold(ngx_http_lambda_cache_req_t *rs,
    ngx_http_lambda_cache_entry_t *e)
{
    u_char                        *type;
    ngx_http_lambda_cache_body_t  *body;

    type = (u_char *) (e + 1);

    body = ngx_http_lambda_cache_body_get(rs->request, e->digest, type,
                                          e->type_len, type + e->type_len,
                                          e->len);
    if (body == NULL) {
        return NGX_ERROR;
    }

    if (rs->body) {
        ngx_http_lambda_cache_body_put(rs->body);
    }

    rs->body = body;

    return NGX_OK;
}


/*
 * For a failed refresh: holds the stored copy if it is younger than
 * ttl + stale and the credential may see it.
 */

ngx_int_t
ngx_http_lambda_cache_stale(ngx_http_lambda_cache_req_t *rs)
{
    ngx_int_t                       rc;
    ngx_msec_t                      usable;
    ngx_http_lambda_shm_t          *shm;
    ngx_http_lambda_cache_entry_t  *e;

    if (!rs->known_stale || rs->conf->stale == 0) {
        return NGX_DECLINED;
    }

    shm = rs->shm;
    usable = rs->conf->ttl + rs->conf->stale;
    rc = NGX_DECLINED;

    ngx_http_lambda_shm_lock(shm);

    e = ngx_http_lambda_cache_find(shm, rs->key);

    if (e != NULL && e->body
        && ngx_http_lambda_cache_age(e, ngx_current_msec)
           < (ngx_msec_int_t) usable
        && ngx_http_lambda_cache_hold(rs, e) == NGX_OK)
    {
        rc = NGX_OK;
    }

    ngx_http_lambda_shm_unlock(shm);

    return rc;
}


void
ngx_http_lambda_cache_release(ngx_http_lambda_cache_req_t *rs)
{
    ngx_http_lambda_shm_t          *shm;
    ngx_http_lambda_cache_entry_t  *e;

    if (rs->lease == 0) {
        return;
    }

    shm = rs->shm;

    ngx_http_lambda_shm_lock(shm);

    e = ngx_http_lambda_cache_find(shm, rs->key);

    if (e != NULL && e->lease == rs->lease) {
        e->lease = 0;
        e->lease_until = 0;

        if (!e->body) {
            /* a placeholder that was never filled */
            ngx_http_lambda_shm_delete(shm, e);
        }
    }

    ngx_http_lambda_shm_unlock(shm);

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, rs->request->connection->log, 0,
                   "lambda cache lease %uL released", rs->lease);

    rs->lease = 0;
}


/*
 * Stores the captured answer and releases the lease.  The entry is
 * allocated anew with the body inline; a live lease of another request
 * (ours had run out) is kept.
 */

void
ngx_http_lambda_cache_commit(ngx_http_lambda_cache_req_t *rs)
{
    u_char                         *p;
    size_t                          size;
    uint64_t                        lease;
    ngx_msec_t                      now, lease_until, expire;
    ngx_md5_t                       md5;
    ngx_http_lambda_shm_t          *shm;
    ngx_http_lambda_cache_sh_t     *csh;
    ngx_http_lambda_cache_entry_t  *e;
    u_char                          digest[NGX_HTTP_LAMBDA_CACHE_KEY_LEN];

    if (rs->lease == 0) {
        return;
    }

    ngx_md5_init(&md5);
    ngx_md5_update(&md5, rs->buf, rs->len);
    ngx_md5_final(digest, &md5);

    shm = rs->shm;
    now = ngx_current_msec;
    size = sizeof(ngx_http_lambda_cache_entry_t) + rs->type.len + rs->len;

    lease = 0;
    lease_until = 0;

    ngx_http_lambda_shm_lock(shm);

    csh = ngx_http_lambda_cache_sh(shm);

    e = ngx_http_lambda_cache_find(shm, rs->key);

    if (csh->generation != rs->generation) {

        /* purged while the answer was on its way: it may be outdated */

        ngx_http_lambda_shm_unlock(shm);
        ngx_http_lambda_cache_release(rs);
        return;
    }

    if (e != NULL) {

        if (e->lease != rs->lease
            && (ngx_msec_int_t) (e->lease_until - now) > 0)
        {
            lease = e->lease;
            lease_until = e->lease_until;
        }

        ngx_http_lambda_shm_delete(shm, e);
    }

    e = ngx_http_lambda_shm_insert(shm, ngx_http_lambda_cache_hash(rs->key),
                                   rs->key, NGX_HTTP_LAMBDA_CACHE_KEY_LEN,
                                   size);

    if (e != NULL) {
        e->lease = lease;
        e->lease_until = lease_until;
        e->stored = now;
        e->generation = csh->generation;
        e->len = (uint32_t) rs->len;
        e->type_len = (uint16_t) rs->type.len;
        e->kind = NGX_HTTP_LAMBDA_CACHE_ENTRY;
        e->body = 1;
        ngx_memcpy(e->digest, digest, NGX_HTTP_LAMBDA_CACHE_KEY_LEN);

        p = ngx_cpymem((u_char *) (e + 1), rs->type.data, rs->type.len);
        ngx_memcpy(p, rs->buf, rs->len);

        expire = now + rs->conf->ttl + rs->conf->stale;

        if (lease && (ngx_msec_int_t) (lease_until - expire) > 0) {
            expire = lease_until;
        }

        ngx_http_lambda_shm_set_expire(e, expire);
    }

    ngx_http_lambda_shm_unlock(shm);

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, rs->request->connection->log, 0,
                   "lambda cache lease %uL committed %uz bytes%s",
                   rs->lease, rs->len, e ? "" : ", no memory");

    rs->lease = 0;
}


/*
 * What CVAT said of the credential.  Accepted: with scope=shared it now
 * counts as known for ttl.  Refused (401, 403): it is forgotten, and with
 * scope=credential its own entry is dropped so that no stale copy is ever
 * served to it.
 */

void
ngx_http_lambda_cache_verdict(ngx_http_lambda_cache_req_t *rs,
    ngx_uint_t accepted)
{
    ngx_msec_t                      now;
    ngx_http_lambda_shm_t          *shm;
    ngx_http_lambda_cache_entry_t  *e;

    if (accepted && !rs->shared) {
        return;
    }

    shm = rs->shm;
    now = ngx_current_msec;

    ngx_http_lambda_shm_lock(shm);

    if (rs->shared) {
        e = ngx_http_lambda_cache_find(shm, rs->known_key);

        if (accepted) {

            if (e == NULL) {
                e = ngx_http_lambda_shm_insert(shm,
                                   ngx_http_lambda_cache_hash(rs->known_key),
                                   rs->known_key,
                                   NGX_HTTP_LAMBDA_CACHE_KEY_LEN,
                                   sizeof(ngx_http_lambda_cache_entry_t));
            }

            if (e != NULL) {
                e->kind = NGX_HTTP_LAMBDA_CACHE_KNOWN;
                e->stored = now;
                e->generation = ngx_http_lambda_cache_sh(shm)->generation;
                ngx_http_lambda_shm_set_expire(e, now + rs->conf->ttl
                                                  + rs->conf->stale);
            }

        } else if (e != NULL) {
            ngx_http_lambda_shm_delete(shm, e);
        }

    } else {
        e = ngx_http_lambda_cache_find(shm, rs->key);

        if (e != NULL && e->body) {
            e->body = 0;

            if (e->lease == 0
                || (ngx_msec_int_t) (e->lease_until - now) <= 0)
            {
                ngx_http_lambda_shm_delete(shm, e);
            }
        }
    }

    ngx_http_lambda_shm_unlock(shm);

    if (!accepted) {
        rs->known = 0;
        rs->known_stale = 0;
    }
}


/* voids every entry and lease; returns the number of entries voided */

ngx_uint_t
ngx_http_lambda_cache_purge(ngx_http_lambda_shm_t *shm)
{
    ngx_uint_t                   n;
    ngx_http_lambda_cache_sh_t  *csh;

    ngx_http_lambda_shm_lock(shm);

    csh = ngx_http_lambda_cache_sh(shm);

    csh->generation++;

    n = shm->sh->entries;

    /* free what is not in use now rather than when it is next looked up */

    while (shm->sh->entries && ngx_http_lambda_shm_expire(shm, 0)) {
        /* void */
    }

    ngx_http_lambda_shm_unlock(shm);

    return n;
}


/* a request's final status, for lambda_status */

void
ngx_http_lambda_cache_count(ngx_http_lambda_shm_t *shm,
    ngx_http_lambda_cache_status_e status)
{
    ngx_http_lambda_cache_zone_t  *zone;

    static ngx_uint_t  map[] = {
        0,                                  /* none: not counted */
        NGX_HTTP_LAMBDA_STATS_CACHE_MISS,
        NGX_HTTP_LAMBDA_STATS_CACHE_BYPASS,
        NGX_HTTP_LAMBDA_STATS_CACHE_EXPIRED,
        NGX_HTTP_LAMBDA_STATS_CACHE_STALE,
        NGX_HTTP_LAMBDA_STATS_CACHE_UPDATING,
        NGX_HTTP_LAMBDA_STATS_CACHE_HIT
    };

    if (status == NGX_HTTP_LAMBDA_CACHE_NONE) {
        return;
    }

    zone = shm->data;

    ngx_http_lambda_stats_cache(zone->stats, map[status]);
}


/*
 * The gauges of lambda_status: entries (lists, leases and known
 * credentials) and the bytes of the zone's pages in use.
 */

void
ngx_http_lambda_cache_usage(void *data, ngx_uint_t *entries, size_t *bytes)
{
    ngx_http_lambda_shm_t  *shm = data;

    ngx_uint_t  pages;

    *entries = 0;
    *bytes = 0;

    if (shm->sh == NULL) {
        return;
    }

    pages = (shm->shpool->end - shm->shpool->start) >> ngx_pagesize_shift;

    ngx_http_lambda_shm_lock(shm);

    *entries = shm->sh->entries;
    *bytes = (pages - shm->shpool->pfree) << ngx_pagesize_shift;

    ngx_http_lambda_shm_unlock(shm);
}


/* the largest entry a zone is asked for: half of its pages */

size_t
ngx_http_lambda_cache_max_size(ngx_http_lambda_shm_t *shm)
{
    return (size_t) (shm->shpool->end - shm->shpool->start) / 2;
}


static uint64_t
ngx_http_lambda_cache_token(void)
{
    static uint32_t  seq;

    if (++seq == 0) {
        seq = 1;
    }

    return (uint64_t) ngx_pid << 32 | seq;
}
