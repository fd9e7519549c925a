
/*
 * Unit tests of the GCRA core: rates, admission, remaining and the times
 * behind Retry-After and the RateLimit fields, refunds, a long simulated
 * run against the exact rate.
 */


#include <stdio.h>
#include <stdint.h>
#include <string.h>

#include "ngx_http_lambda_gcra.h"
#include "tap.h"


#define S  NGX_HTTP_LAMBDA_GCRA_SECOND


typedef struct {
    const char  *rate;
    int          rc;
    uint64_t     interval;
} ngx_http_lambda_rate_case_t;


static const ngx_http_lambda_rate_case_t  rates[] = {
    { "1r/s", 0, S },
    { "10r/s", 0, S / 10 },
    { "3r/s", 0, 333333 },
    { "30r/m", 0, 2 * S },
    { "30r/h", 0, 120ULL * S },
    { "600r/h", 0, 6ULL * S },
    { "1000000r/s", 0, 1 },
    { "1000001r/s", -2, 0 },
    { "99999999999999999999999r/s", -2, 0 },
    { "0r/s", -1, 0 },
    { "r/s", -1, 0 },
    { "10r/d", -1, 0 },
    { "10r/", -1, 0 },
    { "10r/ss", -1, 0 },
    { "10 r/s", -1, 0 },
    { "-1r/s", -1, 0 },
    { "10", -1, 0 },
    { "", -1, 0 },
};


static void
test_rates(void)
{
    int          rc;
    size_t       i;
    uint64_t     interval;
    char         name[128];

    for (i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
        interval = 0;
        rc = ngx_http_lambda_gcra_parse_rate(
                 (const unsigned char *) rates[i].rate,
                 strlen(rates[i].rate), &interval);

        snprintf(name, sizeof(name), "rate \"%s\": rc %d", rates[i].rate,
                 rates[i].rc);
        ngx_http_lambda_tap_is_int(rc, rates[i].rc, name);

        if (rates[i].rc == 0) {
            snprintf(name, sizeof(name), "rate \"%s\": interval %llu",
                     rates[i].rate, (unsigned long long) rates[i].interval);
            ngx_http_lambda_tap_is_int((long) interval,
                                       (long) rates[i].interval, name);
        }
    }
}


static void
test_check(void)
{
    ngx_http_lambda_gcra_policy_t  p;

    p.interval = 3600ULL * S;
    p.burst = 1000;
    ngx_http_lambda_tap_ok(ngx_http_lambda_gcra_check(&p) == 0,
                           "1r/h burst=1000 is accepted");

    p.burst = 1000000;
    ngx_http_lambda_tap_ok(ngx_http_lambda_gcra_check(&p) != 0,
                           "1r/h burst=1000000 spans too long");

    p.interval = 0;
    p.burst = 0;
    ngx_http_lambda_tap_ok(ngx_http_lambda_gcra_check(&p) != 0,
                           "a zero interval is refused");
}


/* rate=1r/s burst=2: three at once, then one per second */

static void
test_burst(void)
{
    uint64_t                        tat, now;
    ngx_http_lambda_gcra_policy_t   p;
    ngx_http_lambda_gcra_result_t   res;

    p.interval = S;
    p.burst = 2;

    now = 1000 * S;
    tat = 0;

    ngx_http_lambda_gcra_update(&p, &tat, now, &res);
    ngx_http_lambda_tap_ok(res.allowed, "first request passes");
    ngx_http_lambda_tap_is_int((long) res.remaining, 2, "two remain");
    ngx_http_lambda_tap_is_int((long) res.next_after, S,
                               "one more after one interval");
    ngx_http_lambda_tap_is_int((long) res.reset_after, S,
                               "empty again after one interval");
    ngx_http_lambda_tap_is_int((long) (tat - now), S, "TAT moved by one");

    ngx_http_lambda_gcra_update(&p, &tat, now, &res);
    ngx_http_lambda_tap_ok(res.allowed, "second request passes");
    ngx_http_lambda_tap_is_int((long) res.remaining, 1, "one remains");

    ngx_http_lambda_gcra_update(&p, &tat, now, &res);
    ngx_http_lambda_tap_ok(res.allowed, "third request passes (burst)");
    ngx_http_lambda_tap_is_int((long) res.remaining, 0, "none remain");
    ngx_http_lambda_tap_is_int((long) res.reset_after, 3 * S,
                               "empty after three intervals");

    ngx_http_lambda_gcra_update(&p, &tat, now, &res);
    ngx_http_lambda_tap_ok(!res.allowed, "fourth request is rejected");
    ngx_http_lambda_tap_is_int((long) res.retry_after, S,
                               "retry after one interval");
    ngx_http_lambda_tap_is_int((long) res.next_after, S,
                               "t equals retry-after when rejected");
    ngx_http_lambda_tap_is_int((long) (tat - now), 3 * S,
                               "a rejection does not move the TAT");

    now += S / 2;
    ngx_http_lambda_gcra_update(&p, &tat, now, &res);
    ngx_http_lambda_tap_ok(!res.allowed, "still rejected half a second on");
    ngx_http_lambda_tap_is_int((long) res.retry_after, S / 2,
                               "retry after half a second");
    ngx_http_lambda_tap_is_int((long) ngx_http_lambda_gcra_seconds(
                                   res.retry_after), 1,
                               "rounded up to one second");

    now += S / 2;
    ngx_http_lambda_gcra_update(&p, &tat, now, &res);
    ngx_http_lambda_tap_ok(res.allowed, "passes one interval later");
    ngx_http_lambda_tap_is_int((long) res.remaining, 0, "none remain again");

    now += 10 * S;
    ngx_http_lambda_gcra_update(&p, &tat, now, &res);
    ngx_http_lambda_tap_ok(res.allowed, "passes after a long pause");
    ngx_http_lambda_tap_is_int((long) res.remaining, 2,
                               "a pause gives back the burst, no more");
}


static void
test_no_burst(void)
{
    uint64_t                        tat, now;
    ngx_http_lambda_gcra_policy_t   p;
    ngx_http_lambda_gcra_result_t   res;

    p.interval = 120ULL * S;          /* 30r/h */
    p.burst = 0;

    now = 5 * S;
    tat = 0;

    ngx_http_lambda_gcra_update(&p, &tat, now, &res);
    ngx_http_lambda_tap_ok(res.allowed && res.remaining == 0,
                           "burst=0: one passes, none remain");
    ngx_http_lambda_tap_is_int((long) ngx_http_lambda_gcra_seconds(
                                   res.next_after), 120,
                               "burst=0: t is the interval");

    now += 119 * S;
    ngx_http_lambda_gcra_update(&p, &tat, now, &res);
    ngx_http_lambda_tap_ok(!res.allowed, "burst=0: rejected before 120 s");
    ngx_http_lambda_tap_is_int((long) res.retry_after, S,
                               "burst=0: one second left");

    now += S;
    ngx_http_lambda_gcra_update(&p, &tat, now, &res);
    ngx_http_lambda_tap_ok(res.allowed, "burst=0: passes at 120 s");
}


static void
test_describe(void)
{
    uint64_t                        tat, now, tat2;
    ngx_http_lambda_gcra_policy_t   p;
    ngx_http_lambda_gcra_result_t   a, b;

    p.interval = S / 10;
    p.burst = 20;

    now = 77 * S + 123;
    tat = 0;

    /* the description of a stored decision equals the local result */

    for (int i = 0; i < 25; i++) {
        tat2 = tat;
        ngx_http_lambda_gcra_update(&p, &tat, now, &a);
        ngx_http_lambda_gcra_describe(&p, a.allowed ? tat : (tat2 > now
                                                             ? tat2 : now),
                                      now, a.allowed, &b);

        if (memcmp(&a, &b, sizeof(a)) != 0) {
            ngx_http_lambda_tap_ok(0, "describe equals update");
            return;
        }

        now += 7000;
    }

    ngx_http_lambda_tap_ok(1, "describe equals update over 25 requests");
}


/*
 * Requests of one key decided together from one reading of the bucket
 * (a Redis batch) get what deciding them one after the other gives
 */

static void
test_nth(void)
{
    unsigned                        allowed;
    uint64_t                        tat, now, start, after, used, count,
                                    rank, checked;
    ngx_http_lambda_gcra_policy_t   p;
    ngx_http_lambda_gcra_result_t   a;
    static const uint64_t           bursts[] = { 0, 1, 5, 63 };
    static const uint64_t           fills[] = { 0, 1, 3, 7, 40, 70 };

    now = 1000 * S + 17;
    checked = 0;

    for (size_t b = 0; b < sizeof(bursts) / sizeof(bursts[0]); b++) {
        for (size_t f = 0; f < sizeof(fills) / sizeof(fills[0]); f++) {
            for (count = 1; count <= 64; count++) {

                p.interval = S / 7;
                p.burst = bursts[b];

                /* a bucket filled by earlier requests, a little drained */

                start = fills[f] ? now + fills[f] * p.interval - 1234 : 0;
                tat = start;
                used = (start > now) ? start - now : 0;

                for (rank = 0; rank < count; rank++) {
                    ngx_http_lambda_gcra_update(&p, &tat, now, &a);

                    allowed = ngx_http_lambda_gcra_nth(&p, used, rank,
                                                       count, &after);

                    if (allowed != a.allowed
                        || after != (tat > now ? tat - now : 0))
                    {
                        ngx_http_lambda_tap_ok(0, "nth equals one by one");
                        printf("# burst %llu fill %llu count %llu rank %llu\n",
                               (unsigned long long) p.burst,
                               (unsigned long long) fills[f],
                               (unsigned long long) count,
                               (unsigned long long) rank);
                        return;
                    }

                    checked++;
                }
            }
        }
    }

    ngx_http_lambda_tap_is_int(checked, 4 * 6 * 64 * 65 / 2,
                               "nth equals one by one for every rank");
}


static void
test_refund(void)
{
    int                             empty;
    uint64_t                        tat, now;
    ngx_http_lambda_gcra_policy_t   p;
    ngx_http_lambda_gcra_result_t   res;

    p.interval = S;
    p.burst = 1;

    now = 50 * S;
    tat = 0;

    ngx_http_lambda_gcra_update(&p, &tat, now, &res);
    ngx_http_lambda_gcra_update(&p, &tat, now, &res);
    ngx_http_lambda_gcra_update(&p, &tat, now, &res);
    ngx_http_lambda_tap_ok(!res.allowed, "refund: the bucket is full");

    empty = ngx_http_lambda_gcra_refund(&p, &tat, now);
    ngx_http_lambda_tap_ok(!empty, "refund: one given back, not empty");

    ngx_http_lambda_gcra_update(&p, &tat, now, &res);
    ngx_http_lambda_tap_ok(res.allowed, "refund: the next one passes");

    empty = ngx_http_lambda_gcra_refund(&p, &tat, now);
    empty = ngx_http_lambda_gcra_refund(&p, &tat, now);
    ngx_http_lambda_tap_ok(empty && tat == 0,
                           "refund: two given back, empty");

    empty = ngx_http_lambda_gcra_refund(&p, &tat, now);
    ngx_http_lambda_tap_ok(empty && tat == 0,
                           "refund: never below empty");

    tat = now + S / 2;
    empty = ngx_http_lambda_gcra_refund(&p, &tat, now + S);
    ngx_http_lambda_tap_ok(empty && tat == 0,
                           "refund: a drained TAT is empty");
}


static void
test_policy_fields(void)
{
    ngx_http_lambda_gcra_policy_t  p;

    p.interval = 120ULL * S;
    p.burst = 5;
    ngx_http_lambda_tap_is_int((long) ngx_http_lambda_gcra_quota(&p), 6,
                               "30r/h burst=5: q=6");
    ngx_http_lambda_tap_is_int((long) ngx_http_lambda_gcra_window(&p), 720,
                               "30r/h burst=5: w=720");

    p.interval = S / 10;
    p.burst = 20;
    ngx_http_lambda_tap_is_int((long) ngx_http_lambda_gcra_quota(&p), 21,
                               "10r/s burst=20: q=21");
    ngx_http_lambda_tap_is_int((long) ngx_http_lambda_gcra_window(&p), 3,
                               "10r/s burst=20: w=3 (2.1 s rounded up)");

    p.interval = 1;
    p.burst = 0;
    ngx_http_lambda_tap_is_int((long) ngx_http_lambda_gcra_window(&p), 1,
                               "w is at least one second");
}


/*
 * rate=20r/s burst=10, a request every millisecond for 3 s: 11 pass at
 * once (one and the burst), then one every 50 ms: 70
 */

static void
test_accuracy(void)
{
    uint64_t                        tat, now, end;
    unsigned                        passed;
    ngx_http_lambda_gcra_policy_t   p;
    ngx_http_lambda_gcra_result_t   res;

    p.interval = S / 20;
    p.burst = 10;

    now = 1000 * S;
    end = now + 3 * S;
    tat = 0;
    passed = 0;

    for ( /* void */ ; now < end; now += 1000) {
        ngx_http_lambda_gcra_update(&p, &tat, now, &res);
        passed += res.allowed;
    }

    ngx_http_lambda_tap_is_int(passed, 70, "20r/s burst=10 over 3 s: 70");
}


int
main(void)
{
    test_rates();
    test_check();
    test_burst();
    test_no_burst();
    test_describe();
    test_nth();
    test_refund();
    test_policy_fields();
    test_accuracy();

    return ngx_http_lambda_tap_done();
}
