
/*
 * The fast path and the full validator agree: whenever the fast path says
 * a body passes, the full validator says so too.  Checked on the bodies
 * CVAT's clients send and on random mutations of them.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_http_lambda_fastpath.h"
#include "tap.h"


#define REQUESTS  NGX_HTTP_LAMBDA_BODY_REQUESTS
#define ONLINE    NGX_HTTP_LAMBDA_BODY_ONLINE

#define MUTATIONS  300000


typedef struct {
    ngx_http_lambda_body_kind_t  kind;
    const char                  *body;
    int                          fast;    /* expected from the fast path */
} ngx_http_lambda_fp_case_t;


static const ngx_http_lambda_fp_case_t  seeds[] = {
    { REQUESTS, "{\"function\":\"det\",\"task\":1}", 1 },
    { REQUESTS, " {\"task\" : 12 , \"function\" : \"det\" }\n", 1 },
    { REQUESTS, "{\"type\":\"annotate_task\",\"mapping\":{\"person\":"
                "{\"name\":\"person\",\"attributes\":{}}},\"cleanup\":true,"
                "\"conv_mask_to_poly\":false,\"threshold\":0.5,\"task\":12,"
                "\"function\":\"openvino-omz-public-yolo-v3-tf\"}", 1 },
    { REQUESTS, "{\"threshold\":0.5,\"max_distance\":50,\"task\":12,"
                "\"function\":\"reid\"}", 1 },
    { REQUESTS, "{\"function\":\"det\",\"task\":1,\"job\":2,"
                "\"max_distance\":3,\"threshold\":0.4,\"cleanup\":false,"
                "\"convMaskToPoly\":true,\"conv_mask_to_poly\":true,"
                "\"mapping\":{\"a\":{\"name\":\"b\"}}}", 1 },
    { REQUESTS, "{\"function\":\"det\",\"task\":1,\"mapping\":{\"car\":"
                "{\"name\":\"vehicle\",\"attributes\":{\"color\":\"c\"}},"
                "\"person\":{\"name\":\"skeleton\",\"sublabels\":{\"head\":"
                "{\"name\":\"h\",\"attributes\":{}}}}}}", 1 },
    { REQUESTS, "{\"function\":5,\"task\":1.0,\"cleanup\":1,"
                "\"threshold\":true}", 1 },
    { REQUESTS, "{\"function\":\"d\xc3\xa9t\",\"task\":-3,"
                "\"extra\":[1,{\"a\":null},\"x\",2.5e10]}", 1 },
    { REQUESTS, "{\"function\":\"det\",\"task\":\"12\"}", 0 },
    { REQUESTS, "{\"function\":\"\",\"task\":1}", 0 },
    { REQUESTS, "{\"function\":\"   \",\"task\":1}", 0 },
    { REQUESTS, "{\"function\":\"det\"}", 0 },
    { REQUESTS, "{\"function\":\"det\",\"task\":1,\"task\":2}", 0 },
    { REQUESTS, "{\"function\":\"det\",\"task\":1.5}", 0 },
    { REQUESTS, "{\"function\":\"det\",\"task\":1,\"cleanup\":2}", 0 },
    { REQUESTS, "{\"function\":\"det\",\"task\":1,\"threshold\":NaN}", 0 },
    { REQUESTS, "{\"function\":\"det\",\"task\":1,\"mapping\":[]}", 0 },
    { REQUESTS, "{\"function\":\"det\",\"task\":1,\"mapping\":{\"c\":{}}}",
      0 },
    { REQUESTS, "{\"function\":\"d\\u0065t\",\"task\":1}", 0 },
    { REQUESTS, "{\"function\":\"det\",\"task\":1,\"roi\":[0,0,1,1]}", 0 },
    { REQUESTS, "{\"function\":\"det\",\"task\":1} x", 0 },
    { REQUESTS, "[{\"function\":\"det\",\"task\":1}]", 0 },
    { REQUESTS, "\xef\xbb\xbf{\"function\":\"det\",\"task\":1}", 0 },
    { REQUESTS, "{\"function\":\"det\",\"task\":12345678901234567890}", 0 },
    { ONLINE, "{\"type\":\"annotate_frame\",\"mapping\":{\"person\":"
              "{\"name\":\"person\",\"attributes\":{}}},"
              "\"conv_mask_to_poly\":false,\"threshold\":0.5,\"frame\":3,"
              "\"job\":5,\"task\":2}", 1 },
    { ONLINE, "{\"frame\":3,\"obj_bbox\":[],\"pos_points\":[[1.5,2.5],[3,4]],"
              "\"neg_points\":[],\"job\":5,\"task\":2}", 1 },
    { ONLINE, "{\"type\":\"init_tracking\",\"frame\":9,\"shapes\":"
              "[{\"type\":\"rectangle\",\"points\":[1,2,30,40]}],\"job\":5,"
              "\"task\":2}", 1 },
    { ONLINE, "{\"type\":\"track\",\"frame\":10,\"states\":[\"eyJh:1t2:s\"],"
              "\"job\":5,\"task\":2}", 1 },
    { ONLINE, "{\"job\":null,\"task\":3}", 1 },
    { ONLINE, "{\"job\":0,\"task\":3}", 1 },
    { ONLINE, "{}", 0 },
    { ONLINE, "{\"task\":0}", 0 },
    { ONLINE, "{\"task\":\"3\"}", 0 },
    { ONLINE, "{\"task\":1,\"frame\":\"x\"}", 0 },
    { ONLINE, "[1]", 0 },
};


static int
ngx_http_lambda_full_pass(ngx_http_lambda_body_kind_t kind,
    const unsigned char *body, size_t len)
{
    int                       pass;
    ngx_http_lambda_result_t  res;

    if (ngx_http_lambda_validate_body(kind, body, len, NULL, 0, "det", 3, 0,
                                      &res)
        != 0)
    {
        return -1;
    }

    pass = (res.verdict == NGX_HTTP_LAMBDA_VERDICT_PASS);

    if (res.error != NULL) {
        json_decref(res.error);
    }

    return pass;
}


static unsigned long  ngx_http_lambda_rand_state = 20261127;


static unsigned long
ngx_http_lambda_rand(void)
{
    ngx_http_lambda_rand_state = ngx_http_lambda_rand_state
                                 * 6364136223846793005UL
                                 + 1442695040888963407UL;
    return ngx_http_lambda_rand_state >> 33;
}


static size_t
ngx_http_lambda_mutate(unsigned char *buf, size_t len, size_t size)
{
    size_t       pos, n;
    const char  *snippet;

    static const unsigned char  bytes[] = "\"\\{}[],:01-.e +nt\x80\xc3\xff"
                                          "a\x00\t9";
    static const char          *snippets[] = {
        "\"task\":", "\"job\":0,", "\"function\":", "\"cleanup\":",
        "\"mapping\":{", "\"name\":", "null", "true", "1e400", "-0", ".0",
        "\"\\ud800\"", "{\"a\":1,\"a\":2}", "\xed\xa0\x80", "NaN", "\"\"",
        "1.5", "\"attributes\":{\"x\":", "\"sublabels\":{\"s\":{", "0.0"
    };

    if (len == 0) {
        return 0;
    }

    pos = ngx_http_lambda_rand() % len;

    switch (ngx_http_lambda_rand() % 4) {

    case 0:
        buf[pos] = bytes[ngx_http_lambda_rand() % (sizeof(bytes) - 1)];
        return len;

    case 1:
        memmove(buf + pos, buf + pos + 1, len - pos - 1);
        return len - 1;

    case 2:
        snippet = snippets[ngx_http_lambda_rand()
                           % (sizeof(snippets) / sizeof(snippets[0]))];
        n = strlen(snippet);

        if (len + n > size) {
            return len;
        }

        memmove(buf + pos + n, buf + pos, len - pos);
        memcpy(buf + pos, snippet, n);
        return len + n;

    default:
        n = ngx_http_lambda_rand() % (len - pos);

        if (len + n > size) {
            return len;
        }

        memmove(buf + pos + n, buf + pos, len - pos);
        return len + n;
    }
}


int
main(void)
{
    int            fast, full, disagree;
    char           name[160];
    size_t         i, k, len, nseeds, fast_passes, tried;
    unsigned char  buf[4096];

    nseeds = sizeof(seeds) / sizeof(seeds[0]);

    for (i = 0; i < nseeds; i++) {
        len = strlen(seeds[i].body);
        fast = ngx_http_lambda_fast_pass(seeds[i].kind,
                                         (const unsigned char *)
                                         seeds[i].body, len, 0);
        full = ngx_http_lambda_full_pass(seeds[i].kind,
                                         (const unsigned char *)
                                         seeds[i].body, len);

        snprintf(name, sizeof(name), "seed %zu: fast path says %s", i,
                 seeds[i].fast ? "pass" : "don't know");
        ngx_http_lambda_tap_is_int(fast, seeds[i].fast, name);

        if (fast) {
            snprintf(name, sizeof(name), "seed %zu: the full validator "
                     "agrees", i);
            ngx_http_lambda_tap_is_int(full, 1, name);
        }

        snprintf(name, sizeof(name), "seed %zu: strict mode is never fast",
                 i);
        ngx_http_lambda_tap_is_int(
            ngx_http_lambda_fast_pass(seeds[i].kind,
                                      (const unsigned char *) seeds[i].body,
                                      len, 1),
            0, name);
    }

    disagree = 0;
    fast_passes = 0;
    tried = 0;

    for (k = 0; k < MUTATIONS; k++) {
        i = ngx_http_lambda_rand() % nseeds;
        len = strlen(seeds[i].body);
        memcpy(buf, seeds[i].body, len);

        len = ngx_http_lambda_mutate(buf, len, sizeof(buf));

        if (ngx_http_lambda_rand() % 2) {
            len = ngx_http_lambda_mutate(buf, len, sizeof(buf));
        }

        tried++;

        if (!ngx_http_lambda_fast_pass(seeds[i].kind, buf, len, 0)) {
            continue;
        }

        fast_passes++;

        if (ngx_http_lambda_full_pass(seeds[i].kind, buf, len) != 1) {
            if (disagree++ < 5) {
                ngx_http_lambda_tap_show("fast pass, full refuse",
                                         (const char *) buf, len);
            }
        }
    }

    snprintf(name, sizeof(name), "%zu mutated bodies: every fast pass is a "
             "full pass (%zu fast passes)", tried, fast_passes);
    ngx_http_lambda_tap_is_int(disagree, 0, name);

    ngx_http_lambda_tap_ok(fast_passes > 1000,
                           "mutations reach the fast path's passes");

    return ngx_http_lambda_tap_done();
}
