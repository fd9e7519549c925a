
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * A single pass over a request body that recognises the bodies CVAT's
 * clients send and that certainly pass validation, without building a
 * document.  It answers "passes" or "don't know": every other body, and
 * every error, is left to ngx_http_lambda_validate_body(), which stays the
 * one authority on what CVAT accepts and on the exact error answers.
 *
 * The rule it keeps: when it says a body passes, the full validator says
 * so too (tests/test_fastpath.c checks it over the test tables and over
 * random mutations of them; the fuzz target does the same).
 *
 * Pure core: no nginx types.
 */


#ifndef _NGX_HTTP_LAMBDA_FASTPATH_H_INCLUDED_
#define _NGX_HTTP_LAMBDA_FASTPATH_H_INCLUDED_


#include <stddef.h>

#include "ngx_http_lambda_schema.h"


/*
 * Returns 1 when the UTF-8 body certainly passes validation of the given
 * kind, 0 when the full validator must decide.
 */
int ngx_http_lambda_fast_pass(ngx_http_lambda_body_kind_t kind,
    const unsigned char *data, size_t len, int strict);


#endif /* _NGX_HTTP_LAMBDA_FASTPATH_H_INCLUDED_ */
