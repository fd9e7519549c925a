
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * The organization context of a call, resolved as CVAT's IAM middleware
 * does (contract 5).  Pure core: no nginx types.
 */


#ifndef _NGX_HTTP_LAMBDA_ORG_H_INCLUDED_
#define _NGX_HTTP_LAMBDA_ORG_H_INCLUDED_


#include <stddef.h>


/* a slug is a SlugField(max_length=16); "org_id:" and a 64-bit integer */
#define NGX_HTTP_LAMBDA_ORG_MAX     32

/* a decoded value kept for error messages, in bytes */
#define NGX_HTTP_LAMBDA_ORG_VALUE_MAX  256


typedef enum {
    NGX_HTTP_LAMBDA_ORG_OK = 0,
    NGX_HTTP_LAMBDA_ORG_DUPLICATE_HEADER,   /* X-Organization sent twice */
    NGX_HTTP_LAMBDA_ORG_CONFLICT_ID,        /* org_id with org or header */
    NGX_HTTP_LAMBDA_ORG_CONFLICT_SLUG,      /* org and header differ */
    NGX_HTTP_LAMBDA_ORG_INVALID_ID,         /* org_id is not an integer */
    NGX_HTTP_LAMBDA_ORG_UNKNOWN_SLUG        /* no organization can have it */
} ngx_http_lambda_org_rc_e;


typedef enum {
    NGX_HTTP_LAMBDA_ORG_PERSONAL = 0,       /* the personal workspace */
    NGX_HTTP_LAMBDA_ORG_SLUG,
    NGX_HTTP_LAMBDA_ORG_ID
} ngx_http_lambda_org_kind_e;


typedef struct {
    ngx_http_lambda_org_kind_e  kind;

    /* the canonical identity: "acme", "org_id:5", or "" (personal) */
    char                        id[NGX_HTTP_LAMBDA_ORG_MAX + 1];
    size_t                      id_len;

    /* the same id_len bytes where they stand in args or header, or NULL */
    const unsigned char        *ref;

    /*
     * the offending value for NGX_HTTP_LAMBDA_ORG_UNKNOWN_SLUG and
     * NGX_HTTP_LAMBDA_ORG_INVALID_ID, as valid UTF-8 (invalid sequences
     * become U+FFFD as in Django), truncated to a bounded length
     */
    char                        value[NGX_HTTP_LAMBDA_ORG_VALUE_MAX + 4];
    size_t                      value_len;
} ngx_http_lambda_org_t;


/*
 * args: the raw query string (without "?"), as sent.
 * header: the X-Organization value, or NULL when absent; header_count: how
 * many X-Organization headers were sent.
 */
ngx_http_lambda_org_rc_e ngx_http_lambda_org_resolve(
    const unsigned char *args, size_t args_len,
    const unsigned char *header, size_t header_len, unsigned header_count,
    ngx_http_lambda_org_t *org);

/*
 * Finds the last occurrence of a query argument, as Django's QueryDict.get
 * does, and percent-decodes it ("+" is a space) into buf.  Returns 1 when
 * present (even empty), 0 when absent; *len is set to the decoded length,
 * which may exceed size (the value is then truncated).
 */
int ngx_http_lambda_query_arg(const unsigned char *args, size_t args_len,
    const char *name, size_t name_len, unsigned char *buf, size_t size,
    size_t *len);


#endif /* _NGX_HTTP_LAMBDA_ORG_H_INCLUDED_ */
