
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * The generic cell rate algorithm (GCRA) used by every rate limit of the
 * gateway.  Pure core: no nginx types, so unit tests reach it directly.
 *
 * A policy admits one request every "interval" microseconds on average and
 * "burst" more at once.  Its whole state is one number per key, the
 * theoretical arrival time (TAT): the time at which the key would be back
 * to an empty bucket.  A request at time "now" is admitted when
 *
 *     max(tat, now) + interval - now <= (burst + 1) * interval
 *
 * and then moves the TAT forward by one interval.  The Redis script of
 * ngx_http_lambda_limit.c decides with the same inequality.
 */


#ifndef _NGX_HTTP_LAMBDA_GCRA_H_INCLUDED_
#define _NGX_HTTP_LAMBDA_GCRA_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>


/* the time unit of the algorithm, per second */
#define NGX_HTTP_LAMBDA_GCRA_SECOND   1000000

/* the longest (burst + 1) * interval accepted: about 31 years */
#define NGX_HTTP_LAMBDA_GCRA_MAX_SPAN 1000000000000000ULL


typedef struct {
    uint64_t    interval;      /* microseconds between two requests */
    uint64_t    burst;         /* requests admitted at once beyond one */
} ngx_http_lambda_gcra_policy_t;


typedef struct {
    unsigned    allowed;
    uint64_t    remaining;     /* requests admitted right now, after this */
    uint64_t    retry_after;   /* rejected: until the request would pass */
    uint64_t    next_after;    /* until one more request can pass */
    uint64_t    reset_after;   /* until the bucket is empty again */
} ngx_http_lambda_gcra_result_t;


/*
 * Parses "R r/s", "R r/m" or "R r/h" (R a positive integer) into an
 * interval.  Returns 0 on success, -1 on a malformed rate, -2 on a rate too
 * high to be represented (more than one request per microsecond).
 */
int ngx_http_lambda_gcra_parse_rate(const unsigned char *s, size_t len,
    uint64_t *interval);

/* 0 when (burst + 1) * interval stays within NGX_HTTP_LAMBDA_GCRA_MAX_SPAN */
int ngx_http_lambda_gcra_check(const ngx_http_lambda_gcra_policy_t *p);

/*
 * One request at "now": decides, updates *tat when admitted, and fills in
 * the result.  A stored TAT of 0 means "no state".
 */
void ngx_http_lambda_gcra_update(const ngx_http_lambda_gcra_policy_t *p,
    uint64_t *tat, uint64_t now, ngx_http_lambda_gcra_result_t *res);

/*
 * Describes a decision taken elsewhere (in Redis): "tat" is the TAT after
 * the decision, as stored, and "allowed" the verdict.
 */
void ngx_http_lambda_gcra_describe(const ngx_http_lambda_gcra_policy_t *p,
    uint64_t tat, uint64_t now, unsigned allowed,
    ngx_http_lambda_gcra_result_t *res);

/*
 * The same from "used", max(tat, now) - now after the decision: the part
 * of the bucket that is filled, in microseconds.
 */
void ngx_http_lambda_gcra_result(const ngx_http_lambda_gcra_policy_t *p,
    uint64_t used, unsigned allowed, ngx_http_lambda_gcra_result_t *res);

/*
 * Requests of one key decided together, one after the other ("count" of
 * them, as a Redis batch sends them): "used" is the part of the bucket
 * filled before the first.  For the request of rank "rank" (from 0),
 * returns the verdict and sets *after to the part filled after it.
 */
unsigned ngx_http_lambda_gcra_nth(const ngx_http_lambda_gcra_policy_t *p,
    uint64_t used, uint64_t rank, uint64_t count, uint64_t *after);

/* gives back one admitted request; returns 1 when the key is now empty */
int ngx_http_lambda_gcra_refund(const ngx_http_lambda_gcra_policy_t *p,
    uint64_t *tat, uint64_t now);

/*
 * The RateLimit-Policy values: q = burst + 1 requests, w = the seconds it
 * takes to earn them back, rounded up
 */
uint64_t ngx_http_lambda_gcra_quota(const ngx_http_lambda_gcra_policy_t *p);
uint64_t ngx_http_lambda_gcra_window(const ngx_http_lambda_gcra_policy_t *p);

/* microseconds to whole seconds, rounded up */
uint64_t ngx_http_lambda_gcra_seconds(uint64_t us);


#endif /* _NGX_HTTP_LAMBDA_GCRA_H_INCLUDED_ */
