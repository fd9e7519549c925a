
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * The access-phase handler: a re-entrant state machine kept in the request
 * context.  It classifies the call, checks credentials and the organization
 * context, reads and validates the body of the two POSTs, and declines so
 * that proxy_pass runs with the body intact.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "ngx_http_lambda_module.h"
#include "ngx_http_lambda_stats.h"
#include "ngx_http_lambda_cache.h"


static ngx_int_t ngx_http_lambda_step_done(ngx_http_lambda_ctx_t *ctx,
    ngx_int_t rc);
static ngx_int_t ngx_http_lambda_check_request(ngx_http_request_t *r,
    ngx_http_lambda_ctx_t *ctx, ngx_http_lambda_loc_conf_t *llcf);
static ngx_int_t ngx_http_lambda_credentials(ngx_http_request_t *r,
    ngx_http_lambda_ctx_t *ctx);
static ngx_int_t ngx_http_lambda_organization(ngx_http_request_t *r,
    ngx_http_lambda_ctx_t *ctx, ngx_http_lambda_loc_conf_t *llcf);
static ngx_table_elt_t *ngx_http_lambda_find_header(ngx_http_request_t *r,
    ngx_str_t *name, ngx_uint_t *count);
static void ngx_http_lambda_cleanup(void *data);


ngx_http_lambda_hook_pt     ngx_http_lambda_limit_hook;
ngx_http_lambda_hook_pt     ngx_http_lambda_cache_hook;
ngx_http_lambda_release_pt  ngx_http_lambda_limit_release;


static ngx_str_t  ngx_http_lambda_x_organization =
    ngx_string("X-Organization");


ngx_int_t
ngx_http_lambda_access_handler(ngx_http_request_t *r)
{
    ngx_int_t                    rc;
    ngx_http_lambda_ctx_t       *ctx;
    ngx_http_lambda_loc_conf_t  *llcf;

    llcf = ngx_http_get_module_loc_conf(r, ngx_http_lambda_module);

    if (!llcf->enable) {
        return NGX_DECLINED;
    }

    ctx = ngx_http_lambda_get_ctx(r);

    if (ctx == NULL) {
        ctx = ngx_http_lambda_create_ctx(r);
        if (ctx == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "lambda access handler, state:%d op:%d",
                   ctx->state, ctx->route.op);

    /*
     * A step returns NGX_DECLINED to go on, NGX_AGAIN when it parked the
     * request, NGX_DONE when it answered (the request may be freed by then:
     * the context is not touched again), or an HTTP status for nginx to
     * answer.
     */

    for ( ;; ) {

        switch (ctx->state) {

        case NGX_HTTP_LAMBDA_STATE_NEW:

            rc = ngx_http_lambda_check_request(r, ctx, llcf);

            if (rc != NGX_DECLINED) {
                return ngx_http_lambda_step_done(ctx, rc);
            }

            if (ctx->route.op == NGX_HTTP_LAMBDA_OP_NONE) {
                ctx->state = NGX_HTTP_LAMBDA_STATE_DONE;
                ctx->rc = NGX_DECLINED;
                break;
            }

            if ((ctx->route.op == NGX_HTTP_LAMBDA_OP_CREATE_REQUESTS
                 || ctx->route.op == NGX_HTTP_LAMBDA_OP_CREATE_FUNCTIONS)
                && llcf->validate != NGX_HTTP_LAMBDA_VALIDATE_OFF)
            {
                ctx->state = NGX_HTTP_LAMBDA_STATE_BODY;
                ctx->validate = 1;

                rc = ngx_http_lambda_read_body(r, ctx);

                return (rc == NGX_DONE) ? rc
                                        : ngx_http_lambda_step_done(ctx, rc);
            }

            ctx->state = NGX_HTTP_LAMBDA_STATE_BODY_DONE;
            break;

        case NGX_HTTP_LAMBDA_STATE_BODY_DONE:

            if (ctx->validate) {
                rc = ngx_http_lambda_check_body(r, ctx);

                if (rc != NGX_DECLINED) {
                    return ngx_http_lambda_step_done(ctx, rc);
                }
            }

            if (ngx_http_lambda_limit_hook == NULL) {
                ctx->state = NGX_HTTP_LAMBDA_STATE_LIMIT_DONE;
                break;
            }

            ctx->state = NGX_HTTP_LAMBDA_STATE_LIMIT;

            rc = ngx_http_lambda_limit_hook(r, ctx);

            if (rc == NGX_DECLINED) {
                ctx->state = NGX_HTTP_LAMBDA_STATE_LIMIT_DONE;
                break;
            }

            return ngx_http_lambda_step_done(ctx, rc);

        case NGX_HTTP_LAMBDA_STATE_LIMIT_DONE:

            if (ngx_http_lambda_cache_hook == NULL) {
                ctx->state = NGX_HTTP_LAMBDA_STATE_PASS;
                break;
            }

            ctx->state = NGX_HTTP_LAMBDA_STATE_CACHE;

            rc = ngx_http_lambda_cache_hook(r, ctx);

            if (rc == NGX_DECLINED) {
                ctx->state = NGX_HTTP_LAMBDA_STATE_PASS;
                break;
            }

            return ngx_http_lambda_step_done(ctx, rc);

        case NGX_HTTP_LAMBDA_STATE_PASS:

            /* every check passed: on to CVAT, or to a cached answer */

            ngx_http_lambda_stats_request(ctx->route.op,
                                          ngx_http_lambda_cache_served(ctx)
                                          ? NGX_HTTP_LAMBDA_STATS_CACHED
                                          : NGX_HTTP_LAMBDA_STATS_PASSED);

            ctx->state = NGX_HTTP_LAMBDA_STATE_DONE;
            ctx->rc = NGX_DECLINED;
            break;

        case NGX_HTTP_LAMBDA_STATE_BODY:
        case NGX_HTTP_LAMBDA_STATE_LIMIT:
        case NGX_HTTP_LAMBDA_STATE_CACHE:

            /* a spurious call while the body, a limit or a fill is awaited */
            return NGX_DONE;

        default: /* NGX_HTTP_LAMBDA_STATE_DONE */
            return ctx->rc;
        }
    }
}


/*
 * What the handler returns after a step that did not decline.  A status
 * nginx answers ends the work of the gateway: should an error_page bring
 * the request back, it passes.
 */

static ngx_int_t
ngx_http_lambda_step_done(ngx_http_lambda_ctx_t *ctx, ngx_int_t rc)
{
    if (rc == NGX_DONE) {
        return NGX_DONE;
    }

    if (rc == NGX_AGAIN) {
        /* parked: the state stays until the wait ends */
        return NGX_DONE;
    }

    ctx->state = NGX_HTTP_LAMBDA_STATE_DONE;
    ctx->rc = NGX_DECLINED;

    return rc;
}


/*
 * The checks that need no body, in CVAT's order: authentication (DRF's
 * initial()), then the organization context (evaluated by the permission
 * classes), then the handler lookup that gives 405.
 */

static ngx_int_t
ngx_http_lambda_check_request(ngx_http_request_t *r,
    ngx_http_lambda_ctx_t *ctx, ngx_http_lambda_loc_conf_t *llcf)
{
    ngx_int_t  rc;

    if (ctx->route.route == NGX_HTTP_LAMBDA_ROUTE_NONE
        || ctx->route.passthrough)
    {
        return NGX_DECLINED;
    }

    rc = ngx_http_lambda_credentials(r, ctx);

    if (rc == NGX_DECLINED && llcf->require_credentials) {
        return ngx_http_lambda_reply_error(r, ctx, NGX_HTTP_UNAUTHORIZED,
                   NGX_HTTP_LAMBDA_REASON_CREDENTIALS, NULL,
                   "Authentication credentials were not provided.");
    }

    rc = ngx_http_lambda_organization(r, ctx, llcf);
    if (rc != NGX_DECLINED) {
        return rc;
    }

    if (!ctx->route.method_allowed) {
        return ngx_http_lambda_reply_error(r, ctx,
                   NGX_HTTP_NOT_ALLOWED, NGX_HTTP_LAMBDA_REASON_METHOD, NULL,
                   "Method \"%V\" not allowed.", &r->method_name);
    }

    return NGX_DECLINED;
}


/*
 * DRF's authentication classes see a credential in a non-blank
 * "Authorization" header, a "sessionid" cookie or a "sign" argument.
 * Returns NGX_OK and keeps the credential, or NGX_DECLINED.
 */

static ngx_int_t
ngx_http_lambda_credentials(ngx_http_request_t *r, ngx_http_lambda_ctx_t *ctx)
{
    u_char     *p, *last;
    ngx_str_t   value;
    static ngx_str_t  sessionid = ngx_string("sessionid");

    if (r->headers_in.authorization != NULL) {
        p = r->headers_in.authorization->value.data;
        last = p + r->headers_in.authorization->value.len;

        while (p < last && (*p == ' ' || *p == '\t')) {
            p++;
        }

        if (p < last) {
            ctx->credential = r->headers_in.authorization->value;
            return NGX_OK;
        }
    }

    if (ngx_http_parse_multi_header_lines(&r->headers_in.cookies, &sessionid,
                                          &value)
        != NGX_DECLINED
        && value.len)
    {
        ctx->credential = value;
        return NGX_OK;
    }

    if (r->args.len
        && ngx_http_arg(r, (u_char *) "sign", 4, &value) == NGX_OK
        && value.len)
    {
        ctx->credential = value;
        return NGX_OK;
    }

    return NGX_DECLINED;
}


static ngx_int_t
ngx_http_lambda_organization(ngx_http_request_t *r,
    ngx_http_lambda_ctx_t *ctx, ngx_http_lambda_loc_conf_t *llcf)
{
    u_char                    *header;
    size_t                     header_len;
    ngx_uint_t                 count;
    ngx_table_elt_t           *h;
    ngx_http_lambda_org_t      org;
    ngx_http_lambda_org_rc_e   rc;

    h = ngx_http_lambda_find_header(r, &ngx_http_lambda_x_organization,
                                    &count);

    header = h ? h->value.data : NULL;
    header_len = h ? h->value.len : 0;

    rc = ngx_http_lambda_org_resolve(r->args.data, r->args.len, header,
                                     header_len, count, &org);

    switch (rc) {

    case NGX_HTTP_LAMBDA_ORG_OK:
        break;

    case NGX_HTTP_LAMBDA_ORG_DUPLICATE_HEADER:
        return ngx_http_lambda_reply_error(r, ctx, NGX_HTTP_BAD_REQUEST,
                   NGX_HTTP_LAMBDA_REASON_ORGANIZATION, "",
                   "You cannot specify the \"X-Organization\" HTTP header "
                   "more than once.");

    case NGX_HTTP_LAMBDA_ORG_CONFLICT_ID:
        return ngx_http_lambda_reply_error(r, ctx, NGX_HTTP_BAD_REQUEST,
                   NGX_HTTP_LAMBDA_REASON_ORGANIZATION, "",
                   "You cannot specify \"org_id\" query parameter with "
                   "\"org\" query parameter or \"X-Organization\" HTTP "
                   "header at the same time.");

    case NGX_HTTP_LAMBDA_ORG_CONFLICT_SLUG:
        return ngx_http_lambda_reply_error(r, ctx, NGX_HTTP_BAD_REQUEST,
                   NGX_HTTP_LAMBDA_REASON_ORGANIZATION, "",
                   "You cannot specify \"org\" query parameter and "
                   "\"X-Organization\" HTTP header with different values.");

    case NGX_HTTP_LAMBDA_ORG_INVALID_ID:
        return ngx_http_lambda_reply_error(r, ctx, NGX_HTTP_BAD_REQUEST,
                   NGX_HTTP_LAMBDA_REASON_ORGANIZATION, "org_id",
                   "A valid integer is required.");

    default: /* NGX_HTTP_LAMBDA_ORG_UNKNOWN_SLUG */
        return ngx_http_lambda_reply_error(r, ctx, NGX_HTTP_NOT_FOUND,
                   NGX_HTTP_LAMBDA_REASON_ORGANIZATION, NULL,
                   "%*s organization does not exist.",
                   org.value_len, org.value);
    }

    ctx->org_kind = org.kind;
    ctx->org.len = org.id_len;

    if (org.ref) {
        /* as sent, in the request line or the header: no copy */
        ctx->org.data = (u_char *) org.ref;

    } else if (org.id_len) {
        ctx->org.data = ngx_pnalloc(r->pool, org.id_len);
        if (ctx->org.data == NULL) {
            return NGX_HTTP_INTERNAL_SERVER_ERROR;
        }

        ngx_memcpy(ctx->org.data, org.id, org.id_len);
    }

    if (llcf->org_required && org.kind == NGX_HTTP_LAMBDA_ORG_PERSONAL) {
        return ngx_http_lambda_reply_error(r, ctx, NGX_HTTP_BAD_REQUEST,
                   NGX_HTTP_LAMBDA_REASON_ORGANIZATION, "",
                   "An organization is required: specify the \"org\" or "
                   "\"org_id\" query parameter or the \"X-Organization\" "
                   "HTTP header.");
    }

    return NGX_DECLINED;
}


static ngx_table_elt_t *
ngx_http_lambda_find_header(ngx_http_request_t *r, ngx_str_t *name,
    ngx_uint_t *count)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h, *found;

    found = NULL;
    *count = 0;

    part = &r->headers_in.headers.part;
    h = part->elts;

    for (i = 0; /* void */ ; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                break;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].key.len == name->len
            && ngx_strncasecmp(h[i].key.data, name->data, name->len) == 0)
        {
            if (found == NULL) {
                found = &h[i];
            }

            (*count)++;
        }
    }

    return found;
}


ngx_http_lambda_ctx_t *
ngx_http_lambda_create_ctx(ngx_http_request_t *r)
{
    unsigned                 method;
    ngx_pool_cleanup_t      *cln;
    ngx_http_lambda_ctx_t   *ctx;

    ctx = ngx_pcalloc(r->pool, sizeof(ngx_http_lambda_ctx_t));
    if (ctx == NULL) {
        return NULL;
    }

    /*
     * the context is also kept in a pool cleanup, so that it is found
     * again after an internal redirect wiped r->ctx
     */

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    cln->handler = ngx_http_lambda_cleanup;
    cln->data = ctx;

    switch (r->method) {
    case NGX_HTTP_GET:
        method = NGX_HTTP_LAMBDA_M_GET;
        break;
    case NGX_HTTP_HEAD:
        method = NGX_HTTP_LAMBDA_M_HEAD;
        break;
    case NGX_HTTP_POST:
        method = NGX_HTTP_LAMBDA_M_POST;
        break;
    case NGX_HTTP_DELETE:
        method = NGX_HTTP_LAMBDA_M_DELETE;
        break;
    default:
        method = ngx_http_lambda_op_method(r->method_name.data,
                                           r->method_name.len);
    }

    ngx_http_lambda_op_classify(r->uri.data, r->uri.len, method,
                                &ctx->route);

    ngx_http_set_ctx(r, ctx, ngx_http_lambda_module);

    return ctx;
}


ngx_http_lambda_ctx_t *
ngx_http_lambda_get_ctx(ngx_http_request_t *r)
{
    ngx_pool_cleanup_t     *cln;
    ngx_http_lambda_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_lambda_module);

    if (ctx == NULL && (r->internal || r->filter_finalize)) {

        for (cln = r->pool->cleanup; cln; cln = cln->next) {
            if (cln->handler == ngx_http_lambda_cleanup) {
                ctx = cln->data;
                ngx_http_set_ctx(r, ctx, ngx_http_lambda_module);
                break;
            }
        }
    }

    return ctx;
}


void
ngx_http_lambda_resume(ngx_http_request_t *r)
{
    ngx_connection_t  *c;

    c = r->connection;

    ngx_http_set_log_request(c->log, r);

    r->read_event_handler = ngx_http_block_reading;
    r->write_event_handler = ngx_http_core_run_phases;

    ngx_http_core_run_phases(r);
    ngx_http_run_posted_requests(c);
}


static void
ngx_http_lambda_cleanup(void *data)
{
    ngx_http_lambda_ctx_t  *ctx = data;

    /*
     * the cleanup also carries the context across internal redirects
     * (ngx_http_lambda_get_ctx())
     */

    if (ctx->limit) {
        ngx_http_lambda_limit_release(ctx->limit);
    }
}
