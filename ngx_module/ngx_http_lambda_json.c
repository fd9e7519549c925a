
/*
 * ngx_lambda_gateway: JSON body parsing with Python-compatible diagnostics
 * (contract 2.1).  A pure core: libc and jansson only.
 *
 * How DRF reads a body: JSONParser.parse() wraps the request stream in
 * codecs.getreader(<charset>) and calls json.load() on it with
 * parse_constant=strict_constant; any ValueError becomes
 * 400 {"detail":"JSON parse error - <str(exc)>"}.  So the body is decoded
 * first (a codec error wins over any JSON error), then scanned by CPython's
 * C scanner (Modules/_json.c), whose messages end with
 * ": line L column C (char P)", positions counted in code points.
 *
 * The success path parses once with jansson.  Only when jansson refuses a
 * body does this file scan it again, following CPython's rules step by step
 * (including its quirks: "1." is the number 1 followed by "Extra data", a
 * "\u" escape cut short is reported at its "u", "NaN" is only reached after
 * every earlier syntax error), to say what Python would say.
 *
 * Bodies Python accepts but jansson cannot represent are decided here:
 *
 *   - lone surrogate escapes ("\ud800"): Python keeps them and DRF's
 *     CharField refuses them later, so they must reach the field rules.  A
 *     copy of the body is rewritten with every lone surrogate escape replaced
 *     by a private-use character of a 2048 code point block (planes 15-16)
 *     that the body itself does not use, and parsed again; the schema core
 *     maps those characters back (ngx_http_lambda_json_surrogate()).
 *
 *   - duplicate keys: Python keeps the last value.  The gateway refuses the
 *     body (two parsers could read it differently) with
 *     "Duplicate key "k" in object: line L column C (char P)".
 *
 *   - integers beyond 64 bits and reals that overflow to infinity ("1e400"):
 *     jansson cannot hold them.  CVAT would take them (a huge task id later
 *     overflows the database query, a 500; an infinite threshold is stored
 *     as is).  No real client sends them, and a gateway that cannot read a
 *     value cannot vouch for it, so the body is refused with
 *     "Integer out of the 64-bit range" or
 *     "Number too large (it overflows to infinity)" and the position.
 *
 *   - "\u0000" inside an object key: jansson refuses it.  A key that C
 *     strings would cut short is read differently by different parsers, so
 *     the body is refused too ("Null character in object key").
 *
 *   - nesting deeper than jansson's 2048 levels: Python has already failed
 *     with a RecursionError (a 500 in CVAT) near 1000 levels; the gateway
 *     answers 400 with Python's RecursionError text.
 *
 *   - a body that ends in the middle of a UTF-8 sequence: DRF's stream reader
 *     decodes with final=False and silently drops such a tail.  When the
 *     rest is valid JSON the gateway refuses the body anyway, with the
 *     message a complete decode gives ("unexpected end of data"); when the
 *     rest is not, Python's own message for the shortened text is given.
 *
 * Python's message wins whenever Python itself would refuse the body; the
 * gateway's own refusals above are reported only for bodies Python accepts.
 */


#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "ngx_http_lambda_json.h"


#define NGX_HTTP_LAMBDA_JSON_FLAGS                                            \
    (JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL)

/* Python 3.11+ refuses to convert longer integer literals */
#define NGX_HTTP_LAMBDA_JSON_INT_DIGITS     4300

/* characters of a duplicate key shown in the message */
#define NGX_HTTP_LAMBDA_JSON_KEY_SHOWN      64

/* planes 15 and 16: 64 blocks of 2048 code points */
#define NGX_HTTP_LAMBDA_JSON_PUA_START      0xF0000
#define NGX_HTTP_LAMBDA_JSON_PUA_BLOCKS     64

#define NGX_HTTP_LAMBDA_JSON_VALUE          0
#define NGX_HTTP_LAMBDA_JSON_KEY            1
#define NGX_HTTP_LAMBDA_JSON_AFTER          2

#define ngx_http_lambda_json_digit(c)  ((c) >= '0' && (c) <= '9')
#define ngx_http_lambda_json_cont(c)   (((c) & 0xC0) == 0x80)
#define ngx_http_lambda_json_ws(c)                                            \
    ((c) == ' ' || (c) == '\t' || (c) == '\n' || (c) == '\r')


typedef enum {
    NGX_HTTP_LAMBDA_CHARSET_UTF8 = 0,
    NGX_HTTP_LAMBDA_CHARSET_ASCII,
    NGX_HTTP_LAMBDA_CHARSET_LATIN1,
    NGX_HTTP_LAMBDA_CHARSET_UNKNOWN
} ngx_http_lambda_charset_t;


typedef enum {
    NGX_HTTP_LAMBDA_ISSUE_NONE = 0,
    NGX_HTTP_LAMBDA_ISSUE_DUPLICATE,
    NGX_HTTP_LAMBDA_ISSUE_NUL_KEY,
    NGX_HTTP_LAMBDA_ISSUE_BIG_INTEGER,
    NGX_HTTP_LAMBDA_ISSUE_BIG_REAL
} ngx_http_lambda_issue_t;


typedef struct {
    size_t                      valid;
    size_t                      start;
    size_t                      end;
    const char                 *reason;
    unsigned                    tail:1;
} ngx_http_lambda_utf8_check_t;


typedef struct {
    const unsigned char        *text;
    size_t                      len;

    /* the first error CPython would raise */
    const char                 *error;
    size_t                      error_pos;
    size_t                      error_digits;
    unsigned                    error_at:1;

    /* the first refusal of the gateway's own, in document order */
    ngx_http_lambda_issue_t     issue;
    size_t                      issue_pos;

    unsigned                    lone:1;
    uint64_t                    blocks;

    unsigned char              *kinds;
    json_t                    **keys;
    size_t                      depth;
    size_t                      size;

    ngx_http_lambda_buf_t       buf;
    int                         nomem;
} ngx_http_lambda_json_scan_t;


static ngx_http_lambda_charset_t ngx_http_lambda_json_charset(
    const char *name, size_t len);
static int ngx_http_lambda_json_alias(const char *norm, size_t len,
    const char *const *aliases);
static void ngx_http_lambda_utf8_check(const unsigned char *p, size_t len,
    ngx_http_lambda_utf8_check_t *u);
static int ngx_http_lambda_json_explain(const unsigned char *text,
    size_t len, ngx_http_lambda_json_doc_t *doc);
static int ngx_http_lambda_json_reparse(ngx_http_lambda_json_scan_t *s,
    ngx_http_lambda_json_doc_t *doc);
static void ngx_http_lambda_json_scan(ngx_http_lambda_json_scan_t *s);
static int ngx_http_lambda_json_scan_string(ngx_http_lambda_json_scan_t *s,
    size_t *pos, ngx_http_lambda_buf_t *out);
static int ngx_http_lambda_json_scan_number(ngx_http_lambda_json_scan_t *s,
    size_t *pos);
static void ngx_http_lambda_json_scan_key(ngx_http_lambda_json_scan_t *s,
    size_t start);
static int ngx_http_lambda_json_push(ngx_http_lambda_json_scan_t *s,
    unsigned char kind);
static void ngx_http_lambda_json_pop(ngx_http_lambda_json_scan_t *s);
static void ngx_http_lambda_json_scan_free(ngx_http_lambda_json_scan_t *s);
static void ngx_http_lambda_json_issue(ngx_http_lambda_json_scan_t *s,
    ngx_http_lambda_issue_t issue, size_t pos);
static void ngx_http_lambda_json_mark(ngx_http_lambda_json_scan_t *s,
    uint32_t cp);
static size_t ngx_http_lambda_json_skip(const unsigned char *p, size_t len,
    size_t i);
static int ngx_http_lambda_json_hex4(const unsigned char *p, uint32_t *cp);
static size_t ngx_http_lambda_json_rewrite(const unsigned char *p,
    size_t len, uint32_t base, unsigned char *out);
static void ngx_http_lambda_json_position(ngx_http_lambda_buf_t *msg,
    const unsigned char *text, size_t off);
static void ngx_http_lambda_json_show_key(ngx_http_lambda_json_scan_t *s,
    ngx_http_lambda_buf_t *msg);
static int ngx_http_lambda_json_fail(ngx_http_lambda_json_doc_t *doc,
    ngx_http_lambda_buf_t *msg);
static size_t ngx_http_lambda_utf8_encode(unsigned char *p, uint32_t cp);


/* Python's encodings.aliases for the three codecs the gateway decodes */

static const char *const  ngx_http_lambda_json_utf8_aliases[] = {
    "cp65001", "u8", "utf", "utf8", "utf8_ucs2", "utf8_ucs4", NULL
};

static const char *const  ngx_http_lambda_json_ascii_aliases[] = {
    "646", "ansi_x3.4_1968", "ansi_x3.4_1986", "ansi_x3_4_1968", "cp367",
    "csascii", "ibm367", "iso646_us", "iso_646.irv_1991", "iso_ir_6", "us",
    "us_ascii", NULL
};

static const char *const  ngx_http_lambda_json_latin1_aliases[] = {
    "8859", "cp819", "csisolatin1", "ibm819", "iso8859", "iso8859_1",
    "iso_8859_1", "iso_8859_1_1987", "iso_ir_100", "l1", "latin", "latin1",
    NULL
};


int
ngx_http_lambda_json_parse(const unsigned char *data, size_t len,
    const char *charset, size_t charset_len,
    ngx_http_lambda_json_doc_t *doc)
{
    int                         rc;
    size_t                      i, n;
    json_t                     *name;
    json_error_t                jerr;
    unsigned char              *copy, *q;
    const unsigned char        *text;
    ngx_http_lambda_buf_t       msg;
    ngx_http_lambda_charset_t   cs;

    doc->value = NULL;
    doc->error = NULL;
    doc->surrogate_base = 0;

    if (data == NULL) {
        data = (const unsigned char *) "";
        len = 0;
    }

    if (charset == NULL) {
        charset_len = 0;
    }

    memset(&msg, 0, sizeof(ngx_http_lambda_buf_t));

    /* Django passes a quoted parameter value unquoted */

    while (charset_len && (*charset == ' ' || *charset == '\t')) {
        charset++;
        charset_len--;
    }

    while (charset_len
           && (charset[charset_len - 1] == ' '
               || charset[charset_len - 1] == '\t'))
    {
        charset_len--;
    }

    if (charset_len >= 2 && charset[0] == '"'
        && charset[charset_len - 1] == '"')
    {
        charset++;
        charset_len -= 2;
    }

    cs = ngx_http_lambda_json_charset(charset, charset_len);

    if (cs == NGX_HTTP_LAMBDA_CHARSET_UNKNOWN) {

        /* what codecs.getreader() raises for a name Python does not know */

        ngx_http_lambda_buf_add_cstr(&msg, NGX_HTTP_LAMBDA_JSON_ERROR_PREFIX
                                     "unknown encoding: ");

        name = ngx_http_lambda_json_text((const unsigned char *) charset,
                                         charset_len);
        if (name == NULL) {
            ngx_http_lambda_buf_free(&msg);
            return -1;
        }

        ngx_http_lambda_buf_add(&msg, json_string_value(name),
                                json_string_length(name));
        json_decref(name);

        return ngx_http_lambda_json_fail(doc, &msg);
    }

    text = data;
    copy = NULL;

    if (cs == NGX_HTTP_LAMBDA_CHARSET_ASCII) {

        for (i = 0; i < len; i++) {
            if (data[i] >= 0x80) {
                char  tmp[128];

                snprintf(tmp, sizeof(tmp), "'ascii' codec can't decode byte "
                         "0x%02x in position %zu: ordinal not in range(128)",
                         data[i], i);

                ngx_http_lambda_buf_add_cstr(&msg,
                                         NGX_HTTP_LAMBDA_JSON_ERROR_PREFIX);
                ngx_http_lambda_buf_add_cstr(&msg, tmp);

                return ngx_http_lambda_json_fail(doc, &msg);
            }
        }

    } else if (cs == NGX_HTTP_LAMBDA_CHARSET_LATIN1) {

        n = 0;

        for (i = 0; i < len; i++) {
            n += data[i] >> 7;
        }

        if (n) {
            copy = ngx_http_lambda_json_alloc(len + n);
            if (copy == NULL) {
                return -1;
            }

            q = copy;

            for (i = 0; i < len; i++) {
                q += ngx_http_lambda_utf8_encode(q, data[i]);
            }

            text = copy;
            len += n;
        }
    }

    /*
     * jansson uses NUL as its stream buffer sentinel and silently skips a NUL
     * byte that follows a number ("[1,2\0,3]" loads as [1,2,3]), while
     * Python refuses every raw NUL.  Such bodies go straight to the scanner.
     */

    if (memchr(text, '\0', len) == NULL) {

        /* jansson leaves the error unset when its first allocation fails */
        memset(&jerr, 0, sizeof(json_error_t));

        doc->value = json_loadb((const char *) text, len,
                                NGX_HTTP_LAMBDA_JSON_FLAGS, &jerr);

        if (doc->value != NULL) {
            ngx_http_lambda_json_dealloc(copy);
            return 0;
        }

        if (json_error_code(&jerr) == json_error_out_of_memory) {
            ngx_http_lambda_json_dealloc(copy);
            return -1;
        }
    }

    rc = ngx_http_lambda_json_explain(text, len, doc);

    ngx_http_lambda_json_dealloc(copy);

    return rc;
}


uint32_t
ngx_http_lambda_json_surrogate(const ngx_http_lambda_json_doc_t *doc,
    uint32_t cp)
{
    if (doc->surrogate_base == 0
        || cp < doc->surrogate_base
        || cp >= doc->surrogate_base + NGX_HTTP_LAMBDA_JSON_SURROGATES)
    {
        return 0;
    }

    return 0xD800 + (cp - doc->surrogate_base);
}


size_t
ngx_http_lambda_json_dumpb(const json_t *value, char *buf, size_t size)
{
    size_t  n, i, k;

    n = json_dumpb(value, buf, size, JSON_COMPACT | JSON_ENCODE_ANY);

    if (n == 0 || n > size) {
        return n;
    }

    /*
     * Inside JSON strings every backslash starts an escape and outside them
     * there are none, so "\u" here is always an escape jansson wrote.
     */

    for (i = 0; i + 1 < n; i++) {

        if (buf[i] != '\\') {
            continue;
        }

        if (buf[i + 1] == 'u' && i + 5 < n) {
            for (k = i + 2; k < i + 6; k++) {
                if (buf[k] >= 'A' && buf[k] <= 'F') {
                    buf[k] = (char) (buf[k] - 'A' + 'a');
                }
            }

            i += 5;

        } else {
            i++;
        }
    }

    return n;
}


size_t
ngx_http_lambda_utf8_next(const unsigned char *p, size_t len, uint32_t *cp)
{
    unsigned char  c;

    c = p[0];

    if (c < 0x80 || len < 2) {
        *cp = c;
        return 1;
    }

    if (c < 0xE0) {
        *cp = ((uint32_t) (c & 0x1F) << 6) | (p[1] & 0x3F);
        return 2;
    }

    if (c < 0xF0 || len < 4) {
        if (len < 3) {
            *cp = c;
            return 1;
        }

        *cp = ((uint32_t) (c & 0x0F) << 12) | ((uint32_t) (p[1] & 0x3F) << 6)
              | (p[2] & 0x3F);
        return 3;
    }

    *cp = ((uint32_t) (c & 0x07) << 18) | ((uint32_t) (p[1] & 0x3F) << 12)
          | ((uint32_t) (p[2] & 0x3F) << 6) | (p[3] & 0x3F);

    return 4;
}


void *
ngx_http_lambda_json_alloc(size_t size)
{
    json_free_t    free_fn;
    json_malloc_t  malloc_fn;

    json_get_alloc_funcs(&malloc_fn, &free_fn);

    return malloc_fn(size ? size : 1);
}


void
ngx_http_lambda_json_dealloc(void *p)
{
    json_free_t    free_fn;
    json_malloc_t  malloc_fn;

    if (p == NULL) {
        return;
    }

    json_get_alloc_funcs(&malloc_fn, &free_fn);

    free_fn(p);
}


void
ngx_http_lambda_buf_add(ngx_http_lambda_buf_t *b, const void *p, size_t n)
{
    size_t          size;
    unsigned char  *data;

    if (b->nomem) {
        return;
    }

    if (b->len + n + 1 > b->size) {
        size = b->size ? b->size * 2 : 64;

        while (size < b->len + n + 1) {
            size *= 2;
        }

        data = ngx_http_lambda_json_alloc(size);
        if (data == NULL) {
            b->nomem = 1;
            return;
        }

        if (b->len) {
            memcpy(data, b->data, b->len);
        }

        ngx_http_lambda_json_dealloc(b->data);

        b->data = data;
        b->size = size;
    }

    if (n) {
        memcpy(b->data + b->len, p, n);
    }

    b->len += n;
    b->data[b->len] = '\0';
}


void
ngx_http_lambda_buf_add_cstr(ngx_http_lambda_buf_t *b, const char *s)
{
    ngx_http_lambda_buf_add(b, s, strlen(s));
}


void
ngx_http_lambda_buf_add_utf8(ngx_http_lambda_buf_t *b, uint32_t cp)
{
    unsigned char  tmp[4];

    ngx_http_lambda_buf_add(b, tmp, ngx_http_lambda_utf8_encode(tmp, cp));
}


void
ngx_http_lambda_buf_free(ngx_http_lambda_buf_t *b)
{
    ngx_http_lambda_json_dealloc(b->data);

    b->data = NULL;
    b->len = 0;
    b->size = 0;
}


json_t *
ngx_http_lambda_json_text(const unsigned char *p, size_t len)
{
    size_t                        i;
    json_t                       *s;
    ngx_http_lambda_buf_t         b;
    ngx_http_lambda_utf8_check_t  u;

    if (p == NULL) {
        p = (const unsigned char *) "";
        len = 0;
    }

    ngx_http_lambda_utf8_check(p, len, &u);

    if (u.reason == NULL) {
        return json_stringn((const char *) p, len);
    }

    /* not UTF-8: read it as Latin-1, as WSGI reads header values */

    memset(&b, 0, sizeof(ngx_http_lambda_buf_t));

    for (i = 0; i < len; i++) {
        ngx_http_lambda_buf_add_utf8(&b, p[i]);
    }

    if (b.nomem) {
        ngx_http_lambda_buf_free(&b);
        return NULL;
    }

    s = json_stringn((const char *) b.data, b.len);

    ngx_http_lambda_buf_free(&b);

    return s;
}


/*
 * codecs.lookup() normalises a name as _Py_normalize_encoding() does (ASCII
 * letters and digits and '.' kept and lowercased, every other run becomes
 * one '_'), then encodings.search_function() tries the alias table with the
 * name as is and with '.' turned into '_', and otherwise imports the module
 * of that name.
 */

static ngx_http_lambda_charset_t
ngx_http_lambda_json_charset(const char *name, size_t len)
{
    char    norm[64];
    size_t  i, n;
    int     punct;
    char    c;

    if (name == NULL || len == 0) {
        /* "charset=" is no charset: Django keeps its default */
        return NGX_HTTP_LAMBDA_CHARSET_UTF8;
    }

    n = 0;
    punct = 0;

    for (i = 0; i < len; i++) {
        c = name[i];

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
            || (c >= '0' && c <= '9') || c == '.')
        {
            if (punct && n) {
                if (n == sizeof(norm) - 1) {
                    return NGX_HTTP_LAMBDA_CHARSET_UNKNOWN;
                }

                norm[n++] = '_';
            }

            punct = 0;

            if (n == sizeof(norm) - 1) {
                return NGX_HTTP_LAMBDA_CHARSET_UNKNOWN;
            }

            norm[n++] = (c >= 'A' && c <= 'Z') ? (char) (c - 'A' + 'a') : c;

        } else {
            punct = 1;
        }
    }

    norm[n] = '\0';

    if (n == 0) {
        return NGX_HTTP_LAMBDA_CHARSET_UNKNOWN;
    }

    if (strcmp(norm, "utf_8") == 0
        || ngx_http_lambda_json_alias(norm, n,
                                      ngx_http_lambda_json_utf8_aliases))
    {
        return NGX_HTTP_LAMBDA_CHARSET_UTF8;
    }

    if (strcmp(norm, "ascii") == 0
        || ngx_http_lambda_json_alias(norm, n,
                                      ngx_http_lambda_json_ascii_aliases))
    {
        return NGX_HTTP_LAMBDA_CHARSET_ASCII;
    }

    if (strcmp(norm, "latin_1") == 0
        || ngx_http_lambda_json_alias(norm, n,
                                      ngx_http_lambda_json_latin1_aliases))
    {
        return NGX_HTTP_LAMBDA_CHARSET_LATIN1;
    }

    return NGX_HTTP_LAMBDA_CHARSET_UNKNOWN;
}


static int
ngx_http_lambda_json_alias(const char *norm, size_t len,
    const char *const *aliases)
{
    char    dots[64];
    size_t  i;

    for (i = 0; i <= len; i++) {
        dots[i] = (norm[i] == '.') ? '_' : norm[i];
    }

    for ( /* void */ ; *aliases; aliases++) {
        if (strcmp(norm, *aliases) == 0 || strcmp(dots, *aliases) == 0) {
            return 1;
        }
    }

    return 0;
}


/*
 * CPython's UTF-8 decoder, as DRF's stream reader calls it: with
 * final=False.  It reports the first undecodable sequence with its byte
 * range and reason, except that an incomplete sequence at the very end is
 * only left undecoded (u->tail, u->valid); the reason recorded for it is
 * the one a complete decode would give.
 */

static void
ngx_http_lambda_utf8_check(const unsigned char *p, size_t len,
    ngx_http_lambda_utf8_check_t *u)
{
    size_t         i, left;
    unsigned char  c, c2;

    u->reason = NULL;
    u->tail = 0;
    u->valid = len;
    u->start = 0;
    u->end = 0;

    i = 0;

    while (i < len) {
        c = p[i];

        if (c < 0x80) {
            i++;
            continue;
        }

        left = len - i;

        if (c < 0xC2) {
            goto invalid_start;
        }

        if (c < 0xE0) {
            if (left < 2) {
                goto tail;
            }

            if (!ngx_http_lambda_json_cont(p[i + 1])) {
                goto invalid1;
            }

            i += 2;
            continue;
        }

        if (c < 0xF0) {
            c2 = (left >= 2) ? p[i + 1] : 0x80;

            if (left >= 2
                && (!ngx_http_lambda_json_cont(c2)
                    || (c == 0xE0 && c2 < 0xA0)
                    || (c == 0xED && c2 >= 0xA0)))
            {
                if (left == 2 && c == 0xED && ngx_http_lambda_json_cont(c2)) {
                    /* a truncated surrogate is kept for a later read */
                    u->tail = 1;
                    u->valid = i;
                    goto invalid1;
                }

                goto invalid1;
            }

            if (left < 3) {
                goto tail;
            }

            if (!ngx_http_lambda_json_cont(p[i + 2])) {
                goto invalid2;
            }

            i += 3;
            continue;
        }

        if (c < 0xF5) {
            c2 = (left >= 2) ? p[i + 1] : 0x80;

            if (left >= 2
                && (!ngx_http_lambda_json_cont(c2)
                    || (c == 0xF0 && c2 < 0x90)
                    || (c == 0xF4 && c2 >= 0x90)))
            {
                goto invalid1;
            }

            if (left >= 3 && !ngx_http_lambda_json_cont(p[i + 2])) {
                goto invalid2;
            }

            if (left < 4) {
                goto tail;
            }

            if (!ngx_http_lambda_json_cont(p[i + 3])) {
                goto invalid3;
            }

            i += 4;
            continue;
        }

        goto invalid_start;
    }

    return;

invalid_start:

    u->reason = "invalid start byte";
    u->start = i;
    u->end = i + 1;
    return;

invalid1:

    u->reason = "invalid continuation byte";
    u->start = i;
    u->end = i + 1;
    return;

invalid2:

    u->reason = "invalid continuation byte";
    u->start = i;
    u->end = i + 2;
    return;

invalid3:

    u->reason = "invalid continuation byte";
    u->start = i;
    u->end = i + 3;
    return;

tail:

    u->reason = "unexpected end of data";
    u->tail = 1;
    u->valid = i;
    u->start = i;
    u->end = len;
}


static int
ngx_http_lambda_json_explain(const unsigned char *text, size_t len,
    ngx_http_lambda_json_doc_t *doc)
{
    int                           rc;
    char                          tmp[160];
    ngx_http_lambda_buf_t         msg;
    ngx_http_lambda_json_scan_t   s;
    ngx_http_lambda_utf8_check_t  u;

    memset(&msg, 0, sizeof(ngx_http_lambda_buf_t));
    memset(&s, 0, sizeof(ngx_http_lambda_json_scan_t));

    ngx_http_lambda_buf_add_cstr(&msg, NGX_HTTP_LAMBDA_JSON_ERROR_PREFIX);

    ngx_http_lambda_utf8_check(text, len, &u);

    if (u.reason && !u.tail) {
        goto codec;
    }

    s.text = text;
    s.len = u.valid;

    if (s.len >= 3 && text[0] == 0xEF && text[1] == 0xBB && text[2] == 0xBF) {
        /* json.loads() checks for U+FEFF before it scans */
        ngx_http_lambda_buf_add_cstr(&msg, "Unexpected UTF-8 BOM (decode "
                                     "using utf-8-sig)");
        ngx_http_lambda_json_position(&msg, text, 0);
        return ngx_http_lambda_json_fail(doc, &msg);
    }

    ngx_http_lambda_json_scan(&s);

    if (s.nomem) {
        ngx_http_lambda_json_scan_free(&s);
        ngx_http_lambda_buf_free(&msg);
        return -1;
    }

    if (s.error) {
        if (s.error_digits) {
            snprintf(tmp, sizeof(tmp), "Exceeds the limit (%d digits) for "
                     "integer string conversion: value has %zu digits; use "
                     "sys.set_int_max_str_digits() to increase the limit",
                     NGX_HTTP_LAMBDA_JSON_INT_DIGITS, s.error_digits);
            ngx_http_lambda_buf_add_cstr(&msg, tmp);

        } else {
            ngx_http_lambda_buf_add_cstr(&msg, s.error);
        }

        if (s.error_at) {
            ngx_http_lambda_json_position(&msg, text, s.error_pos);
        }

        ngx_http_lambda_json_scan_free(&s);
        return ngx_http_lambda_json_fail(doc, &msg);
    }

    if (u.reason) {
        goto codec;
    }

    switch (s.issue) {

    case NGX_HTTP_LAMBDA_ISSUE_DUPLICATE:
        ngx_http_lambda_buf_add_cstr(&msg, "Duplicate key \"");
        ngx_http_lambda_json_show_key(&s, &msg);
        ngx_http_lambda_buf_add_cstr(&msg, "\" in object");
        break;

    case NGX_HTTP_LAMBDA_ISSUE_NUL_KEY:
        ngx_http_lambda_buf_add_cstr(&msg, "Null character in object key");
        break;

    case NGX_HTTP_LAMBDA_ISSUE_BIG_INTEGER:
        ngx_http_lambda_buf_add_cstr(&msg,
                                     "Integer out of the 64-bit range");
        break;

    case NGX_HTTP_LAMBDA_ISSUE_BIG_REAL:
        ngx_http_lambda_buf_add_cstr(&msg, "Number too large (it overflows "
                                     "to infinity)");
        break;

    case NGX_HTTP_LAMBDA_ISSUE_NONE:

        if (s.lone) {
            rc = ngx_http_lambda_json_reparse(&s, doc);

            if (rc == 1) {
                ngx_http_lambda_buf_add_cstr(&msg, "Too many private-use "
                                             "characters next to lone "
                                             "surrogate escapes");
                ngx_http_lambda_json_scan_free(&s);
                return ngx_http_lambda_json_fail(doc, &msg);
            }

            ngx_http_lambda_json_scan_free(&s);
            ngx_http_lambda_buf_free(&msg);
            return rc;
        }

        /*
         * The body is one Python accepts and holds nothing jansson refuses:
         * jansson failed to allocate (it does not always say so).
         */

        ngx_http_lambda_json_scan_free(&s);
        ngx_http_lambda_buf_free(&msg);
        return -1;
    }

    ngx_http_lambda_json_position(&msg, text, s.issue_pos);
    ngx_http_lambda_json_scan_free(&s);

    return ngx_http_lambda_json_fail(doc, &msg);

codec:

    /* UnicodeDecodeError.__str__() */

    if (u.end - u.start == 1) {
        snprintf(tmp, sizeof(tmp), "'utf-8' codec can't decode byte 0x%02x "
                 "in position %zu: %s", text[u.start], u.start, u.reason);

    } else {
        snprintf(tmp, sizeof(tmp), "'utf-8' codec can't decode bytes in "
                 "position %zu-%zu: %s", u.start, u.end - 1, u.reason);
    }

    ngx_http_lambda_buf_add_cstr(&msg, tmp);
    ngx_http_lambda_json_scan_free(&s);

    return ngx_http_lambda_json_fail(doc, &msg);
}


/*
 * Returns 0 when the rewritten body parsed (doc->value set), 1 when no free
 * private-use block is left, -1 on allocation failure (also when jansson
 * refuses the copy: the scan found nothing else it refuses, so it could not
 * allocate).
 */

static int
ngx_http_lambda_json_reparse(ngx_http_lambda_json_scan_t *s,
    ngx_http_lambda_json_doc_t *doc)
{
    int             k;
    size_t          n;
    uint32_t        base;
    json_error_t    jerr;
    unsigned char  *copy;

    base = 0;

    for (k = NGX_HTTP_LAMBDA_JSON_PUA_BLOCKS - 1; k >= 0; k--) {
        if (!(s->blocks & ((uint64_t) 1 << k))) {
            base = NGX_HTTP_LAMBDA_JSON_PUA_START
                   + (uint32_t) k * NGX_HTTP_LAMBDA_JSON_SURROGATES;
            break;
        }
    }

    if (base == 0) {
        return 1;
    }

    /* a 6-byte escape becomes a 4-byte character: the copy never grows */

    copy = ngx_http_lambda_json_alloc(s->len);
    if (copy == NULL) {
        return -1;
    }

    n = ngx_http_lambda_json_rewrite(s->text, s->len, base, copy);

    doc->value = json_loadb((const char *) copy, n,
                            NGX_HTTP_LAMBDA_JSON_FLAGS, &jerr);

    ngx_http_lambda_json_dealloc(copy);

    if (doc->value == NULL) {
        return -1;
    }

    doc->surrogate_base = base;

    return 0;
}


/*
 * CPython's scanner (scan_once_unicode and the functions it calls), made
 * iterative with an explicit stack.  Byte offsets here; they become code
 * point positions only when a message is written.
 */

static void
ngx_http_lambda_json_scan(ngx_http_lambda_json_scan_t *s)
{
    int                   state;
    size_t                i, len, start;
    unsigned char         c, kind;
    const unsigned char  *p;

    p = s->text;
    len = s->len;

    i = ngx_http_lambda_json_skip(p, len, 0);
    state = NGX_HTTP_LAMBDA_JSON_VALUE;

    for ( ;; ) {

        if (state == NGX_HTTP_LAMBDA_JSON_VALUE) {

            if (s->depth == NGX_HTTP_LAMBDA_JSON_MAX_DEPTH) {
                /*
                 * jansson counts every value, scalars included, against its
                 * limit; Python's RecursionError (no position) came earlier
                 */
                kind = (i < len && (p[i] == '{' || p[i] == '['))
                       ? p[i] : s->kinds[s->depth - 1];

                s->error = (kind == '{')
                           ? "maximum recursion depth exceeded while "
                             "decoding a JSON object from a unicode string"
                           : "maximum recursion depth exceeded while "
                             "decoding a JSON array from a unicode string";
                return;
            }

            if (i >= len) {
                goto expecting_value;
            }

            c = p[i];

            switch (c) {

            case '"':
                if (ngx_http_lambda_json_scan_string(s, &i, NULL) != 0) {
                    return;
                }

                state = NGX_HTTP_LAMBDA_JSON_AFTER;
                continue;

            case '{':
            case '[':
                if (ngx_http_lambda_json_push(s, c) != 0) {
                    return;
                }

                i = ngx_http_lambda_json_skip(p, len, i + 1);

                if (i < len && p[i] == (c == '{' ? '}' : ']')) {
                    ngx_http_lambda_json_pop(s);
                    i++;
                    state = NGX_HTTP_LAMBDA_JSON_AFTER;
                    continue;
                }

                state = (c == '{') ? NGX_HTTP_LAMBDA_JSON_KEY
                                   : NGX_HTTP_LAMBDA_JSON_VALUE;
                continue;

            case 'n':
                if (i + 3 < len && memcmp(p + i + 1, "ull", 3) == 0) {
                    i += 4;
                    state = NGX_HTTP_LAMBDA_JSON_AFTER;
                    continue;
                }

                break;

            case 't':
                if (i + 3 < len && memcmp(p + i + 1, "rue", 3) == 0) {
                    i += 4;
                    state = NGX_HTTP_LAMBDA_JSON_AFTER;
                    continue;
                }

                break;

            case 'f':
                if (i + 4 < len && memcmp(p + i + 1, "alse", 4) == 0) {
                    i += 5;
                    state = NGX_HTTP_LAMBDA_JSON_AFTER;
                    continue;
                }

                break;

            /* DRF's strict_constant raises on the three constants */

            case 'N':
                if (i + 2 < len && memcmp(p + i + 1, "aN", 2) == 0) {
                    s->error = "Out of range float values are not JSON "
                               "compliant: 'NaN'";
                    return;
                }

                break;

            case 'I':
                if (i + 7 < len && memcmp(p + i + 1, "nfinity", 7) == 0) {
                    s->error = "Out of range float values are not JSON "
                               "compliant: 'Infinity'";
                    return;
                }

                break;

            case '-':
                if (i + 8 < len && memcmp(p + i + 1, "Infinity", 8) == 0) {
                    s->error = "Out of range float values are not JSON "
                               "compliant: '-Infinity'";
                    return;
                }

                break;
            }

            if (ngx_http_lambda_json_scan_number(s, &i) != 0) {
                return;
            }

            state = NGX_HTTP_LAMBDA_JSON_AFTER;
            continue;
        }

        if (state == NGX_HTTP_LAMBDA_JSON_KEY) {

            if (i >= len || p[i] != '"') {
                s->error = "Expecting property name enclosed in double quotes";
                goto at;
            }

            start = i;

            if (s->issue == NGX_HTTP_LAMBDA_ISSUE_NONE) {
                s->buf.len = 0;

                if (ngx_http_lambda_json_scan_string(s, &i, &s->buf) != 0) {
                    return;
                }

                ngx_http_lambda_json_scan_key(s, start);

                if (s->nomem) {
                    return;
                }

            } else if (ngx_http_lambda_json_scan_string(s, &i, NULL) != 0) {
                return;
            }

            i = ngx_http_lambda_json_skip(p, len, i);

            if (i >= len || p[i] != ':') {
                s->error = "Expecting ':' delimiter";
                goto at;
            }

            i = ngx_http_lambda_json_skip(p, len, i + 1);
            state = NGX_HTTP_LAMBDA_JSON_VALUE;
            continue;
        }

        /* after a value */

        i = ngx_http_lambda_json_skip(p, len, i);

        if (s->depth == 0) {
            if (i != len) {
                s->error = "Extra data";
                goto at;
            }

            return;
        }

        kind = s->kinds[s->depth - 1];

        if (i < len && p[i] == (kind == '{' ? '}' : ']')) {
            ngx_http_lambda_json_pop(s);
            i++;
            continue;
        }

        if (i >= len || p[i] != ',') {
            s->error = "Expecting ',' delimiter";
            goto at;
        }

        i = ngx_http_lambda_json_skip(p, len, i + 1);

        state = (kind == '{') ? NGX_HTTP_LAMBDA_JSON_KEY
                              : NGX_HTTP_LAMBDA_JSON_VALUE;
    }

expecting_value:

    s->error = "Expecting value";

at:

    s->error_at = 1;
    s->error_pos = i;
}


/*
 * scanstring_unicode(): *pos is the opening quote on entry and the byte
 * after the closing quote on return.  When out is set it receives the
 * decoded string, lone surrogates written as 3-byte sequences.
 */

static int
ngx_http_lambda_json_scan_string(ngx_http_lambda_json_scan_t *s,
    size_t *pos, ngx_http_lambda_buf_t *out)
{
    size_t                i, len, begin, run;
    uint32_t              cp, cp2;
    unsigned char         c, ch;
    const unsigned char  *p;

    p = s->text;
    len = s->len;
    begin = *pos;
    i = begin + 1;

    for ( ;; ) {

        run = i;

        for ( ;; ) {
            if (i >= len) {
                s->error = "Unterminated string starting at";
                s->error_pos = begin;
                goto failed;
            }

            c = p[i];

            if (c == '"' || c == '\\') {
                break;
            }

            if (c < 0x20) {
                s->error = "Invalid control character at";
                s->error_pos = i;
                goto failed;
            }

            if (c == 0xF4 || (c == 0xF3 && p[i + 1] >= 0xB0)) {
                /* planes 15 and 16 (the text is valid UTF-8 here) */
                (void) ngx_http_lambda_utf8_next(p + i, len - i, &cp);
                ngx_http_lambda_json_mark(s, cp);
            }

            i++;
        }

        if (out && i > run) {
            ngx_http_lambda_buf_add(out, p + run, i - run);
        }

        if (c == '"') {
            *pos = i + 1;
            return 0;
        }

        i++;

        if (i >= len) {
            s->error = "Unterminated string starting at";
            s->error_pos = begin;
            goto failed;
        }

        c = p[i];

        if (c != 'u') {

            switch (c) {
            case '"':
            case '\\':
            case '/':
                ch = c;
                break;
            case 'b':
                ch = '\b';
                break;
            case 'f':
                ch = '\f';
                break;
            case 'n':
                ch = '\n';
                break;
            case 'r':
                ch = '\r';
                break;
            case 't':
                ch = '\t';
                break;
            default:
                s->error = "Invalid \\escape";
                s->error_pos = i - 1;
                goto failed;
            }

            if (out) {
                ngx_http_lambda_buf_add(out, &ch, 1);
            }

            i++;
            continue;
        }

        /* the "u" of the escape: both of Python's checks report it there */

        if (i + 5 >= len || ngx_http_lambda_json_hex4(p + i + 1, &cp) != 0) {
            s->error = "Invalid \\uXXXX escape";
            s->error_pos = i;
            goto failed;
        }

        i += 5;

        if (cp >= 0xD800 && cp <= 0xDBFF
            && i + 1 < len && p[i] == '\\' && p[i + 1] == 'u')
        {
            if (i + 6 >= len
                || ngx_http_lambda_json_hex4(p + i + 2, &cp2) != 0)
            {
                s->error = "Invalid \\uXXXX escape";
                s->error_pos = i + 1;
                goto failed;
            }

            if (cp2 >= 0xDC00 && cp2 <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (cp2 - 0xDC00);
                i += 6;
                ngx_http_lambda_json_mark(s, cp);
            }
        }

        if (cp >= 0xD800 && cp <= 0xDFFF) {
            s->lone = 1;
        }

        if (out) {
            ngx_http_lambda_buf_add_utf8(out, cp);
        }
    }

failed:

    s->error_at = 1;

    return 1;
}


/*
 * _match_number_unicode(): a number that cannot start is "Expecting value"
 * at its first character; a fraction or exponent that does not complete is
 * left for the caller ("1." is 1 then ".").
 */

static int
ngx_http_lambda_json_scan_number(ngx_http_lambda_json_scan_t *s, size_t *pos)
{
    int                   real;
    size_t                i, len, start, e, digits, neg;
    double                d;
    const unsigned char  *p;

    p = s->text;
    len = s->len;
    start = *pos;
    i = start;
    neg = 0;

    if (p[i] == '-') {
        neg = 1;
        i++;

        if (i >= len) {
            goto expecting_value;
        }
    }

    if (p[i] >= '1' && p[i] <= '9') {
        i++;

        while (i < len && ngx_http_lambda_json_digit(p[i])) {
            i++;
        }

    } else if (p[i] == '0') {
        i++;

    } else {
        goto expecting_value;
    }

    real = 0;

    if (i + 1 < len && p[i] == '.' && ngx_http_lambda_json_digit(p[i + 1])) {
        real = 1;
        i += 2;

        while (i < len && ngx_http_lambda_json_digit(p[i])) {
            i++;
        }
    }

    if (i + 1 < len && (p[i] == 'e' || p[i] == 'E')) {
        e = i;
        i++;

        if (i + 1 < len && (p[i] == '-' || p[i] == '+')) {
            i++;
        }

        while (i < len && ngx_http_lambda_json_digit(p[i])) {
            i++;
        }

        if (ngx_http_lambda_json_digit(p[i - 1])) {
            real = 1;

        } else {
            i = e;
        }
    }

    *pos = i;

    if (!real) {
        digits = i - start - neg;

        if (digits > NGX_HTTP_LAMBDA_JSON_INT_DIGITS) {
            /* PyLong_FromString() refuses it: a ValueError, no position */
            s->error = "int";
            s->error_digits = digits;
            return 1;
        }

        /* jansson's json_int_t is a long long */

        if (digits > 19
            || (digits == 19
                && memcmp(p + start + neg, neg ? "9223372036854775808"
                                               : "9223372036854775807", 19)
                   > 0))
        {
            ngx_http_lambda_json_issue(s, NGX_HTTP_LAMBDA_ISSUE_BIG_INTEGER,
                                       start);
        }

        return 0;
    }

    if (s->issue != NGX_HTTP_LAMBDA_ISSUE_NONE) {
        return 0;
    }

    /* jansson converts with strtod() and refuses an overflow */

    s->buf.len = 0;
    ngx_http_lambda_buf_add(&s->buf, p + start, i - start);

    if (s->buf.nomem) {
        s->nomem = 1;
        return 1;
    }

    errno = 0;
    d = strtod((const char *) s->buf.data, NULL);

    if (isinf(d) && errno == ERANGE) {
        ngx_http_lambda_json_issue(s, NGX_HTTP_LAMBDA_ISSUE_BIG_REAL, start);
    }

    return 0;

expecting_value:

    /* StopIteration(start), which raw_decode() turns into this */

    s->error = "Expecting value";
    s->error_at = 1;
    s->error_pos = start;

    return 1;
}


static void
ngx_http_lambda_json_scan_key(ngx_http_lambda_json_scan_t *s, size_t start)
{
    json_t      *set;
    const char  *key;

    if (s->buf.nomem) {
        s->nomem = 1;
        return;
    }

    key = s->buf.len ? (const char *) s->buf.data : "";

    if (memchr(key, '\0', s->buf.len) != NULL) {
        ngx_http_lambda_json_issue(s, NGX_HTTP_LAMBDA_ISSUE_NUL_KEY, start);
        return;
    }

    set = s->keys[s->depth - 1];

    if (set == NULL) {
        set = json_object();
        if (set == NULL) {
            s->nomem = 1;
            return;
        }

        s->keys[s->depth - 1] = set;
    }

    if (json_object_getn(set, key, s->buf.len) != NULL) {
        ngx_http_lambda_json_issue(s, NGX_HTTP_LAMBDA_ISSUE_DUPLICATE, start);
        return;
    }

    if (json_object_setn_new_nocheck(set, key, s->buf.len, json_null()) != 0)
    {
        s->nomem = 1;
    }
}


static int
ngx_http_lambda_json_push(ngx_http_lambda_json_scan_t *s, unsigned char kind)
{
    size_t          size;
    json_t        **keys;
    unsigned char  *kinds;

    if (s->depth == s->size) {
        size = s->size ? s->size * 2 : 16;

        kinds = ngx_http_lambda_json_alloc(size);
        keys = ngx_http_lambda_json_alloc(size * sizeof(json_t *));

        if (kinds == NULL || keys == NULL) {
            ngx_http_lambda_json_dealloc(kinds);
            ngx_http_lambda_json_dealloc(keys);
            s->nomem = 1;
            return 1;
        }

        if (s->depth) {
            memcpy(kinds, s->kinds, s->depth);
            memcpy(keys, s->keys, s->depth * sizeof(json_t *));
        }

        ngx_http_lambda_json_dealloc(s->kinds);
        ngx_http_lambda_json_dealloc(s->keys);

        s->kinds = kinds;
        s->keys = keys;
        s->size = size;
    }

    s->kinds[s->depth] = kind;
    s->keys[s->depth] = NULL;
    s->depth++;

    return 0;
}


static void
ngx_http_lambda_json_pop(ngx_http_lambda_json_scan_t *s)
{
    s->depth--;

    if (s->keys[s->depth]) {
        json_decref(s->keys[s->depth]);
        s->keys[s->depth] = NULL;
    }
}


static void
ngx_http_lambda_json_scan_free(ngx_http_lambda_json_scan_t *s)
{
    while (s->depth) {
        ngx_http_lambda_json_pop(s);
    }

    ngx_http_lambda_json_dealloc(s->kinds);
    ngx_http_lambda_json_dealloc(s->keys);
    ngx_http_lambda_buf_free(&s->buf);

    s->kinds = NULL;
    s->keys = NULL;
    s->size = 0;
}


static void
ngx_http_lambda_json_issue(ngx_http_lambda_json_scan_t *s,
    ngx_http_lambda_issue_t issue, size_t pos)
{
    size_t  d;

    if (s->issue != NGX_HTTP_LAMBDA_ISSUE_NONE) {
        return;
    }

    s->issue = issue;
    s->issue_pos = pos;

    /* key sets are of no more use */

    for (d = 0; d < s->depth; d++) {
        if (s->keys[d]) {
            json_decref(s->keys[d]);
            s->keys[d] = NULL;
        }
    }
}


static void
ngx_http_lambda_json_mark(ngx_http_lambda_json_scan_t *s, uint32_t cp)
{
    if (cp >= NGX_HTTP_LAMBDA_JSON_PUA_START && cp <= 0x10FFFF) {
        s->blocks |= (uint64_t) 1 << ((cp - NGX_HTTP_LAMBDA_JSON_PUA_START)
                                      / NGX_HTTP_LAMBDA_JSON_SURROGATES);
    }
}


static size_t
ngx_http_lambda_json_skip(const unsigned char *p, size_t len, size_t i)
{
    while (i < len && ngx_http_lambda_json_ws(p[i])) {
        i++;
    }

    return i;
}


static int
ngx_http_lambda_json_hex4(const unsigned char *p, uint32_t *cp)
{
    int            k;
    uint32_t       v;
    unsigned char  c;

    v = 0;

    for (k = 0; k < 4; k++) {
        c = p[k];
        v <<= 4;

        if (c >= '0' && c <= '9') {
            v |= (uint32_t) (c - '0');

        } else if (c >= 'a' && c <= 'f') {
            v |= (uint32_t) (c - 'a' + 10);

        } else if (c >= 'A' && c <= 'F') {
            v |= (uint32_t) (c - 'A' + 10);

        } else {
            return -1;
        }
    }

    *cp = v;

    return 0;
}


/*
 * Copies a body CPython accepts, with every lone surrogate escape replaced
 * by the private-use character base + (surrogate - 0xD800), pairing escapes
 * exactly as scanstring_unicode() does.
 */

static size_t
ngx_http_lambda_json_rewrite(const unsigned char *p, size_t len,
    uint32_t base, unsigned char *out)
{
    int            in;
    size_t         i, o;
    uint32_t       cp, cp2;
    unsigned char  c;

    i = 0;
    o = 0;
    in = 0;

    while (i < len) {
        c = p[i];

        if (!in || (c != '\\' && c != '"')) {
            out[o++] = c;
            i++;

            if (c == '"') {
                in = 1;
            }

            continue;
        }

        if (c == '"') {
            out[o++] = c;
            i++;
            in = 0;
            continue;
        }

        if (p[i + 1] != 'u') {
            out[o++] = c;
            out[o++] = p[i + 1];
            i += 2;
            continue;
        }

        if (ngx_http_lambda_json_hex4(p + i + 2, &cp) != 0) {
            cp = 0;
        }

        if (cp >= 0xD800 && cp <= 0xDBFF
            && i + 11 < len && p[i + 6] == '\\' && p[i + 7] == 'u'
            && ngx_http_lambda_json_hex4(p + i + 8, &cp2) == 0
            && cp2 >= 0xDC00 && cp2 <= 0xDFFF)
        {
            memcpy(out + o, p + i, 12);
            o += 12;
            i += 12;
            continue;
        }

        if (cp >= 0xD800 && cp <= 0xDFFF) {
            o += ngx_http_lambda_utf8_encode(out + o, base + (cp - 0xD800));
            i += 6;
            continue;
        }

        memcpy(out + o, p + i, 6);
        o += 6;
        i += 6;
    }

    return o;
}


/* JSONDecodeError: "%s: line %d column %d (char %d)" */

static void
ngx_http_lambda_json_position(ngx_http_lambda_buf_t *msg,
    const unsigned char *text, size_t off)
{
    char    tmp[96];
    size_t  i, cp, line, nl;
    int     seen;

    cp = 0;
    line = 1;
    nl = 0;
    seen = 0;

    for (i = 0; i < off; i++) {
        if (ngx_http_lambda_json_cont(text[i])) {
            continue;
        }

        if (text[i] == '\n') {
            line++;
            nl = cp;
            seen = 1;
        }

        cp++;
    }

    snprintf(tmp, sizeof(tmp), ": line %zu column %zu (char %zu)",
             line, seen ? cp - nl : cp + 1, cp);

    ngx_http_lambda_buf_add_cstr(msg, tmp);
}


/* the duplicate key, lone surrogates shown as U+FFFD, cut when long */

static void
ngx_http_lambda_json_show_key(ngx_http_lambda_json_scan_t *s,
    ngx_http_lambda_buf_t *msg)
{
    size_t    i, n, shown;
    uint32_t  cp;

    i = s->issue_pos;
    s->buf.len = 0;

    (void) ngx_http_lambda_json_scan_string(s, &i, &s->buf);

    if (s->buf.nomem) {
        msg->nomem = 1;
        return;
    }

    shown = 0;

    for (i = 0; i < s->buf.len; i += n) {

        if (shown == NGX_HTTP_LAMBDA_JSON_KEY_SHOWN) {
            ngx_http_lambda_buf_add_cstr(msg, "...");
            break;
        }

        n = ngx_http_lambda_utf8_next(s->buf.data + i, s->buf.len - i, &cp);

        if (cp >= 0xD800 && cp <= 0xDFFF) {
            ngx_http_lambda_buf_add_utf8(msg, 0xFFFD);

        } else {
            ngx_http_lambda_buf_add(msg, s->buf.data + i, n);
        }

        shown++;
    }
}


static int
ngx_http_lambda_json_fail(ngx_http_lambda_json_doc_t *doc,
    ngx_http_lambda_buf_t *msg)
{
    json_t  *detail, *error;

    if (msg->nomem) {
        ngx_http_lambda_buf_free(msg);
        return -1;
    }

    detail = json_stringn((const char *) msg->data, msg->len);

    ngx_http_lambda_buf_free(msg);

    if (detail == NULL) {
        return -1;
    }

    error = json_object();

    if (error == NULL) {
        json_decref(detail);
        return -1;
    }

    if (json_object_set_new(error, "detail", detail) != 0) {
        json_decref(error);
        return -1;
    }

    doc->error = error;

    return 0;
}


/* UTF-8, surrogates included (they only ever reach comparison buffers) */

static size_t
ngx_http_lambda_utf8_encode(unsigned char *p, uint32_t cp)
{
    if (cp < 0x80) {
        p[0] = (unsigned char) cp;
        return 1;
    }

    if (cp < 0x800) {
        p[0] = (unsigned char) (0xC0 | (cp >> 6));
        p[1] = (unsigned char) (0x80 | (cp & 0x3F));
        return 2;
    }

    if (cp < 0x10000) {
        p[0] = (unsigned char) (0xE0 | (cp >> 12));
        p[1] = (unsigned char) (0x80 | ((cp >> 6) & 0x3F));
        p[2] = (unsigned char) (0x80 | (cp & 0x3F));
        return 3;
    }

    p[0] = (unsigned char) (0xF0 | (cp >> 18));
    p[1] = (unsigned char) (0x80 | ((cp >> 12) & 0x3F));
    p[2] = (unsigned char) (0x80 | ((cp >> 6) & 0x3F));
    p[3] = (unsigned char) (0x80 | (cp & 0x3F));

    return 4;
}
