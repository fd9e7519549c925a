
/*
 * Copyright (C) ngx_lambda_gateway developers
 */


#include <string.h>

#include "ngx_http_lambda_fastpath.h"


#define NGX_HTTP_LAMBDA_FP_MAX_DEPTH  32
#define NGX_HTTP_LAMBDA_FP_MAX_KEYS   32

/* digits of an integer literal that any parser holds in 64 bits */
#define NGX_HTTP_LAMBDA_FP_INT_DIGITS    18

/* Python's str(float) stays positional below 1e16 */
#define NGX_HTTP_LAMBDA_FP_FLOAT_DIGITS  15


/* byte classes inside a string */
#define NGX_HTTP_LAMBDA_FP_CHAR    0
#define NGX_HTTP_LAMBDA_FP_SPACE   1
#define NGX_HTTP_LAMBDA_FP_QUOTE   2
#define NGX_HTTP_LAMBDA_FP_ESCAPE  3
#define NGX_HTTP_LAMBDA_FP_CTRL    4
#define NGX_HTTP_LAMBDA_FP_HIGH    5


typedef enum {
    NGX_HTTP_LAMBDA_FP_FAIL = 0,
    NGX_HTTP_LAMBDA_FP_STRING,
    NGX_HTTP_LAMBDA_FP_INT,          /* no fraction, no exponent */
    NGX_HTTP_LAMBDA_FP_FLOAT,        /* a fraction, no exponent */
    NGX_HTTP_LAMBDA_FP_NUMBER,       /* an exponent, or long */
    NGX_HTTP_LAMBDA_FP_TRUE,
    NGX_HTTP_LAMBDA_FP_FALSE,
    NGX_HTTP_LAMBDA_FP_NULL,
    NGX_HTTP_LAMBDA_FP_COMPOSITE     /* an object or an array, skipped */
} ngx_http_lambda_fp_kind_e;


typedef struct {
    ngx_http_lambda_fp_kind_e  kind;
    unsigned                   blank:1;     /* string: spaces only */
    unsigned                   unsure:1;    /* string: spaces and non-ASCII */
    unsigned                   zero:1;      /* number: equals 0 */
    unsigned                   one:1;       /* number: equals 1 */
    unsigned                   integral:1;  /* number: str() is an int */
} ngx_http_lambda_fp_value_t;


typedef struct {
    const unsigned char       *p;
    const unsigned char       *end;
} ngx_http_lambda_fp_t;


typedef struct {
    const unsigned char       *key[NGX_HTTP_LAMBDA_FP_MAX_KEYS];
    size_t                     len[NGX_HTTP_LAMBDA_FP_MAX_KEYS];
    size_t                     n;
    int                        first;
} ngx_http_lambda_fp_object_t;


static void ngx_http_lambda_fp_ws(ngx_http_lambda_fp_t *fp);
static size_t ngx_http_lambda_fp_utf8(const unsigned char *p,
    const unsigned char *end);
static int ngx_http_lambda_fp_string(ngx_http_lambda_fp_t *fp,
    ngx_http_lambda_fp_value_t *v);
static int ngx_http_lambda_fp_number(ngx_http_lambda_fp_t *fp,
    ngx_http_lambda_fp_value_t *v);
static int ngx_http_lambda_fp_literal(ngx_http_lambda_fp_t *fp,
    const char *word, size_t len);
static int ngx_http_lambda_fp_value(ngx_http_lambda_fp_t *fp,
    ngx_http_lambda_fp_value_t *v, int depth);
static int ngx_http_lambda_fp_skip(ngx_http_lambda_fp_t *fp, int depth);
static int ngx_http_lambda_fp_object_start(ngx_http_lambda_fp_t *fp,
    ngx_http_lambda_fp_object_t *obj);
static int ngx_http_lambda_fp_object_next(ngx_http_lambda_fp_t *fp,
    ngx_http_lambda_fp_object_t *obj, const unsigned char **key,
    size_t *len);
static int ngx_http_lambda_fp_is(const unsigned char *key, size_t len,
    const char *name);
static int ngx_http_lambda_fp_char_field(ngx_http_lambda_fp_t *fp);
static int ngx_http_lambda_fp_int_field(ngx_http_lambda_fp_t *fp,
    int *truthy);
static int ngx_http_lambda_fp_attributes(ngx_http_lambda_fp_t *fp);
static int ngx_http_lambda_fp_entry(ngx_http_lambda_fp_t *fp, int sublabels);
static int ngx_http_lambda_fp_mapping(ngx_http_lambda_fp_t *fp, int nested);
static int ngx_http_lambda_fp_requests(ngx_http_lambda_fp_t *fp);
static int ngx_http_lambda_fp_online(ngx_http_lambda_fp_t *fp);


static const unsigned char  ngx_http_lambda_fp_class[256] = {
    /* 0x00 - 0x1f: control characters may not appear unescaped */
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    /* 0x20 - 0x7f */
    1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    /* 0x80 - 0xff */
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5,
    5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5
};


int
ngx_http_lambda_fast_pass(ngx_http_lambda_body_kind_t kind,
    const unsigned char *data, size_t len, int strict)
{
    int                   rc;
    ngx_http_lambda_fp_t  fp;

    if (strict) {
        return 0;
    }

    fp.p = data;
    fp.end = data + len;

    ngx_http_lambda_fp_ws(&fp);

    if (kind == NGX_HTTP_LAMBDA_BODY_REQUESTS) {
        rc = ngx_http_lambda_fp_requests(&fp);

    } else {
        rc = ngx_http_lambda_fp_online(&fp);
    }

    if (!rc) {
        return 0;
    }

    ngx_http_lambda_fp_ws(&fp);

    return fp.p == fp.end;
}


/* JSON's whitespace, which is also Python's json module's */

static void
ngx_http_lambda_fp_ws(ngx_http_lambda_fp_t *fp)
{
    while (fp->p < fp->end
           && (*fp->p == ' ' || *fp->p == '\n' || *fp->p == '\r'
               || *fp->p == '\t'))
    {
        fp->p++;
    }
}


/*
 * The length of a well-formed UTF-8 sequence as Python's strict decoder
 * accepts it (no overlong forms, no surrogates, nothing above U+10FFFF),
 * or 0.
 */

static size_t
ngx_http_lambda_fp_utf8(const unsigned char *p, const unsigned char *end)
{
    size_t         n, i;
    unsigned char  c, lo, hi;

    c = p[0];
    lo = 0x80;
    hi = 0xbf;

    if (c >= 0xc2 && c <= 0xdf) {
        n = 2;

    } else if (c >= 0xe0 && c <= 0xef) {
        n = 3;

        if (c == 0xe0) {
            lo = 0xa0;

        } else if (c == 0xed) {
            hi = 0x9f;
        }

    } else if (c >= 0xf0 && c <= 0xf4) {
        n = 4;

        if (c == 0xf0) {
            lo = 0x90;

        } else if (c == 0xf4) {
            hi = 0x8f;
        }

    } else {
        return 0;
    }

    if ((size_t) (end - p) < n || p[1] < lo || p[1] > hi) {
        return 0;
    }

    for (i = 2; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80) {
            return 0;
        }
    }

    return n;
}


/* a string without escapes; anything else is left to the full validator */

static int
ngx_http_lambda_fp_string(ngx_http_lambda_fp_t *fp,
    ngx_http_lambda_fp_value_t *v)
{
    size_t                n;
    unsigned              visible, high;
    const unsigned char  *p, *end;

    p = fp->p + 1;
    end = fp->end;
    visible = 0;
    high = 0;

    for ( ;; ) {

        if (p == end) {
            return 0;
        }

        switch (ngx_http_lambda_fp_class[*p]) {

        case NGX_HTTP_LAMBDA_FP_CHAR:
            visible = 1;
            p++;
            continue;

        case NGX_HTTP_LAMBDA_FP_SPACE:
            p++;
            continue;

        case NGX_HTTP_LAMBDA_FP_QUOTE:
            break;

        case NGX_HTTP_LAMBDA_FP_HIGH:
            n = ngx_http_lambda_fp_utf8(p, end);
            if (n == 0) {
                return 0;
            }

            high = 1;
            p += n;
            continue;

        default: /* an escape or a control character */
            return 0;
        }

        break;
    }

    fp->p = p + 1;

    v->kind = NGX_HTTP_LAMBDA_FP_STRING;
    v->blank = !visible && !high;
    v->unsure = !visible && high;

    return 1;
}


/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)? */

static int
ngx_http_lambda_fp_number(ngx_http_lambda_fp_t *fp,
    ngx_http_lambda_fp_value_t *v)
{
    size_t                idigits, fdigits, edigits;
    unsigned              neg, inonzero, fnonzero, ione;
    const unsigned char  *p, *end, *start;

    p = fp->p;
    end = fp->end;

    neg = 0;

    if (*p == '-') {
        neg = 1;
        p++;
    }

    if (p == end || *p < '0' || *p > '9') {
        return 0;
    }

    start = p;
    inonzero = 0;

    if (*p == '0') {
        p++;

    } else {
        while (p < end && *p >= '0' && *p <= '9') {
            inonzero |= (*p != '0');
            p++;
        }
    }

    idigits = p - start;
    ione = (idigits == 1 && *start == '1');

    fdigits = 0;
    fnonzero = 0;

    if (p < end && *p == '.') {
        p++;

        while (p < end && *p >= '0' && *p <= '9') {
            fnonzero |= (*p != '0');
            fdigits++;
            p++;
        }

        if (fdigits == 0) {
            return 0;
        }
    }

    edigits = 0;

    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;

        if (p < end && (*p == '+' || *p == '-')) {
            p++;
        }

        while (p < end && *p >= '0' && *p <= '9') {
            edigits++;
            p++;
        }

        if (edigits == 0) {
            return 0;
        }
    }

    fp->p = p;

    v->zero = !inonzero && !fnonzero;
    v->one = ione && !fnonzero && !neg;
    v->integral = 0;

    if (edigits || idigits > NGX_HTTP_LAMBDA_FP_INT_DIGITS) {
        /* representable when the exponent is small, but not for fields */
        v->kind = NGX_HTTP_LAMBDA_FP_NUMBER;
        return edigits <= 2 && idigits <= NGX_HTTP_LAMBDA_FP_INT_DIGITS;
    }

    if (fdigits == 0) {
        v->kind = NGX_HTTP_LAMBDA_FP_INT;
        v->integral = 1;
        return 1;
    }

    v->kind = NGX_HTTP_LAMBDA_FP_FLOAT;
    v->integral = !fnonzero && idigits <= NGX_HTTP_LAMBDA_FP_FLOAT_DIGITS;

    return 1;
}


static int
ngx_http_lambda_fp_literal(ngx_http_lambda_fp_t *fp, const char *word,
    size_t len)
{
    if ((size_t) (fp->end - fp->p) < len || memcmp(fp->p, word, len) != 0) {
        return 0;
    }

    fp->p += len;

    return 1;
}


/* a scalar value; objects and arrays are skipped and reported as such */

static int
ngx_http_lambda_fp_value(ngx_http_lambda_fp_t *fp,
    ngx_http_lambda_fp_value_t *v, int depth)
{
    memset(v, 0, sizeof(ngx_http_lambda_fp_value_t));

    if (fp->p == fp->end) {
        return 0;
    }

    switch (*fp->p) {

    case '"':
        return ngx_http_lambda_fp_string(fp, v);

    case 't':
        v->kind = NGX_HTTP_LAMBDA_FP_TRUE;
        return ngx_http_lambda_fp_literal(fp, "true", 4);

    case 'f':
        v->kind = NGX_HTTP_LAMBDA_FP_FALSE;
        return ngx_http_lambda_fp_literal(fp, "false", 5);

    case 'n':
        v->kind = NGX_HTTP_LAMBDA_FP_NULL;
        return ngx_http_lambda_fp_literal(fp, "null", 4);

    case '{':
    case '[':
        v->kind = NGX_HTTP_LAMBDA_FP_COMPOSITE;
        return ngx_http_lambda_fp_skip(fp, depth);

    default:
        return ngx_http_lambda_fp_number(fp, v);
    }
}


/* any value, checked for syntax, encoding and duplicate keys */

static int
ngx_http_lambda_fp_skip(ngx_http_lambda_fp_t *fp, int depth)
{
    size_t                       len;
    const unsigned char         *key;
    ngx_http_lambda_fp_value_t   v;
    ngx_http_lambda_fp_object_t  obj;

    if (fp->p == fp->end) {
        return 0;
    }

    if (*fp->p == '{') {

        if (depth >= NGX_HTTP_LAMBDA_FP_MAX_DEPTH
            || !ngx_http_lambda_fp_object_start(fp, &obj))
        {
            return 0;
        }

        for ( ;; ) {
            switch (ngx_http_lambda_fp_object_next(fp, &obj, &key, &len)) {
            case 1:
                if (!ngx_http_lambda_fp_skip(fp, depth + 1)) {
                    return 0;
                }
                continue;
            case 0:
                return 1;
            default:
                return 0;
            }
        }
    }

    if (*fp->p == '[') {

        if (depth >= NGX_HTTP_LAMBDA_FP_MAX_DEPTH) {
            return 0;
        }

        fp->p++;
        ngx_http_lambda_fp_ws(fp);

        if (fp->p < fp->end && *fp->p == ']') {
            fp->p++;
            return 1;
        }

        for ( ;; ) {
            if (!ngx_http_lambda_fp_skip(fp, depth + 1)) {
                return 0;
            }

            ngx_http_lambda_fp_ws(fp);

            if (fp->p == fp->end) {
                return 0;
            }

            if (*fp->p == ']') {
                fp->p++;
                return 1;
            }

            if (*fp->p != ',') {
                return 0;
            }

            fp->p++;
            ngx_http_lambda_fp_ws(fp);
        }
    }

    return ngx_http_lambda_fp_value(fp, &v, depth);
}


static int
ngx_http_lambda_fp_object_start(ngx_http_lambda_fp_t *fp,
    ngx_http_lambda_fp_object_t *obj)
{
    if (fp->p == fp->end || *fp->p != '{') {
        return 0;
    }

    fp->p++;
    obj->n = 0;
    obj->first = 1;

    return 1;
}


/*
 * Reads the next key and the ":" after it: 1, positioned at the value;
 * 0 at the end of the object; -1 on anything else, a duplicate key
 * included.
 */

static int
ngx_http_lambda_fp_object_next(ngx_http_lambda_fp_t *fp,
    ngx_http_lambda_fp_object_t *obj, const unsigned char **key, size_t *len)
{
    size_t                      i;
    const unsigned char        *start;
    ngx_http_lambda_fp_value_t  v;

    ngx_http_lambda_fp_ws(fp);

    if (fp->p == fp->end) {
        return -1;
    }

    if (obj->first) {
        obj->first = 0;

        if (*fp->p == '}') {
            fp->p++;
            return 0;
        }

    } else {
        if (*fp->p == '}') {
            fp->p++;
            return 0;
        }

        if (*fp->p != ',') {
            return -1;
        }

        fp->p++;
        ngx_http_lambda_fp_ws(fp);

        if (fp->p == fp->end) {
            return -1;
        }
    }

    if (*fp->p != '"' || obj->n == NGX_HTTP_LAMBDA_FP_MAX_KEYS) {
        return -1;
    }

    start = fp->p + 1;

    if (!ngx_http_lambda_fp_string(fp, &v)) {
        return -1;
    }

    *key = start;
    *len = fp->p - 1 - start;

    /* without escapes, equal strings are equal bytes */

    for (i = 0; i < obj->n; i++) {
        if (obj->len[i] == *len && memcmp(obj->key[i], *key, *len) == 0) {
            return -1;
        }
    }

    obj->key[obj->n] = *key;
    obj->len[obj->n] = *len;
    obj->n++;

    ngx_http_lambda_fp_ws(fp);

    if (fp->p == fp->end || *fp->p != ':') {
        return -1;
    }

    fp->p++;
    ngx_http_lambda_fp_ws(fp);

    return 1;
}


static int
ngx_http_lambda_fp_is(const unsigned char *key, size_t len, const char *name)
{
    return len == strlen(name) && memcmp(key, name, len) == 0;
}


/* CharField: a string that is not blank after strip(), or a number */

static int
ngx_http_lambda_fp_char_field(ngx_http_lambda_fp_t *fp)
{
    ngx_http_lambda_fp_value_t  v;

    if (!ngx_http_lambda_fp_value(fp, &v, 0)) {
        return 0;
    }

    switch (v.kind) {

    case NGX_HTTP_LAMBDA_FP_STRING:
        return !v.blank && !v.unsure;

    case NGX_HTTP_LAMBDA_FP_INT:
    case NGX_HTTP_LAMBDA_FP_FLOAT:
        return 1;

    default:
        return 0;
    }
}


/* IntegerField: a number whose str() int() reads */

static int
ngx_http_lambda_fp_int_field(ngx_http_lambda_fp_t *fp, int *truthy)
{
    ngx_http_lambda_fp_value_t  v;

    if (!ngx_http_lambda_fp_value(fp, &v, 0)) {
        return 0;
    }

    if ((v.kind == NGX_HTTP_LAMBDA_FP_INT
         || v.kind == NGX_HTTP_LAMBDA_FP_FLOAT)
        && v.integral)
    {
        *truthy = !v.zero;
        return 1;
    }

    return 0;
}


/* DictField(child=CharField) */

static int
ngx_http_lambda_fp_attributes(ngx_http_lambda_fp_t *fp)
{
    size_t                       len;
    const unsigned char         *key;
    ngx_http_lambda_fp_object_t  obj;

    if (!ngx_http_lambda_fp_object_start(fp, &obj)) {
        return 0;
    }

    for ( ;; ) {
        switch (ngx_http_lambda_fp_object_next(fp, &obj, &key, &len)) {
        case 1:
            if (!ngx_http_lambda_fp_char_field(fp)) {
                return 0;
            }
            continue;
        case 0:
            return 1;
        default:
            return 0;
        }
    }
}


/* LabelMappingEntrySerializer, or SublabelMappingEntrySerializer */

static int
ngx_http_lambda_fp_entry(ngx_http_lambda_fp_t *fp, int sublabels)
{
    int                          rc, name;
    size_t                       len;
    const unsigned char         *key;
    ngx_http_lambda_fp_object_t  obj;

    if (!ngx_http_lambda_fp_object_start(fp, &obj)) {
        return 0;
    }

    name = 0;

    for ( ;; ) {
        switch (ngx_http_lambda_fp_object_next(fp, &obj, &key, &len)) {
        case 1:
            break;
        case 0:
            return name;
        default:
            return 0;
        }

        if (ngx_http_lambda_fp_is(key, len, "name")) {
            rc = ngx_http_lambda_fp_char_field(fp);
            name = 1;

        } else if (ngx_http_lambda_fp_is(key, len, "attributes")) {
            rc = ngx_http_lambda_fp_attributes(fp);

        } else if (sublabels && ngx_http_lambda_fp_is(key, len, "sublabels")) {
            rc = ngx_http_lambda_fp_mapping(fp, 1);

        } else {
            rc = ngx_http_lambda_fp_skip(fp, 2);
        }

        if (!rc) {
            return 0;
        }
    }
}


/* DictField(child=LabelMappingEntrySerializer) */

static int
ngx_http_lambda_fp_mapping(ngx_http_lambda_fp_t *fp, int nested)
{
    size_t                       len;
    const unsigned char         *key;
    ngx_http_lambda_fp_object_t  obj;

    if (!ngx_http_lambda_fp_object_start(fp, &obj)) {
        return 0;
    }

    for ( ;; ) {
        switch (ngx_http_lambda_fp_object_next(fp, &obj, &key, &len)) {
        case 1:
            if (!ngx_http_lambda_fp_entry(fp, !nested)) {
                return 0;
            }
            continue;
        case 0:
            return 1;
        default:
            return 0;
        }
    }
}


/* FunctionCallRequest (contract 2.2) */

static int
ngx_http_lambda_fp_requests(ngx_http_lambda_fp_t *fp)
{
    int                          rc, function, task, truthy;
    size_t                       len;
    const unsigned char         *key;
    ngx_http_lambda_fp_value_t   v;
    ngx_http_lambda_fp_object_t  obj;

    if (!ngx_http_lambda_fp_object_start(fp, &obj)) {
        return 0;
    }

    function = 0;
    task = 0;

    for ( ;; ) {
        switch (ngx_http_lambda_fp_object_next(fp, &obj, &key, &len)) {
        case 1:
            break;
        case 0:
            return function && task;
        default:
            return 0;
        }

        rc = 0;

        switch (len) {

        case 3:
            if (ngx_http_lambda_fp_is(key, len, "job")) {
                rc = ngx_http_lambda_fp_int_field(fp, &truthy);
                goto next;
            }

            if (ngx_http_lambda_fp_is(key, len, "roi")) {
                return 0;
            }

            break;

        case 4:
            if (ngx_http_lambda_fp_is(key, len, "task")) {
                rc = ngx_http_lambda_fp_int_field(fp, &truthy);
                task = 1;
                goto next;
            }

            break;

        case 7:
            if (ngx_http_lambda_fp_is(key, len, "cleanup")) {
                goto boolean;
            }

            if (ngx_http_lambda_fp_is(key, len, "mapping")) {
                rc = ngx_http_lambda_fp_mapping(fp, 0);
                goto next;
            }

            break;

        case 8:
            if (ngx_http_lambda_fp_is(key, len, "function")) {
                rc = ngx_http_lambda_fp_char_field(fp);
                function = 1;
                goto next;
            }

            break;

        case 9:
            if (ngx_http_lambda_fp_is(key, len, "threshold")) {
                if (!ngx_http_lambda_fp_value(fp, &v, 0)) {
                    return 0;
                }

                rc = (v.kind == NGX_HTTP_LAMBDA_FP_INT
                      || v.kind == NGX_HTTP_LAMBDA_FP_FLOAT
                      || v.kind == NGX_HTTP_LAMBDA_FP_TRUE
                      || v.kind == NGX_HTTP_LAMBDA_FP_FALSE);
                goto next;
            }

            break;

        case 12:
            if (ngx_http_lambda_fp_is(key, len, "max_distance")) {
                rc = ngx_http_lambda_fp_int_field(fp, &truthy);
                goto next;
            }

            break;

        case 14:
            if (ngx_http_lambda_fp_is(key, len, "convMaskToPoly")) {
                goto boolean;
            }

            break;

        case 17:
            if (ngx_http_lambda_fp_is(key, len, "conv_mask_to_poly")) {
                goto boolean;
            }

            break;
        }

        /* an unknown field: ignored by CVAT */

        rc = ngx_http_lambda_fp_skip(fp, 1);
        goto next;

    boolean:

        /* BooleanField: true, false, and the numbers equal to 1 or 0 */

        if (!ngx_http_lambda_fp_value(fp, &v, 0)) {
            return 0;
        }

        rc = v.kind == NGX_HTTP_LAMBDA_FP_TRUE
             || v.kind == NGX_HTTP_LAMBDA_FP_FALSE
             || ((v.kind == NGX_HTTP_LAMBDA_FP_INT
                  || v.kind == NGX_HTTP_LAMBDA_FP_FLOAT)
                 && (v.zero || v.one));

    next:

        if (!rc) {
            return 0;
        }
    }
}


/* the online call: integer ids, and a truthy job or task (contract 2.3) */

static int
ngx_http_lambda_fp_online(ngx_http_lambda_fp_t *fp)
{
    int                          rc, truthy, job, task;
    size_t                       len;
    const unsigned char         *key;
    ngx_http_lambda_fp_object_t  obj;

    if (!ngx_http_lambda_fp_object_start(fp, &obj)) {
        return 0;
    }

    job = 0;
    task = 0;

    for ( ;; ) {
        switch (ngx_http_lambda_fp_object_next(fp, &obj, &key, &len)) {
        case 1:
            break;
        case 0:
            return job || task;
        default:
            return 0;
        }

        if (ngx_http_lambda_fp_is(key, len, "task")
            || ngx_http_lambda_fp_is(key, len, "job")
            || ngx_http_lambda_fp_is(key, len, "frame"))
        {
            truthy = 0;

            if (fp->p < fp->end && *fp->p == 'n') {
                rc = ngx_http_lambda_fp_literal(fp, "null", 4);

            } else {
                rc = ngx_http_lambda_fp_int_field(fp, &truthy);
            }

            if (key[0] == 't') {
                task = truthy;

            } else if (key[0] == 'j') {
                job = truthy;
            }

        } else if (ngx_http_lambda_fp_is(key, len, "roi")) {
            return 0;

        } else {
            rc = ngx_http_lambda_fp_skip(fp, 1);
        }

        if (!rc) {
            return 0;
        }
    }
}
