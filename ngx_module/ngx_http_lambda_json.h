
/*
 * ngx_lambda_gateway: JSON body parsing with Python-compatible diagnostics.
 *
 * A pure core: it includes only libc and jansson, so unit tests and fuzz
 * targets reach it directly.  Every allocation goes through jansson's
 * allocator (json_get_alloc_funcs), which the nginx glue points at the
 * request pool.
 *
 * What it mirrors (contract 2.1): DRF's JSONParser decodes the body with the
 * Content-Type charset through a codecs StreamReader and hands the text to
 * Python's json module (C accelerator, Python 3.10-3.12 wording) with
 * parse_constant=strict_constant.  The success path is a single json_loadb();
 * only a body jansson refuses is scanned again, by a small scanner that
 * follows CPython's rules, to produce the exact message Python would give.
 */


#ifndef _NGX_HTTP_LAMBDA_JSON_H_INCLUDED_
#define _NGX_HTTP_LAMBDA_JSON_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>
#include <jansson.h>


/* jansson's own nesting limit (JSON_PARSER_MAX_DEPTH in load.c) */
#define NGX_HTTP_LAMBDA_JSON_MAX_DEPTH      2048

/* lone surrogates are carried as one 2048 code point private-use block */
#define NGX_HTTP_LAMBDA_JSON_SURROGATES     0x800

/* the prefix DRF puts before every parser message */
#define NGX_HTTP_LAMBDA_JSON_ERROR_PREFIX   "JSON parse error - "


typedef struct {
    unsigned char              *data;
    size_t                      len;
    size_t                      size;
    int                         nomem;
} ngx_http_lambda_buf_t;


typedef struct {
    /* the parsed document, or NULL when the body was refused */
    json_t                     *value;

    /* {"detail":"JSON parse error - ..."} when the body was refused */
    json_t                     *error;

    /*
     * 0, or the first code point of the private-use block that stands for
     * the lone surrogates U+D800..U+DFFF the body escaped: code point
     * surrogate_base + n is the surrogate U+D800 + n.  The block is chosen
     * among those the body does not use itself, so the mapping is exact.
     */
    uint32_t                    surrogate_base;
} ngx_http_lambda_json_doc_t;


/*
 * Parses a request body.  charset is the Content-Type charset parameter
 * (NULL or empty: UTF-8).  On return either doc->value or doc->error is set;
 * the caller json_decref()s whichever it got.  Returns 0, or -1 when an
 * allocation failed (then neither is set).
 */
int ngx_http_lambda_json_parse(const unsigned char *data, size_t len,
    const char *charset, size_t charset_len,
    ngx_http_lambda_json_doc_t *doc);

/*
 * The lone surrogate a code point of a parsed string stands for, or 0 when
 * it is an ordinary character.
 */
uint32_t ngx_http_lambda_json_surrogate(const ngx_http_lambda_json_doc_t *doc,
    uint32_t cp);

/*
 * Serialises an error value exactly as DRF's JSONRenderer would (compact
 * separators, raw UTF-8, control characters escaped with lowercase hex as
 * Python's json module does; jansson alone writes "\u001F").  Same contract
 * as json_dumpb(value, buf, size, JSON_COMPACT | JSON_ENCODE_ANY): returns
 * the length needed (buf holds the rendering only when that is not above
 * size; buf may be NULL with size 0), 0 on failure.
 */
size_t ngx_http_lambda_json_dumpb(const json_t *value, char *buf, size_t size);

/* decodes one code point of valid UTF-8, returns the bytes it took */
size_t ngx_http_lambda_utf8_next(const unsigned char *p, size_t len,
    uint32_t *cp);

/* memory through jansson's allocator */
void *ngx_http_lambda_json_alloc(size_t size);
void ngx_http_lambda_json_dealloc(void *p);

/* a growable byte buffer on jansson's allocator; errors set b->nomem */
void ngx_http_lambda_buf_add(ngx_http_lambda_buf_t *b, const void *p,
    size_t n);
void ngx_http_lambda_buf_add_cstr(ngx_http_lambda_buf_t *b, const char *s);
void ngx_http_lambda_buf_add_utf8(ngx_http_lambda_buf_t *b, uint32_t cp);
void ngx_http_lambda_buf_free(ngx_http_lambda_buf_t *b);

/* a JSON string from bytes: UTF-8 when valid, else read as Latin-1 */
json_t *ngx_http_lambda_json_text(const unsigned char *p, size_t len);


#endif /* _NGX_HTTP_LAMBDA_JSON_H_INCLUDED_ */
