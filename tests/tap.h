
/*
 * ngx_lambda_gateway: a tiny TAP producer for the unit tests of the pure
 * cores.  Every check is a test point, "ok N - name" or "not ok N - name"
 * (with "# " diagnostics); ngx_http_lambda_tap_done() prints the plan
 * "1..N" last and returns the exit status.
 */


#ifndef _NGX_HTTP_LAMBDA_TAP_H_INCLUDED_
#define _NGX_HTTP_LAMBDA_TAP_H_INCLUDED_


#include <stdio.h>
#include <string.h>


static int  ngx_http_lambda_tap_count;
static int  ngx_http_lambda_tap_failed;


static inline int
ngx_http_lambda_tap_ok(int ok, const char *name)
{
    ngx_http_lambda_tap_count++;

    if (!ok) {
        ngx_http_lambda_tap_failed++;
    }

    printf("%sok %d - %s\n", ok ? "" : "not ", ngx_http_lambda_tap_count,
           name);
    fflush(stdout);

    return ok;
}


/* a string shown on one "# " line, control bytes escaped */

static inline void
ngx_http_lambda_tap_show(const char *label, const char *s, size_t len)
{
    size_t         i;
    unsigned char  c;

    printf("#   %s: ", label);

    if (s == NULL) {
        printf("(null)\n");
        return;
    }

    for (i = 0; i < len; i++) {
        c = (unsigned char) s[i];

        if (c == '\\') {
            printf("\\\\");

        } else if (c < 0x20 || c == 0x7f) {
            printf("\\x%02x", c);

        } else {
            putchar(c);
        }
    }

    putchar('\n');
}


static inline int
ngx_http_lambda_tap_is(const char *got, const char *want, const char *name)
{
    int  ok;

    ok = (got == NULL && want == NULL)
         || (got != NULL && want != NULL && strcmp(got, want) == 0);

    if (!ngx_http_lambda_tap_ok(ok, name)) {
        ngx_http_lambda_tap_show("got", got, got ? strlen(got) : 0);
        ngx_http_lambda_tap_show("expected", want, want ? strlen(want) : 0);
    }

    return ok;
}


static inline int
ngx_http_lambda_tap_is_int(long got, long want, const char *name)
{
    int  ok;

    ok = (got == want);

    if (!ngx_http_lambda_tap_ok(ok, name)) {
        printf("#   got: %ld\n#   expected: %ld\n", got, want);
    }

    return ok;
}


static inline void
ngx_http_lambda_tap_diag(const char *msg)
{
    printf("# %s\n", msg);
}


static inline int
ngx_http_lambda_tap_done(void)
{
    printf("1..%d\n", ngx_http_lambda_tap_count);

    if (ngx_http_lambda_tap_failed) {
        printf("# failed %d of %d\n", ngx_http_lambda_tap_failed,
               ngx_http_lambda_tap_count);
    }

    return ngx_http_lambda_tap_failed ? 1 : 0;
}


#endif /* _NGX_HTTP_LAMBDA_TAP_H_INCLUDED_ */
