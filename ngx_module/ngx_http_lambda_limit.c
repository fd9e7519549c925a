
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * The rate limit policy, called by the access handler once a call is known
 * to be valid: which limits apply to the operation, whose bucket is
 * charged, one pipelined Redis batch per request (local limits are decided
 * in shared memory at once), the verdict with its fallback when Redis does
 * not answer, the 429 and 503 answers, the RateLimit header fields, and
 * the refund when CVAT refuses the caller (401, 403).
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>
#include <ngx_sha1.h>

#include "ngx_http_lambda_limit.h"
#include "ngx_http_lambda_stats.h"


/* the identity of a hashed credential or key: 32 hex digits */
#define NGX_HTTP_LAMBDA_LIMIT_HASH_LEN  16


typedef enum {
    NGX_HTTP_LAMBDA_LIMIT_PASS = 0,
    NGX_HTTP_LAMBDA_LIMIT_REJECT,
    NGX_HTTP_LAMBDA_LIMIT_REFUSE             /* fail=closed: 503 */
} ngx_http_lambda_limit_action_e;


static ngx_int_t ngx_http_lambda_limit_identity(ngx_http_request_t *r,
    ngx_http_lambda_ctx_t *ctx, ngx_http_lambda_limit_t *limit,
    ngx_http_lambda_limit_item_t *item, ngx_str_t *personal);
static ngx_int_t ngx_http_lambda_limit_digest(ngx_http_request_t *r,
    const char *prefix, ngx_str_t *value, ngx_str_t *identity);
static ngx_http_lambda_limit_policy_t *ngx_http_lambda_limit_tier(
    ngx_http_lambda_limit_zone_t *zone, ngx_str_t *org);
static ngx_int_t ngx_http_lambda_limit_send(ngx_http_request_t *r,
    ngx_http_lambda_limit_ctx_t *lctx, ngx_uint_t n);
static ngx_int_t ngx_http_lambda_limit_park(ngx_http_request_t *r,
    ngx_http_lambda_limit_ctx_t *lctx);
static ngx_http_lambda_limit_action_e ngx_http_lambda_limit_decide(
    ngx_http_request_t *r, ngx_http_lambda_limit_ctx_t *lctx);
static ngx_int_t ngx_http_lambda_limit_respond(ngx_http_request_t *r,
    ngx_http_lambda_limit_ctx_t *lctx, ngx_http_lambda_limit_action_e action);
static void ngx_http_lambda_limit_resume_handler(ngx_event_t *ev);
static void ngx_http_lambda_limit_redis_reply(ngx_http_lambda_redis_op_t *op,
    ngx_uint_t index, ngx_http_lambda_redis_reply_t *reply);
static void ngx_http_lambda_limit_redis_done(ngx_http_lambda_redis_op_t *op,
    ngx_int_t rc);
static void ngx_http_lambda_limit_refund(ngx_http_request_t *r,
    ngx_http_lambda_limit_ctx_t *lctx, ngx_uint_t refused);
static ngx_int_t ngx_http_lambda_limit_add_headers(ngx_http_request_t *r,
    ngx_http_lambda_limit_ctx_t *lctx);
static ngx_int_t ngx_http_lambda_limit_retry_after(ngx_http_request_t *r,
    uint64_t seconds);
static u_char *ngx_http_lambda_limit_pk(u_char *p, ngx_str_t *org);
static u_char *ngx_http_lambda_limit_number(u_char *p, uint64_t n);


ngx_http_output_header_filter_pt  ngx_http_lambda_limit_next_header_filter;


/*
 * The Redis side of ngx_http_lambda_gcra_update(), for the keys of a batch
 * (the calls queued while the connection waited): KEYS[i] holds the TAT in
 * microseconds of the Redis clock; ARGV[4i-3..4i]: the interval, (burst +
 * 1) times the interval, "+" to charge or "-" to refund, and how many
 * calls of that key are charged or refunded, one after the other.  The
 * answer is an array of one integer per key, the part of the bucket used
 * before its calls (ngx_http_lambda_gcra_nth() derives the verdict of each
 * call).  Keys are decided in order; a bucket is read once and written
 * once per batch, with an expiry when its TAT is past.
 */

static ngx_str_t  ngx_http_lambda_limit_gcra_lua = ngx_string(
    "if redis.replicate_commands then redis.replicate_commands() end\n"
    "local t = redis.call('TIME')\n"
    "local now = t[1] * 1000000 + t[2]\n"
    "local tats, changed, answers = {}, {}, {}\n"
    "for i = 1, #KEYS do\n"
    "  local key = KEYS[i]\n"
    "  local interval = tonumber(ARGV[4 * i - 3])\n"
    "  local count = tonumber(ARGV[4 * i])\n"
    "  local tat = tats[key]\n"
    "  if tat == nil then\n"
    "    tat = tonumber(redis.call('GET', key)) or now\n"
    "  end\n"
    "  if tat < now then tat = now end\n"
    "  answers[i] = tat - now\n"
    "  if ARGV[4 * i - 1] == '-' then\n"
    "    tat = tat - count * interval\n"
    "    changed[key] = true\n"
    "  else\n"
    "    local n = math.floor((tonumber(ARGV[4 * i - 2]) - tat + now)\n"
    "                         / interval)\n"
    "    if n > count then n = count end\n"
    "    if n > 0 then\n"
    "      tat = tat + n * interval\n"
    "      changed[key] = true\n"
    "    end\n"
    "  end\n"
    "  tats[key] = tat\n"
    "end\n"
    "for key in pairs(changed) do\n"
    "  local tat = tats[key]\n"
    "  if tat > now then\n"
    "    redis.call('SET', key, string.format('%d', tat),\n"
    "               'PX', math.ceil((tat - now) / 1000))\n"
    "  else\n"
    "    redis.call('DEL', key)\n"
    "  end\n"
    "end\n"
    "return answers\n"
);


static ngx_str_t  ngx_http_lambda_limit_anonymous =
    ngx_string("user:anonymous");

static ngx_str_t  ngx_http_lambda_limit_policy_name =
    ngx_string("RateLimit-Policy");

static ngx_str_t  ngx_http_lambda_limit_name = ngx_string("RateLimit");


ngx_int_t
ngx_http_lambda_limit_script(ngx_conf_t *cf,
    ngx_http_lambda_limit_main_conf_t *lmcf)
{
    lmcf->script = ngx_http_lambda_redis_add_script(cf, lmcf->redis,
                                             &ngx_http_lambda_limit_gcra_lua);

    return (lmcf->script == NULL) ? NGX_ERROR : NGX_OK;
}


ngx_int_t
ngx_http_lambda_limit_handler(ngx_http_request_t *r,
    ngx_http_lambda_ctx_t *ctx)
{
    ngx_int_t                          rc;
    ngx_str_t                          personal;
    ngx_uint_t                         i, n, bit, nredis, rejected;
    ngx_http_lambda_limit_t           *limits;
    ngx_http_lambda_limit_ctx_t       *lctx;
    ngx_http_lambda_limit_item_t      *item;
    ngx_http_lambda_limit_action_e     action;
    ngx_http_lambda_limit_loc_conf_t  *llcf;

    llcf = ngx_http_get_module_loc_conf(r, ngx_http_lambda_limit_module);

    if (llcf->limits == NULL) {
        return NGX_DECLINED;
    }

    limits = llcf->limits->elts;
    n = llcf->limits->nelts;
    bit = (ngx_uint_t) 1 << ctx->route.op;

    /* room for every limit of the location, those that apply come first */

    lctx = ngx_pcalloc(r->pool, sizeof(ngx_http_lambda_limit_ctx_t)
                                + n * sizeof(ngx_http_lambda_limit_item_t));
    if (lctx == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    lctx->request = r;
    lctx->ctx = ctx;
    lctx->items = (ngx_http_lambda_limit_item_t *) &lctx[1];
    lctx->headers = llcf->headers;

    /*
     * the event that resumes a wait; the context's pool cleanup takes it
     * off the posted queue (ngx_http_lambda_limit_cleanup())
     */

    lctx->resume.handler = ngx_http_lambda_limit_resume_handler;
    lctx->resume.data = lctx;
    lctx->resume.log = r->connection->log;

    ctx->limit = lctx;

    ngx_str_null(&personal);
    nredis = 0;
    rejected = 0;

    for (i = 0; i < n; i++) {

        if (limits[i].ops && !(limits[i].ops & bit)) {
            continue;
        }

        item = &lctx->items[lctx->nitems++];

        rc = ngx_http_lambda_limit_identity(r, ctx, &limits[i], item,
                                            &personal);

        if (rc == NGX_ERROR) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        if (rc == NGX_DECLINED) {
            continue;
        }

        if (item->zone->backend == NGX_HTTP_LAMBDA_LIMIT_REDIS) {
            item->verdict = NGX_HTTP_LAMBDA_LIMIT_PENDING;
            nredis++;
            continue;
        }

        ngx_http_lambda_limit_local(item);

        ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "lambda limit \"%V\" local, \"%V\": %d",
                       &item->zone->name, &item->identity, item->verdict);

        if (item->verdict == NGX_HTTP_LAMBDA_LIMIT_EXCEEDED
            && !llcf->dry_run)
        {
            rejected = 1;
        }
    }

    if (lctx->nitems == 0) {
        lctx->status = NGX_HTTP_LAMBDA_LIMIT_BYPASS;
        return NGX_DECLINED;
    }

    if (nredis && !rejected) {
        rc = ngx_http_lambda_limit_send(r, lctx, nredis);

        if (rc != NGX_DECLINED) {
            return rc;
        }
    }

    if (rejected) {

        /* rejected anyway: Redis is not asked */

        for (i = 0; i < lctx->nitems; i++) {
            if (lctx->items[i].verdict == NGX_HTTP_LAMBDA_LIMIT_PENDING) {
                lctx->items[i].verdict = NGX_HTTP_LAMBDA_LIMIT_SKIPPED;
            }
        }
    }

    action = ngx_http_lambda_limit_decide(r, lctx);

    if (action == NGX_HTTP_LAMBDA_LIMIT_PASS) {
        return NGX_DECLINED;
    }

    /*
     * the answer is sent from the same posted event as after a Redis
     * wait: one path answers every rejection
     */

    rc = ngx_http_lambda_limit_park(r, lctx);
    if (rc != NGX_AGAIN) {
        return rc;
    }

    ngx_post_event(&lctx->resume, &ngx_posted_events);

    return NGX_AGAIN;
}


/*
 * The bucket: the key=$variable value, hashed; else the organization;
 * else the personal workspace of the credential, hashed.  NGX_DECLINED:
 * the key is empty and the limit does not apply.
 */

static ngx_int_t
ngx_http_lambda_limit_identity(ngx_http_request_t *r,
    ngx_http_lambda_ctx_t *ctx, ngx_http_lambda_limit_t *limit,
    ngx_http_lambda_limit_item_t *item, ngx_str_t *personal)
{
    ngx_str_t  value;

    item->zone = limit->zone;
    item->policy = &limit->zone->policy;

    if (limit->key) {

        if (ngx_http_complex_value(r, limit->key, &value) != NGX_OK) {
            return NGX_ERROR;
        }

        if (value.len == 0) {
            item->verdict = NGX_HTTP_LAMBDA_LIMIT_SKIPPED;
            return NGX_DECLINED;
        }

        if (ngx_http_lambda_limit_digest(r, "key:", &value, &item->identity)
            != NGX_OK)
        {
            return NGX_ERROR;
        }

        item->keyed = 1;

    } else if (ctx->org.len) {
        item->identity = ctx->org;
        item->org = 1;

        if (limit->zone->tiers.nelts) {
            item->policy = ngx_http_lambda_limit_tier(limit->zone, &ctx->org);
        }

    } else {

        if (personal->len == 0) {

            if (ctx->credential.len == 0) {
                *personal = ngx_http_lambda_limit_anonymous;

            } else if (ngx_http_lambda_limit_digest(r, "user:",
                                                    &ctx->credential,
                                                    personal)
                       != NGX_OK)
            {
                return NGX_ERROR;
            }
        }

        item->identity = *personal;
    }

    return NGX_OK;
}


/* never raw client bytes in a key: "<prefix><hex of SHA-1>" */

static ngx_int_t
ngx_http_lambda_limit_digest(ngx_http_request_t *r, const char *prefix,
    ngx_str_t *value, ngx_str_t *identity)
{
    u_char      *p;
    size_t       len;
    ngx_sha1_t   sha1;
    u_char       digest[20];

    ngx_sha1_init(&sha1);
    ngx_sha1_update(&sha1, value->data, value->len);
    ngx_sha1_final(digest, &sha1);

    len = ngx_strlen(prefix);

    p = ngx_pnalloc(r->pool, len + 2 * NGX_HTTP_LAMBDA_LIMIT_HASH_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    identity->data = p;

    p = ngx_cpymem(p, prefix, len);
    p = ngx_hex_dump(p, digest, NGX_HTTP_LAMBDA_LIMIT_HASH_LEN);

    identity->len = p - identity->data;

    return NGX_OK;
}


static ngx_http_lambda_limit_policy_t *
ngx_http_lambda_limit_tier(ngx_http_lambda_limit_zone_t *zone,
    ngx_str_t *org)
{
    ngx_int_t                      rc;
    ngx_uint_t                     lo, hi, mid;
    ngx_http_lambda_limit_tier_t  *tier;

    tier = zone->tiers.elts;
    lo = 0;
    hi = zone->tiers.nelts;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;

        rc = ngx_memn2cmp(org->data, tier[mid].org.data, org->len,
                          tier[mid].org.len);

        if (rc == 0) {
            return &tier[mid].policy;
        }

        if (rc < 0) {
            hi = mid;

        } else {
            lo = mid + 1;
        }
    }

    return &zone->policy;
}


/*
 * One key per Redis limit, in the script call that carries those of the
 * other requests queued meanwhile (ngx_http_lambda_redis_eval()).
 * NGX_DECLINED: Redis cannot be asked, the pending limits are decided by
 * their fallback.
 */

static ngx_int_t
ngx_http_lambda_limit_send(ngx_http_request_t *r,
    ngx_http_lambda_limit_ctx_t *lctx, ngx_uint_t n)
{
    u_char                             *p;
    ngx_uint_t                          i;
    ngx_http_lambda_redis_op_t         *op;
    ngx_http_lambda_limit_item_t       *item;
    ngx_http_lambda_limit_main_conf_t  *lmcf;

    lmcf = ngx_http_get_module_main_conf(r, ngx_http_lambda_limit_module);

    op = ngx_http_lambda_redis_op_create(n);

    if (op == NULL) {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "lambda limit: redis not available");
        return NGX_DECLINED;
    }

    op->data = lctx;
    op->reply = ngx_http_lambda_limit_redis_reply;
    op->done = ngx_http_lambda_limit_redis_done;

    for (i = 0; i < lctx->nitems; i++) {
        item = &lctx->items[i];

        if (item->verdict != NGX_HTTP_LAMBDA_LIMIT_PENDING) {
            continue;
        }

        item->key.len = item->zone->key_prefix.len + item->identity.len + 1;

        if (item->key.len <= sizeof(item->key_buf)) {
            item->key.data = item->key_buf;

        } else {
            item->key.data = ngx_pnalloc(r->pool, item->key.len);

            if (item->key.data == NULL) {
                ngx_http_lambda_redis_op_cancel(op);
                return NGX_HTTP_INTERNAL_SERVER_ERROR;
            }
        }

        p = ngx_cpymem(item->key.data, item->zone->key_prefix.data,
                       item->zone->key_prefix.len);
        p = ngx_cpymem(p, item->identity.data, item->identity.len);
        *p = '}';

        if (ngx_http_lambda_redis_eval(op, i, lmcf->script, &item->key,
                                       &item->policy->charge)
            != NGX_OK)
        {
            item->verdict = NGX_HTTP_LAMBDA_LIMIT_FAILED;
        }
    }

    if (ngx_http_lambda_redis_op_start(op) != NGX_OK) {
        return NGX_DECLINED;
    }

    lctx->op = op;

    return ngx_http_lambda_limit_park(r, lctx);
}


/*
 * The request waits, as limit_req's delay does: an abort is noticed and
 * ends the request, whose pool cleanup detaches the Redis operation.
 */

static ngx_int_t
ngx_http_lambda_limit_park(ngx_http_request_t *r,
    ngx_http_lambda_limit_ctx_t *lctx)
{
    if (r->connection->read->ready) {
        ngx_post_event(r->connection->read, &ngx_posted_events);

    } else if (ngx_handle_read_event(r->connection->read, 0) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->read_event_handler = ngx_http_test_reading;
    r->write_event_handler = ngx_http_request_empty_handler;

    return NGX_AGAIN;
}


static void
ngx_http_lambda_limit_redis_reply(ngx_http_lambda_redis_op_t *op,
    ngx_uint_t index, ngx_http_lambda_redis_reply_t *reply)
{
    uint64_t                       used;
    ngx_uint_t                     allowed;
    ngx_http_lambda_limit_ctx_t   *lctx;
    ngx_http_lambda_limit_item_t  *item;

    lctx = op->data;
    item = &lctx->items[index];

    if (reply->type != NGX_HTTP_LAMBDA_REDIS_INTEGER) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, lctx->request->connection->log, 0,
                       "lambda limit: no verdict from redis, reply type %d",
                       reply->type);

        if (reply->type != NGX_HTTP_LAMBDA_REDIS_LOST
            && reply->type != NGX_HTTP_LAMBDA_REDIS_ERROR)
        {
            ngx_http_lambda_redis_report("unexpected reply");
        }

        item->verdict = NGX_HTTP_LAMBDA_LIMIT_FAILED;
        return;
    }

    if (reply->integer < 0) {
        ngx_http_lambda_redis_report("unexpected reply");
        item->verdict = NGX_HTTP_LAMBDA_LIMIT_FAILED;
        return;
    }

    /* the bucket before the calls of this key in the batch, this one's rank */

    allowed = ngx_http_lambda_gcra_nth(&item->policy->gcra,
                                       (uint64_t) reply->integer,
                                       reply->rank, reply->count, &used);

    ngx_http_lambda_gcra_result(&item->policy->gcra, used, allowed,
                                &item->result);

    if (allowed) {
        item->verdict = NGX_HTTP_LAMBDA_LIMIT_ALLOWED;
        item->charged = NGX_HTTP_LAMBDA_LIMIT_CHARGED_REDIS;

    } else {
        item->verdict = NGX_HTTP_LAMBDA_LIMIT_EXCEEDED;
    }

    ngx_log_debug3(NGX_LOG_DEBUG_HTTP, lctx->request->connection->log, 0,
                   "lambda limit \"%V\" redis, \"%V\": %d",
                   &item->zone->name, &item->identity, item->verdict);
}


/* inside hiredis: the request goes on from a posted event */

static void
ngx_http_lambda_limit_redis_done(ngx_http_lambda_redis_op_t *op,
    ngx_int_t rc)
{
    ngx_http_lambda_limit_ctx_t  *lctx;

    lctx = op->data;
    lctx->op = NULL;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, lctx->request->connection->log, 0,
                   "lambda limit: redis done, rc:%i", rc);

    ngx_post_event(&lctx->resume, &ngx_posted_events);
}


static void
ngx_http_lambda_limit_resume_handler(ngx_event_t *ev)
{
    ngx_connection_t                *c;
    ngx_http_request_t              *r;
    ngx_http_lambda_ctx_t           *ctx;
    ngx_http_lambda_limit_ctx_t     *lctx;
    ngx_http_lambda_limit_action_e   action;

    lctx = ev->data;
    r = lctx->request;
    ctx = lctx->ctx;
    c = r->connection;

    ngx_http_set_log_request(c->log, r);

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, c->log, 0, "lambda limit resume");

    action = lctx->decided ? lctx->action
                           : ngx_http_lambda_limit_decide(r, lctx);

    if (action == NGX_HTTP_LAMBDA_LIMIT_PASS) {
        ctx->state = NGX_HTTP_LAMBDA_STATE_LIMIT_DONE;
        ngx_http_lambda_resume(r);
        return;
    }

    ctx->state = NGX_HTTP_LAMBDA_STATE_DONE;
    ctx->rc = NGX_DONE;

    r->read_event_handler = ngx_http_block_reading;

    (void) ngx_http_lambda_limit_respond(r, lctx, action);

    ngx_http_run_posted_requests(c);
}


/*
 * Every limit decided: by Redis, in shared memory, or by the zone's
 * fallback.  Sets $lambda_limit_status and refunds the charges of a
 * request that is not let through.
 */

static ngx_http_lambda_limit_action_e
ngx_http_lambda_limit_decide(ngx_http_request_t *r,
    ngx_http_lambda_limit_ctx_t *lctx)
{
    uint64_t                           retry;
    ngx_uint_t                         i, exceeded, refused, degraded,
                                       applied;
    ngx_http_lambda_limit_item_t      *item;
    ngx_http_lambda_limit_loc_conf_t  *llcf;

    llcf = ngx_http_get_module_loc_conf(r, ngx_http_lambda_limit_module);

    lctx->decided = 1;

    exceeded = 0;
    refused = 0;
    degraded = 0;
    applied = 0;
    retry = 0;

    for (i = 0; i < lctx->nitems; i++) {
        item = &lctx->items[i];

        if (item->verdict == NGX_HTTP_LAMBDA_LIMIT_PENDING
            || item->verdict == NGX_HTTP_LAMBDA_LIMIT_FAILED)
        {
            item->degraded = 1;

            switch (item->zone->fail) {

            case NGX_HTTP_LAMBDA_LIMIT_FAIL_OPEN:
                item->verdict = NGX_HTTP_LAMBDA_LIMIT_OPEN;
                break;

            case NGX_HTTP_LAMBDA_LIMIT_FAIL_CLOSED:
                item->verdict = NGX_HTTP_LAMBDA_LIMIT_UNAVAILABLE;
                break;

            default: /* NGX_HTTP_LAMBDA_LIMIT_FAIL_LOCAL */
                ngx_http_lambda_limit_local(item);
                break;
            }

            ngx_log_debug3(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                           "lambda limit \"%V\" fallback, \"%V\": %d",
                           &item->zone->name, &item->identity,
                           item->verdict);
        }

        degraded |= item->degraded;

        if (item->verdict != NGX_HTTP_LAMBDA_LIMIT_SKIPPED) {
            applied = 1;

            ngx_http_lambda_stats_limit(item->zone->stats,
                item->verdict == NGX_HTTP_LAMBDA_LIMIT_EXCEEDED
                ? (llcf->dry_run ? NGX_HTTP_LAMBDA_STATS_LIMIT_DRY_RUN
                                 : NGX_HTTP_LAMBDA_STATS_LIMIT_REJECTED)
                : (item->degraded ? NGX_HTTP_LAMBDA_STATS_LIMIT_DEGRADED
                                  : NGX_HTTP_LAMBDA_STATS_LIMIT_PASSED));
        }

        switch (item->verdict) {

        case NGX_HTTP_LAMBDA_LIMIT_EXCEEDED:

            exceeded = 1;

            if (item->result.retry_after > retry) {
                retry = item->result.retry_after;
            }

            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "lambda limit \"%V\" exceeded by \"%V\"%s",
                          &item->zone->name, &item->identity,
                          llcf->dry_run ? ", dry run" : "");

            /* fall through */

        case NGX_HTTP_LAMBDA_LIMIT_ALLOWED:

            if (!lctx->has_remaining
                || item->result.remaining < lctx->remaining)
            {
                lctx->remaining = item->result.remaining;
                lctx->has_remaining = 1;
            }

            break;

        case NGX_HTTP_LAMBDA_LIMIT_UNAVAILABLE:
            refused = 1;
            break;

        default:
            break;
        }
    }

    if (exceeded) {

        if (llcf->dry_run) {
            lctx->status = NGX_HTTP_LAMBDA_LIMIT_REJECTED_DRY_RUN;
            return NGX_HTTP_LAMBDA_LIMIT_PASS;
        }

        lctx->status = NGX_HTTP_LAMBDA_LIMIT_REJECTED;
        lctx->remaining = 0;
        lctx->has_remaining = 1;
        lctx->retry_after = ngx_max(retry, 1);

        ngx_http_lambda_limit_refund(r, lctx, 0);

        lctx->action = NGX_HTTP_LAMBDA_LIMIT_REJECT;
        return NGX_HTTP_LAMBDA_LIMIT_REJECT;
    }

    if (!applied) {
        lctx->status = NGX_HTTP_LAMBDA_LIMIT_BYPASS;

    } else {
        lctx->status = degraded ? NGX_HTTP_LAMBDA_LIMIT_DEGRADED
                                : NGX_HTTP_LAMBDA_LIMIT_PASSED;
    }

    if (refused && !llcf->dry_run) {
        ngx_http_lambda_limit_refund(r, lctx, 0);

        lctx->action = NGX_HTTP_LAMBDA_LIMIT_REFUSE;
        return NGX_HTTP_LAMBDA_LIMIT_REFUSE;
    }

    lctx->action = NGX_HTTP_LAMBDA_LIMIT_PASS;
    return NGX_HTTP_LAMBDA_LIMIT_PASS;
}


static ngx_int_t
ngx_http_lambda_limit_respond(ngx_http_request_t *r,
    ngx_http_lambda_limit_ctx_t *lctx, ngx_http_lambda_limit_action_e action)
{
    uint64_t                           seconds;
    ngx_msec_t                         ms;
    ngx_http_lambda_limit_loc_conf_t  *llcf;

    llcf = ngx_http_get_module_loc_conf(r, ngx_http_lambda_limit_module);

    if (action == NGX_HTTP_LAMBDA_LIMIT_REJECT) {

        seconds = ngx_http_lambda_gcra_seconds(lctx->retry_after);

        if (ngx_http_lambda_limit_retry_after(r, seconds) != NGX_OK) {
            ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
            return NGX_DONE;
        }

        /* DRF's Throttled exception */

        return ngx_http_lambda_reply_error(r, lctx->ctx, llcf->status,
                   NGX_HTTP_LAMBDA_REASON_RATE_LIMIT, NULL,
                   "Request was throttled. Expected available in %uL "
                   "second%s.", seconds, (seconds == 1) ? "" : "s");
    }

    /* fail=closed: until the breaker lets Redis be tried again */

    ms = ngx_http_lambda_redis_retry_in();
    seconds = (ms + 999) / 1000;

    if (ngx_http_lambda_limit_retry_after(r, ngx_max(seconds, 1)) != NGX_OK) {
        ngx_http_finalize_request(r, NGX_HTTP_INTERNAL_SERVER_ERROR);
        return NGX_DONE;
    }

    return ngx_http_lambda_reply_error(r, lctx->ctx,
               NGX_HTTP_SERVICE_UNAVAILABLE,
               NGX_HTTP_LAMBDA_REASON_LIMIT_UNAVAILABLE, NULL,
               "Rate limit service unavailable.");
}


static ngx_int_t
ngx_http_lambda_limit_retry_after(ngx_http_request_t *r, uint64_t seconds)
{
    u_char           *p;
    ngx_table_elt_t  *h;

    p = ngx_pnalloc(r->pool, NGX_INT64_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    ngx_str_set(&h->key, "Retry-After");
    h->value.data = p;
    h->value.len = ngx_http_lambda_limit_number(p, seconds) - p;

    return NGX_OK;
}


/* ngx_http_lambda_limit_release: the request's pool is being destroyed */

void
ngx_http_lambda_limit_cleanup(void *data)
{
    ngx_http_lambda_limit_ctx_t  *lctx = data;

    if (lctx->op) {
        ngx_http_lambda_redis_op_cancel(lctx->op);
        lctx->op = NULL;
    }

    if (lctx->resume.posted) {
        ngx_delete_posted_event(&lctx->resume);
    }
}


/*
 * Gives back what a call that does not reach CVAT was charged, or, when
 * CVAT refused the caller (401, 403), what its organization or workspace
 * was charged: key=$variable limits are kept, they are the flood guard.
 */

static void
ngx_http_lambda_limit_refund(ngx_http_request_t *r,
    ngx_http_lambda_limit_ctx_t *lctx, ngx_uint_t refused)
{
    ngx_uint_t                          i;
    ngx_http_lambda_limit_item_t       *item;
    ngx_http_lambda_limit_main_conf_t  *lmcf;

    lmcf = ngx_http_get_module_main_conf(r, ngx_http_lambda_limit_module);

    lctx->refunded = 1;

    for (i = 0; i < lctx->nitems; i++) {
        item = &lctx->items[i];

        if (refused && item->keyed) {
            continue;
        }

        switch (item->charged) {

        case NGX_HTTP_LAMBDA_LIMIT_CHARGED_LOCAL:
            ngx_http_lambda_limit_local_refund(item);
            break;

        case NGX_HTTP_LAMBDA_LIMIT_CHARGED_REDIS:
            (void) ngx_http_lambda_redis_eval_detached(lmcf->script,
                                                       &item->key,
                                                       &item->policy->refund);
            break;

        default:
            continue;
        }

        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                       "lambda limit \"%V\" refund to \"%V\"",
                       &item->zone->name, &item->identity);

        item->charged = NGX_HTTP_LAMBDA_LIMIT_CHARGED_NONE;

        if (item->result.remaining < item->policy->quota) {
            item->result.remaining++;
        }

        if (item->result.remaining == item->policy->quota) {
            item->result.next_after = 0;
        }
    }
}


ngx_int_t
ngx_http_lambda_limit_header_filter(ngx_http_request_t *r)
{
    ngx_http_lambda_ctx_t        *ctx;
    ngx_http_lambda_limit_ctx_t  *lctx;

    if (r != r->main) {
        return ngx_http_lambda_limit_next_header_filter(r);
    }

    ctx = ngx_http_lambda_get_ctx(r);

    if (ctx == NULL || ctx->limit == NULL) {
        return ngx_http_lambda_limit_next_header_filter(r);
    }

    lctx = ctx->limit;

    /* CVAT refused the caller: the call costs nothing */

    if ((r->headers_out.status == NGX_HTTP_UNAUTHORIZED
         || r->headers_out.status == NGX_HTTP_FORBIDDEN)
        && !lctx->refunded)
    {
        ngx_http_lambda_limit_refund(r, lctx, 1);
    }

    if (lctx->headers && lctx->nitems
        && ngx_http_lambda_limit_add_headers(r, lctx) != NGX_OK)
    {
        return NGX_ERROR;
    }

    return ngx_http_lambda_limit_next_header_filter(r);
}


/*
 * RateLimit-Policy: "zone";q=<burst + 1>;w=<seconds to earn them back>
 * RateLimit: "zone";r=<remaining>;t=<seconds until one more>
 * with ;pk=:<base64 of the organization>: for an organization's bucket;
 * the zone's parts are prepared at configuration time
 */

static ngx_int_t
ngx_http_lambda_limit_add_headers(ngx_http_request_t *r,
    ngx_http_lambda_limit_ctx_t *lctx)
{
    u_char                        *p, *q, *pk;
    size_t                         len, pk_len;
    ngx_str_t                      org;
    ngx_uint_t                     npk;
    ngx_table_elt_t               *h;
    ngx_http_lambda_limit_item_t  *item, *last;

    len = 0;
    npk = 0;
    ngx_str_null(&org);

    last = lctx->items + lctx->nitems;

    for (item = lctx->items; item < last; item++) {

        if (item->verdict == NGX_HTTP_LAMBDA_LIMIT_SKIPPED) {
            continue;
        }

        if (item->org) {
            org = item->identity;
            npk++;
        }

        len += item->policy->item.len + item->policy->limit.len
               + sizeof(", ;t=, ") - 1 + 2 * NGX_INT64_LEN;
    }

    if (len == 0) {
        return NGX_OK;
    }

    /* the partition key, every organization item has the same */

    pk_len = npk ? sizeof(";pk=::") - 1 + ngx_base64_encoded_length(org.len)
                 : 0;

    p = ngx_pnalloc(r->pool, len + (2 * npk + 1) * pk_len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    pk = p;

    if (npk) {
        p = ngx_http_lambda_limit_pk(p, &org);
    }

    pk_len = p - pk;
    q = p;

    for (item = lctx->items; item < last; item++) {

        if (item->verdict == NGX_HTTP_LAMBDA_LIMIT_SKIPPED) {
            continue;
        }

        if (q != p) {
            *q++ = ','; *q++ = ' ';
        }

        q = ngx_cpymem(q, item->policy->item.data, item->policy->item.len);

        if (item->org) {
            q = ngx_cpymem(q, pk, pk_len);
        }
    }

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key = ngx_http_lambda_limit_policy_name;
    h->value.data = p;
    h->value.len = q - p;

    p = q;

    for (item = lctx->items; item < last; item++) {

        if (item->verdict != NGX_HTTP_LAMBDA_LIMIT_ALLOWED
            && item->verdict != NGX_HTTP_LAMBDA_LIMIT_EXCEEDED)
        {
            continue;
        }

        if (q != p) {
            *q++ = ','; *q++ = ' ';
        }

        q = ngx_cpymem(q, item->policy->limit.data, item->policy->limit.len);
        q = ngx_http_lambda_limit_number(q, item->result.remaining);
        *q++ = ';'; *q++ = 't'; *q++ = '=';
        q = ngx_http_lambda_limit_number(q,
                        ngx_http_lambda_gcra_seconds(item->result.next_after));

        if (item->org) {
            q = ngx_cpymem(q, pk, pk_len);
        }
    }

    if (q == p) {
        return NGX_OK;
    }

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key = ngx_http_lambda_limit_name;
    h->value.data = p;
    h->value.len = q - p;

    return NGX_OK;
}


/* ";pk=:<base64 of the organization>:", encoded in place */

static u_char *
ngx_http_lambda_limit_pk(u_char *p, ngx_str_t *org)
{
    u_char  *s, *last;

    static u_char  basis[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    *p++ = ';'; *p++ = 'p'; *p++ = 'k'; *p++ = '='; *p++ = ':';

    s = org->data;
    last = s + org->len;

    while (last - s >= 3) {
        *p++ = basis[s[0] >> 2];
        *p++ = basis[((s[0] & 0x03) << 4) | (s[1] >> 4)];
        *p++ = basis[((s[1] & 0x0f) << 2) | (s[2] >> 6)];
        *p++ = basis[s[2] & 0x3f];
        s += 3;
    }

    if (last - s == 1) {
        *p++ = basis[s[0] >> 2];
        *p++ = basis[(s[0] & 0x03) << 4];
        *p++ = '=';
        *p++ = '=';

    } else if (last - s == 2) {
        *p++ = basis[s[0] >> 2];
        *p++ = basis[((s[0] & 0x03) << 4) | (s[1] >> 4)];
        *p++ = basis[(s[1] & 0x0f) << 2];
        *p++ = '=';
    }

    *p++ = ':';

    return p;
}


/*
 * A decimal number, without ngx_sprintf()'s format parsing: its length
 * first, then two digits at a time from the end
 */

static u_char *
ngx_http_lambda_limit_number(u_char *p, uint64_t n)
{
    u_char      *q;
    ngx_uint_t   d, len;

    static uint64_t  powers[] = {
        10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
        10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
        100000000000ULL, 1000000000000ULL, 10000000000000ULL,
        100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
        100000000000000000ULL, 1000000000000000000ULL,
        10000000000000000000ULL
    };

    static u_char  pairs[] =
        "00010203040506070809101112131415161718192021222324252627282930"
        "31323334353637383940414243444546474849505152535455565758596061"
        "62636465666768697071727374757677787980818283848586878889909192"
        "93949596979899";

    if (n < 10) {
        *p = (u_char) ('0' + n);
        return p + 1;
    }

    for (len = 2; len < 20 && n >= powers[len - 1]; len++) {
        /* void */
    }

    q = p + len;

    while (n >= 100) {
        d = (ngx_uint_t) (n % 100) * 2;
        n /= 100;
        *--q = pairs[d + 1];
        *--q = pairs[d];
    }

    if (n >= 10) {
        d = (ngx_uint_t) n * 2;
        *--q = pairs[d + 1];
        *--q = pairs[d];

    } else {
        *--q = (u_char) ('0' + n);
    }

    return p + len;
}
