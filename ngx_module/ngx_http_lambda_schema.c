
/*
 * ngx_lambda_gateway: DRF-exact validation of the two POST bodies
 * (contract 2.2, 2.3, 2.4, 3).  A pure core: libc and jansson only.
 *
 * POST /api/lambda/requests is CVAT's FunctionCallRequestSerializer; every
 * field error is reported at once, keyed and nested as DRF keys them, with
 * DRF's messages and DRF's coercions (which are Python's: str(), int(),
 * float(), str.strip(), set membership with 1 == 1.0 == True).
 *
 * POST /api/lambda/functions/{id} has no serializer in CVAT.  The gateway
 * refuses what would make CVAT crash (a non-integer task, job or frame; a
 * non-object body) with DRF-style errors, checks the ROI shape, and then
 * answers CVAT's own 400 for a call that names neither a job nor a task.
 *
 * Decisions where the contract is silent:
 *
 *   - a top-level body that is not an object: CVAT crashes (500); the
 *     answer is what DRF's serializer says for it:
 *     {"non_field_errors":["Invalid data. Expected a dictionary, but got
 *     list."]}, and for a null body DRF's own "No data provided".
 *
 *   - roi (contract 2.2, newest CVAT, unverified): absent or null passes.
 *     Otherwise DRF's ListField/FloatField wording, one message at a time:
 *     not a list, fewer or more than 4 items, an item that is not a JSON
 *     number (booleans and strings too), a negative coordinate, then
 *     x2 <= x1 or y2 <= y1.
 *
 *   - strict mode refuses, with "This field is not allowed.", top-level
 *     fields that are neither declared by CVAT nor sent by CVAT's own
 *     clients (contract 4): the UI's "type" and the older "quality" pass.
 *
 *   - Unicode tables (str.isspace(), decimal digits) are those of Python
 *     3.11 (Unicode 14.0).
 *
 *   - an error key that holds a lone surrogate (a mapping key, say): DRF
 *     would crash encoding it; the key is shown with U+FFFD.
 */


#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <jansson.h>

#include "ngx_http_lambda_json.h"
#include "ngx_http_lambda_schema.h"


/* IntegerField and FloatField MAX_STRING_LENGTH */
#define NGX_HTTP_LAMBDA_MAX_STRING    1000

#define NGX_HTTP_LAMBDA_MSG_REQUIRED  "This field is required."
#define NGX_HTTP_LAMBDA_MSG_NULL      "This field may not be null."
#define NGX_HTTP_LAMBDA_MSG_BLANK     "This field may not be blank."
#define NGX_HTTP_LAMBDA_MSG_STRING    "Not a valid string."
#define NGX_HTTP_LAMBDA_MSG_NUL       "Null characters are not allowed."
#define NGX_HTTP_LAMBDA_MSG_INTEGER   "A valid integer is required."
#define NGX_HTTP_LAMBDA_MSG_TOO_LARGE "String value too large."
#define NGX_HTTP_LAMBDA_MSG_NUMBER    "A valid number is required."
#define NGX_HTTP_LAMBDA_MSG_BOOLEAN   "Must be a valid boolean."
#define NGX_HTTP_LAMBDA_MSG_NO_DATA   "No data provided"
#define NGX_HTTP_LAMBDA_MSG_UNKNOWN   "This field is not allowed."
#define NGX_HTTP_LAMBDA_MSG_FEW       "Ensure this field has at least 4 " \
                                      "elements."
#define NGX_HTTP_LAMBDA_MSG_MANY      "Ensure this field has no more than " \
                                      "4 elements."
#define NGX_HTTP_LAMBDA_MSG_NEGATIVE  "Ensure this value is greater than " \
                                      "or equal to 0."
#define NGX_HTTP_LAMBDA_MSG_ORDER     "Ensure x2 is greater than x1 and y2 " \
                                      "is greater than y1."

#define ngx_http_lambda_cont(c)       (((c) & 0xC0) == 0x80)
#define ngx_http_lambda_digit(c)      ((c) >= '0' && (c) <= '9')

/* Py_ISSPACE(): the ASCII whitespace int() and float() skip */
#define ngx_http_lambda_ascii_space(c)                                        \
    ((c) == ' ' || ((c) >= '\t' && (c) <= '\r'))

#define ngx_http_lambda_str(s)        s, sizeof(s) - 1


typedef struct {
    const ngx_http_lambda_json_doc_t  *doc;
    int                                nomem;
} ngx_http_lambda_schema_ctx_t;


typedef json_t *(*ngx_http_lambda_check_pt)(
    ngx_http_lambda_schema_ctx_t *ctx, json_t *value);


typedef struct {
    const char                        *name;
    size_t                             len;
    unsigned                           required;
    ngx_http_lambda_check_pt           check;
} ngx_http_lambda_field_t;


typedef struct {
    const char                        *name;
    size_t                             len;
} ngx_http_lambda_name_t;


static json_t *ngx_http_lambda_check_requests(
    ngx_http_lambda_schema_ctx_t *ctx, json_t *root, int strict);
static json_t *ngx_http_lambda_check_online(
    ngx_http_lambda_schema_ctx_t *ctx, json_t *root, const char *func_id,
    size_t func_id_len, int strict);
static json_t *ngx_http_lambda_check_fields(
    ngx_http_lambda_schema_ctx_t *ctx, json_t *obj,
    const ngx_http_lambda_field_t *fields);
static void ngx_http_lambda_check_unknown(ngx_http_lambda_schema_ctx_t *ctx,
    json_t *obj, const ngx_http_lambda_name_t *known, json_t **errors);
static json_t *ngx_http_lambda_check_char(ngx_http_lambda_schema_ctx_t *ctx,
    json_t *value);
static json_t *ngx_http_lambda_check_integer(
    ngx_http_lambda_schema_ctx_t *ctx, json_t *value);
static json_t *ngx_http_lambda_check_float(ngx_http_lambda_schema_ctx_t *ctx,
    json_t *value);
static json_t *ngx_http_lambda_check_boolean(
    ngx_http_lambda_schema_ctx_t *ctx, json_t *value);
static json_t *ngx_http_lambda_check_dict(ngx_http_lambda_schema_ctx_t *ctx,
    json_t *value, ngx_http_lambda_check_pt child);
static json_t *ngx_http_lambda_check_serializer(
    ngx_http_lambda_schema_ctx_t *ctx, json_t *value,
    const ngx_http_lambda_field_t *fields);
static json_t *ngx_http_lambda_check_mapping(
    ngx_http_lambda_schema_ctx_t *ctx, json_t *value);
static json_t *ngx_http_lambda_check_label(ngx_http_lambda_schema_ctx_t *ctx,
    json_t *value);
static json_t *ngx_http_lambda_check_sublabels(
    ngx_http_lambda_schema_ctx_t *ctx, json_t *value);
static json_t *ngx_http_lambda_check_sublabel(
    ngx_http_lambda_schema_ctx_t *ctx, json_t *value);
static json_t *ngx_http_lambda_check_attributes(
    ngx_http_lambda_schema_ctx_t *ctx, json_t *value);
static json_t *ngx_http_lambda_check_roi(ngx_http_lambda_schema_ctx_t *ctx,
    json_t *value);
static json_t *ngx_http_lambda_not_dict(ngx_http_lambda_schema_ctx_t *ctx,
    json_t *value);
static json_t *ngx_http_lambda_wrong_arguments(
    ngx_http_lambda_schema_ctx_t *ctx, const char *func_id, size_t len,
    const char *reason);
static json_t *ngx_http_lambda_list(ngx_http_lambda_schema_ctx_t *ctx,
    const char *msg);
static void ngx_http_lambda_list_add(ngx_http_lambda_schema_ctx_t *ctx,
    json_t **list, const char *msg);
static void ngx_http_lambda_set(ngx_http_lambda_schema_ctx_t *ctx,
    json_t **obj, const char *key, size_t len, json_t *value);
static const char *ngx_http_lambda_py_type(const json_t *value);
static int ngx_http_lambda_py_truthy(const json_t *value);
static int ngx_http_lambda_py_isspace(uint32_t cp);
static int ngx_http_lambda_py_decimal(uint32_t cp);
static size_t ngx_http_lambda_py_length(const unsigned char *s, size_t n);
static size_t ngx_http_lambda_py_ascii(const unsigned char *s, size_t n,
    char *out);
static size_t ngx_http_lambda_py_decimal_cut(const unsigned char *s,
    size_t n);
static int ngx_http_lambda_py_int(const char *t, size_t n);
static int ngx_http_lambda_py_float(const char *t, size_t n);
static int ngx_http_lambda_py_float_text(const char *t, size_t n);
static int ngx_http_lambda_py_word(const char *t, size_t n,
    const char *word);
static int ngx_http_lambda_py_boolean(const char *s, size_t n);


/* FunctionCallRequestSerializer (serializers.py@e9484666), in order */

static const ngx_http_lambda_field_t  ngx_http_lambda_requests_fields[] = {
    { ngx_http_lambda_str("function"), 1, ngx_http_lambda_check_char },
    { ngx_http_lambda_str("task"), 1, ngx_http_lambda_check_integer },
    { ngx_http_lambda_str("job"), 0, ngx_http_lambda_check_integer },
    { ngx_http_lambda_str("max_distance"), 0,
      ngx_http_lambda_check_integer },
    { ngx_http_lambda_str("threshold"), 0, ngx_http_lambda_check_float },
    { ngx_http_lambda_str("cleanup"), 0, ngx_http_lambda_check_boolean },
    { ngx_http_lambda_str("convMaskToPoly"), 0,
      ngx_http_lambda_check_boolean },
    { ngx_http_lambda_str("conv_mask_to_poly"), 0,
      ngx_http_lambda_check_boolean },
    { ngx_http_lambda_str("mapping"), 0, ngx_http_lambda_check_mapping },
    { NULL, 0, 0, NULL }
};


/* LabelMappingEntrySerializer */

static const ngx_http_lambda_field_t  ngx_http_lambda_label_fields[] = {
    { ngx_http_lambda_str("name"), 1, ngx_http_lambda_check_char },
    { ngx_http_lambda_str("attributes"), 0,
      ngx_http_lambda_check_attributes },
    { ngx_http_lambda_str("sublabels"), 0, ngx_http_lambda_check_sublabels },
    { NULL, 0, 0, NULL }
};


/* SublabelMappingEntrySerializer */

static const ngx_http_lambda_field_t  ngx_http_lambda_sublabel_fields[] = {
    { ngx_http_lambda_str("name"), 1, ngx_http_lambda_check_char },
    { ngx_http_lambda_str("attributes"), 0,
      ngx_http_lambda_check_attributes },
    { NULL, 0, 0, NULL }
};


/* strict mode: what CVAT declares plus what its clients send (contract 4) */

static const ngx_http_lambda_name_t  ngx_http_lambda_requests_known[] = {
    { ngx_http_lambda_str("function") },
    { ngx_http_lambda_str("task") },
    { ngx_http_lambda_str("job") },
    { ngx_http_lambda_str("max_distance") },
    { ngx_http_lambda_str("threshold") },
    { ngx_http_lambda_str("cleanup") },
    { ngx_http_lambda_str("convMaskToPoly") },
    { ngx_http_lambda_str("conv_mask_to_poly") },
    { ngx_http_lambda_str("mapping") },
    { ngx_http_lambda_str("roi") },
    { ngx_http_lambda_str("type") },
    { ngx_http_lambda_str("quality") },
    { NULL, 0 }
};


static const ngx_http_lambda_name_t  ngx_http_lambda_online_known[] = {
    { ngx_http_lambda_str("task") },
    { ngx_http_lambda_str("job") },
    { ngx_http_lambda_str("frame") },
    { ngx_http_lambda_str("frame0") },
    { ngx_http_lambda_str("frame1") },
    { ngx_http_lambda_str("boxes0") },
    { ngx_http_lambda_str("boxes1") },
    { ngx_http_lambda_str("max_distance") },
    { ngx_http_lambda_str("threshold") },
    { ngx_http_lambda_str("mapping") },
    { ngx_http_lambda_str("conv_mask_to_poly") },
    { ngx_http_lambda_str("convMaskToPoly") },
    { ngx_http_lambda_str("cleanup") },
    { ngx_http_lambda_str("quality") },
    { ngx_http_lambda_str("roi") },
    { ngx_http_lambda_str("type") },
    { ngx_http_lambda_str("pos_points") },
    { ngx_http_lambda_str("neg_points") },
    { ngx_http_lambda_str("obj_bbox") },
    { ngx_http_lambda_str("shapes") },
    { ngx_http_lambda_str("states") },
    { ngx_http_lambda_str("extra_params") },
    { NULL, 0 }
};


/* the online call's integer fields, in the order errors are keyed */

static const ngx_http_lambda_name_t  ngx_http_lambda_online_ids[] = {
    { ngx_http_lambda_str("task") },
    { ngx_http_lambda_str("job") },
    { ngx_http_lambda_str("frame") },
    { NULL, 0 }
};


/* str.isspace() in Python 3.11: bidirectional WS, B, S or category Zs */

static const uint32_t  ngx_http_lambda_spaces[] = {
    0x0085, 0x00A0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005,
    0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F,
    0x3000
};


/* the zeros of the 66 runs of decimal digits (Nd) in Unicode 14.0 */

static const uint32_t  ngx_http_lambda_zeros[] = {
    0x0030, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66,
    0x0BE6, 0x0C66, 0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040,
    0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0,
    0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0,
    0xFF10, 0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0,
    0x11450, 0x114D0, 0x11650, 0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50,
    0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2,
    0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0
};


int
ngx_http_lambda_validate_body(ngx_http_lambda_body_kind_t kind,
    const unsigned char *data, size_t len,
    const char *charset, size_t charset_len,
    const char *func_id, size_t func_id_len,
    int strict, ngx_http_lambda_result_t *res)
{
    json_t                        *error;
    ngx_http_lambda_json_doc_t     doc;
    ngx_http_lambda_schema_ctx_t   ctx;

    res->verdict = NGX_HTTP_LAMBDA_VERDICT_PASS;
    res->status = 0;
    res->error = NULL;

    if (ngx_http_lambda_json_parse(data, len, charset, charset_len, &doc)
        != 0)
    {
        return -1;
    }

    if (doc.error) {
        res->verdict = NGX_HTTP_LAMBDA_VERDICT_JSON;
        res->status = 400;
        res->error = doc.error;
        return 0;
    }

    ctx.doc = &doc;
    ctx.nomem = 0;

    if (kind == NGX_HTTP_LAMBDA_BODY_REQUESTS) {
        error = ngx_http_lambda_check_requests(&ctx, doc.value, strict);

    } else {
        error = ngx_http_lambda_check_online(&ctx, doc.value, func_id,
                                             func_id_len, strict);
    }

    json_decref(doc.value);

    if (ctx.nomem) {
        json_decref(error);
        return -1;
    }

    if (error) {
        res->verdict = NGX_HTTP_LAMBDA_VERDICT_SCHEMA;
        res->status = 400;
        res->error = error;
    }

    return 0;
}


/* Serializer.to_internal_value() for FunctionCallRequestSerializer */

static json_t *
ngx_http_lambda_check_requests(ngx_http_lambda_schema_ctx_t *ctx,
    json_t *root, int strict)
{
    json_t  *errors, *roi;

    if (!json_is_object(root)) {
        return ngx_http_lambda_not_dict(ctx, root);
    }

    errors = ngx_http_lambda_check_fields(ctx, root,
                                          ngx_http_lambda_requests_fields);

    roi = json_object_getn(root, ngx_http_lambda_str("roi"));

    if (roi) {
        ngx_http_lambda_set(ctx, &errors, ngx_http_lambda_str("roi"),
                            ngx_http_lambda_check_roi(ctx, roi));
    }

    if (strict) {
        ngx_http_lambda_check_unknown(ctx, root,
                                      ngx_http_lambda_requests_known,
                                      &errors);
    }

    return errors;
}


/*
 * The online call (contract 2.3, 3): LambdaPermission loads the job when
 * "job" is truthy, else the task when "task" is truthy; the view then looks
 * up request.data["job"] when it is not None, else request.data["task"],
 * and answers a missing key or row with a bare JSON string.
 */

static json_t *
ngx_http_lambda_check_online(ngx_http_lambda_schema_ctx_t *ctx, json_t *root,
    const char *func_id, size_t func_id_len, int strict)
{
    json_t                        *errors, *value, *job, *task;
    const char                    *reason;
    const ngx_http_lambda_name_t  *id;

    if (!json_is_object(root)) {
        return ngx_http_lambda_not_dict(ctx, root);
    }

    errors = NULL;

    for (id = ngx_http_lambda_online_ids; id->name; id++) {
        value = json_object_getn(root, id->name, id->len);

        if (value && !json_is_null(value)) {
            ngx_http_lambda_set(ctx, &errors, id->name, id->len,
                                ngx_http_lambda_check_integer(ctx, value));
        }
    }

    value = json_object_getn(root, ngx_http_lambda_str("roi"));

    if (value) {
        ngx_http_lambda_set(ctx, &errors, ngx_http_lambda_str("roi"),
                            ngx_http_lambda_check_roi(ctx, value));
    }

    if (strict) {
        ngx_http_lambda_check_unknown(ctx, root, ngx_http_lambda_online_known,
                                      &errors);
    }

    if (errors || ctx->nomem) {
        return errors;
    }

    job = json_object_getn(root, ngx_http_lambda_str("job"));
    task = json_object_getn(root, ngx_http_lambda_str("task"));

    if ((job && ngx_http_lambda_py_truthy(job))
        || (task && ngx_http_lambda_py_truthy(task)))
    {
        return NULL;
    }

    if (job && !json_is_null(job)) {
        reason = "Job matching query does not exist.";

    } else if (task == NULL) {
        reason = "'task'";

    } else {
        reason = "Task matching query does not exist.";
    }

    return ngx_http_lambda_wrong_arguments(ctx, func_id, func_id_len, reason);
}


static json_t *
ngx_http_lambda_check_fields(ngx_http_lambda_schema_ctx_t *ctx, json_t *obj,
    const ngx_http_lambda_field_t *fields)
{
    json_t                         *errors, *value, *error;
    const ngx_http_lambda_field_t  *f;

    errors = NULL;

    for (f = fields; f->name; f++) {
        value = json_object_getn(obj, f->name, f->len);

        if (value == NULL) {
            error = f->required
                    ? ngx_http_lambda_list(ctx, NGX_HTTP_LAMBDA_MSG_REQUIRED)
                    : NULL;

        } else if (json_is_null(value)) {
            /*
             * validate_empty_values() runs before any conversion; CharField
             * tests blank first, but str(None) is "None", never blank
             */
            error = ngx_http_lambda_list(ctx, NGX_HTTP_LAMBDA_MSG_NULL);

        } else {
            error = f->check(ctx, value);
        }

        ngx_http_lambda_set(ctx, &errors, f->name, f->len, error);
    }

    return errors;
}


static void
ngx_http_lambda_check_unknown(ngx_http_lambda_schema_ctx_t *ctx, json_t *obj,
    const ngx_http_lambda_name_t *known, json_t **errors)
{
    size_t                         len;
    json_t                        *value;
    const char                    *key;
    const ngx_http_lambda_name_t  *k;

    json_object_keylen_foreach(obj, key, len, value) {

        for (k = known; k->name; k++) {
            if (k->len == len && memcmp(k->name, key, len) == 0) {
                break;
            }
        }

        if (k->name == NULL) {
            ngx_http_lambda_set(ctx, errors, key, len,
                                ngx_http_lambda_list(ctx,
                                                 NGX_HTTP_LAMBDA_MSG_UNKNOWN));
        }
    }
}


/*
 * CharField: run_validation() tests str(data).strip() == "" first, then
 * to_internal_value() refuses bool and anything but str, int and float,
 * then the validators run on the stripped value and all report.
 */

static json_t *
ngx_http_lambda_check_char(ngx_http_lambda_schema_ctx_t *ctx, json_t *value)
{
    char                  msg[64];
    size_t                i, n, k;
    json_t               *errors;
    uint32_t              cp, surrogate;
    const unsigned char  *s;

    switch (json_typeof(value)) {

    case JSON_STRING:
        s = (const unsigned char *) json_string_value(value);
        n = json_string_length(value);

        for (i = 0; i < n; i += k) {
            k = ngx_http_lambda_utf8_next(s + i, n - i, &cp);

            if (!ngx_http_lambda_py_isspace(cp)) {
                break;
            }
        }

        if (i == n) {
            return ngx_http_lambda_list(ctx, NGX_HTTP_LAMBDA_MSG_BLANK);
        }

        errors = NULL;

        if (memchr(s, '\0', n) != NULL) {
            ngx_http_lambda_list_add(ctx, &errors, NGX_HTTP_LAMBDA_MSG_NUL);
        }

        if (ctx->doc->surrogate_base) {

            for (i = 0; i < n; i += k) {
                k = ngx_http_lambda_utf8_next(s + i, n - i, &cp);
                surrogate = ngx_http_lambda_json_surrogate(ctx->doc, cp);

                if (surrogate) {
                    snprintf(msg, sizeof(msg), "Surrogate characters are not "
                             "allowed: U+%X.", (unsigned) surrogate);
                    ngx_http_lambda_list_add(ctx, &errors, msg);
                    break;
                }
            }
        }

        return errors;

    case JSON_INTEGER:
    case JSON_REAL:
        /* str() of a number is never blank and holds no NUL or surrogate */
        return NULL;

    default:
        return ngx_http_lambda_list(ctx, NGX_HTTP_LAMBDA_MSG_STRING);
    }
}


/*
 * IntegerField: a str longer than 1000 characters is refused, then
 * int(re.sub(r'\.0*\s*$', '', str(data))).
 */

static json_t *
ngx_http_lambda_check_integer(ngx_http_lambda_schema_ctx_t *ctx,
    json_t *value)
{
    char                  ascii[NGX_HTTP_LAMBDA_MAX_STRING + 1];
    size_t                n, cut;
    double                d;
    long long             k;
    const unsigned char  *s;

    switch (json_typeof(value)) {

    case JSON_INTEGER:
        return NULL;

    case JSON_REAL:

        /*
         * repr() writes an integral float below 1e16 as "N.0", which the
         * regex turns into "N"; anything else keeps a fraction or an
         * exponent ("1.5", "1e+16", "1e-05") that int() refuses
         */

        d = json_real_value(value);

        if (d > -1e16 && d < 1e16) {
            k = (long long) d;

            if ((double) k == d) {
                return NULL;
            }
        }

        break;

    case JSON_STRING:
        s = (const unsigned char *) json_string_value(value);
        n = json_string_length(value);

        if (ngx_http_lambda_py_length(s, n) > NGX_HTTP_LAMBDA_MAX_STRING) {
            return ngx_http_lambda_list(ctx, NGX_HTTP_LAMBDA_MSG_TOO_LARGE);
        }

        cut = ngx_http_lambda_py_decimal_cut(s, n);
        n = ngx_http_lambda_py_ascii(s, cut, ascii);

        if (ngx_http_lambda_py_int(ascii, n)) {
            return NULL;
        }

        break;

    default:
        /* "True", "False", "[...]" and "{...}" are no integers */
        break;
    }

    return ngx_http_lambda_list(ctx, NGX_HTTP_LAMBDA_MSG_INTEGER);
}


/* FloatField: float(data), a str longer than 1000 characters refused */

static json_t *
ngx_http_lambda_check_float(ngx_http_lambda_schema_ctx_t *ctx, json_t *value)
{
    char                  ascii[NGX_HTTP_LAMBDA_MAX_STRING + 1];
    size_t                n;
    const unsigned char  *s;

    switch (json_typeof(value)) {

    case JSON_INTEGER:
    case JSON_REAL:
    case JSON_TRUE:
    case JSON_FALSE:
        return NULL;

    case JSON_STRING:
        s = (const unsigned char *) json_string_value(value);
        n = json_string_length(value);

        if (ngx_http_lambda_py_length(s, n) > NGX_HTTP_LAMBDA_MAX_STRING) {
            return ngx_http_lambda_list(ctx, NGX_HTTP_LAMBDA_MSG_TOO_LARGE);
        }

        n = ngx_http_lambda_py_ascii(s, n, ascii);

        if (ngx_http_lambda_py_float(ascii, n)) {
            return NULL;
        }

        break;

    default:
        break;
    }

    return ngx_http_lambda_list(ctx, NGX_HTTP_LAMBDA_MSG_NUMBER);
}


/*
 * BooleanField (DRF 3.15+): str values are lowercased, then looked up in
 * TRUE_VALUES and FALSE_VALUES; set membership hashes 1, 1.0 and True
 * alike, and 0, 0.0, -0.0 and False alike.
 */

static json_t *
ngx_http_lambda_check_boolean(ngx_http_lambda_schema_ctx_t *ctx,
    json_t *value)
{
    double  d;

    switch (json_typeof(value)) {

    case JSON_TRUE:
    case JSON_FALSE:
        return NULL;

    case JSON_INTEGER:
        if (json_integer_value(value) == 0 || json_integer_value(value) == 1) {
            return NULL;
        }

        break;

    case JSON_REAL:
        d = json_real_value(value);

        if (d == 0.0 || d == 1.0) {
            return NULL;
        }

        break;

    case JSON_STRING:
        if (ngx_http_lambda_py_boolean(json_string_value(value),
                                       json_string_length(value))
            >= 0)
        {
            return NULL;
        }

        break;

    default:
        break;
    }

    return ngx_http_lambda_list(ctx, NGX_HTTP_LAMBDA_MSG_BOOLEAN);
}


/*
 * DictField: not a dict gives one message; otherwise each child is
 * validated (null first, as the child's validate_empty_values() does) and
 * its errors keyed by str(key).
 */

static json_t *
ngx_http_lambda_check_dict(ngx_http_lambda_schema_ctx_t *ctx, json_t *value,
    ngx_http_lambda_check_pt child)
{
    char         msg[96];
    size_t       len;
    json_t      *errors, *item, *error;
    const char  *key;

    if (!json_is_object(value)) {
        snprintf(msg, sizeof(msg), "Expected a dictionary of items but got "
                 "type \"%s\".", ngx_http_lambda_py_type(value));
        return ngx_http_lambda_list(ctx, msg);
    }

    errors = NULL;

    json_object_keylen_foreach(value, key, len, item) {

        if (json_is_null(item)) {
            error = ngx_http_lambda_list(ctx, NGX_HTTP_LAMBDA_MSG_NULL);

        } else {
            error = child(ctx, item);
        }

        ngx_http_lambda_set(ctx, &errors, key, len, error);
    }

    return errors;
}


/* a nested Serializer: not a Mapping gives non_field_errors */

static json_t *
ngx_http_lambda_check_serializer(ngx_http_lambda_schema_ctx_t *ctx,
    json_t *value, const ngx_http_lambda_field_t *fields)
{
    if (!json_is_object(value)) {
        return ngx_http_lambda_not_dict(ctx, value);
    }

    return ngx_http_lambda_check_fields(ctx, value, fields);
}


static json_t *
ngx_http_lambda_check_mapping(ngx_http_lambda_schema_ctx_t *ctx,
    json_t *value)
{
    return ngx_http_lambda_check_dict(ctx, value,
                                      ngx_http_lambda_check_label);
}


static json_t *
ngx_http_lambda_check_label(ngx_http_lambda_schema_ctx_t *ctx, json_t *value)
{
    return ngx_http_lambda_check_serializer(ctx, value,
                                            ngx_http_lambda_label_fields);
}


static json_t *
ngx_http_lambda_check_sublabels(ngx_http_lambda_schema_ctx_t *ctx,
    json_t *value)
{
    return ngx_http_lambda_check_dict(ctx, value,
                                      ngx_http_lambda_check_sublabel);
}


static json_t *
ngx_http_lambda_check_sublabel(ngx_http_lambda_schema_ctx_t *ctx,
    json_t *value)
{
    return ngx_http_lambda_check_serializer(ctx, value,
                                            ngx_http_lambda_sublabel_fields);
}


static json_t *
ngx_http_lambda_check_attributes(ngx_http_lambda_schema_ctx_t *ctx,
    json_t *value)
{
    return ngx_http_lambda_check_dict(ctx, value, ngx_http_lambda_check_char);
}


/* roi: [x1, y1, x2, y2], numbers, non-negative, x1 < x2, y1 < y2 */

static json_t *
ngx_http_lambda_check_roi(ngx_http_lambda_schema_ctx_t *ctx, json_t *value)
{
    char     msg[96];
    size_t   i;
    double   c[4];
    json_t  *item;

    if (json_is_null(value)) {
        /* the view drops null values before it reads any argument */
        return NULL;
    }

    if (!json_is_array(value)) {
        snprintf(msg, sizeof(msg), "Expected a list of items but got type "
                 "\"%s\".", ngx_http_lambda_py_type(value));
        return ngx_http_lambda_list(ctx, msg);
    }

    if (json_array_size(value) < 4) {
        return ngx_http_lambda_list(ctx, NGX_HTTP_LAMBDA_MSG_FEW);
    }

    if (json_array_size(value) > 4) {
        return ngx_http_lambda_list(ctx, NGX_HTTP_LAMBDA_MSG_MANY);
    }

    json_array_foreach(value, i, item) {
        if (!json_is_number(item)) {
            return ngx_http_lambda_list(ctx, NGX_HTTP_LAMBDA_MSG_NUMBER);
        }

        c[i] = json_number_value(item);
    }

    for (i = 0; i < 4; i++) {
        if (c[i] < 0) {
            return ngx_http_lambda_list(ctx, NGX_HTTP_LAMBDA_MSG_NEGATIVE);
        }
    }

    if (!(c[2] > c[0] && c[3] > c[1])) {
        return ngx_http_lambda_list(ctx, NGX_HTTP_LAMBDA_MSG_ORDER);
    }

    return NULL;
}


/*
 * What a serializer says of data that is not a dict:
 * Serializer.to_internal_value() for a value, Serializer.errors for None.
 */

static json_t *
ngx_http_lambda_not_dict(ngx_http_lambda_schema_ctx_t *ctx, json_t *value)
{
    char     msg[96];
    json_t  *errors;

    if (json_is_null(value)) {
        snprintf(msg, sizeof(msg), "%s", NGX_HTTP_LAMBDA_MSG_NO_DATA);

    } else {
        snprintf(msg, sizeof(msg), "Invalid data. Expected a dictionary, but "
                 "got %s.", ngx_http_lambda_py_type(value));
    }

    errors = NULL;

    ngx_http_lambda_set(ctx, &errors, ngx_http_lambda_str("non_field_errors"),
                        ngx_http_lambda_list(ctx, msg));

    return errors;
}


/* the view's "`<id>` lambda function was run with wrong arguments (...)" */

static json_t *
ngx_http_lambda_wrong_arguments(ngx_http_lambda_schema_ctx_t *ctx,
    const char *func_id, size_t len, const char *reason)
{
    json_t                 *id, *msg;
    ngx_http_lambda_buf_t   b;

    id = ngx_http_lambda_json_text((const unsigned char *) func_id, len);
    if (id == NULL) {
        ctx->nomem = 1;
        return NULL;
    }

    memset(&b, 0, sizeof(ngx_http_lambda_buf_t));

    ngx_http_lambda_buf_add_cstr(&b, "`");
    ngx_http_lambda_buf_add(&b, json_string_value(id), json_string_length(id));
    ngx_http_lambda_buf_add_cstr(&b, "` lambda function was run with wrong "
                                 "arguments (");
    ngx_http_lambda_buf_add_cstr(&b, reason);
    ngx_http_lambda_buf_add_cstr(&b, ")");

    json_decref(id);

    msg = b.nomem ? NULL : json_stringn((const char *) b.data, b.len);

    ngx_http_lambda_buf_free(&b);

    if (msg == NULL) {
        ctx->nomem = 1;
    }

    return msg;
}


static json_t *
ngx_http_lambda_list(ngx_http_lambda_schema_ctx_t *ctx, const char *msg)
{
    json_t  *list;

    list = NULL;

    ngx_http_lambda_list_add(ctx, &list, msg);

    return list;
}


static void
ngx_http_lambda_list_add(ngx_http_lambda_schema_ctx_t *ctx, json_t **list,
    const char *msg)
{
    if (ctx->nomem) {
        return;
    }

    if (*list == NULL) {
        *list = json_array();
        if (*list == NULL) {
            ctx->nomem = 1;
            return;
        }
    }

    if (json_array_append_new(*list, json_string(msg)) != 0) {
        ctx->nomem = 1;
    }
}


/*
 * Sets obj[key] = value (stealing value), creating obj on first use.  A key
 * from the body that holds lone surrogates is shown with U+FFFD.
 */

static void
ngx_http_lambda_set(ngx_http_lambda_schema_ctx_t *ctx, json_t **obj,
    const char *key, size_t len, json_t *value)
{
    int                     shown;
    size_t                  i, k;
    uint32_t                cp;
    ngx_http_lambda_buf_t   b;

    if (value == NULL) {
        return;
    }

    if (ctx->nomem) {
        json_decref(value);
        return;
    }

    if (*obj == NULL) {
        *obj = json_object();
        if (*obj == NULL) {
            json_decref(value);
            ctx->nomem = 1;
            return;
        }
    }

    memset(&b, 0, sizeof(ngx_http_lambda_buf_t));
    shown = 0;

    if (ctx->doc->surrogate_base) {

        for (i = 0; i < len; i += k) {
            k = ngx_http_lambda_utf8_next((const unsigned char *) key + i,
                                          len - i, &cp);

            if (ngx_http_lambda_json_surrogate(ctx->doc, cp)) {
                ngx_http_lambda_buf_add_utf8(&b, 0xFFFD);
                shown = 1;

            } else {
                ngx_http_lambda_buf_add(&b, key + i, k);
            }
        }

        if (b.nomem) {
            ngx_http_lambda_buf_free(&b);
            json_decref(value);
            ctx->nomem = 1;
            return;
        }

        if (shown) {
            key = (const char *) b.data;
            len = b.len;
        }
    }

    if (json_object_setn_new_nocheck(*obj, key, len, value) != 0) {
        ctx->nomem = 1;
    }

    ngx_http_lambda_buf_free(&b);
}


/* type(data).__name__ */

static const char *
ngx_http_lambda_py_type(const json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_OBJECT:
        return "dict";
    case JSON_ARRAY:
        return "list";
    case JSON_STRING:
        return "str";
    case JSON_INTEGER:
        return "int";
    case JSON_REAL:
        return "float";
    case JSON_TRUE:
    case JSON_FALSE:
        return "bool";
    default:
        return "NoneType";
    }
}


/* bool(data) */

static int
ngx_http_lambda_py_truthy(const json_t *value)
{
    switch (json_typeof(value)) {
    case JSON_OBJECT:
        return json_object_size(value) != 0;
    case JSON_ARRAY:
        return json_array_size(value) != 0;
    case JSON_STRING:
        return json_string_length(value) != 0;
    case JSON_INTEGER:
        return json_integer_value(value) != 0;
    case JSON_REAL:
        return json_real_value(value) != 0.0;
    case JSON_TRUE:
        return 1;
    default:
        return 0;
    }
}


static int
ngx_http_lambda_py_isspace(uint32_t cp)
{
    size_t  i;

    if (cp < 0x80) {
        return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20);
    }

    for (i = 0; i < sizeof(ngx_http_lambda_spaces) / sizeof(uint32_t); i++) {
        if (cp == ngx_http_lambda_spaces[i]) {
            return 1;
        }
    }

    return 0;
}


/* Py_UNICODE_TODECIMAL() */

static int
ngx_http_lambda_py_decimal(uint32_t cp)
{
    size_t  lo, hi, mid;

    lo = 0;
    hi = sizeof(ngx_http_lambda_zeros) / sizeof(uint32_t);

    /* the last zero not above cp */

    while (hi - lo > 1) {
        mid = (lo + hi) / 2;

        if (ngx_http_lambda_zeros[mid] <= cp) {
            lo = mid;

        } else {
            hi = mid;
        }
    }

    if (cp >= ngx_http_lambda_zeros[lo] && cp - ngx_http_lambda_zeros[lo] < 10)
    {
        return (int) (cp - ngx_http_lambda_zeros[lo]);
    }

    return -1;
}


/* len(str) */

static size_t
ngx_http_lambda_py_length(const unsigned char *s, size_t n)
{
    size_t  i, len;

    len = 0;

    for (i = 0; i < n; i++) {
        len += !ngx_http_lambda_cont(s[i]);
    }

    return len;
}


/*
 * _PyUnicode_TransformDecimalAndSpaceToASCII(), which int() and float()
 * apply first: characters below 127 are kept, Unicode whitespace becomes
 * " ", decimal digits become ASCII digits, and anything else ends the
 * result with "?" (which no parse accepts).  out holds one byte per
 * character.
 */

static size_t
ngx_http_lambda_py_ascii(const unsigned char *s, size_t n, char *out)
{
    int       d;
    size_t    i, k, o;
    uint32_t  cp;

    o = 0;

    for (i = 0; i < n; i += k) {
        k = ngx_http_lambda_utf8_next(s + i, n - i, &cp);

        if (cp < 127) {
            out[o++] = (char) cp;

        } else if (ngx_http_lambda_py_isspace(cp)) {
            out[o++] = ' ';

        } else {
            d = ngx_http_lambda_py_decimal(cp);

            if (d < 0) {
                out[o++] = '?';
                break;
            }

            out[o++] = (char) ('0' + d);
        }
    }

    return o;
}


/*
 * IntegerField.re_decimal = r'\.0*\s*$': the only match possible is a "."
 * followed by nothing but zeros and then whitespace; returns where the
 * text is cut (n when it is not).
 */

static size_t
ngx_http_lambda_py_decimal_cut(const unsigned char *s, size_t n)
{
    size_t    e, b;
    uint32_t  cp;

    e = n;

    while (e > 0) {
        b = e - 1;

        while (b > 0 && ngx_http_lambda_cont(s[b])) {
            b--;
        }

        (void) ngx_http_lambda_utf8_next(s + b, e - b, &cp);

        if (!ngx_http_lambda_py_isspace(cp)) {
            break;
        }

        e = b;
    }

    while (e > 0 && s[e - 1] == '0') {
        e--;
    }

    if (e > 0 && s[e - 1] == '.') {
        return e - 1;
    }

    return n;
}


/*
 * PyLong_FromString(base=10) over the whole text: whitespace, a sign, digits
 * with single underscores between them, whitespace.
 */

static int
ngx_http_lambda_py_int(const char *t, size_t n)
{
    size_t  i;
    int     underscore;

    i = 0;

    while (i < n && ngx_http_lambda_ascii_space(t[i])) {
        i++;
    }

    if (i < n && (t[i] == '+' || t[i] == '-')) {
        i++;
    }

    if (i == n || !ngx_http_lambda_digit(t[i])) {
        return 0;
    }

    underscore = 0;

    while (i < n) {
        if (ngx_http_lambda_digit(t[i])) {
            underscore = 0;

        } else if (t[i] == '_' && !underscore) {
            underscore = 1;

        } else {
            break;
        }

        i++;
    }

    if (underscore) {
        return 0;
    }

    while (i < n && ngx_http_lambda_ascii_space(t[i])) {
        i++;
    }

    return i == n;
}


/*
 * PyFloat_FromString(): underscores only between digits (checked over the
 * whole text), then ASCII whitespace stripped, then _PyOS_ascii_strtod()
 * must take the rest whole.
 */

static int
ngx_http_lambda_py_float(const char *t, size_t n)
{
    char    u[NGX_HTTP_LAMBDA_MAX_STRING + 1];
    size_t  i, o;

    if (memchr(t, '_', n) == NULL) {
        return ngx_http_lambda_py_float_text(t, n);
    }

    o = 0;

    for (i = 0; i < n; i++) {

        if (t[i] == '_') {
            if (i == 0 || !ngx_http_lambda_digit(t[i - 1])
                || i + 1 == n || !ngx_http_lambda_digit(t[i + 1]))
            {
                return 0;
            }

            continue;
        }

        u[o++] = t[i];
    }

    return ngx_http_lambda_py_float_text(u, o);
}


static int
ngx_http_lambda_py_float_text(const char *t, size_t n)
{
    size_t  i, k, digits;

    while (n && ngx_http_lambda_ascii_space(*t)) {
        t++;
        n--;
    }

    while (n && ngx_http_lambda_ascii_space(t[n - 1])) {
        n--;
    }

    i = 0;

    if (i < n && (t[i] == '+' || t[i] == '-')) {
        i++;
    }

    digits = 0;

    while (i < n && ngx_http_lambda_digit(t[i])) {
        i++;
        digits++;
    }

    if (i < n && t[i] == '.') {
        i++;

        while (i < n && ngx_http_lambda_digit(t[i])) {
            i++;
            digits++;
        }
    }

    if (digits == 0) {

        /* _Py_parse_inf_or_nan(): "inf", "infinity", "nan", any case */

        i = (n && (t[0] == '+' || t[0] == '-')) ? 1 : 0;

        return ngx_http_lambda_py_word(t + i, n - i, "inf")
               || ngx_http_lambda_py_word(t + i, n - i, "infinity")
               || ngx_http_lambda_py_word(t + i, n - i, "nan");
    }

    if (i < n && (t[i] == 'e' || t[i] == 'E')) {
        k = i + 1;

        if (k < n && (t[k] == '+' || t[k] == '-')) {
            k++;
        }

        if (k < n && ngx_http_lambda_digit(t[k])) {
            while (k < n && ngx_http_lambda_digit(t[k])) {
                k++;
            }

            i = k;
        }
    }

    return i == n;
}


/* a case-insensitive match of a whole lowercase ASCII word */

static int
ngx_http_lambda_py_word(const char *t, size_t n, const char *word)
{
    char    c;
    size_t  k;

    if (strlen(word) != n) {
        return 0;
    }

    for (k = 0; k < n; k++) {
        c = t[k];

        if (c >= 'A' && c <= 'Z') {
            c = (char) (c - 'A' + 'a');
        }

        if (c != word[k]) {
            return 0;
        }
    }

    return 1;
}


/*
 * BooleanField for a str: 1 for TRUE_VALUES, 0 for FALSE_VALUES, -1 else.
 * Only ASCII letters lower to the letters of these words (U+212A KELVIN
 * SIGN lowers to "k", which none of them holds).
 */

static int
ngx_http_lambda_py_boolean(const char *s, size_t n)
{
    char    low[6];
    size_t  i;

    static const char  *yes[] = { "t", "y", "yes", "true", "on", "1", NULL };
    static const char  *no[] = { "f", "n", "no", "false", "off", "0", NULL };

    if (n == 0 || n > 5 || memchr(s, '\0', n) != NULL) {
        return -1;
    }

    for (i = 0; i < n; i++) {
        low[i] = (s[i] >= 'A' && s[i] <= 'Z') ? (char) (s[i] - 'A' + 'a')
                                              : s[i];
    }

    low[n] = '\0';

    for (i = 0; yes[i]; i++) {
        if (strcmp(low, yes[i]) == 0) {
            return 1;
        }
    }

    for (i = 0; no[i]; i++) {
        if (strcmp(low, no[i]) == 0) {
            return 0;
        }
    }

    return -1;
}
