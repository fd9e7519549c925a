
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * $lambda_operation, $lambda_org and $lambda_reject_reason.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_lambda_module.h"


static ngx_int_t ngx_http_lambda_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);


#define NGX_HTTP_LAMBDA_VAR_OPERATION  0
#define NGX_HTTP_LAMBDA_VAR_ORG        1
#define NGX_HTTP_LAMBDA_VAR_REASON     2


static ngx_http_variable_t  ngx_http_lambda_vars[] = {

    { ngx_string("lambda_operation"), NULL, ngx_http_lambda_variable,
      NGX_HTTP_LAMBDA_VAR_OPERATION, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("lambda_org"), NULL, ngx_http_lambda_variable,
      NGX_HTTP_LAMBDA_VAR_ORG, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("lambda_reject_reason"), NULL, ngx_http_lambda_variable,
      NGX_HTTP_LAMBDA_VAR_REASON, NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


ngx_int_t
ngx_http_lambda_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_lambda_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


static ngx_int_t
ngx_http_lambda_variable(ngx_http_request_t *r, ngx_http_variable_value_t *v,
    uintptr_t data)
{
    const char             *name;
    ngx_http_lambda_ctx_t  *ctx;

    ctx = ngx_http_lambda_get_ctx(r->main);

    if (ctx == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    v->valid = 1;
    v->no_cacheable = 1;
    v->not_found = 0;

    switch (data) {

    case NGX_HTTP_LAMBDA_VAR_OPERATION:
        name = ngx_http_lambda_op_name(ctx->route.op);
        v->data = (u_char *) name;
        v->len = ngx_strlen(name);
        break;

    case NGX_HTTP_LAMBDA_VAR_ORG:
        v->data = ctx->org.data;
        v->len = ctx->org.len;
        break;

    default: /* NGX_HTTP_LAMBDA_VAR_REASON */
        v->data = ngx_http_lambda_reasons[ctx->reason].data;
        v->len = ngx_http_lambda_reasons[ctx->reason].len;
        break;
    }

    return NGX_OK;
}
