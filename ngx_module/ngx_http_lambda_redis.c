
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * hiredis 0.14 asynchronous context on nginx's event loop.
 *
 * hiredis owns the socket: the nginx connection that wraps it is released
 * with ngx_free_connection() in the cleanup hook, never closed.  Events are
 * level-triggered (hiredis reads at most 16k per call).  Once connected,
 * a write is not waited for: the commands queued during one turn of the
 * event loop are flushed together by a posted event, in one write(); the
 * write event is only armed until the connection is established or when
 * the socket buffer is full.  hiredis has no timers in this version: the
 * connect and operation timeouts are nginx timers.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>
#include <ngx_sha1.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>

#include "ngx_http_lambda_redis.h"
#include "ngx_http_lambda_stats.h"


/* the first backoff once max_fails is reached; it doubles up to the cap */
#define NGX_HTTP_LAMBDA_REDIS_BACKOFF  100

/* how a failure affects the connection */
#define NGX_HTTP_LAMBDA_REDIS_GONE     0    /* hiredis is freeing it */
#define NGX_HTTP_LAMBDA_REDIS_TRIP     1    /* closed when the breaker trips */
#define NGX_HTTP_LAMBDA_REDIS_CLOSE    2    /* closed now */


typedef struct ngx_http_lambda_redis_xop_s  ngx_http_lambda_redis_xop_t;


typedef struct {
    ngx_http_lambda_redis_xop_t     *xop;
    ngx_uint_t                       index;
    ngx_http_lambda_redis_script_t  *script;
    ngx_str_t                       *key;
    ngx_http_lambda_redis_args_t    *args;
    unsigned                         retried:1;
} ngx_http_lambda_redis_cmd_t;


struct ngx_http_lambda_redis_xop_s {
    ngx_http_lambda_redis_op_t       op;        /* the public part */
    ngx_event_t                      timer;
    uint64_t                         start;     /* microseconds */
    ngx_uint_t                       pending;   /* commands in flight */
    ngx_http_lambda_redis_xop_t     *next;      /* in the free list */
    unsigned                         finished:1;
    ngx_http_lambda_redis_cmd_t      cmds[1];
};


typedef struct {
    ngx_http_lambda_redis_conf_t    *conf;
    ngx_log_t                       *log;

    redisAsyncContext               *ac;
    ngx_connection_t                *c;
    ngx_event_t                      connect_timer;
    ngx_event_t                      flush;

    ngx_msec_t                       retry_at;
    ngx_uint_t                       fails;      /* consecutive */
    ngx_uint_t                       inflight;   /* commands */
    ngx_uint_t                       connections;

    ngx_http_lambda_redis_xop_t     *free;
    size_t                           op_size;

    u_char                          *buf;       /* commands are formatted */
    size_t                           buf_size;  /* here */

    unsigned                         connected:1;
    unsigned                         writing:1;
    unsigned                         degraded:1;
    unsigned                         open:1;     /* the breaker */
    unsigned                         exiting:1;
} ngx_http_lambda_redis_t;


static ngx_int_t ngx_http_lambda_redis_connect(ngx_http_lambda_redis_t *rd);
static void ngx_http_lambda_redis_setup(ngx_http_lambda_redis_t *rd);
static void ngx_http_lambda_redis_setup_handler(redisAsyncContext *ac,
    void *r, void *privdata);
static void ngx_http_lambda_redis_connected(const redisAsyncContext *ac,
    int status);
static void ngx_http_lambda_redis_disconnected(const redisAsyncContext *ac,
    int status);
static void ngx_http_lambda_redis_connect_timeout(ngx_event_t *ev);
static void ngx_http_lambda_redis_close(ngx_http_lambda_redis_t *rd);

static void ngx_http_lambda_redis_add_read(void *data);
static void ngx_http_lambda_redis_del_read(void *data);
static void ngx_http_lambda_redis_add_write(void *data);
static void ngx_http_lambda_redis_del_write(void *data);
static void ngx_http_lambda_redis_cleanup(void *data);
static void ngx_http_lambda_redis_read_handler(ngx_event_t *ev);
static void ngx_http_lambda_redis_write_handler(ngx_event_t *ev);
static void ngx_http_lambda_redis_flush_handler(ngx_event_t *ev);

static ngx_int_t ngx_http_lambda_redis_send(ngx_http_lambda_redis_cmd_t *cmd,
    ngx_uint_t eval);
static void ngx_http_lambda_redis_reply_handler(redisAsyncContext *ac,
    void *r, void *privdata);
static void ngx_http_lambda_redis_detached_handler(redisAsyncContext *ac,
    void *r, void *privdata);
static void ngx_http_lambda_redis_op_timeout(ngx_event_t *ev);
static void ngx_http_lambda_redis_op_free(ngx_http_lambda_redis_xop_t *xop);

static u_char *ngx_http_lambda_redis_format(ngx_http_lambda_redis_t *rd,
    ngx_http_lambda_redis_script_t *script, ngx_uint_t eval, ngx_str_t *key,
    ngx_http_lambda_redis_args_t *args, size_t *len);
static u_char *ngx_http_lambda_redis_len(u_char *p, u_char type, size_t n);
static void ngx_http_lambda_redis_failure(ngx_http_lambda_redis_t *rd,
    const char *reason, ngx_uint_t how);
static void ngx_http_lambda_redis_degrade(ngx_http_lambda_redis_t *rd,
    const char *reason);
static void ngx_http_lambda_redis_recover(ngx_http_lambda_redis_t *rd);
static void ngx_http_lambda_redis_alive(ngx_http_lambda_redis_t *rd);
static uint64_t ngx_http_lambda_redis_usec(void);


static ngx_http_lambda_redis_t  ngx_http_lambda_redis;


/* configuration */

char *
ngx_http_lambda_redis_conf(ngx_conf_t *cf, ngx_http_lambda_redis_conf_t *rcf)
{
    u_char      *p;
    ngx_int_t    n;
    ngx_str_t   *value, s, host;
    ngx_url_t    u;
    ngx_uint_t   i;
    ngx_addr_t   addr;

    value = cf->args->elts;

    rcf->address = value[1];
    rcf->db = 0;
    rcf->connect_timeout = 1000;
    rcf->timeout = 100;
    rcf->max_pending = 1024;
    rcf->max_fails = 3;
    rcf->fail_timeout = 10000;
    ngx_str_set(&rcf->prefix, "lambda:");

    if (value[1].len > 5 && ngx_strncmp(value[1].data, "unix:", 5) == 0) {

        rcf->path = ngx_pnalloc(cf->pool, value[1].len - 5 + 1);
        if (rcf->path == NULL) {
            return NGX_CONF_ERROR;
        }

        p = ngx_cpymem(rcf->path, value[1].data + 5, value[1].len - 5);
        *p = '\0';

    } else {
        ngx_memzero(&u, sizeof(ngx_url_t));

        u.url = value[1];
        u.default_port = 6379;
        u.no_resolve = 1;

        if (ngx_parse_url(cf->pool, &u) != NGX_OK) {
            if (u.err) {
                ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                                   "%s in lambda_redis \"%V\"",
                                   u.err, &u.url);
            }

            return NGX_CONF_ERROR;
        }

        host = u.host;

        if (host.len > 2 && host.data[0] == '[') {
            host.data++;
            host.len -= 2;
        }

        /* no blocking name resolution in workers: addresses only */

        if (u.no_port || u.uri.len || host.len == 0
            || ngx_parse_addr(cf->pool, &addr, host.data, host.len)
               != NGX_OK)
        {
            if (u.no_port && host.len && u.uri.len == 0
                && ngx_parse_addr(cf->pool, &addr, host.data, host.len)
                   == NGX_OK)
            {
                goto address;
            }

            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid address \"%V\" in lambda_redis, "
                               "an IP address or a \"unix:\" path is "
                               "required", &value[1]);
            return NGX_CONF_ERROR;
        }

    address:

        rcf->host = ngx_pnalloc(cf->pool, host.len + 1);
        if (rcf->host == NULL) {
            return NGX_CONF_ERROR;
        }

        p = ngx_cpymem(rcf->host, host.data, host.len);
        *p = '\0';

        rcf->port = u.port ? u.port : 6379;
    }

    for (i = 2; i < cf->args->nelts; i++) {

        if (ngx_strncmp(value[i].data, "db=", 3) == 0) {

            n = ngx_atoi(value[i].data + 3, value[i].len - 3);
            if (n == NGX_ERROR) {
                goto invalid;
            }

            rcf->db = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "username=", 9) == 0) {

            rcf->username.data = value[i].data + 9;
            rcf->username.len = value[i].len - 9;

            if (rcf->username.len == 0) {
                goto invalid;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "password=", 9) == 0) {

            rcf->password.data = value[i].data + 9;
            rcf->password.len = value[i].len - 9;

            if (rcf->password.len == 0) {
                goto invalid;
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "prefix=", 7) == 0) {

            rcf->prefix.data = value[i].data + 7;
            rcf->prefix.len = value[i].len - 7;

            for (p = rcf->prefix.data;
                 p < rcf->prefix.data + rcf->prefix.len;
                 p++)
            {
                if (*p <= ' ' || *p >= 0x7f || *p == '{' || *p == '}') {
                    goto invalid;
                }
            }

            continue;
        }

        if (ngx_strncmp(value[i].data, "connect_timeout=", 16) == 0) {

            s.data = value[i].data + 16;
            s.len = value[i].len - 16;

            n = ngx_parse_time(&s, 0);
            if (n == NGX_ERROR || n == 0) {
                goto invalid;
            }

            rcf->connect_timeout = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "timeout=", 8) == 0) {

            s.data = value[i].data + 8;
            s.len = value[i].len - 8;

            n = ngx_parse_time(&s, 0);
            if (n == NGX_ERROR || n == 0) {
                goto invalid;
            }

            rcf->timeout = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "max_pending=", 12) == 0) {

            n = ngx_atoi(value[i].data + 12, value[i].len - 12);
            if (n == NGX_ERROR || n == 0) {
                goto invalid;
            }

            rcf->max_pending = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "max_fails=", 10) == 0) {

            n = ngx_atoi(value[i].data + 10, value[i].len - 10);
            if (n == NGX_ERROR || n == 0) {
                goto invalid;
            }

            rcf->max_fails = n;
            continue;
        }

        if (ngx_strncmp(value[i].data, "fail_timeout=", 13) == 0) {

            s.data = value[i].data + 13;
            s.len = value[i].len - 13;

            n = ngx_parse_time(&s, 0);
            if (n == NGX_ERROR || n == 0) {
                goto invalid;
            }

            rcf->fail_timeout = n;
            continue;
        }

        goto invalid;
    }

    if (rcf->username.len && rcf->password.len == 0) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "\"username\" requires \"password\" in "
                           "lambda_redis");
        return NGX_CONF_ERROR;
    }

    if (ngx_array_init(&rcf->scripts, cf->pool, 1,
                       sizeof(ngx_http_lambda_redis_script_t))
        != NGX_OK)
    {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid parameter \"%V\"", &value[i]);

    return NGX_CONF_ERROR;
}


ngx_http_lambda_redis_script_t *
ngx_http_lambda_redis_add_script(ngx_conf_t *cf,
    ngx_http_lambda_redis_conf_t *rcf, ngx_str_t *text)
{
    u_char                          *p;
    ngx_sha1_t                       sha1;
    ngx_http_lambda_redis_script_t  *script;
    u_char                           digest[20];

    script = ngx_array_push(&rcf->scripts);
    if (script == NULL) {
        return NULL;
    }

    script->text = *text;

    ngx_sha1_init(&sha1);
    ngx_sha1_update(&sha1, text->data, text->len);
    ngx_sha1_final(digest, &sha1);

    ngx_hex_dump(script->sha, digest, 20);

    /* "$7\r\nEVALSHA\r\n$40\r\n<sha>\r\n$1\r\n1\r\n" */

    p = ngx_pnalloc(cf->pool, sizeof("$7\r\nEVALSHA\r\n$40\r\n\r\n$1\r\n1\r\n")
                              - 1 + 40);
    if (p == NULL) {
        return NULL;
    }

    script->evalsha.data = p;
    p = ngx_cpymem(p, "$7\r\nEVALSHA\r\n$40\r\n",
                   sizeof("$7\r\nEVALSHA\r\n$40\r\n") - 1);
    p = ngx_cpymem(p, script->sha, 40);
    p = ngx_cpymem(p, "\r\n$1\r\n1\r\n", sizeof("\r\n$1\r\n1\r\n") - 1);
    script->evalsha.len = p - script->evalsha.data;

    /* "$4\r\nEVAL\r\n$<len>\r\n<text>\r\n$1\r\n1\r\n" */

    p = ngx_pnalloc(cf->pool, sizeof("$4\r\nEVAL\r\n$\r\n\r\n$1\r\n1\r\n") - 1
                              + NGX_SIZE_T_LEN + text->len);
    if (p == NULL) {
        return NULL;
    }

    script->eval.data = p;
    p = ngx_cpymem(p, "$4\r\nEVAL\r\n", sizeof("$4\r\nEVAL\r\n") - 1);
    p = ngx_http_lambda_redis_len(p, '$', text->len);
    p = ngx_cpymem(p, text->data, text->len);
    p = ngx_cpymem(p, "\r\n$1\r\n1\r\n", sizeof("\r\n$1\r\n1\r\n") - 1);
    script->eval.len = p - script->eval.data;

    return script;
}


ngx_int_t
ngx_http_lambda_redis_args(ngx_conf_t *cf, ngx_http_lambda_redis_args_t *args,
    ngx_str_t *values, ngx_uint_t n)
{
    u_char      *p;
    size_t       len;
    ngx_uint_t   i;

    len = 0;

    for (i = 0; i < n; i++) {
        len += sizeof("$\r\n\r\n") - 1 + NGX_SIZE_T_LEN + values[i].len;
    }

    p = ngx_pnalloc(cf->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    args->resp.data = p;
    args->n = n;

    for (i = 0; i < n; i++) {
        p = ngx_http_lambda_redis_len(p, '$', values[i].len);
        p = ngx_cpymem(p, values[i].data, values[i].len);
        *p++ = CR; *p++ = LF;
    }

    args->resp.len = p - args->resp.data;

    return NGX_OK;
}


/* the worker's connection */

ngx_int_t
ngx_http_lambda_redis_init_process(ngx_cycle_t *cycle,
    ngx_http_lambda_redis_conf_t *rcf)
{
    ngx_http_lambda_redis_t  *rd;

    rd = &ngx_http_lambda_redis;

    ngx_memzero(rd, sizeof(ngx_http_lambda_redis_t));

    rd->conf = rcf;
    rd->log = cycle->log;

    if (rcf->max_commands == 0) {
        rcf->max_commands = 1;
    }

    rd->op_size = sizeof(ngx_http_lambda_redis_xop_t)
                  + (rcf->max_commands - 1)
                    * sizeof(ngx_http_lambda_redis_cmd_t);

    rd->connect_timer.handler = ngx_http_lambda_redis_connect_timeout;
    rd->connect_timer.data = rd;
    rd->connect_timer.log = rd->log;
    rd->connect_timer.cancelable = 1;

    rd->flush.handler = ngx_http_lambda_redis_flush_handler;
    rd->flush.data = rd;
    rd->flush.log = rd->log;

    return NGX_OK;
}


void
ngx_http_lambda_redis_exit_process(ngx_cycle_t *cycle)
{
    ngx_http_lambda_redis_t      *rd;
    ngx_http_lambda_redis_xop_t  *xop;

    rd = &ngx_http_lambda_redis;

    if (rd->conf == NULL) {
        return;
    }

    rd->exiting = 1;

    if (rd->open) {
        rd->open = 0;
        ngx_http_lambda_stats_redis_circuit(-1);
    }

    /* every command still pending is answered with "lost" */

    ngx_http_lambda_redis_close(rd);

    while (rd->free) {
        xop = rd->free;
        rd->free = xop->next;
        ngx_free(xop);
    }

    if (rd->buf) {
        ngx_free(rd->buf);
        rd->buf = NULL;
    }

    rd->conf = NULL;
}


static ngx_int_t
ngx_http_lambda_redis_connect(ngx_http_lambda_redis_t *rd)
{
    u_char                         errstr[128];
    ngx_connection_t              *c;
    redisAsyncContext             *ac;
    ngx_http_lambda_redis_conf_t  *rcf;

    rcf = rd->conf;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, rd->log, 0,
                   "lambda redis connect to \"%V\"", &rcf->address);

    if (rcf->path) {
        ac = redisAsyncConnectUnix((char *) rcf->path);

    } else {
        ac = redisAsyncConnect((char *) rcf->host, rcf->port);
    }

    if (ac == NULL) {
        ngx_http_lambda_redis_failure(rd, "out of memory",
                                      NGX_HTTP_LAMBDA_REDIS_GONE);
        return NGX_ERROR;
    }

    if (ac->err) {
        ngx_cpystrn(errstr, (u_char *) ac->errstr, sizeof(errstr));
        redisAsyncFree(ac);
        ngx_http_lambda_redis_failure(rd, (char *) errstr,
                                      NGX_HTTP_LAMBDA_REDIS_GONE);
        return NGX_ERROR;
    }

    c = ngx_get_connection(ac->c.fd, rd->log);

    if (c == NULL) {
        redisAsyncFree(ac);
        ngx_http_lambda_redis_failure(rd, "no free connection",
                                      NGX_HTTP_LAMBDA_REDIS_GONE);
        return NGX_ERROR;
    }

    c->data = ac;
    c->log = rd->log;
    c->read->log = rd->log;
    c->write->log = rd->log;
    c->read->handler = ngx_http_lambda_redis_read_handler;
    c->write->handler = ngx_http_lambda_redis_write_handler;

    rd->ac = ac;
    rd->c = c;
    rd->connected = 0;

    ac->ev.data = rd;
    ac->ev.addRead = ngx_http_lambda_redis_add_read;
    ac->ev.delRead = ngx_http_lambda_redis_del_read;
    ac->ev.addWrite = ngx_http_lambda_redis_add_write;
    ac->ev.delWrite = ngx_http_lambda_redis_del_write;
    ac->ev.cleanup = ngx_http_lambda_redis_cleanup;

    /* the first write event tells that the connection is established */

    redisAsyncSetConnectCallback(ac, ngx_http_lambda_redis_connected);
    redisAsyncSetDisconnectCallback(ac, ngx_http_lambda_redis_disconnected);

    (void) redisEnableKeepAlive(&ac->c);

    ngx_add_timer(&rd->connect_timer, rcf->connect_timeout);

    ngx_http_lambda_redis_setup(rd);

    return (rd->ac == NULL) ? NGX_ERROR : NGX_OK;
}


/* AUTH, SELECT and SCRIPT LOAD go first, ahead of any other command */

static void
ngx_http_lambda_redis_setup(ngx_http_lambda_redis_t *rd)
{
    int                              rc;
    ngx_uint_t                       i;
    ngx_http_lambda_redis_conf_t    *rcf;
    ngx_http_lambda_redis_script_t  *script;

    rcf = rd->conf;

    if (rcf->password.len) {

        if (rcf->username.len) {
            rc = redisAsyncCommand(rd->ac,
                                   ngx_http_lambda_redis_setup_handler,
                                   "AUTH", "AUTH %b %b",
                                   rcf->username.data, rcf->username.len,
                                   rcf->password.data, rcf->password.len);

        } else {
            rc = redisAsyncCommand(rd->ac,
                                   ngx_http_lambda_redis_setup_handler,
                                   "AUTH", "AUTH %b",
                                   rcf->password.data, rcf->password.len);
        }

        if (rc != REDIS_OK) {
            goto failed;
        }

        rd->inflight++;
        ngx_http_lambda_stats_redis(NGX_HTTP_LAMBDA_STATS_REDIS_COMMANDS);
    }

    if (rcf->db) {
        if (redisAsyncCommand(rd->ac, ngx_http_lambda_redis_setup_handler,
                              "SELECT", "SELECT %u", (unsigned) rcf->db)
            != REDIS_OK)
        {
            goto failed;
        }

        rd->inflight++;
        ngx_http_lambda_stats_redis(NGX_HTTP_LAMBDA_STATS_REDIS_COMMANDS);
    }

    script = rcf->scripts.elts;

    for (i = 0; i < rcf->scripts.nelts; i++) {
        if (redisAsyncCommand(rd->ac, ngx_http_lambda_redis_setup_handler,
                              "SCRIPT LOAD", "SCRIPT LOAD %b",
                              script[i].text.data, script[i].text.len)
            != REDIS_OK)
        {
            goto failed;
        }

        rd->inflight++;
        ngx_http_lambda_stats_redis(NGX_HTTP_LAMBDA_STATS_REDIS_COMMANDS);
    }

    return;

failed:

    ngx_http_lambda_redis_failure(rd, "out of memory",
                                  NGX_HTTP_LAMBDA_REDIS_CLOSE);
}


static void
ngx_http_lambda_redis_setup_handler(redisAsyncContext *ac, void *r,
    void *privdata)
{
    redisReply               *reply = r;
    ngx_http_lambda_redis_t  *rd;

    rd = &ngx_http_lambda_redis;

    rd->inflight--;

    if (reply == NULL || rd->exiting) {
        ngx_http_lambda_stats_redis(NGX_HTTP_LAMBDA_STATS_REDIS_ERRORS);
        return;
    }

    ngx_http_lambda_redis_alive(rd);

    if (reply->type != REDIS_REPLY_ERROR) {
        return;
    }

    ngx_http_lambda_stats_redis(NGX_HTTP_LAMBDA_STATS_REDIS_ERRORS);

    ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                  "lambda_redis \"%V\" %s failed: %*s",
                  &rd->conf->address, (char *) privdata,
                  (size_t) reply->len, reply->str);

    /* the commands behind it would fail the same way: back off */

    rd->fails = ngx_max(rd->fails, rd->conf->max_fails - 1);

    ngx_http_lambda_redis_failure(rd, (char *) privdata,
                                  NGX_HTTP_LAMBDA_REDIS_CLOSE);
}


static void
ngx_http_lambda_redis_connected(const redisAsyncContext *ac, int status)
{
    ngx_http_lambda_redis_t  *rd;

    rd = &ngx_http_lambda_redis;

    if (rd->connect_timer.timer_set) {
        ngx_del_timer(&rd->connect_timer);
    }

    if (status != REDIS_OK) {
        /* hiredis frees the context after this */
        ngx_http_lambda_redis_failure(rd, ac->errstr,
                                      NGX_HTTP_LAMBDA_REDIS_GONE);
        return;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, rd->log, 0,
                   "lambda redis connected to \"%V\"", &rd->conf->address);

    rd->connected = 1;

    if (rd->connections++) {
        ngx_http_lambda_stats_redis(NGX_HTTP_LAMBDA_STATS_REDIS_RECONNECTS);
    }
}


static void
ngx_http_lambda_redis_disconnected(const redisAsyncContext *ac, int status)
{
    ngx_http_lambda_redis_t  *rd;

    rd = &ngx_http_lambda_redis;

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, rd->log, 0,
                   "lambda redis disconnected, status:%d err:%d",
                   status, ac->err);

    if (status != REDIS_OK && !rd->exiting) {
        ngx_http_lambda_redis_failure(rd, ac->errstr[0] ? ac->errstr
                                                        : "disconnected",
                                      NGX_HTTP_LAMBDA_REDIS_GONE);
    }
}


static void
ngx_http_lambda_redis_connect_timeout(ngx_event_t *ev)
{
    ngx_http_lambda_redis_t  *rd;

    rd = ev->data;

    ngx_http_lambda_redis_failure(rd, "connect timed out",
                                  NGX_HTTP_LAMBDA_REDIS_CLOSE);
}


/* frees the context; the pending commands are answered with "lost" */

static void
ngx_http_lambda_redis_close(ngx_http_lambda_redis_t *rd)
{
    redisAsyncContext  *ac;

    ac = rd->ac;

    if (ac == NULL) {
        return;
    }

    /* no new command goes to a context being freed */

    rd->connected = 0;

    redisAsyncFree(ac);
}


/* the event library adapter */

static void
ngx_http_lambda_redis_add_read(void *data)
{
    ngx_http_lambda_redis_t *rd = data;

    if (rd->c == NULL || rd->c->read->active) {
        return;
    }

    if (ngx_add_event(rd->c->read, NGX_READ_EVENT, NGX_LEVEL_EVENT)
        != NGX_OK)
    {
        ngx_log_error(NGX_LOG_ALERT, rd->log, 0,
                      "lambda_redis: could not add the read event");
    }
}


static void
ngx_http_lambda_redis_del_read(void *data)
{
    ngx_http_lambda_redis_t *rd = data;

    if (rd->c && rd->c->read->active) {
        (void) ngx_del_event(rd->c->read, NGX_READ_EVENT, 0);
    }
}


static void
ngx_http_lambda_redis_add_write(void *data)
{
    ngx_http_lambda_redis_t *rd = data;

    if (rd->c == NULL) {
        return;
    }

    if (rd->connected && !rd->writing) {

        /* flushed once at the end of this turn of the event loop */

        if (!rd->flush.posted) {
            ngx_post_event(&rd->flush, &ngx_posted_events);
        }

        return;
    }

    if (rd->c->write->active) {
        return;
    }

    if (ngx_add_event(rd->c->write, NGX_WRITE_EVENT, NGX_LEVEL_EVENT)
        != NGX_OK)
    {
        ngx_log_error(NGX_LOG_ALERT, rd->log, 0,
                      "lambda_redis: could not add the write event");
    }
}


static void
ngx_http_lambda_redis_del_write(void *data)
{
    ngx_http_lambda_redis_t *rd = data;

    if (rd->c && rd->c->write->active) {
        (void) ngx_del_event(rd->c->write, NGX_WRITE_EVENT, 0);
    }
}


static void
ngx_http_lambda_redis_cleanup(void *data)
{
    ngx_http_lambda_redis_t *rd = data;

    ngx_connection_t  *c;

    c = rd->c;

    ngx_log_debug0(NGX_LOG_DEBUG_HTTP, rd->log, 0,
                   "lambda redis cleanup");

    if (c) {

        /* hiredis closes the socket right after this */

        if (c->read->active) {
            (void) ngx_del_event(c->read, NGX_READ_EVENT, NGX_CLOSE_EVENT);
        }

        if (c->write->active) {
            (void) ngx_del_event(c->write, NGX_WRITE_EVENT, NGX_CLOSE_EVENT);
        }

        if (c->read->posted) {
            ngx_delete_posted_event(c->read);
        }

        if (c->write->posted) {
            ngx_delete_posted_event(c->write);
        }

        ngx_free_connection(c);

        c->fd = (ngx_socket_t) -1;
    }

    if (rd->flush.posted) {
        ngx_delete_posted_event(&rd->flush);
    }

    if (rd->connect_timer.timer_set) {
        ngx_del_timer(&rd->connect_timer);
    }

    rd->ac = NULL;
    rd->c = NULL;
    rd->connected = 0;
}


/*
 * hiredis may free the context inside these calls: neither the context nor
 * the connection is touched after them
 */

static void
ngx_http_lambda_redis_read_handler(ngx_event_t *ev)
{
    ngx_connection_t  *c;

    c = ev->data;

    redisAsyncHandleRead(c->data);
}


static void
ngx_http_lambda_redis_write_handler(ngx_event_t *ev)
{
    ngx_connection_t         *c;
    ngx_http_lambda_redis_t  *rd;

    c = ev->data;
    rd = &ngx_http_lambda_redis;

    rd->writing = 1;
    redisAsyncHandleWrite(c->data);
    rd->writing = 0;
}


static void
ngx_http_lambda_redis_flush_handler(ngx_event_t *ev)
{
    ngx_http_lambda_redis_t  *rd;

    rd = ev->data;

    if (rd->ac == NULL) {
        return;
    }

    rd->writing = 1;
    redisAsyncHandleWrite(rd->ac);
    rd->writing = 0;
}


/* operations */

ngx_http_lambda_redis_op_t *
ngx_http_lambda_redis_op_create(ngx_uint_t n)
{
    ngx_http_lambda_redis_t      *rd;
    ngx_http_lambda_redis_xop_t  *xop;

    rd = &ngx_http_lambda_redis;

    if (rd->conf == NULL || rd->exiting || n > rd->conf->max_commands) {
        return NULL;
    }

    if (rd->ac == NULL) {

        if ((ngx_msec_int_t) (rd->retry_at - ngx_current_msec) > 0) {
            /* the breaker is open */
            return NULL;
        }

        if (ngx_http_lambda_redis_connect(rd) != NGX_OK) {
            return NULL;
        }
    }

    if (rd->inflight + n > rd->conf->max_pending) {
        ngx_http_lambda_redis_degrade(rd, "too many commands in flight");
        return NULL;
    }

    xop = rd->free;

    if (xop) {
        rd->free = xop->next;

    } else {
        xop = ngx_alloc(rd->op_size, rd->log);
        if (xop == NULL) {
            return NULL;
        }
    }

    ngx_memzero(xop, offsetof(ngx_http_lambda_redis_xop_t, cmds));

    xop->timer.handler = ngx_http_lambda_redis_op_timeout;
    xop->timer.data = xop;
    xop->timer.log = rd->log;

    return &xop->op;
}


ngx_int_t
ngx_http_lambda_redis_eval(ngx_http_lambda_redis_op_t *op, ngx_uint_t index,
    ngx_http_lambda_redis_script_t *script, ngx_str_t *key,
    ngx_http_lambda_redis_args_t *args)
{
    ngx_http_lambda_redis_cmd_t  *cmd;
    ngx_http_lambda_redis_xop_t  *xop;

    xop = (ngx_http_lambda_redis_xop_t *) op;

    cmd = &xop->cmds[index];

    cmd->xop = xop;
    cmd->index = index;
    cmd->script = script;
    cmd->key = key;
    cmd->args = args;
    cmd->retried = 0;

    if (ngx_http_lambda_redis_send(cmd, 0) != NGX_OK) {
        return NGX_ERROR;
    }

    xop->pending++;

    return NGX_OK;
}


static ngx_int_t
ngx_http_lambda_redis_send(ngx_http_lambda_redis_cmd_t *cmd, ngx_uint_t eval)
{
    u_char                   *p;
    size_t                    len;
    ngx_http_lambda_redis_t  *rd;

    rd = &ngx_http_lambda_redis;

    if (rd->ac == NULL) {
        return NGX_ERROR;
    }

    p = ngx_http_lambda_redis_format(rd, cmd->script, eval, cmd->key,
                                     cmd->args, &len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    if (redisAsyncFormattedCommand(rd->ac,
                                   ngx_http_lambda_redis_reply_handler, cmd,
                                   (char *) p, len)
        != REDIS_OK)
    {
        return NGX_ERROR;
    }

    rd->inflight++;
    ngx_http_lambda_stats_redis(NGX_HTTP_LAMBDA_STATS_REDIS_COMMANDS);

    return NGX_OK;
}


ngx_int_t
ngx_http_lambda_redis_eval_detached(ngx_http_lambda_redis_script_t *script,
    ngx_str_t *key, ngx_http_lambda_redis_args_t *args)
{
    u_char                   *p;
    size_t                    len;
    ngx_http_lambda_redis_t  *rd;

    rd = &ngx_http_lambda_redis;

    if (rd->conf == NULL || rd->exiting || rd->ac == NULL
        || rd->inflight >= rd->conf->max_pending)
    {
        return NGX_DECLINED;
    }

    /* the script text goes along: there is nobody to retry a NOSCRIPT */

    p = ngx_http_lambda_redis_format(rd, script, 1, key, args, &len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    if (redisAsyncFormattedCommand(rd->ac,
                                   ngx_http_lambda_redis_detached_handler,
                                   NULL, (char *) p, len)
        != REDIS_OK)
    {
        return NGX_ERROR;
    }

    rd->inflight++;
    ngx_http_lambda_stats_redis(NGX_HTTP_LAMBDA_STATS_REDIS_COMMANDS);

    return NGX_OK;
}


ngx_int_t
ngx_http_lambda_redis_op_start(ngx_http_lambda_redis_op_t *op)
{
    ngx_http_lambda_redis_xop_t  *xop;

    xop = (ngx_http_lambda_redis_xop_t *) op;

    if (xop->pending == 0) {
        ngx_http_lambda_redis_op_free(xop);
        return NGX_DECLINED;
    }

    ngx_add_timer(&xop->timer, ngx_http_lambda_redis.conf->timeout);

    xop->start = ngx_http_lambda_redis_usec();

    return NGX_OK;
}


void
ngx_http_lambda_redis_op_cancel(ngx_http_lambda_redis_op_t *op)
{
    ngx_http_lambda_redis_xop_t  *xop;

    xop = (ngx_http_lambda_redis_xop_t *) op;

    if (xop->timer.timer_set) {
        ngx_del_timer(&xop->timer);
    }

    xop->finished = 1;
    xop->op.data = NULL;

    if (xop->pending == 0) {
        ngx_http_lambda_redis_op_free(xop);
    }
}


static void
ngx_http_lambda_redis_reply_handler(redisAsyncContext *ac, void *r,
    void *privdata)
{
    u_char                         *p;
    redisReply                     *reply = r;
    ngx_http_lambda_redis_t        *rd;
    ngx_http_lambda_redis_cmd_t    *cmd;
    ngx_http_lambda_redis_xop_t    *xop;
    ngx_http_lambda_redis_reply_t   view;
    u_char                          errstr[96];

    rd = &ngx_http_lambda_redis;
    cmd = privdata;
    xop = cmd->xop;

    rd->inflight--;

    ngx_str_null(&view.str);
    view.integer = 0;

    if (reply == NULL) {
        view.type = NGX_HTTP_LAMBDA_REDIS_LOST;
        ngx_http_lambda_stats_redis(NGX_HTTP_LAMBDA_STATS_REDIS_ERRORS);

    } else {

        switch (reply->type) {

        case REDIS_REPLY_STRING:
            view.type = NGX_HTTP_LAMBDA_REDIS_STRING;
            break;

        case REDIS_REPLY_STATUS:
            view.type = NGX_HTTP_LAMBDA_REDIS_STATUS;
            break;

        case REDIS_REPLY_INTEGER:
            view.type = NGX_HTTP_LAMBDA_REDIS_INTEGER;
            view.integer = reply->integer;
            break;

        case REDIS_REPLY_NIL:
            view.type = NGX_HTTP_LAMBDA_REDIS_NIL;
            break;

        case REDIS_REPLY_ARRAY:
            view.type = NGX_HTTP_LAMBDA_REDIS_ARRAY;
            break;

        default: /* REDIS_REPLY_ERROR */
            view.type = NGX_HTTP_LAMBDA_REDIS_ERROR;
            break;
        }

        if (reply->type != REDIS_REPLY_INTEGER
            && reply->type != REDIS_REPLY_ARRAY)
        {
            view.str.data = (u_char *) reply->str;
            view.str.len = reply->len;
        }

        /* the connection works, whatever the reply */

        ngx_http_lambda_redis_alive(rd);

        if (view.type != NGX_HTTP_LAMBDA_REDIS_ERROR) {
            ngx_http_lambda_redis_recover(rd);

        } else {
            ngx_http_lambda_stats_redis(NGX_HTTP_LAMBDA_STATS_REDIS_ERRORS);
        }
    }

    if (!xop->finished) {

        if (view.type == NGX_HTTP_LAMBDA_REDIS_ERROR
            && view.str.len >= 8
            && ngx_strncmp(view.str.data, "NOSCRIPT", 8) == 0
            && !cmd->retried)
        {
            /*
             * the script cache was flushed or Redis restarted: send the
             * script itself, it is cached again for the next EVALSHA
             */

            ngx_log_debug0(NGX_LOG_DEBUG_HTTP, rd->log, 0,
                           "lambda redis NOSCRIPT, retrying with EVAL");

            cmd->retried = 1;

            if (ngx_http_lambda_redis_send(cmd, 1) == NGX_OK) {
                return;
            }
        }

        if (view.type == NGX_HTTP_LAMBDA_REDIS_ERROR && !rd->degraded) {
            p = ngx_snprintf(errstr, sizeof(errstr) - 1, "error reply \"%V\"",
                             &view.str);
            *p = '\0';

            ngx_http_lambda_redis_degrade(rd, (char *) errstr);
        }

        xop->op.reply(&xop->op, cmd->index, &view);
    }

    if (--xop->pending) {
        return;
    }

    if (!xop->finished) {
        if (xop->timer.timer_set) {
            ngx_del_timer(&xop->timer);
        }

        xop->finished = 1;

        ngx_http_lambda_stats_redis_latency(
                             ngx_http_lambda_redis_usec() - xop->start);

        xop->op.done(&xop->op, NGX_OK);
    }

    ngx_http_lambda_redis_op_free(xop);
}


static void
ngx_http_lambda_redis_detached_handler(redisAsyncContext *ac, void *r,
    void *privdata)
{
    ngx_http_lambda_redis_t  *rd;

    rd = &ngx_http_lambda_redis;

    rd->inflight--;

    if (r != NULL) {
        ngx_http_lambda_redis_alive(rd);
    }
}


static void
ngx_http_lambda_redis_op_timeout(ngx_event_t *ev)
{
    ngx_uint_t                    n;
    ngx_http_lambda_redis_t      *rd;
    ngx_http_lambda_redis_xop_t  *xop;

    xop = ev->data;
    rd = &ngx_http_lambda_redis;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, rd->log, 0,
                   "lambda redis operation timed out, %ui pending",
                   xop->pending);

    /* the op stays until its replies arrive or the connection ends */

    for (n = xop->pending; n; n--) {
        ngx_http_lambda_stats_redis(NGX_HTTP_LAMBDA_STATS_REDIS_TIMEOUTS);
    }

    xop->finished = 1;
    xop->op.done(&xop->op, NGX_ETIMEDOUT);

    ngx_http_lambda_redis_failure(rd, "timed out", NGX_HTTP_LAMBDA_REDIS_TRIP);
}


static void
ngx_http_lambda_redis_op_free(ngx_http_lambda_redis_xop_t *xop)
{
    ngx_http_lambda_redis_t  *rd;

    rd = &ngx_http_lambda_redis;

    if (rd->conf == NULL) {
        ngx_free(xop);
        return;
    }

    xop->next = rd->free;
    rd->free = xop;
}


void
ngx_http_lambda_redis_report(const char *reason)
{
    if (ngx_http_lambda_redis.conf) {
        ngx_http_lambda_redis_degrade(&ngx_http_lambda_redis, reason);
    }
}


ngx_msec_t
ngx_http_lambda_redis_retry_in(void)
{
    ngx_msec_int_t            left;
    ngx_http_lambda_redis_t  *rd;

    rd = &ngx_http_lambda_redis;

    left = rd->retry_at - ngx_current_msec;

    return (left > 0) ? (ngx_msec_t) left : 0;
}


/*
 * EVALSHA sha 1 key args..., or EVAL script 1 key args..., in the RESP
 * protocol, into a buffer of the worker that grows when needed: only the
 * key is formatted per call
 */

static u_char *
ngx_http_lambda_redis_format(ngx_http_lambda_redis_t *rd,
    ngx_http_lambda_redis_script_t *script, ngx_uint_t eval, ngx_str_t *key,
    ngx_http_lambda_redis_args_t *args, size_t *len)
{
    u_char     *p;
    size_t      size;
    ngx_str_t  *head;

    head = eval ? &script->eval : &script->evalsha;

    size = sizeof("*\r\n$\r\n\r\n") - 1 + 2 * NGX_SIZE_T_LEN + head->len
           + key->len + args->resp.len;

    if (size > rd->buf_size) {
        size = ngx_max(size, 512);

        p = ngx_alloc(size, rd->log);
        if (p == NULL) {
            return NULL;
        }

        if (rd->buf) {
            ngx_free(rd->buf);
        }

        rd->buf = p;
        rd->buf_size = size;
    }

    p = rd->buf;

    p = ngx_http_lambda_redis_len(p, '*', 4 + args->n);

    p = ngx_cpymem(p, head->data, head->len);

    p = ngx_http_lambda_redis_len(p, '$', key->len);
    p = ngx_cpymem(p, key->data, key->len);
    *p++ = CR; *p++ = LF;

    p = ngx_cpymem(p, args->resp.data, args->resp.len);

    *len = p - rd->buf;

    return rd->buf;
}


/* "$<n>\r\n" or "*<n>\r\n" */

static u_char *
ngx_http_lambda_redis_len(u_char *p, u_char type, size_t n)
{
    u_char   *q;
    u_char    digits[NGX_SIZE_T_LEN];

    q = digits + NGX_SIZE_T_LEN;

    do {
        *--q = (u_char) ('0' + n % 10);
        n /= 10;
    } while (n);

    *p++ = type;
    p = ngx_cpymem(p, q, digits + NGX_SIZE_T_LEN - q);
    *p++ = CR; *p++ = LF;

    return p;
}


/* the circuit breaker */

static void
ngx_http_lambda_redis_failure(ngx_http_lambda_redis_t *rd,
    const char *reason, ngx_uint_t how)
{
    ngx_uint_t                     shift;
    ngx_msec_t                     backoff;
    ngx_http_lambda_redis_conf_t  *rcf;

    rcf = rd->conf;

    if (rd->exiting) {
        return;
    }

    ngx_http_lambda_redis_degrade(rd, reason);

    rd->fails++;

    if (rd->fails < rcf->max_fails) {

        if (how == NGX_HTTP_LAMBDA_REDIS_CLOSE) {
            ngx_http_lambda_redis_close(rd);
        }

        return;
    }

    shift = ngx_min(rd->fails - rcf->max_fails, 16);
    backoff = ngx_min((ngx_msec_t) NGX_HTTP_LAMBDA_REDIS_BACKOFF << shift,
                      rcf->fail_timeout);

    rd->retry_at = ngx_current_msec + backoff;

    if (!rd->open) {
        rd->open = 1;
        ngx_http_lambda_stats_redis_circuit(1);
    }

    ngx_log_debug2(NGX_LOG_DEBUG_HTTP, rd->log, 0,
                   "lambda redis breaker open for %M ms, %ui failures",
                   backoff, rd->fails);

    if (how != NGX_HTTP_LAMBDA_REDIS_GONE) {
        ngx_http_lambda_redis_close(rd);
    }
}


/* a degradation and a recovery are each logged once */

static void
ngx_http_lambda_redis_degrade(ngx_http_lambda_redis_t *rd,
    const char *reason)
{
    if (rd->degraded || rd->exiting) {
        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, rd->log, 0,
                       "lambda redis degraded: %s", reason);
        return;
    }

    rd->degraded = 1;

    ngx_log_error(NGX_LOG_WARN, rd->log, 0,
                  "lambda_redis \"%V\" is unavailable (%s), "
                  "rate limits are degraded", &rd->conf->address, reason);
}


static void
ngx_http_lambda_redis_recover(ngx_http_lambda_redis_t *rd)
{
    if (!rd->degraded || rd->exiting) {
        return;
    }

    rd->degraded = 0;

    ngx_log_error(NGX_LOG_WARN, rd->log, 0,
                  "lambda_redis \"%V\" is available again",
                  &rd->conf->address);
}


/* any reply: the connection works, the breaker closes */

static void
ngx_http_lambda_redis_alive(ngx_http_lambda_redis_t *rd)
{
    rd->fails = 0;

    if (rd->open) {
        rd->open = 0;
        ngx_http_lambda_stats_redis_circuit(-1);
    }
}


static uint64_t
ngx_http_lambda_redis_usec(void)
{
    struct timespec  ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);

    return (uint64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}
