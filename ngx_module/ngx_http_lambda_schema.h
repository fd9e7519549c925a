
/*
 * ngx_lambda_gateway: DRF-exact validation of the two POST bodies of
 * CVAT's Lambda API (contract 2.2, 2.3, 2.4, 3).
 *
 * A pure core: it includes only libc and jansson.  The error value it
 * returns is the exact JSON CVAT (Django REST Framework) would answer; the
 * caller serialises it with ngx_http_lambda_json_dumpb() (or
 * json_dumpb(JSON_COMPACT | JSON_ENCODE_ANY)) and json_decref()s it.
 */


#ifndef _NGX_HTTP_LAMBDA_SCHEMA_H_INCLUDED_
#define _NGX_HTTP_LAMBDA_SCHEMA_H_INCLUDED_


#include <stddef.h>
#include <jansson.h>


typedef enum {
    NGX_HTTP_LAMBDA_BODY_REQUESTS,     /* POST /api/lambda/requests (2.2) */
    NGX_HTTP_LAMBDA_BODY_ONLINE        /* POST /api/lambda/functions/{id}
                                          (2.3) */
} ngx_http_lambda_body_kind_t;


typedef enum {
    NGX_HTTP_LAMBDA_VERDICT_PASS = 0,
    NGX_HTTP_LAMBDA_VERDICT_JSON,      /* 400 {"detail":"JSON parse error -
                                          ..."} */
    NGX_HTTP_LAMBDA_VERDICT_SCHEMA     /* 400 field errors, or CVAT's string
                                          or list body */
} ngx_http_lambda_verdict_e;


typedef struct {
    ngx_http_lambda_verdict_e   verdict;
    int                         status;    /* 0 when PASS, else 400 */
    json_t                     *error;     /* the exact JSON value of the
                                              error body (object, list or
                                              string), NULL when PASS */
} ngx_http_lambda_result_t;


/*
 * Validates a request body.
 *
 *   data, len      the body; the caller passes "{}" for an empty body
 *   charset        the Content-Type charset parameter, or NULL
 *   func_id        online calls only: the {id} part of the path
 *   strict         `lambda_validate strict`: unknown fields are refused
 *
 * Returns 0 with res filled in, or -1 when an allocation failed (res then
 * holds no error value).
 */
int ngx_http_lambda_validate_body(ngx_http_lambda_body_kind_t kind,
    const unsigned char *data, size_t len,
    const char *charset, size_t charset_len,
    const char *func_id, size_t func_id_len,
    int strict, ngx_http_lambda_result_t *res);


#endif /* _NGX_HTTP_LAMBDA_SCHEMA_H_INCLUDED_ */
