
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * DRF media-type matching of the request Content-Type against the one
 * parser CVAT installs, application/json (contract 2.1).  Pure core.
 */


#ifndef _NGX_HTTP_LAMBDA_MEDIA_H_INCLUDED_
#define _NGX_HTTP_LAMBDA_MEDIA_H_INCLUDED_


#include <stddef.h>


typedef struct {
    /* the "charset" parameter, unquoted, inside the given value */
    const unsigned char  *charset;
    size_t                charset_len;
} ngx_http_lambda_media_t;


/*
 * Returns 1 when a JSONParser would be chosen for this Content-Type: the
 * type and subtype match "application/json" case-insensitively, and "*"
 * on either side of the request's type matches anything.  Parameters are
 * ignored except that the charset is reported.
 */
int ngx_http_lambda_media_json(const unsigned char *value, size_t len,
    ngx_http_lambda_media_t *media);


#endif /* _NGX_HTTP_LAMBDA_MEDIA_H_INCLUDED_ */
