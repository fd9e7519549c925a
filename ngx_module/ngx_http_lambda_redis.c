
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * The Redis client of a worker, on nginx's event loop: nginx's own socket
 * calls and timers, with hiredis as the protocol codec.
 *
 * Commands are written in RESP straight into an output buffer of the
 * worker, from parts prepared at configuration time (only the key and the
 * array header are formatted per command).  The commands queued during
 * one turn of the event loop leave together, in one send(), from a posted
 * event; while sent commands await their replies, new ones wait for the
 * end of that round trip and then leave together, so that under load one
 * call of the script carries what several turns queued (the socket holds
 * at most one round trip; when it is idle nothing waits).  The write
 * event is only armed while connecting or while the socket buffer is
 * full.  Both events are level-triggered: a read takes at most what the
 * receive buffer holds and the rest is signalled again.
 *
 * Replies are decoded by hiredis's reply reader (redisReader), once, with
 * object functions of our own: instead of allocating a redisReply per
 * element they fill the one reply the worker hands to the command's owner
 * (an array is only stepped over; the script answers with one integer).
 * hiredis's async layer is not used: it allocates a callback record and
 * an sds string per command and a redisReply tree per reply, with
 * malloc(), which costs more than the rest of the client.  Redis answers
 * in order: each command waiting for its reply holds one slot of a ring,
 * allocated once, the size of max_pending.  Operation records go back to
 * a free list and are reused; one timer of the worker serves the
 * deadlines of every operation (all have the same timeout, so they expire
 * in the order they started).  Nothing is allocated per command or per
 * reply.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_event.h>
#include <ngx_sha1.h>

#include <hiredis/hiredis.h>

#include "ngx_http_lambda_redis.h"
#include "ngx_http_lambda_stats.h"


/* the first backoff once max_fails is reached; it doubles up to the cap */
#define NGX_HTTP_LAMBDA_REDIS_BACKOFF    100

/* the buffers of the connection; a reply may not be larger than the cap */
#define NGX_HTTP_LAMBDA_REDIS_BUFFER     16384
#define NGX_HTTP_LAMBDA_REDIS_MAX_REPLY  (1024 * 1024)

/* what is kept of a string reply (an error's text, a status) */
#define NGX_HTTP_LAMBDA_REDIS_STRING     256
#define NGX_HTTP_LAMBDA_REDIS_ELT_STRING 64    /* of an element of a batch */

/* the most commands of a turn of the event loop sent as one script call */
#define NGX_HTTP_LAMBDA_REDIS_BATCH      64
#define NGX_HTTP_LAMBDA_REDIS_SLOTS      (2 * NGX_HTTP_LAMBDA_REDIS_BATCH)

/* what a reply answers */
#define NGX_HTTP_LAMBDA_REDIS_COMMAND    0    /* a command of an operation */
#define NGX_HTTP_LAMBDA_REDIS_SETUP      1    /* AUTH, SELECT, SCRIPT LOAD */
#define NGX_HTTP_LAMBDA_REDIS_DETACHED   2

/* how a failure affects the connection */
#define NGX_HTTP_LAMBDA_REDIS_TRIP       0    /* closed if the breaker trips */
#define NGX_HTTP_LAMBDA_REDIS_CLOSE      1    /* closed now */


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
    ngx_queue_t                      queue;     /* of the started ops */
    ngx_msec_t                       deadline;
    uint64_t                         start;     /* sent, usec; 0: not yet */
    ngx_uint_t                       pending;   /* commands in flight */
    ngx_http_lambda_redis_xop_t     *next;      /* in the free list */
    unsigned                         finished:1;
    unsigned                         started:1; /* in the queue */
    ngx_http_lambda_redis_cmd_t      cmds[1];
};


/* a command waiting for its reply */
typedef struct {
    void                            *data;      /* cmd, setup name, NULL */
    ngx_uint_t                       kind;
    ngx_uint_t                       batch;     /* the first of n commands */
    u_short                          entries;   /* the first: keys sent */
    u_short                          entry;     /* the key it is sent as */
    u_short                          rank;      /* among the same key's */
    u_short                          count;
} ngx_http_lambda_redis_wait_t;


typedef struct {
    ngx_http_lambda_redis_conf_t    *conf;
    ngx_log_t                       *log;

    ngx_connection_t                *c;
    ngx_uint_t                       generation; /* of the connection */
    ngx_event_t                      flush;
    ngx_event_t                      timer;      /* the ops' deadlines */
    ngx_queue_t                      ops;        /* started, oldest first */

    ngx_http_lambda_redis_wait_t    *waits;      /* a ring */
    ngx_uint_t                       mask;
    ngx_uint_t                       head;
    ngx_uint_t                       inflight;   /* commands */
    ngx_uint_t                       sent;       /* the first ones, sent */

    ngx_buf_t                        out;

    redisReader                     *reader;     /* of the connection */
    ngx_http_lambda_redis_reply_t    reply;      /* what it decoded */
    u_char                           str[NGX_HTTP_LAMBDA_REDIS_STRING];

    /* the elements of an array reply, one per command of a batch */
    ngx_http_lambda_redis_reply_t    elts[NGX_HTTP_LAMBDA_REDIS_BATCH];
    ngx_uint_t                       nelts;
    u_char                           elt_str[NGX_HTTP_LAMBDA_REDIS_BATCH]
                                            [NGX_HTTP_LAMBDA_REDIS_ELT_STRING];

    /*
     * the batch of this turn: its commands hold the last "batch" slots of
     * the ring and "batch_size" bytes are free in the output buffer for it
     */
    ngx_uint_t                       batch;
    size_t                           batch_size;
    ngx_http_lambda_redis_script_t  *batch_script;

    /* a call without an owner, written out as soon as it is queued */
    ngx_http_lambda_redis_cmd_t      detached;

    uint64_t                         now;        /* of a read, usec */

    ngx_msec_t                       retry_at;
    ngx_uint_t                       fails;      /* consecutive */
    ngx_uint_t                       connections;

    ngx_http_lambda_redis_xop_t     *free;
    size_t                           op_size;

    unsigned                         connected:1;
    unsigned                         unstamped:1; /* ops not sent yet */
    unsigned                         degraded:1;
    unsigned                         open:1;     /* the breaker */
    unsigned                         exiting:1;
} ngx_http_lambda_redis_t;


static ngx_int_t ngx_http_lambda_redis_unix(ngx_conf_t *cf,
    ngx_http_lambda_redis_conf_t *rcf, ngx_str_t *address);

static ngx_int_t ngx_http_lambda_redis_connect(ngx_http_lambda_redis_t *rd);
static ngx_int_t ngx_http_lambda_redis_buffers(ngx_http_lambda_redis_t *rd);
static void ngx_http_lambda_redis_setup(ngx_http_lambda_redis_t *rd);
static void ngx_http_lambda_redis_setup_handler(ngx_http_lambda_redis_t *rd,
    char *name, ngx_http_lambda_redis_reply_t *reply);
static void ngx_http_lambda_redis_close(ngx_http_lambda_redis_t *rd);

static void ngx_http_lambda_redis_read_handler(ngx_event_t *rev);
static ngx_int_t ngx_http_lambda_redis_oversized(redisReader *reader);
static void ngx_http_lambda_redis_write_handler(ngx_event_t *wev);
static void ngx_http_lambda_redis_flush_handler(ngx_event_t *ev);
static void ngx_http_lambda_redis_send(ngx_http_lambda_redis_t *rd);
static void ngx_http_lambda_redis_stamp(ngx_http_lambda_redis_t *rd);
static void *ngx_http_lambda_redis_string(const redisReadTask *task,
    char *str, size_t len);
static void *ngx_http_lambda_redis_array(const redisReadTask *task,
    int elements);
static void *ngx_http_lambda_redis_integer(const redisReadTask *task,
    long long value);
static void *ngx_http_lambda_redis_nil(const redisReadTask *task);
static void ngx_http_lambda_redis_free_object(void *obj);
static void ngx_http_lambda_redis_answer(ngx_http_lambda_redis_t *rd,
    ngx_http_lambda_redis_reply_t *reply);

static ngx_int_t ngx_http_lambda_redis_queue(ngx_http_lambda_redis_t *rd,
    ngx_http_lambda_redis_cmd_t *cmd, ngx_uint_t kind);
static void ngx_http_lambda_redis_seal(ngx_http_lambda_redis_t *rd);
static ngx_inline ngx_uint_t ngx_http_lambda_redis_same(ngx_str_t *a,
    ngx_str_t *b);
static u_char *ngx_http_lambda_redis_slot(u_char *slots,
    ngx_http_lambda_redis_cmd_t **keys, ngx_str_t *key);
static void ngx_http_lambda_redis_dispatch(ngx_http_lambda_redis_t *rd,
    ngx_uint_t kind, void *data, ngx_http_lambda_redis_reply_t *reply);
static ngx_int_t ngx_http_lambda_redis_argv(ngx_http_lambda_redis_t *rd,
    ngx_str_t *argv, ngx_uint_t argc, char *name);
static u_char *ngx_http_lambda_redis_reserve(ngx_http_lambda_redis_t *rd,
    size_t size);
static ngx_inline void ngx_http_lambda_redis_wait(
    ngx_http_lambda_redis_t *rd, ngx_uint_t kind, void *data);
static void ngx_http_lambda_redis_reply_handler(ngx_http_lambda_redis_t *rd,
    ngx_http_lambda_redis_cmd_t *cmd, ngx_http_lambda_redis_reply_t *reply);
static void ngx_http_lambda_redis_unqueue(ngx_http_lambda_redis_xop_t *xop);
static void ngx_http_lambda_redis_op_timeout(ngx_event_t *ev);
static void ngx_http_lambda_redis_op_free(ngx_http_lambda_redis_xop_t *xop);

static ngx_inline u_char *ngx_http_lambda_redis_decimal(u_char *p,
    size_t n);
static ngx_inline u_char *ngx_http_lambda_redis_bulk(u_char *p,
    u_char *data, u_char *last);
static void ngx_http_lambda_redis_failure(ngx_http_lambda_redis_t *rd,
    const char *reason, ngx_uint_t how);
static void ngx_http_lambda_redis_errno(ngx_http_lambda_redis_t *rd,
    ngx_err_t err);
static void ngx_http_lambda_redis_degrade(ngx_http_lambda_redis_t *rd,
    const char *reason);
static void ngx_http_lambda_redis_error_reply(ngx_http_lambda_redis_t *rd,
    ngx_str_t *error);
static void ngx_http_lambda_redis_recover(ngx_http_lambda_redis_t *rd);
static void ngx_http_lambda_redis_alive(ngx_http_lambda_redis_t *rd);
static uint64_t ngx_http_lambda_redis_usec(void);


static ngx_http_lambda_redis_t  ngx_http_lambda_redis;

/* what a read takes from the socket, before the reader copies it */
static u_char  ngx_http_lambda_redis_recv[NGX_HTTP_LAMBDA_REDIS_BUFFER];


static redisReplyObjectFunctions  ngx_http_lambda_redis_objects = {
    ngx_http_lambda_redis_string,
    ngx_http_lambda_redis_array,
    ngx_http_lambda_redis_integer,
    ngx_http_lambda_redis_nil,
    ngx_http_lambda_redis_free_object
};


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

        if (ngx_http_lambda_redis_unix(cf, rcf, &value[1]) != NGX_OK) {
            return NGX_CONF_ERROR;
        }

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

        ngx_inet_set_port(addr.sockaddr, rcf->port);

        rcf->sockaddr = addr.sockaddr;
        rcf->socklen = addr.socklen;
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

    /* "$7\r\nEVALSHA\r\n$40\r\n<sha>\r\n" */

    p = ngx_pnalloc(cf->pool, sizeof("$7\r\nEVALSHA\r\n$40\r\n\r\n") - 1 + 40);
    if (p == NULL) {
        return NULL;
    }

    script->evalsha.data = p;
    p = ngx_cpymem(p, "$7\r\nEVALSHA\r\n$40\r\n",
                   sizeof("$7\r\nEVALSHA\r\n$40\r\n") - 1);
    p = ngx_cpymem(p, script->sha, 40);
    *p++ = CR; *p++ = LF;
    script->evalsha.len = p - script->evalsha.data;

    /* "$4\r\nEVAL\r\n$<len>\r\n<text>\r\n" */

    p = ngx_pnalloc(cf->pool, sizeof("$4\r\nEVAL\r\n$\r\n\r\n") - 1
                              + NGX_SIZE_T_LEN + text->len);
    if (p == NULL) {
        return NULL;
    }

    script->eval.data = p;
    p = ngx_cpymem(p, "$4\r\nEVAL\r\n", sizeof("$4\r\nEVAL\r\n") - 1);
    *p++ = '$';
    p = ngx_http_lambda_redis_decimal(p, text->len);
    *p++ = CR; *p++ = LF;
    p = ngx_cpymem(p, text->data, text->len);
    *p++ = CR; *p++ = LF;
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
        *p++ = '$';
        p = ngx_http_lambda_redis_decimal(p, values[i].len);
        *p++ = CR; *p++ = LF;
        p = ngx_cpymem(p, values[i].data, values[i].len);
        *p++ = CR; *p++ = LF;
    }

    args->resp.len = p - args->resp.data;

    return NGX_OK;
}


static ngx_int_t
ngx_http_lambda_redis_unix(ngx_conf_t *cf, ngx_http_lambda_redis_conf_t *rcf,
    ngx_str_t *address)
{
#if (NGX_HAVE_UNIX_DOMAIN)
    size_t               len;
    struct sockaddr_un  *saun;

    len = ngx_strlen(rcf->path);

    if (len >= sizeof(saun->sun_path)) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "too long path in lambda_redis \"%V\"", address);
        return NGX_ERROR;
    }

    saun = ngx_pcalloc(cf->pool, sizeof(struct sockaddr_un));
    if (saun == NULL) {
        return NGX_ERROR;
    }

    saun->sun_family = AF_UNIX;
    (void) ngx_cpystrn((u_char *) saun->sun_path, rcf->path, len + 1);

    rcf->sockaddr = (struct sockaddr *) saun;
    rcf->socklen = sizeof(struct sockaddr_un);

    return NGX_OK;

#else

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "the unix domain sockets are not supported "
                       "on this platform in lambda_redis \"%V\"", address);
    return NGX_ERROR;

#endif
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

    rd->flush.handler = ngx_http_lambda_redis_flush_handler;
    rd->flush.data = rd;
    rd->flush.log = rd->log;

    /* armed while an op is waiting, it does not hold a worker when idle */

    rd->timer.handler = ngx_http_lambda_redis_op_timeout;
    rd->timer.data = rd;
    rd->timer.log = rd->log;
    rd->timer.cancelable = 1;

    ngx_queue_init(&rd->ops);

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

    if (rd->timer.timer_set) {
        ngx_del_timer(&rd->timer);
    }

    while (rd->free) {
        xop = rd->free;
        rd->free = xop->next;
        ngx_free(xop);
    }

    if (rd->waits) {
        ngx_free(rd->waits);
    }

    if (rd->out.start) {
        ngx_free(rd->out.start);
    }

    ngx_memzero(rd, sizeof(ngx_http_lambda_redis_t));
}


static ngx_int_t
ngx_http_lambda_redis_connect(ngx_http_lambda_redis_t *rd)
{
    int                            rc, value;
    ngx_err_t                      err;
    ngx_socket_t                   s;
    ngx_connection_t              *c;
    ngx_http_lambda_redis_conf_t  *rcf;

    rcf = rd->conf;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, rd->log, 0,
                   "lambda redis connect to \"%V\"", &rcf->address);

    if (ngx_http_lambda_redis_buffers(rd) != NGX_OK) {
        ngx_http_lambda_redis_failure(rd, "out of memory",
                                      NGX_HTTP_LAMBDA_REDIS_CLOSE);
        return NGX_ERROR;
    }

    s = ngx_socket(rcf->sockaddr->sa_family, SOCK_STREAM, 0);

    if (s == (ngx_socket_t) -1) {
        err = ngx_socket_errno;
        ngx_log_error(NGX_LOG_CRIT, rd->log, err,
                      "lambda_redis: " ngx_socket_n " failed");
        ngx_http_lambda_redis_errno(rd, err);
        return NGX_ERROR;
    }

    c = ngx_get_connection(s, rd->log);

    if (c == NULL) {
        if (ngx_close_socket(s) == -1) {
            ngx_log_error(NGX_LOG_CRIT, rd->log, ngx_socket_errno,
                          "lambda_redis: " ngx_close_socket_n " failed");
        }

        ngx_http_lambda_redis_failure(rd, "no free connection",
                                      NGX_HTTP_LAMBDA_REDIS_CLOSE);
        return NGX_ERROR;
    }

    c->data = rd;
    c->log = rd->log;
    c->read->log = rd->log;
    c->write->log = rd->log;
    c->read->handler = ngx_http_lambda_redis_read_handler;
    c->write->handler = ngx_http_lambda_redis_write_handler;
    c->number = ngx_atomic_fetch_add(ngx_connection_counter, 1);

    if (ngx_nonblocking(s) == -1) {
        err = ngx_socket_errno;
        ngx_log_error(NGX_LOG_CRIT, rd->log, err,
                      "lambda_redis: " ngx_nonblocking_n " failed");
        goto failed;
    }

    if (rcf->path == NULL) {
        value = 1;

        (void) setsockopt(s, IPPROTO_TCP, TCP_NODELAY,
                          (const void *) &value, sizeof(int));
        (void) setsockopt(s, SOL_SOCKET, SO_KEEPALIVE,
                          (const void *) &value, sizeof(int));

#if (NGX_HAVE_KEEPALIVE_TUNABLE)

        /* a peer gone without a word is noticed within half a minute */

        value = 15;
        (void) setsockopt(s, IPPROTO_TCP, TCP_KEEPIDLE,
                          (const void *) &value, sizeof(int));

        value = 5;
        (void) setsockopt(s, IPPROTO_TCP, TCP_KEEPINTVL,
                          (const void *) &value, sizeof(int));

        value = 3;
        (void) setsockopt(s, IPPROTO_TCP, TCP_KEEPCNT,
                          (const void *) &value, sizeof(int));
#endif
    }

    rc = connect(s, rcf->sockaddr, rcf->socklen);

    if (rc == -1) {
        err = ngx_socket_errno;

        if (err != NGX_EINPROGRESS) {
            goto failed;
        }
    }

    /* the first write event tells that the connection is established */

    if (ngx_add_event(c->read, NGX_READ_EVENT, NGX_LEVEL_EVENT) != NGX_OK
        || ngx_add_event(c->write, NGX_WRITE_EVENT, NGX_LEVEL_EVENT)
           != NGX_OK)
    {
        ngx_close_connection(c);
        ngx_http_lambda_redis_failure(rd, "could not add events",
                                      NGX_HTTP_LAMBDA_REDIS_CLOSE);
        return NGX_ERROR;
    }

    ngx_add_timer(c->write, rcf->connect_timeout);

    rd->c = c;
    rd->connected = 0;

    ngx_http_lambda_redis_setup(rd);

    return (rd->c == NULL) ? NGX_ERROR : NGX_OK;

failed:

    ngx_close_connection(c);
    ngx_http_lambda_redis_errno(rd, err);

    return NGX_ERROR;
}


/* the ring of waiting commands and the buffers, once per worker */

static ngx_int_t
ngx_http_lambda_redis_buffers(ngx_http_lambda_redis_t *rd)
{
    ngx_uint_t  n, size;

    if (rd->waits == NULL) {

        /* every command in flight, the setup ones included */

        n = rd->conf->max_pending + 2 + rd->conf->scripts.nelts;

        for (size = 1; size < n; size <<= 1) { /* void */ }

        rd->waits = ngx_alloc(size * sizeof(ngx_http_lambda_redis_wait_t),
                              rd->log);
        if (rd->waits == NULL) {
            return NGX_ERROR;
        }

        rd->mask = size - 1;
        rd->head = 0;
    }

    if (rd->out.start == NULL) {
        rd->out.start = ngx_alloc(NGX_HTTP_LAMBDA_REDIS_BUFFER, rd->log);
        if (rd->out.start == NULL) {
            return NGX_ERROR;
        }

        rd->out.pos = rd->out.start;
        rd->out.last = rd->out.start;
        rd->out.end = rd->out.start + NGX_HTTP_LAMBDA_REDIS_BUFFER;
    }

    /* a reader per connection: nothing of a former one is left over */

    if (rd->reader == NULL) {
        rd->reader = redisReaderCreateWithFunctions(
                                          &ngx_http_lambda_redis_objects);
        if (rd->reader == NULL) {
            return NGX_ERROR;
        }

        rd->reader->privdata = rd;
    }

    return NGX_OK;
}


/* AUTH, SELECT and SCRIPT LOAD go first, ahead of any other command */

static void
ngx_http_lambda_redis_setup(ngx_http_lambda_redis_t *rd)
{
    u_char                          *p;
    ngx_uint_t                       i, n;
    ngx_str_t                        argv[3];
    ngx_http_lambda_redis_conf_t    *rcf;
    ngx_http_lambda_redis_script_t  *script;
    u_char                           db[NGX_INT_T_LEN];

    rcf = rd->conf;

    if (rcf->password.len) {
        n = 0;

        ngx_str_set(&argv[n], "AUTH");
        n++;

        if (rcf->username.len) {
            argv[n++] = rcf->username;
        }

        argv[n++] = rcf->password;

        if (ngx_http_lambda_redis_argv(rd, argv, n, "AUTH") != NGX_OK) {
            goto failed;
        }
    }

    if (rcf->db) {
        ngx_str_set(&argv[0], "SELECT");

        p = ngx_sprintf(db, "%ui", rcf->db);
        argv[1].data = db;
        argv[1].len = p - db;

        if (ngx_http_lambda_redis_argv(rd, argv, 2, "SELECT") != NGX_OK) {
            goto failed;
        }
    }

    ngx_str_set(&argv[0], "SCRIPT");
    ngx_str_set(&argv[1], "LOAD");

    script = rcf->scripts.elts;

    for (i = 0; i < rcf->scripts.nelts; i++) {
        argv[2] = script[i].text;

        if (ngx_http_lambda_redis_argv(rd, argv, 3, "SCRIPT LOAD")
            != NGX_OK)
        {
            goto failed;
        }
    }

    return;

failed:

    ngx_http_lambda_redis_failure(rd, "out of memory",
                                  NGX_HTTP_LAMBDA_REDIS_CLOSE);
}


static void
ngx_http_lambda_redis_setup_handler(ngx_http_lambda_redis_t *rd, char *name,
    ngx_http_lambda_redis_reply_t *reply)
{
    if (reply->type == NGX_HTTP_LAMBDA_REDIS_LOST) {
        ngx_http_lambda_stats_redis(NGX_HTTP_LAMBDA_STATS_REDIS_ERRORS);
        return;
    }

    if (rd->exiting) {
        return;
    }

    ngx_http_lambda_redis_alive(rd);

    if (reply->type != NGX_HTTP_LAMBDA_REDIS_ERROR) {
        return;
    }

    ngx_http_lambda_stats_redis(NGX_HTTP_LAMBDA_STATS_REDIS_ERRORS);

    ngx_log_error(NGX_LOG_ERR, rd->log, 0,
                  "lambda_redis \"%V\" %s failed: %V",
                  &rd->conf->address, name, &reply->str);

    /* the commands behind it would fail the same way: back off */

    rd->fails = ngx_max(rd->fails, rd->conf->max_fails - 1);

    ngx_http_lambda_redis_failure(rd, name, NGX_HTTP_LAMBDA_REDIS_CLOSE);
}


/*
 * Closes the connection; every command still waiting is answered "lost",
 * in order.  The reader goes with the connection, and an output buffer
 * grown beyond its first size is given back.
 */

static void
ngx_http_lambda_redis_close(ngx_http_lambda_redis_t *rd)
{
    ngx_http_lambda_redis_reply_t  lost;

    if (rd->c) {
        ngx_log_debug0(NGX_LOG_DEBUG_HTTP, rd->log, 0,
                       "lambda redis close");

        ngx_close_connection(rd->c);

        rd->c = NULL;
        rd->connected = 0;
        rd->generation++;
    }

    if (rd->flush.posted) {
        ngx_delete_posted_event(&rd->flush);
    }

    if (rd->out.end - rd->out.start > NGX_HTTP_LAMBDA_REDIS_BUFFER) {
        ngx_free(rd->out.start);
        ngx_memzero(&rd->out, sizeof(ngx_buf_t));
    }

    if (rd->reader) {
        redisReaderFree(rd->reader);
        rd->reader = NULL;
    }

    rd->out.pos = rd->out.start;
    rd->out.last = rd->out.start;

    /* the commands of the open batch are answered "lost" with the others */

    rd->batch = 0;
    rd->batch_size = 0;
    rd->sent = 0;

    ngx_memzero(&lost, sizeof(ngx_http_lambda_redis_reply_t));
    lost.type = NGX_HTTP_LAMBDA_REDIS_LOST;

    rd->now = 0;

    while (rd->inflight) {
        ngx_http_lambda_redis_answer(rd, &lost);
    }
}


/* the events of the connection */

static void
ngx_http_lambda_redis_read_handler(ngx_event_t *rev)
{
    void                     *obj;
    ssize_t                   n;
    ngx_err_t                 err;
    ngx_uint_t                generation;
    redisReader              *reader;
    ngx_connection_t         *c;
    ngx_http_lambda_redis_t  *rd;

    c = rev->data;
    rd = c->data;

    rd->now = 0;

    n = recv(c->fd, ngx_http_lambda_redis_recv,
             sizeof(ngx_http_lambda_redis_recv), 0);

    if (n == -1) {
        err = ngx_socket_errno;

        if (err == NGX_EAGAIN || err == NGX_EINTR) {
            return;
        }

        ngx_http_lambda_redis_errno(rd, err);
        return;
    }

    if (n == 0) {
        ngx_http_lambda_redis_failure(rd, "connection closed by the server",
                                      NGX_HTTP_LAMBDA_REDIS_CLOSE);
        return;
    }

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, rd->log, 0,
                   "lambda redis recv: %z", n);

    reader = rd->reader;

    if (redisReaderFeed(reader, (char *) ngx_http_lambda_redis_recv, n)
        != REDIS_OK)
    {
        ngx_http_lambda_redis_failure(rd, reader->errstr,
                                      NGX_HTTP_LAMBDA_REDIS_CLOSE);
        return;
    }

    generation = rd->generation;

    for ( ;; ) {
        if (redisReaderGetReply(reader, &obj) != REDIS_OK) {
            ngx_http_lambda_redis_failure(rd, reader->errstr,
                                          NGX_HTTP_LAMBDA_REDIS_CLOSE);
            return;
        }

        if (obj == NULL) {
            break;
        }

        if (rd->inflight == 0) {
            ngx_http_lambda_redis_failure(rd, "Protocol error, a reply "
                                          "without a command",
                                          NGX_HTTP_LAMBDA_REDIS_CLOSE);
            return;
        }

        ngx_http_lambda_redis_answer(rd, &rd->reply);

        if (rd->generation != generation) {
            /* closed meanwhile */
            return;
        }

        if (reader->pos == reader->len) {
            /* every byte read is decoded */
            break;
        }
    }

    if (reader->pos < reader->len && ngx_http_lambda_redis_oversized(reader))
    {
        ngx_http_lambda_redis_failure(rd, "Protocol error, a reply larger "
                                      "than 1m",
                                      NGX_HTTP_LAMBDA_REDIS_CLOSE);
        return;
    }

    /*
     * the round trip is over: what was queued meanwhile leaves at the end
     * of this turn, with what the turn adds
     */

    if (rd->sent == 0 && rd->inflight && !rd->flush.posted
        && !c->write->active)
    {
        ngx_post_event(&rd->flush, &ngx_posted_events);
    }
}


/*
 * The reader keeps an incomplete reply until its last byte comes: none
 * is awaited beyond the cap, whether its bytes are already there or only
 * announced by a bulk string's length
 */

static ngx_int_t
ngx_http_lambda_redis_oversized(redisReader *reader)
{
    u_char  *p, *last;
    size_t   len;

    if (reader->len - reader->pos > NGX_HTTP_LAMBDA_REDIS_MAX_REPLY) {
        return 1;
    }

    if (reader->ridx < 0
        || reader->rstack[reader->ridx].type != REDIS_REPLY_STRING)
    {
        return 0;
    }

    /* the digits of "$<length>\r\n" after the type byte */

    p = (u_char *) reader->buf + reader->pos;
    last = (u_char *) reader->buf + reader->len;

    for (len = 0; p < last && *p >= '0' && *p <= '9'; p++) {
        len = len * 10 + (*p - '0');

        if (len > NGX_HTTP_LAMBDA_REDIS_MAX_REPLY) {
            return 1;
        }
    }

    return 0;
}


static void
ngx_http_lambda_redis_write_handler(ngx_event_t *wev)
{
    int                       err;
    socklen_t                 len;
    ngx_connection_t         *c;
    ngx_http_lambda_redis_t  *rd;

    c = wev->data;
    rd = c->data;

    if (!rd->connected) {

        if (wev->timedout) {
            ngx_http_lambda_redis_failure(rd, "connect timed out",
                                          NGX_HTTP_LAMBDA_REDIS_CLOSE);
            return;
        }

        err = 0;
        len = sizeof(int);

        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, (void *) &err, &len)
            == -1)
        {
            err = ngx_socket_errno;
        }

        if (err) {
            ngx_http_lambda_redis_errno(rd, err);
            return;
        }

        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, rd->log, 0,
                       "lambda redis connected to \"%V\"",
                       &rd->conf->address);

        if (wev->timer_set) {
            ngx_del_timer(wev);
        }

        rd->connected = 1;

        if (rd->connections++) {
            ngx_http_lambda_stats_redis(NGX_HTTP_LAMBDA_STATS_REDIS_RECONNECTS);
        }
    }

    ngx_http_lambda_redis_send(rd);
}


/* the end of a turn of the event loop: its commands leave together */

static void
ngx_http_lambda_redis_flush_handler(ngx_event_t *ev)
{
    ngx_http_lambda_redis_t  *rd;

    rd = ev->data;

    if (rd->connected && !rd->c->write->active && rd->sent == 0) {
        ngx_http_lambda_redis_send(rd);
    }
}


/*
 * Sends what the output buffer holds; if the socket cannot take it all,
 * the write event is armed until it can, then disarmed.
 */

static void
ngx_http_lambda_redis_send(ngx_http_lambda_redis_t *rd)
{
    ssize_t            n;
    ngx_err_t          err;
    ngx_connection_t  *c;

    c = rd->c;

    ngx_http_lambda_redis_seal(rd);

    /* the write event finishes what the socket does not take now */
    rd->sent = rd->inflight;

    if (rd->unstamped) {
        ngx_http_lambda_redis_stamp(rd);
    }

    while (rd->out.pos < rd->out.last) {

        n = send(c->fd, rd->out.pos, rd->out.last - rd->out.pos, 0);

        ngx_log_debug2(NGX_LOG_DEBUG_HTTP, rd->log, 0,
                       "lambda redis send: %z of %z",
                       n, rd->out.last - rd->out.pos);

        if (n > 0) {
            rd->out.pos += n;
            continue;
        }

        err = ngx_socket_errno;

        if (n == -1 && err == NGX_EINTR) {
            continue;
        }

        if (n == -1 && err == NGX_EAGAIN) {

            if (!c->write->active
                && ngx_add_event(c->write, NGX_WRITE_EVENT, NGX_LEVEL_EVENT)
                   != NGX_OK)
            {
                ngx_http_lambda_redis_failure(rd, "could not add an event",
                                              NGX_HTTP_LAMBDA_REDIS_CLOSE);
            }

            return;
        }

        ngx_http_lambda_redis_errno(rd, err);
        return;
    }

    rd->out.pos = rd->out.start;
    rd->out.last = rd->out.start;

    if (c->write->active
        && ngx_del_event(c->write, NGX_WRITE_EVENT, 0) != NGX_OK)
    {
        ngx_http_lambda_redis_failure(rd, "could not delete an event",
                                      NGX_HTTP_LAMBDA_REDIS_CLOSE);
    }
}


/* the ops started since the last send() leave now: their round trip starts */

static void
ngx_http_lambda_redis_stamp(ngx_http_lambda_redis_t *rd)
{
    uint64_t                      now;
    ngx_queue_t                  *q;
    ngx_http_lambda_redis_xop_t  *xop;

    rd->unstamped = 0;

    now = ngx_http_lambda_redis_usec();

    for (q = ngx_queue_last(&rd->ops);
         q != ngx_queue_sentinel(&rd->ops);
         q = ngx_queue_prev(q))
    {
        xop = ngx_queue_data(q, ngx_http_lambda_redis_xop_t, queue);

        if (xop->start) {
            break;
        }

        xop->start = now;
    }
}


/*
 * The object functions of the reader fill the reply to hand over, and for
 * an array the elements of the first level (a batch answers with one
 * element per command); deeper elements are stepped over.  Strings are
 * copied, cut to NGX_HTTP_LAMBDA_REDIS_STRING bytes (an element's to
 * NGX_HTTP_LAMBDA_REDIS_ELT_STRING): the reader may move its buffer
 * before the reply is handed over.  None of them fails.
 */

static ngx_http_lambda_redis_reply_t *
ngx_http_lambda_redis_object(const redisReadTask *task,
    ngx_http_lambda_redis_type_e type)
{
    ngx_http_lambda_redis_t        *rd;
    ngx_http_lambda_redis_reply_t  *reply;

    rd = task->privdata;

    if (task->parent == NULL) {
        reply = &rd->reply;

    } else if (task->parent->parent == NULL
               && task->idx >= 0 && task->idx < NGX_HTTP_LAMBDA_REDIS_BATCH)
    {
        reply = &rd->elts[task->idx];
        rd->nelts = task->idx + 1;

    } else {
        return NULL;
    }

    reply->type = type;
    reply->integer = 0;
    ngx_str_null(&reply->str);

    return reply;
}


static void *
ngx_http_lambda_redis_string(const redisReadTask *task, char *str,
    size_t len)
{
    ngx_http_lambda_redis_t        *rd;
    ngx_http_lambda_redis_reply_t  *reply;

    rd = task->privdata;

    reply = ngx_http_lambda_redis_object(task,
                            (task->type == REDIS_REPLY_ERROR)
                            ? NGX_HTTP_LAMBDA_REDIS_ERROR
                            : (task->type == REDIS_REPLY_STATUS)
                              ? NGX_HTTP_LAMBDA_REDIS_STATUS
                              : NGX_HTTP_LAMBDA_REDIS_STRING);

    if (reply == &rd->reply) {
        reply->str.len = ngx_min(len, NGX_HTTP_LAMBDA_REDIS_STRING);
        reply->str.data = rd->str;

    } else if (reply) {
        reply->str.len = ngx_min(len, NGX_HTTP_LAMBDA_REDIS_ELT_STRING);
        reply->str.data = rd->elt_str[task->idx];

    } else {
        return rd;
    }

    ngx_memcpy(reply->str.data, str, reply->str.len);

    return rd;
}


static void *
ngx_http_lambda_redis_array(const redisReadTask *task, int elements)
{
    ngx_http_lambda_redis_t        *rd;
    ngx_http_lambda_redis_reply_t  *reply;

    rd = task->privdata;

    reply = ngx_http_lambda_redis_object(task, NGX_HTTP_LAMBDA_REDIS_ARRAY);

    if (reply == &rd->reply) {
        reply->integer = elements;
        rd->nelts = 0;
    }

    return rd;
}


static void *
ngx_http_lambda_redis_integer(const redisReadTask *task, long long value)
{
    ngx_http_lambda_redis_reply_t  *reply;

    reply = ngx_http_lambda_redis_object(task, NGX_HTTP_LAMBDA_REDIS_INTEGER);

    if (reply) {
        reply->integer = value;
    }

    return task->privdata;
}


static void *
ngx_http_lambda_redis_nil(const redisReadTask *task)
{
    (void) ngx_http_lambda_redis_object(task, NGX_HTTP_LAMBDA_REDIS_NIL);

    return task->privdata;
}


static void
ngx_http_lambda_redis_free_object(void *obj)
{
    /* the reply lives in the worker's client */
}


/*
 * The reply goes to the oldest command waiting; the reply of a batch (an
 * array) is shared out, element i to its command i.  A batch that cannot
 * be answered element by element (an error, another shape) gives each of
 * its commands the whole reply; a lost one is answered slot by slot.
 */

static void
ngx_http_lambda_redis_answer(ngx_http_lambda_redis_t *rd,
    ngx_http_lambda_redis_reply_t *reply)
{
    ngx_uint_t                      i, n, m, whole;
    ngx_http_lambda_redis_reply_t  *elt;
    ngx_http_lambda_redis_wait_t   *wait;
    ngx_http_lambda_redis_wait_t    waits[NGX_HTTP_LAMBDA_REDIS_BATCH];

    wait = &rd->waits[rd->head];
    n = wait->batch;

    reply->rank = 0;
    reply->count = 1;

    if (n == 0 || reply->type == NGX_HTTP_LAMBDA_REDIS_LOST) {
        waits[0] = *wait;

        rd->head = (rd->head + 1) & rd->mask;
        rd->inflight--;
        rd->sent -= ngx_min(rd->sent, 1);

        ngx_http_lambda_redis_dispatch(rd, waits[0].kind, waits[0].data,
                                       reply);
        return;
    }

    /* every slot is free before a handler may queue a command again */

    for (i = 0; i < n; i++) {
        waits[i] = rd->waits[(rd->head + i) & rd->mask];
    }

    rd->head = (rd->head + n) & rd->mask;
    rd->inflight -= n;
    rd->sent -= ngx_min(rd->sent, n);

    m = waits[0].entries;

    whole = (reply->type == NGX_HTTP_LAMBDA_REDIS_ARRAY
             && reply->integer == (long long) m && rd->nelts == m);

    for (i = 0; i < n; i++) {
        elt = reply;

        if (whole) {
            elt = &rd->elts[waits[i].entry];
            elt->rank = waits[i].rank;
            elt->count = waits[i].count;
        }

        ngx_http_lambda_redis_dispatch(rd, waits[i].kind, waits[i].data, elt);
    }
}


static void
ngx_http_lambda_redis_dispatch(ngx_http_lambda_redis_t *rd, ngx_uint_t kind,
    void *data, ngx_http_lambda_redis_reply_t *reply)
{
    switch (kind) {

    case NGX_HTTP_LAMBDA_REDIS_COMMAND:
        ngx_http_lambda_redis_reply_handler(rd, data, reply);
        break;

    case NGX_HTTP_LAMBDA_REDIS_SETUP:
        ngx_http_lambda_redis_setup_handler(rd, data, reply);
        break;

    default: /* NGX_HTTP_LAMBDA_REDIS_DETACHED */

        if (reply->type != NGX_HTTP_LAMBDA_REDIS_LOST) {
            ngx_http_lambda_redis_alive(rd);
        }

        break;
    }
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

    if (rd->c == NULL) {

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

    xop->op.data = NULL;
    xop->pending = 0;
    xop->finished = 0;
    xop->started = 0;

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

    if (ngx_http_lambda_redis_queue(&ngx_http_lambda_redis, cmd,
                                    NGX_HTTP_LAMBDA_REDIS_COMMAND)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    xop->pending++;

    return NGX_OK;
}


ngx_int_t
ngx_http_lambda_redis_eval_detached(ngx_http_lambda_redis_script_t *script,
    ngx_str_t *key, ngx_http_lambda_redis_args_t *args)
{
    ngx_http_lambda_redis_t  *rd;

    rd = &ngx_http_lambda_redis;

    if (rd->conf == NULL || rd->exiting || rd->c == NULL
        || rd->inflight >= rd->conf->max_pending)
    {
        return NGX_DECLINED;
    }

    /*
     * a batch of its own, written out now (the key is the caller's), with
     * the script text: there is nobody to retry a NOSCRIPT
     */

    ngx_http_lambda_redis_seal(rd);

    rd->detached.script = script;
    rd->detached.key = key;
    rd->detached.args = args;
    rd->detached.retried = 1;

    if (ngx_http_lambda_redis_queue(rd, &rd->detached,
                                    NGX_HTTP_LAMBDA_REDIS_DETACHED)
        != NGX_OK)
    {
        return NGX_ERROR;
    }

    ngx_http_lambda_redis_seal(rd);

    return NGX_OK;
}


ngx_int_t
ngx_http_lambda_redis_op_start(ngx_http_lambda_redis_op_t *op)
{
    ngx_http_lambda_redis_t      *rd;
    ngx_http_lambda_redis_xop_t  *xop;

    xop = (ngx_http_lambda_redis_xop_t *) op;
    rd = &ngx_http_lambda_redis;

    if (xop->pending == 0) {
        ngx_http_lambda_redis_op_free(xop);
        return NGX_DECLINED;
    }

    /*
     * the deadlines come in order: the timer is set for the oldest op, or
     * for an earlier one already done (it is then moved when it fires)
     */

    xop->deadline = ngx_current_msec + rd->conf->timeout;
    xop->started = 1;

    ngx_queue_insert_tail(&rd->ops, &xop->queue);

    rd->timer.cancelable = 0;

    if (!rd->timer.timer_set) {
        ngx_add_timer(&rd->timer, rd->conf->timeout);
    }

    /* the round trip is measured from the send() of its batch */

    xop->start = 0;
    rd->unstamped = 1;

    return NGX_OK;
}


void
ngx_http_lambda_redis_op_cancel(ngx_http_lambda_redis_op_t *op)
{
    ngx_http_lambda_redis_xop_t  *xop;

    xop = (ngx_http_lambda_redis_xop_t *) op;

    /* the keys and arguments of its commands are the owner's */

    ngx_http_lambda_redis_seal(&ngx_http_lambda_redis);

    ngx_http_lambda_redis_unqueue(xop);

    xop->finished = 1;
    xop->op.data = NULL;

    if (xop->pending == 0) {
        ngx_http_lambda_redis_op_free(xop);
    }
}


/* an op is no longer waited for */

static void
ngx_http_lambda_redis_unqueue(ngx_http_lambda_redis_xop_t *xop)
{
    if (!xop->started) {
        return;
    }

    xop->started = 0;

    ngx_queue_remove(&xop->queue);

    if (ngx_queue_empty(&ngx_http_lambda_redis.ops)) {
        /* the timer stays, but no longer holds an exiting worker */
        ngx_http_lambda_redis.timer.cancelable = 1;
    }
}


static void
ngx_http_lambda_redis_reply_handler(ngx_http_lambda_redis_t *rd,
    ngx_http_lambda_redis_cmd_t *cmd, ngx_http_lambda_redis_reply_t *reply)
{
    ngx_http_lambda_redis_xop_t  *xop;

    xop = cmd->xop;

    if (reply->type == NGX_HTTP_LAMBDA_REDIS_LOST) {
        ngx_http_lambda_stats_redis(NGX_HTTP_LAMBDA_STATS_REDIS_ERRORS);

    } else {

        /* the connection works, whatever the reply */

        ngx_http_lambda_redis_alive(rd);

        if (reply->type != NGX_HTTP_LAMBDA_REDIS_ERROR) {
            ngx_http_lambda_redis_recover(rd);

        } else {
            ngx_http_lambda_stats_redis(NGX_HTTP_LAMBDA_STATS_REDIS_ERRORS);
        }
    }

    if (!xop->finished) {

        if (reply->type == NGX_HTTP_LAMBDA_REDIS_ERROR
            && reply->str.len >= 8
            && ngx_strncmp(reply->str.data, "NOSCRIPT", 8) == 0
            && !cmd->retried)
        {
            /*
             * the script cache was flushed or Redis restarted: send the
             * script itself, it is cached again for the next EVALSHA
             */

            ngx_log_debug0(NGX_LOG_DEBUG_HTTP, rd->log, 0,
                           "lambda redis NOSCRIPT, retrying with EVAL");

            cmd->retried = 1;

            if (ngx_http_lambda_redis_queue(rd, cmd,
                                            NGX_HTTP_LAMBDA_REDIS_COMMAND)
                == NGX_OK)
            {
                return;
            }
        }

        if (reply->type == NGX_HTTP_LAMBDA_REDIS_ERROR && !rd->degraded) {
            ngx_http_lambda_redis_error_reply(rd, &reply->str);
        }

        xop->op.reply(&xop->op, cmd->index, reply);
    }

    if (--xop->pending) {
        return;
    }

    if (!xop->finished) {
        ngx_http_lambda_redis_unqueue(xop);

        xop->finished = 1;

        if (xop->start) {

            /* one clock reading serves every reply of a read */

            if (rd->now == 0) {
                rd->now = ngx_http_lambda_redis_usec();
            }

            ngx_http_lambda_stats_redis_latency(rd->now - xop->start);
        }

        xop->op.done(&xop->op, NGX_OK);
    }

    ngx_http_lambda_redis_op_free(xop);
}


/*
 * The timer of the oldest ops: those past their deadline are done with
 * NGX_ETIMEDOUT (each counts as a failure); the timer is set again for
 * the next one.
 */

static void
ngx_http_lambda_redis_op_timeout(ngx_event_t *ev)
{
    ngx_uint_t                    n;
    ngx_queue_t                  *q;
    ngx_msec_int_t                left;
    ngx_http_lambda_redis_t      *rd;
    ngx_http_lambda_redis_xop_t  *xop;

    rd = ev->data;

    /* the keys of an op that times out are its owner's: written out now */

    ngx_http_lambda_redis_seal(rd);

    while (!ngx_queue_empty(&rd->ops)) {

        q = ngx_queue_head(&rd->ops);
        xop = ngx_queue_data(q, ngx_http_lambda_redis_xop_t, queue);

        left = (ngx_msec_int_t) (xop->deadline - ngx_current_msec);

        if (left > 0) {
            ngx_add_timer(&rd->timer, (ngx_msec_t) left);
            return;
        }

        ngx_log_debug1(NGX_LOG_DEBUG_HTTP, rd->log, 0,
                       "lambda redis operation timed out, %ui pending",
                       xop->pending);

        ngx_http_lambda_redis_unqueue(xop);

        /* the op stays until its replies arrive or the connection ends */

        for (n = xop->pending; n; n--) {
            ngx_http_lambda_stats_redis(NGX_HTTP_LAMBDA_STATS_REDIS_TIMEOUTS);
        }

        xop->finished = 1;
        xop->op.done(&xop->op, NGX_ETIMEDOUT);

        ngx_http_lambda_redis_failure(rd, "timed out",
                                      NGX_HTTP_LAMBDA_REDIS_TRIP);
    }

    rd->timer.cancelable = 1;
}


static void
ngx_http_lambda_redis_op_free(ngx_http_lambda_redis_xop_t *xop)
{
    ngx_http_lambda_redis_t  *rd;

    rd = &ngx_http_lambda_redis;

    ngx_http_lambda_redis_unqueue(xop);

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


/* commands */

/*
 * A command of an operation joins the batch of this turn: the commands of
 * one script queued during a turn of the event loop leave as one call of
 * the script with all their keys (KEYS[i], and the arguments of key i in
 * ARGV, key after key).  Its slot in the ring is taken now and room is
 * kept for it in the output buffer, so that sealing the batch never fails.
 */

static ngx_int_t
ngx_http_lambda_redis_queue(ngx_http_lambda_redis_t *rd,
    ngx_http_lambda_redis_cmd_t *cmd, ngx_uint_t kind)
{
    size_t  size;

    if (rd->batch
        && (rd->batch_script != cmd->script
            || rd->batch == NGX_HTTP_LAMBDA_REDIS_BATCH))
    {
        ngx_http_lambda_redis_seal(rd);
    }

    if (rd->c == NULL || rd->inflight > rd->mask) {
        return NGX_ERROR;
    }

    /* the key, its arguments and its count */

    size = 2 * (sizeof("$\r\n\r\n") - 1 + NGX_SIZE_T_LEN) + NGX_INT_T_LEN
           + cmd->key->len + cmd->args->resp.len;

    if (rd->batch == 0) {
        /* the header: "*N", EVAL with the script text at worst, numkeys */
        size += 2 * (sizeof("*\r\n$\r\n\r\n") - 1 + NGX_SIZE_T_LEN)
                + cmd->script->eval.len;
    }

    if ((size_t) (rd->out.end - rd->out.last) < rd->batch_size + size
        && ngx_http_lambda_redis_reserve(rd, rd->batch_size + size) == NULL)
    {
        return NGX_ERROR;
    }

    ngx_http_lambda_redis_wait(rd, kind, cmd);

    rd->batch++;
    rd->batch_size += size;
    rd->batch_script = cmd->script;

    return NGX_OK;
}


/*
 * The open batch goes into the output buffer.  Commands with the same key
 * and the same arguments are sent as one key whose count of calls follows
 * its arguments; the script decides them one after the other and answers
 * once for them, and each is told its rank.  A command only joins the
 * last key sent for its key so far: the order of the calls of one key is
 * kept.
 */

static void
ngx_http_lambda_redis_seal(ngx_http_lambda_redis_t *rd)
{
    u_char                          *p, *slot;
    ngx_str_t                       *head, *key;
    ngx_uint_t                       i, e, n, m, first, argc, filled;
    ngx_http_lambda_redis_cmd_t     *cmd;
    ngx_http_lambda_redis_wait_t    *wait;
    u_char                           digits[NGX_INT_T_LEN];
    u_char                           slots[NGX_HTTP_LAMBDA_REDIS_SLOTS];
    ngx_http_lambda_redis_cmd_t     *keys[NGX_HTTP_LAMBDA_REDIS_BATCH];
    u_short                          counts[NGX_HTTP_LAMBDA_REDIS_BATCH];

    n = rd->batch;

    if (n == 0) {
        return;
    }

    first = (rd->head + rd->inflight - n) & rd->mask;
    head = &rd->batch_script->evalsha;
    argc = 3;
    m = 0;

    /*
     * slots: an open-addressed table of the last key sent for each key,
     * 1 + its index; it is filled only when a call's key is not the last
     * one, so a batch of one bucket never hashes
     */

    filled = 0;

    for (i = 0; i < n; i++) {
        wait = &rd->waits[(first + i) & rd->mask];
        cmd = wait->data;

        if (cmd->retried) {
            /* the script itself: Redis lost it (NOSCRIPT) */
            head = &rd->batch_script->eval;
        }

        /* e: the last key sent for this key, m if none */

        e = m;

        if (m && ngx_http_lambda_redis_same(keys[m - 1]->key, cmd->key)) {
            e = m - 1;

        } else if (m) {
            if (filled == 0) {
                ngx_memzero(slots, sizeof(slots));
            }

            for ( /* void */ ; filled < m; filled++) {
                slot = ngx_http_lambda_redis_slot(slots, keys,
                                                  keys[filled]->key);
                *slot = (u_char) (filled + 1);
            }

            slot = ngx_http_lambda_redis_slot(slots, keys, cmd->key);

            if (*slot) {
                e = *slot - 1;
            }
        }

        if (e < m && keys[e]->args == cmd->args) {
            wait->entry = e;
            wait->rank = counts[e]++;
            continue;
        }

        keys[m] = cmd;
        counts[m] = 1;
        wait->entry = m;
        wait->rank = 0;
        m++;

        /* the key, its arguments and its count */
        argc += 2 + cmd->args->n;
    }

    p = rd->out.last;

    *p++ = '*';
    p = ngx_http_lambda_redis_decimal(p, argc);
    *p++ = CR; *p++ = LF;

    p = ngx_cpymem(p, head->data, head->len);
    p = ngx_http_lambda_redis_bulk(p, digits,
                                   ngx_http_lambda_redis_decimal(digits, m));

    for (e = 0; e < m; e++) {
        key = keys[e]->key;
        p = ngx_http_lambda_redis_bulk(p, key->data, key->data + key->len);
    }

    for (e = 0; e < m; e++) {
        p = ngx_cpymem(p, keys[e]->args->resp.data, keys[e]->args->resp.len);
        p = ngx_http_lambda_redis_bulk(p, digits,
                                 ngx_http_lambda_redis_decimal(digits,
                                                               counts[e]));
    }

    rd->out.last = p;

    for (i = 0; i < n; i++) {
        wait = &rd->waits[(first + i) & rd->mask];
        wait->count = counts[wait->entry];
    }

    wait = &rd->waits[first];
    wait->batch = n;
    wait->entries = m;

    rd->batch = 0;
    rd->batch_size = 0;
}


static ngx_inline ngx_uint_t
ngx_http_lambda_redis_same(ngx_str_t *a, ngx_str_t *b)
{
    return a->len == b->len && ngx_memcmp(a->data, b->data, a->len) == 0;
}


/* the slot of a key in the table of seal(): its own, or an empty one */

static u_char *
ngx_http_lambda_redis_slot(u_char *slots,
    ngx_http_lambda_redis_cmd_t **keys, ngx_str_t *key)
{
    ngx_uint_t  h;

    h = ngx_hash_key(key->data, key->len) % NGX_HTTP_LAMBDA_REDIS_SLOTS;

    while (slots[h]
           && !ngx_http_lambda_redis_same(keys[slots[h] - 1]->key, key))
    {
        h = (h + 1) % NGX_HTTP_LAMBDA_REDIS_SLOTS;
    }

    return &slots[h];
}


/* any command, from its arguments */

static ngx_int_t
ngx_http_lambda_redis_argv(ngx_http_lambda_redis_t *rd, ngx_str_t *argv,
    ngx_uint_t argc, char *name)
{
    u_char      *p;
    size_t       size;
    ngx_uint_t   i;

    ngx_http_lambda_redis_seal(rd);

    if (rd->c == NULL || rd->inflight > rd->mask) {
        return NGX_ERROR;
    }

    size = sizeof("*\r\n") - 1 + NGX_SIZE_T_LEN;

    for (i = 0; i < argc; i++) {
        size += sizeof("$\r\n\r\n") - 1 + NGX_SIZE_T_LEN + argv[i].len;
    }

    p = ngx_http_lambda_redis_reserve(rd, size);
    if (p == NULL) {
        return NGX_ERROR;
    }

    *p++ = '*';
    p = ngx_http_lambda_redis_decimal(p, argc);
    *p++ = CR; *p++ = LF;

    for (i = 0; i < argc; i++) {
        p = ngx_http_lambda_redis_bulk(p, argv[i].data,
                                       argv[i].data + argv[i].len);
    }

    rd->out.last = p;

    ngx_http_lambda_redis_wait(rd, NGX_HTTP_LAMBDA_REDIS_SETUP, name);

    return NGX_OK;
}


/*
 * Room for "size" bytes at the end of the output buffer: what is not sent
 * yet moves to the start, into a larger buffer if needed
 */

static u_char *
ngx_http_lambda_redis_reserve(ngx_http_lambda_redis_t *rd, size_t size)
{
    u_char  *p;
    size_t   unsent, len;

    if ((size_t) (rd->out.end - rd->out.last) >= size) {
        return rd->out.last;
    }

    unsent = rd->out.last - rd->out.pos;
    len = rd->out.end - rd->out.start;

    if (unsent + size > len) {
        len = ngx_max(2 * len, unsent + size);

        p = ngx_alloc(len, rd->log);
        if (p == NULL) {
            return NULL;
        }

        ngx_memcpy(p, rd->out.pos, unsent);
        ngx_free(rd->out.start);

        rd->out.start = p;
        rd->out.end = p + len;

    } else {
        ngx_memmove(rd->out.start, rd->out.pos, unsent);
    }

    rd->out.pos = rd->out.start;
    rd->out.last = rd->out.start + unsent;

    return rd->out.last;
}


/* a command is in the output buffer: its reply is awaited */

static ngx_inline void
ngx_http_lambda_redis_wait(ngx_http_lambda_redis_t *rd, ngx_uint_t kind,
    void *data)
{
    ngx_http_lambda_redis_wait_t  *wait;

    wait = &rd->waits[(rd->head + rd->inflight) & rd->mask];

    wait->data = data;
    wait->kind = kind;
    wait->batch = 0;

    rd->inflight++;

    ngx_http_lambda_stats_redis(NGX_HTTP_LAMBDA_STATS_REDIS_COMMANDS);

    /* sent at the end of this turn of the event loop, or once connected */

    if (rd->connected && rd->sent == 0 && !rd->flush.posted
        && !rd->c->write->active)
    {
        ngx_post_event(&rd->flush, &ngx_posted_events);
    }
}


/* the digits of a length in RESP */

static ngx_inline u_char *
ngx_http_lambda_redis_decimal(u_char *p, size_t n)
{
    u_char  *q;
    size_t   m;

    if (n < 10) {
        *p++ = (u_char) ('0' + n);
        return p;
    }

    if (n < 100) {
        *p++ = (u_char) ('0' + n / 10);
        *p++ = (u_char) ('0' + n % 10);
        return p;
    }

    for (m = n; m; m /= 10) {
        p++;
    }

    q = p;

    do {
        *--q = (u_char) ('0' + n % 10);
        n /= 10;
    } while (n);

    return p;
}


/* a bulk string, "$<length>\r\n<bytes>\r\n" */

static ngx_inline u_char *
ngx_http_lambda_redis_bulk(u_char *p, u_char *data, u_char *last)
{
    *p++ = '$';
    p = ngx_http_lambda_redis_decimal(p, last - data);
    *p++ = CR; *p++ = LF;
    p = ngx_cpymem(p, data, last - data);
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

    ngx_http_lambda_redis_close(rd);
}


/* a failed system call: its error is the reason */

static void
ngx_http_lambda_redis_errno(ngx_http_lambda_redis_t *rd, ngx_err_t err)
{
    u_char  *p;
    u_char   reason[128];

    p = ngx_strerror(err, reason, sizeof(reason) - 1);
    *p = '\0';

    ngx_http_lambda_redis_failure(rd, (char *) reason,
                                  NGX_HTTP_LAMBDA_REDIS_CLOSE);
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
ngx_http_lambda_redis_error_reply(ngx_http_lambda_redis_t *rd,
    ngx_str_t *error)
{
    ngx_str_t  text;

    if (rd->degraded || rd->exiting) {
        return;
    }

    rd->degraded = 1;

    text = *error;

    if (text.len > 80) {
        text.len = 80;
    }

    ngx_log_error(NGX_LOG_WARN, rd->log, 0,
                  "lambda_redis \"%V\" is unavailable (error reply \"%V\"), "
                  "rate limits are degraded", &rd->conf->address, &text);
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
