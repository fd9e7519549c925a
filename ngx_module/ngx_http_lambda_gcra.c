
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * GCRA arithmetic.  Pure core: no nginx types.
 */


#include "ngx_http_lambda_gcra.h"


int
ngx_http_lambda_gcra_parse_rate(const unsigned char *s, size_t len,
    uint64_t *interval)
{
    size_t    i;
    uint64_t  n, period;

    n = 0;

    for (i = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++) {

        if (n > (UINT64_MAX - 9) / 10) {
            return -2;
        }

        n = n * 10 + (s[i] - '0');
    }

    if (i == 0 || n == 0 || len - i != 3 || s[i] != 'r' || s[i + 1] != '/') {
        return -1;
    }

    switch (s[i + 2]) {

    case 's':
        period = NGX_HTTP_LAMBDA_GCRA_SECOND;
        break;

    case 'm':
        period = 60ULL * NGX_HTTP_LAMBDA_GCRA_SECOND;
        break;

    case 'h':
        period = 3600ULL * NGX_HTTP_LAMBDA_GCRA_SECOND;
        break;

    default:
        return -1;
    }

    if (n > period) {
        return -2;
    }

    *interval = period / n;

    return 0;
}


int
ngx_http_lambda_gcra_check(const ngx_http_lambda_gcra_policy_t *p)
{
    if (p->interval == 0
        || p->burst >= NGX_HTTP_LAMBDA_GCRA_MAX_SPAN / p->interval)
    {
        return -1;
    }

    return 0;
}


void
ngx_http_lambda_gcra_update(const ngx_http_lambda_gcra_policy_t *p,
    uint64_t *tat, uint64_t now, ngx_http_lambda_gcra_result_t *res)
{
    uint64_t  t, limit;

    limit = (p->burst + 1) * p->interval;

    t = (*tat > now) ? *tat : now;

    if (t + p->interval - now > limit) {
        ngx_http_lambda_gcra_result(p, t - now, 0, res);
        return;
    }

    t += p->interval;
    *tat = t;

    ngx_http_lambda_gcra_result(p, t - now, 1, res);
}


void
ngx_http_lambda_gcra_describe(const ngx_http_lambda_gcra_policy_t *p,
    uint64_t tat, uint64_t now, unsigned allowed,
    ngx_http_lambda_gcra_result_t *res)
{
    ngx_http_lambda_gcra_result(p, (tat > now) ? tat - now : 0, allowed, res);
}


void
ngx_http_lambda_gcra_result(const ngx_http_lambda_gcra_policy_t *p,
    uint64_t used, unsigned allowed, ngx_http_lambda_gcra_result_t *res)
{
    uint64_t  limit;

    limit = (p->burst + 1) * p->interval;

    res->allowed = allowed;
    res->reset_after = used;

    if (used >= limit) {
        res->remaining = 0;
        res->next_after = used - limit + p->interval;

    } else {
        res->remaining = (limit - used) / p->interval;
        res->next_after = used + (res->remaining + 1) * p->interval - limit;

        if (res->remaining == p->burst + 1) {
            res->next_after = 0;
        }
    }

    if (allowed) {
        res->retry_after = 0;
        return;
    }

    /* the request itself needs one interval of room */

    res->remaining = 0;
    res->retry_after = (used + p->interval > limit)
                       ? used + p->interval - limit : 1;
    res->next_after = res->retry_after;
}


unsigned
ngx_http_lambda_gcra_nth(const ngx_http_lambda_gcra_policy_t *p,
    uint64_t used, uint64_t rank, uint64_t count, uint64_t *after)
{
    uint64_t  limit, admitted;

    /* the first "admitted" of them fit: used + (i + 1) * interval <= limit */

    limit = (p->burst + 1) * p->interval;
    admitted = (used < limit) ? (limit - used) / p->interval : 0;

    if (admitted > count) {
        admitted = count;
    }

    if (rank < admitted) {
        *after = used + (rank + 1) * p->interval;
        return 1;
    }

    *after = used + admitted * p->interval;

    return 0;
}


int
ngx_http_lambda_gcra_refund(const ngx_http_lambda_gcra_policy_t *p,
    uint64_t *tat, uint64_t now)
{
    if (*tat <= now || *tat - now <= p->interval) {
        *tat = 0;
        return 1;
    }

    *tat -= p->interval;

    return 0;
}


uint64_t
ngx_http_lambda_gcra_quota(const ngx_http_lambda_gcra_policy_t *p)
{
    return p->burst + 1;
}


uint64_t
ngx_http_lambda_gcra_window(const ngx_http_lambda_gcra_policy_t *p)
{
    uint64_t  w;

    w = ngx_http_lambda_gcra_seconds((p->burst + 1) * p->interval);

    return w ? w : 1;
}


uint64_t
ngx_http_lambda_gcra_seconds(uint64_t us)
{
    return (us + NGX_HTTP_LAMBDA_GCRA_SECOND - 1) / NGX_HTTP_LAMBDA_GCRA_SECOND;
}
