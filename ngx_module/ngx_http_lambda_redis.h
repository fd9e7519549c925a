
/*
 * Copyright (C) ngx_lambda_gateway developers
 *
 * A Redis client for the workers: one connection per worker on nginx's
 * event loop, pipelined across requests, with nothing allocated per
 * command or per reply.
 *
 * The unit of work is an operation ("op"): a few commands sent together for
 * one owner (a request), with a deadline bounding the wait for all of
 * their replies.  The owner is told about each reply, then once that the
 * operation is done (every reply in, or the deadline passed).  An owner
 * that goes away first cancels the op; a command already queued cannot be
 * taken back, so the op then lives on, orphaned, until its replies or the
 * end of the connection arrive, and is freed here.
 *
 * Reconnection is lazy (on the next operation) with an exponential backoff;
 * after max_fails consecutive failures (lost connection, failed connect,
 * timed out operations) the connection is dropped and no operation is
 * accepted until the backoff ends: the circuit breaker.  While it is open,
 * and while more than max_pending commands are in flight,
 * ngx_http_lambda_redis_op_create() returns NULL and the caller decides
 * without Redis.
 */


#ifndef _NGX_HTTP_LAMBDA_REDIS_H_INCLUDED_
#define _NGX_HTTP_LAMBDA_REDIS_H_INCLUDED_


#include <ngx_config.h>
#include <ngx_core.h>


typedef struct {
    ngx_str_t                     text;
    u_char                        sha[40];      /* hex SHA-1 of text */

    /* the commands up to the number of keys, in RESP, without "*N" */
    ngx_str_t                     evalsha;      /* EVALSHA sha */
    ngx_str_t                     eval;         /* EVAL text */
} ngx_http_lambda_redis_script_t;


/* the arguments of a script call, in RESP, prepared once */
typedef struct {
    ngx_str_t                     resp;         /* "$<len>\r\n<arg>\r\n"... */
    ngx_uint_t                    n;
} ngx_http_lambda_redis_args_t;


typedef struct {
    ngx_str_t                     address;      /* as configured */
    u_char                       *host;         /* numeric, NUL-terminated */
    in_port_t                     port;
    u_char                       *path;         /* unix socket, or NULL */
    struct sockaddr              *sockaddr;     /* of either */
    socklen_t                     socklen;

    ngx_uint_t                    db;
    ngx_str_t                     username;
    ngx_str_t                     password;
    ngx_str_t                     prefix;       /* of every key */

    ngx_msec_t                    connect_timeout;
    ngx_msec_t                    timeout;      /* of an operation */
    ngx_uint_t                    max_pending;  /* commands in flight */
    ngx_uint_t                    max_fails;
    ngx_msec_t                    fail_timeout; /* longest backoff */

    ngx_array_t                   scripts;      /* loaded on connect */
    ngx_uint_t                    max_commands; /* of one operation */
} ngx_http_lambda_redis_conf_t;


typedef enum {
    NGX_HTTP_LAMBDA_REDIS_LOST = 0,             /* no reply will come */
    NGX_HTTP_LAMBDA_REDIS_ERROR,
    NGX_HTTP_LAMBDA_REDIS_STATUS,
    NGX_HTTP_LAMBDA_REDIS_STRING,
    NGX_HTTP_LAMBDA_REDIS_INTEGER,
    NGX_HTTP_LAMBDA_REDIS_NIL,
    NGX_HTTP_LAMBDA_REDIS_ARRAY
} ngx_http_lambda_redis_type_e;


typedef struct {
    ngx_http_lambda_redis_type_e  type;
    ngx_str_t                     str;          /* ERROR, STATUS, STRING */
    long long                     integer;      /* INTEGER; ARRAY: length */
    /* the calls sent as one key: this one's place among them, from 0 */
    ngx_uint_t                    rank;
    ngx_uint_t                    count;
} ngx_http_lambda_redis_reply_t;


typedef struct ngx_http_lambda_redis_op_s  ngx_http_lambda_redis_op_t;

/*
 * Both handlers run inside the processing of replies: they must not
 * resume or finalize requests directly (post an event instead).
 */
typedef void (*ngx_http_lambda_redis_reply_pt)(ngx_http_lambda_redis_op_t *op,
    ngx_uint_t index, ngx_http_lambda_redis_reply_t *reply);

/* rc: NGX_OK (every reply is in) or NGX_ETIMEDOUT; the op is then gone */
typedef void (*ngx_http_lambda_redis_done_pt)(ngx_http_lambda_redis_op_t *op,
    ngx_int_t rc);


struct ngx_http_lambda_redis_op_s {
    void                         *data;         /* the owner's */
    ngx_http_lambda_redis_reply_pt  reply;
    ngx_http_lambda_redis_done_pt   done;
};


char *ngx_http_lambda_redis_conf(ngx_conf_t *cf,
    ngx_http_lambda_redis_conf_t *rcf);
ngx_http_lambda_redis_script_t *ngx_http_lambda_redis_add_script(
    ngx_conf_t *cf, ngx_http_lambda_redis_conf_t *rcf, ngx_str_t *text);
ngx_int_t ngx_http_lambda_redis_args(ngx_conf_t *cf,
    ngx_http_lambda_redis_args_t *args, ngx_str_t *values, ngx_uint_t n);

ngx_int_t ngx_http_lambda_redis_init_process(ngx_cycle_t *cycle,
    ngx_http_lambda_redis_conf_t *rcf);
void ngx_http_lambda_redis_exit_process(ngx_cycle_t *cycle);

/*
 * An operation of up to "n" commands (at most rcf->max_commands), or NULL
 * when Redis cannot take them now.
 */
ngx_http_lambda_redis_op_t *ngx_http_lambda_redis_op_create(ngx_uint_t n);

/*
 * Queues a call of a script for one key and its arguments as command
 * "index" of the op.  The calls of one script queued while the connection
 * waits (the turn of the event loop, or the round trip under way) leave
 * as one EVALSHA with all their keys: a script takes KEYS[1..n] with the
 * arguments of each key in ARGV, key after key, each followed by a count,
 * and answers with an array, element i for key i.  Calls with the same
 * key and the same arguments (the same args pointer) are sent as one key
 * with their count; each is handed the element of that key with its rank
 * and the count in the reply.  A NOSCRIPT reply is answered by sending
 * the script once with EVAL.  The key and arguments must stay valid until
 * the op is done or cancelled.  NGX_ERROR: nothing was queued for this
 * index.
 */
ngx_int_t ngx_http_lambda_redis_eval(ngx_http_lambda_redis_op_t *op,
    ngx_uint_t index, ngx_http_lambda_redis_script_t *script, ngx_str_t *key,
    ngx_http_lambda_redis_args_t *args);

/*
 * starts the timer; NGX_DECLINED: no command could be queued, the op is
 * freed and its handlers are not called
 */
ngx_int_t ngx_http_lambda_redis_op_start(ngx_http_lambda_redis_op_t *op);

/* the owner goes away before the op is done: no handler is called again */
void ngx_http_lambda_redis_op_cancel(ngx_http_lambda_redis_op_t *op);

/* the same command without an owner and without a reply, best effort */
ngx_int_t ngx_http_lambda_redis_eval_detached(
    ngx_http_lambda_redis_script_t *script, ngx_str_t *key,
    ngx_http_lambda_redis_args_t *args);

/* a reply its owner could not use: logged once, as other degradations */
void ngx_http_lambda_redis_report(const char *reason);

/* milliseconds until the breaker lets operations through again */
ngx_msec_t ngx_http_lambda_redis_retry_in(void);


#endif /* _NGX_HTTP_LAMBDA_REDIS_H_INCLUDED_ */
