
/*
 * ngx_lambda_gateway: unit tests of the schema core
 * (ngx_http_lambda_schema.c, contract 2.2, 2.3, 2.4, 3).
 *
 * Bodies for POST /api/lambda/requests and POST /api/lambda/functions/{id},
 * each with the exact answer: "pass", or the verdict ("json" or "schema")
 * and the compact rendering of the error body DRF would send.  The answers
 * of every case Python decides were checked against DRF itself.  A counting
 * allocator checks that nothing is left allocated, and every allocation is
 * made to fail in turn for a few bodies.
 */


#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "ngx_http_lambda_json.h"
#include "ngx_http_lambda_schema.h"
#include "tap.h"


typedef struct {
    const char  *name;
    int          kind;      /* 'r': /requests, 'o': an online call */
    int          strict;
    const char  *func_id;
    const char  *body;
    const char  *expect;    /* NULL: the body passes */
} ngx_http_lambda_test_body_t;


static void *ngx_http_lambda_test_malloc(size_t size);
static void ngx_http_lambda_test_free(void *p);
static const char *ngx_http_lambda_test_run(int kind, int strict,
    const char *func_id, const char *body, size_t len, const char *charset);
static void ngx_http_lambda_test_check_leaks(const char *name);
static void ngx_http_lambda_test_table(void);
static void ngx_http_lambda_test_results(void);
static void ngx_http_lambda_test_nomem(const char *name, int kind,
    const char *body, const char *expect);


static size_t  ngx_http_lambda_test_live;
static size_t  ngx_http_lambda_test_allocs;
static size_t  ngx_http_lambda_test_fail_at;
static size_t  ngx_http_lambda_test_parsed;
static size_t  ngx_http_lambda_test_leaks;
static char    ngx_http_lambda_test_out[65536];


static ngx_http_lambda_test_body_t  ngx_http_lambda_test_cases[] = {

    { "the minimal body passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1}",
      NULL },

    { "the UI detector body passes (unknown type, roi, mapping)",
      'r', 0, "det",
      "{\"type\":\"annotate_task\",\"mapping\":{\"car\":{\"name\":\"vehic"
      "le\",\"attributes\":{\"color\":\"colour\"}}},\"cleanup\":true,\"co"
      "nv_mask_to_poly\":false,\"threshold\":0.5,\"roi\":[10,20,110.5,220"
      "],\"task\":42,\"function\":\"openvino-omz-public-yolo-v3-tf\"}",
      NULL },

    { "the UI ReID body passes",
      'r', 0, "det",
      "{\"threshold\":0.5,\"max_distance\":50,\"task\":3,\"function\":\"o"
      "penvino-omz-intel-person-reidentification-retail-0277\"}",
      NULL },

    { "an older UI body with convMaskToPoly and quality passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"job\":2,\"convMaskToPoly\":true"
      ",\"quality\":\"original\",\"cleanup\":false}",
      NULL },

    { "every declared field, skeleton mapping with sublabels, passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"job\":2,\"max_distance\":3,\"th"
      "reshold\":0.25,\"cleanup\":true,\"convMaskToPoly\":false,\"conv_ma"
      "sk_to_poly\":true,\"mapping\":{\"person\":{\"name\":\"human\",\"at"
      "tributes\":{},\"sublabels\":{\"head\":{\"name\":\"head\",\"attribu"
      "tes\":{\"a\":\"b\"}}}}}}",
      NULL },

    { "whitespace between tokens passes",
      'r', 0, "det",
      " {\n  \"function\" : \"det\" ,\r\n\t\"task\" : 1 }\n",
      NULL },

    { "task \"12\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"12\"}",
      NULL },

    { "task \" 7 \" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\" 7 \"}",
      NULL },

    { "task \"\\t7\\n\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"\\t7\\n\"}",
      NULL },

    { "task 1.0 passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1.0}",
      NULL },

    { "task \"1.0\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"1.0\"}",
      NULL },

    { "task \"1.\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"1.\"}",
      NULL },

    { "task \"1.000  \" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"1.000  \"}",
      NULL },

    { "task \"+5\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"+5\"}",
      NULL },

    { "task \"-3\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"-3\"}",
      NULL },

    { "task \"01\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"01\"}",
      NULL },

    { "task \"1_000\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"1_000\"}",
      NULL },

    { "task \"\\u0661\\u0662\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"\\u0661\\u0662\"}",
      NULL },

    { "task \"\\uff11\\uff12\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"\\uff11\\uff12\"}",
      NULL },

    { "task 1e3 passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1e3}",
      NULL },

    { "task \"1.0\\u3000\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"1.0\\u3000\"}",
      NULL },

    { "task -0.0 passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":-0.0}",
      NULL },

    { "task 9999999999999998.0 passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":9999999999999998.0}",
      NULL },

    { "task \"-0\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"-0\"}",
      NULL },

    { "task \"\\u00851\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"\\u00851\"}",
      NULL },

    { "task \"1.0\\u001c\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"1.0\\u001c\"}",
      NULL },

    { "task 9223372036854775807 passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":9223372036854775807}",
      NULL },

    { "task \"11111111111... (1000 characters) passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "1111111111111111111111111111111111111111111\"}",
      NULL },

    { "function 5 passes",
      'r', 0, "det",
      "{\"function\":5,\"task\":1}",
      NULL },

    { "function 1.5 passes",
      'r', 0, "det",
      "{\"function\":1.5,\"task\":1}",
      NULL },

    { "function \" det \" passes",
      'r', 0, "det",
      "{\"function\":\" det \",\"task\":1}",
      NULL },

    { "function \"dét\" passes",
      'r', 0, "det",
      "{\"function\":\"dét\",\"task\":1}",
      NULL },

    { "function \"\\u00a0x\" passes",
      'r', 0, "det",
      "{\"function\":\"\\u00a0x\",\"task\":1}",
      NULL },

    { "function \"😀\" passes",
      'r', 0, "det",
      "{\"function\":\"😀\",\"task\":1}",
      NULL },

    { "function \"\\ud83d\\ude00\" passes",
      'r', 0, "det",
      "{\"function\":\"\\ud83d\\ude00\",\"task\":1}",
      NULL },

    { "threshold -1 passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"threshold\":-1}",
      NULL },

    { "threshold 2 passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"threshold\":2}",
      NULL },

    { "threshold \"nan\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"threshold\":\"nan\"}",
      NULL },

    { "threshold \"NaN\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"threshold\":\"NaN\"}",
      NULL },

    { "threshold \"inf\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"threshold\":\"inf\"}",
      NULL },

    { "threshold \"-Infinity\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"threshold\":\"-Infinity\"}",
      NULL },

    { "threshold \" 2 \" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"threshold\":\" 2 \"}",
      NULL },

    { "threshold \"1e3\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"threshold\":\"1e3\"}",
      NULL },

    { "threshold \"1_0.5\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"threshold\":\"1_0.5\"}",
      NULL },

    { "threshold true passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"threshold\":true}",
      NULL },

    { "threshold false passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"threshold\":false}",
      NULL },

    { "threshold 0 passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"threshold\":0}",
      NULL },

    { "threshold \"1.e5\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"threshold\":\"1.e5\"}",
      NULL },

    { "threshold \"+.5\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"threshold\":\"+.5\"}",
      NULL },

    { "threshold \"\\u0661.5\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"threshold\":\"\\u0661.5\"}",
      NULL },

    { "threshold 1e308 passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"threshold\":1e308}",
      NULL },

    { "threshold \"1e999\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"threshold\":\"1e999\"}",
      NULL },

    { "threshold \"999...\" (1000 characters) passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"threshold\":\"99999999999999999"
      "999999999999999999999999999999999999999999999999999999999999999999"
      "999999999999999999999999999999999999999999999999999999999999999999"
      "999999999999999999999999999999999999999999999999999999999999999999"
      "999999999999999999999999999999999999999999999999999999999999999999"
      "999999999999999999999999999999999999999999999999999999999999999999"
      "999999999999999999999999999999999999999999999999999999999999999999"
      "999999999999999999999999999999999999999999999999999999999999999999"
      "999999999999999999999999999999999999999999999999999999999999999999"
      "999999999999999999999999999999999999999999999999999999999999999999"
      "999999999999999999999999999999999999999999999999999999999999999999"
      "999999999999999999999999999999999999999999999999999999999999999999"
      "999999999999999999999999999999999999999999999999999999999999999999"
      "999999999999999999999999999999999999999999999999999999999999999999"
      "999999999999999999999999999999999999999999999999999999999999999999"
      "99999999999999999999999999999999999999999999999999999999999\"}",
      NULL },

    { "cleanup \"TRUE\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"cleanup\":\"TRUE\"}",
      NULL },

    { "cleanup \"Yes\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"cleanup\":\"Yes\"}",
      NULL },

    { "cleanup \"on\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"cleanup\":\"on\"}",
      NULL },

    { "cleanup \"1\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"cleanup\":\"1\"}",
      NULL },

    { "cleanup 1 passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"cleanup\":1}",
      NULL },

    { "cleanup 1.0 passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"cleanup\":1.0}",
      NULL },

    { "cleanup 0 passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"cleanup\":0}",
      NULL },

    { "cleanup -0.0 passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"cleanup\":-0.0}",
      NULL },

    { "cleanup \"off\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"cleanup\":\"off\"}",
      NULL },

    { "cleanup \"n\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"cleanup\":\"n\"}",
      NULL },

    { "cleanup \"F\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"cleanup\":\"F\"}",
      NULL },

    { "cleanup false passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"cleanup\":false}",
      NULL },

    { "cleanup \"tRuE\" passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"cleanup\":\"tRuE\"}",
      NULL },

    { "an empty mapping passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"mapping\":{}}",
      NULL },

    { "unknown keys inside a mapping entry pass",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"mapping\":{\"car\":{\"name\":\""
      "c\",\"type\":\"any\",\"x\":[1]}}}",
      NULL },

    { "a numeric label name passes (str() of a number)",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"mapping\":{\"car\":{\"name\":7}"
      "}}",
      NULL },

    { "roi null passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"roi\":null}",
      NULL },

    { "unknown fields pass",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"frame\":\"x\",\"points\":[[1,2]"
      "],\"extra\":{\"a\":null}}",
      NULL },

    { "a lone surrogate in an unknown field passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"note\":\"\\udc00\"}",
      NULL },

    { "a NUL character in an unknown field passes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"note\":\"a\\u0000b\"}",
      NULL },

    { "strict mode passes the fields CVAT clients send",
      'r', 1, "det",
      "{\"type\":\"annotate_task\",\"quality\":\"original\",\"function\":"
      "\"det\",\"task\":1,\"roi\":[0,0,1,1]}",
      NULL },

    { "an empty object lacks function and task",
      'r', 0, "det",
      "{}",
      "schema {\"function\":[\"This field is required.\"],\"task\":[\"Thi"
      "s field is required.\"]}" },

    { "function is required",
      'r', 0, "det",
      "{\"task\":1}",
      "schema {\"function\":[\"This field is required.\"]}" },

    { "task is required",
      'r', 0, "det",
      "{\"function\":\"det\"}",
      "schema {\"task\":[\"This field is required.\"]}" },

    { "function null is refused",
      'r', 0, "det",
      "{\"function\":null,\"task\":1}",
      "schema {\"function\":[\"This field may not be null.\"]}" },

    { "function \"\" is refused",
      'r', 0, "det",
      "{\"function\":\"\",\"task\":1}",
      "schema {\"function\":[\"This field may not be blank.\"]}" },

    { "function \"   \" is refused",
      'r', 0, "det",
      "{\"function\":\"   \",\"task\":1}",
      "schema {\"function\":[\"This field may not be blank.\"]}" },

    { "function \"\\u3000\\u2003\" is refused",
      'r', 0, "det",
      "{\"function\":\"\\u3000\\u2003\",\"task\":1}",
      "schema {\"function\":[\"This field may not be blank.\"]}" },

    { "function \"\\u001c\\u0085\" is refused",
      'r', 0, "det",
      "{\"function\":\"\\u001c\\u0085\",\"task\":1}",
      "schema {\"function\":[\"This field may not be blank.\"]}" },

    { "function true is refused",
      'r', 0, "det",
      "{\"function\":true,\"task\":1}",
      "schema {\"function\":[\"Not a valid string.\"]}" },

    { "function false is refused",
      'r', 0, "det",
      "{\"function\":false,\"task\":1}",
      "schema {\"function\":[\"Not a valid string.\"]}" },

    { "function [] is refused",
      'r', 0, "det",
      "{\"function\":[],\"task\":1}",
      "schema {\"function\":[\"Not a valid string.\"]}" },

    { "function {} is refused",
      'r', 0, "det",
      "{\"function\":{},\"task\":1}",
      "schema {\"function\":[\"Not a valid string.\"]}" },

    { "function [\"det\"] is refused",
      'r', 0, "det",
      "{\"function\":[\"det\"],\"task\":1}",
      "schema {\"function\":[\"Not a valid string.\"]}" },

    { "function \"a\\u0000b\" is refused",
      'r', 0, "det",
      "{\"function\":\"a\\u0000b\",\"task\":1}",
      "schema {\"function\":[\"Null characters are not allowed.\"]}" },

    { "function \"a\\ud800\" is refused",
      'r', 0, "det",
      "{\"function\":\"a\\ud800\",\"task\":1}",
      "schema {\"function\":[\"Surrogate characters are not allowed: U+D8"
      "00.\"]}" },

    { "function \"\\u0000\\udfff\" is refused",
      'r', 0, "det",
      "{\"function\":\"\\u0000\\udfff\",\"task\":1}",
      "schema {\"function\":[\"Null characters are not allowed.\",\"Surro"
      "gate characters are not allowed: U+DFFF.\"]}" },

    { "function \" \\udbff \" is refused",
      'r', 0, "det",
      "{\"function\":\" \\udbff \",\"task\":1}",
      "schema {\"function\":[\"Surrogate characters are not allowed: U+DB"
      "FF.\"]}" },

    { "function \"\\u200b\" is refused",
      'r', 0, "det",
      "{\"function\":\"\\u200b\",\"task\":1}",
      NULL },

    { "task null is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":null}",
      "schema {\"task\":[\"This field may not be null.\"]}" },

    { "task true is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":true}",
      "schema {\"task\":[\"A valid integer is required.\"]}" },

    { "task false is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":false}",
      "schema {\"task\":[\"A valid integer is required.\"]}" },

    { "task \"1.5\" is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"1.5\"}",
      "schema {\"task\":[\"A valid integer is required.\"]}" },

    { "task 1.5 is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1.5}",
      "schema {\"task\":[\"A valid integer is required.\"]}" },

    { "task \"1e3\" is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"1e3\"}",
      "schema {\"task\":[\"A valid integer is required.\"]}" },

    { "task 1e20 is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1e20}",
      "schema {\"task\":[\"A valid integer is required.\"]}" },

    { "task 1e16 is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1e16}",
      "schema {\"task\":[\"A valid integer is required.\"]}" },

    { "task \"0x10\" is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"0x10\"}",
      "schema {\"task\":[\"A valid integer is required.\"]}" },

    { "task \"\" is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"\"}",
      "schema {\"task\":[\"A valid integer is required.\"]}" },

    { "task \"1 000\" is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"1 000\"}",
      "schema {\"task\":[\"A valid integer is required.\"]}" },

    { "task \"1__0\" is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"1__0\"}",
      "schema {\"task\":[\"A valid integer is required.\"]}" },

    { "task \"_1\" is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"_1\"}",
      "schema {\"task\":[\"A valid integer is required.\"]}" },

    { "task \"1_\" is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"1_\"}",
      "schema {\"task\":[\"A valid integer is required.\"]}" },

    { "task \"nan\" is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"nan\"}",
      "schema {\"task\":[\"A valid integer is required.\"]}" },

    { "task [] is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":[]}",
      "schema {\"task\":[\"A valid integer is required.\"]}" },

    { "task {} is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":{}}",
      "schema {\"task\":[\"A valid integer is required.\"]}" },

    { "task [1] is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":[1]}",
      "schema {\"task\":[\"A valid integer is required.\"]}" },

    { "task 1e-5 is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1e-5}",
      "schema {\"task\":[\"A valid integer is required.\"]}" },

    { "task \"\\u001c1\" is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"\\u001c1\"}",
      "schema {\"task\":[\"A valid integer is required.\"]}" },

    { "task \"1\\u001c\" is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"1\\u001c\"}",
      "schema {\"task\":[\"A valid integer is required.\"]}" },

    { "task \"\\u0661\\u0662.\\u0660\" is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"\\u0661\\u0662.\\u0660\"}",
      "schema {\"task\":[\"A valid integer is required.\"]}" },

    { "task \"\\ud800\" is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"\\ud800\"}",
      "schema {\"task\":[\"A valid integer is required.\"]}" },

    { "task \"1.0.0\" is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"1.0.0\"}",
      "schema {\"task\":[\"A valid integer is required.\"]}" },

    { "task \"11111... (1001 characters) is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "11111111111111111111111111111111111111111111\"}",
      "schema {\"task\":[\"String value too large.\"]}" },

    { "task \"     ... (1001 characters) is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":\"                                 "
      "                                                                  "
      "                                                                  "
      "                                                                  "
      "                                                                  "
      "                                                                  "
      "                                                                  "
      "                                                                  "
      "                                                                  "
      "                                                                  "
      "                                                                  "
      "                                                                  "
      "                                                                  "
      "                                                                  "
      "                                                                  "
      "                                            \"}",
      "schema {\"task\":[\"String value too large.\"]}" },

    { "job null is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"job\":null}",
      "schema {\"job\":[\"This field may not be null.\"]}" },

    { "job abc is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"job\":\"abc\"}",
      "schema {\"job\":[\"A valid integer is required.\"]}" },

    { "max_distance 2.5 is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"max_distance\":2.5}",
      "schema {\"max_distance\":[\"A valid integer is required.\"]}" },

    { "threshold null is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"threshold\":null}",
      "schema {\"threshold\":[\"This field may not be null.\"]}" },

    { "threshold \"abc\" is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"threshold\":\"abc\"}",
      "schema {\"threshold\":[\"A valid number is required.\"]}" },

    { "threshold [] is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"threshold\":[]}",
      "schema {\"threshold\":[\"A valid number is required.\"]}" },

    { "threshold {} is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"threshold\":{}}",
      "schema {\"threshold\":[\"A valid number is required.\"]}" },

    { "threshold \"1e\" is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"threshold\":\"1e\"}",
      "schema {\"threshold\":[\"A valid number is required.\"]}" },

    { "threshold \"infinit\" is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"threshold\":\"infinit\"}",
      "schema {\"threshold\":[\"A valid number is required.\"]}" },

    { "threshold \"1__0\" is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"threshold\":\"1__0\"}",
      "schema {\"threshold\":[\"A valid number is required.\"]}" },

    { "threshold \"_1\" is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"threshold\":\"_1\"}",
      "schema {\"threshold\":[\"A valid number is required.\"]}" },

    { "threshold \"1_e5\" is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"threshold\":\"1_e5\"}",
      "schema {\"threshold\":[\"A valid number is required.\"]}" },

    { "threshold \"0x1p3\" is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"threshold\":\"0x1p3\"}",
      "schema {\"threshold\":[\"A valid number is required.\"]}" },

    { "threshold \"111...\" (1001 characters) is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"threshold\":\"11111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111\"}",
      "schema {\"threshold\":[\"String value too large.\"]}" },

    { "cleanup null is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"cleanup\":null}",
      "schema {\"cleanup\":[\"This field may not be null.\"]}" },

    { "cleanup 2 is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"cleanup\":2}",
      "schema {\"cleanup\":[\"Must be a valid boolean.\"]}" },

    { "cleanup \"1.0\" is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"cleanup\":\"1.0\"}",
      "schema {\"cleanup\":[\"Must be a valid boolean.\"]}" },

    { "cleanup \" true\" is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"cleanup\":\" true\"}",
      "schema {\"cleanup\":[\"Must be a valid boolean.\"]}" },

    { "cleanup [] is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"cleanup\":[]}",
      "schema {\"cleanup\":[\"Must be a valid boolean.\"]}" },

    { "cleanup \"null\" is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"cleanup\":\"null\"}",
      "schema {\"cleanup\":[\"Must be a valid boolean.\"]}" },

    { "cleanup \"\" is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"cleanup\":\"\"}",
      "schema {\"cleanup\":[\"Must be a valid boolean.\"]}" },

    { "cleanup 0.5 is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"cleanup\":0.5}",
      "schema {\"cleanup\":[\"Must be a valid boolean.\"]}" },

    { "cleanup \"yes\\u0000\" is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"cleanup\":\"yes\\u0000\"}",
      "schema {\"cleanup\":[\"Must be a valid boolean.\"]}" },

    { "cleanup \"\\u212a\" is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"cleanup\":\"\\u212a\"}",
      "schema {\"cleanup\":[\"Must be a valid boolean.\"]}" },

    { "convMaskToPoly keeps its own key",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"convMaskToPoly\":\"yes please\""
      "}",
      "schema {\"convMaskToPoly\":[\"Must be a valid boolean.\"]}" },

    { "conv_mask_to_poly an object is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"conv_mask_to_poly\":{}}",
      "schema {\"conv_mask_to_poly\":[\"Must be a valid boolean.\"]}" },

    { "mapping [] is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"mapping\":[]}",
      "schema {\"mapping\":[\"Expected a dictionary of items but got type"
      " \\\"list\\\".\"]}" },

    { "mapping \"str\" is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"mapping\":\"str\"}",
      "schema {\"mapping\":[\"Expected a dictionary of items but got type"
      " \\\"str\\\".\"]}" },

    { "mapping 5 is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"mapping\":5}",
      "schema {\"mapping\":[\"Expected a dictionary of items but got type"
      " \\\"int\\\".\"]}" },

    { "mapping 1.5 is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"mapping\":1.5}",
      "schema {\"mapping\":[\"Expected a dictionary of items but got type"
      " \\\"float\\\".\"]}" },

    { "mapping true is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"mapping\":true}",
      "schema {\"mapping\":[\"Expected a dictionary of items but got type"
      " \\\"bool\\\".\"]}" },

    { "mapping null is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"mapping\":null}",
      "schema {\"mapping\":[\"This field may not be null.\"]}" },

    { "a mapping entry \"str\" is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"mapping\":{\"car\":\"str\"}}",
      "schema {\"mapping\":{\"car\":{\"non_field_errors\":[\"Invalid data"
      ". Expected a dictionary, but got str.\"]}}}" },

    { "a mapping entry [] is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"mapping\":{\"car\":[]}}",
      "schema {\"mapping\":{\"car\":{\"non_field_errors\":[\"Invalid data"
      ". Expected a dictionary, but got list.\"]}}}" },

    { "a mapping entry 5 is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"mapping\":{\"car\":5}}",
      "schema {\"mapping\":{\"car\":{\"non_field_errors\":[\"Invalid data"
      ". Expected a dictionary, but got int.\"]}}}" },

    { "a mapping entry null is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"mapping\":{\"car\":null}}",
      "schema {\"mapping\":{\"car\":[\"This field may not be null.\"]}}" },

    { "a mapping entry false is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"mapping\":{\"car\":false}}",
      "schema {\"mapping\":{\"car\":{\"non_field_errors\":[\"Invalid data"
      ". Expected a dictionary, but got bool.\"]}}}" },

    { "a mapping entry needs a name",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"mapping\":{\"car\":{}}}",
      "schema {\"mapping\":{\"car\":{\"name\":[\"This field is required."
      "\"]}}}" },

    { "a mapping entry name may not be blank",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"mapping\":{\"car\":{\"name\":\""
      "\"}}}",
      "schema {\"mapping\":{\"car\":{\"name\":[\"This field may not be bl"
      "ank.\"]}}}" },

    { "a mapping entry name may not be null",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"mapping\":{\"car\":{\"name\":nu"
      "ll}}}",
      "schema {\"mapping\":{\"car\":{\"name\":[\"This field may not be nu"
      "ll.\"]}}}" },

    { "attributes must be an object",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"mapping\":{\"car\":{\"name\":\""
      "c\",\"attributes\":[]}}}",
      "schema {\"mapping\":{\"car\":{\"attributes\":[\"Expected a diction"
      "ary of items but got type \\\"list\\\".\"]}}}" },

    { "attribute values are CharFields keyed by attribute",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"mapping\":{\"car\":{\"name\":\""
      "c\",\"attributes\":{\"a\":null,\"b\":\"\",\"c\":true,\"d\":{},\"e"
      "\":\"ok\",\"f\":3}}}}",
      "schema {\"mapping\":{\"car\":{\"attributes\":{\"a\":[\"This field "
      "may not be null.\"],\"b\":[\"This field may not be blank.\"],\"c\""
      ":[\"Not a valid string.\"],\"d\":[\"Not a valid string.\"]}}}}" },

    { "sublabels must be an object",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"mapping\":{\"p\":{\"name\":\"p"
      "\",\"sublabels\":[]}}}",
      "schema {\"mapping\":{\"p\":{\"sublabels\":[\"Expected a dictionary"
      " of items but got type \\\"list\\\".\"]}}}" },

    { "a sublabel entry that is a string",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"mapping\":{\"p\":{\"name\":\"p"
      "\",\"sublabels\":{\"s\":\"x\"}}}}",
      "schema {\"mapping\":{\"p\":{\"sublabels\":{\"s\":{\"non_field_erro"
      "rs\":[\"Invalid data. Expected a dictionary, but got str.\"]}}}}}" },

    { "a sublabel entry needs a name and CharField attributes",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"mapping\":{\"p\":{\"name\":\"p"
      "\",\"sublabels\":{\"s\":{},\"t\":{\"name\":\"t\",\"attributes\":{"
      "\"k\":false}}}}}}",
      "schema {\"mapping\":{\"p\":{\"sublabels\":{\"s\":{\"name\":[\"This"
      " field is required.\"]},\"t\":{\"attributes\":{\"k\":[\"Not a vali"
      "d string.\"]}}}}}}" },

    { "errors of several mapping entries are keyed by label, in body order",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"mapping\":{\"z\":{\"name\":\"\""
      "},\"ok\":{\"name\":\"x\"},\"a\":[],\"é\":{\"attributes\":5}}}",
      "schema {\"mapping\":{\"z\":{\"name\":[\"This field may not be blan"
      "k.\"]},\"a\":{\"non_field_errors\":[\"Invalid data. Expected a dic"
      "tionary, but got list.\"]},\"é\":{\"name\":[\"This field is requir"
      "ed.\"],\"attributes\":[\"Expected a dictionary of items but got ty"
      "pe \\\"int\\\".\"]}}}" },

    { "a label key with a lone surrogate is shown with U+FFFD",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"mapping\":{\"\\ud800car\":{}}}",
      "schema {\"mapping\":{\"�car\":{\"name\":[\"This field is required."
      "\"]}}}" },

    { "every field error at once, in declaration order",
      'r', 0, "det",
      "{\"mapping\":[],\"cleanup\":\"x\",\"threshold\":\"y\",\"job\":\"z"
      "\",\"task\":\"t\",\"function\":[],\"conv_mask_to_poly\":2,\"convMa"
      "skToPoly\":3,\"max_distance\":\"m\",\"roi\":[1]}",
      "schema {\"function\":[\"Not a valid string.\"],\"task\":[\"A valid"
      " integer is required.\"],\"job\":[\"A valid integer is required.\""
      "],\"max_distance\":[\"A valid integer is required.\"],\"threshold"
      "\":[\"A valid number is required.\"],\"cleanup\":[\"Must be a vali"
      "d boolean.\"],\"convMaskToPoly\":[\"Must be a valid boolean.\"],\""
      "conv_mask_to_poly\":[\"Must be a valid boolean.\"],\"mapping\":[\""
      "Expected a dictionary of items but got type \\\"list\\\".\"],\"roi"
      "\":[\"Ensure this field has at least 4 elements.\"]}" },

    { "roi \"x\" is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"roi\":\"x\"}",
      "schema {\"roi\":[\"Expected a list of items but got type \\\"str\\"
      "\".\"]}" },

    { "roi {} is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"roi\":{}}",
      "schema {\"roi\":[\"Expected a list of items but got type \\\"dict"
      "\\\".\"]}" },

    { "roi 5 is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"roi\":5}",
      "schema {\"roi\":[\"Expected a list of items but got type \\\"int\\"
      "\".\"]}" },

    { "roi true is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"roi\":true}",
      "schema {\"roi\":[\"Expected a list of items but got type \\\"bool"
      "\\\".\"]}" },

    { "roi [1,2,3] is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"roi\":[1,2,3]}",
      "schema {\"roi\":[\"Ensure this field has at least 4 elements.\"]}" },

    { "roi [1,2,3,4,5] is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"roi\":[1,2,3,4,5]}",
      "schema {\"roi\":[\"Ensure this field has no more than 4 elements."
      "\"]}" },

    { "roi [] is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"roi\":[]}",
      "schema {\"roi\":[\"Ensure this field has at least 4 elements.\"]}" },

    { "roi [0,0,\"1\",2] is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"roi\":[0,0,\"1\",2]}",
      "schema {\"roi\":[\"A valid number is required.\"]}" },

    { "roi [0,0,true,2] is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"roi\":[0,0,true,2]}",
      "schema {\"roi\":[\"A valid number is required.\"]}" },

    { "roi [0,0,null,2] is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"roi\":[0,0,null,2]}",
      "schema {\"roi\":[\"A valid number is required.\"]}" },

    { "roi [[0],0,1,2] is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"roi\":[[0],0,1,2]}",
      "schema {\"roi\":[\"A valid number is required.\"]}" },

    { "roi [-1,0,1,1] is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"roi\":[-1,0,1,1]}",
      "schema {\"roi\":[\"Ensure this value is greater than or equal to 0"
      ".\"]}" },

    { "roi [0,-0.5,1,1] is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"roi\":[0,-0.5,1,1]}",
      "schema {\"roi\":[\"Ensure this value is greater than or equal to 0"
      ".\"]}" },

    { "roi [5,0,5,1] is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"roi\":[5,0,5,1]}",
      "schema {\"roi\":[\"Ensure x2 is greater than x1 and y2 is greater "
      "than y1.\"]}" },

    { "roi [0,5,1,5] is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"roi\":[0,5,1,5]}",
      "schema {\"roi\":[\"Ensure x2 is greater than x1 and y2 is greater "
      "than y1.\"]}" },

    { "roi [10,0,5,10] is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"roi\":[10,0,5,10]}",
      "schema {\"roi\":[\"Ensure x2 is greater than x1 and y2 is greater "
      "than y1.\"]}" },

    { "roi [0,10,5,0] is refused",
      'r', 0, "det",
      "{\"function\":\"det\",\"task\":1,\"roi\":[0,10,5,0]}",
      "schema {\"roi\":[\"Ensure x2 is greater than x1 and y2 is greater "
      "than y1.\"]}" },

    { "a top-level [] is refused as a serializer would",
      'r', 0, "det",
      "[]",
      "schema {\"non_field_errors\":[\"Invalid data. Expected a dictionar"
      "y, but got list.\"]}" },

    { "a top-level [\"det\"] is refused as a serializer would",
      'r', 0, "det",
      "[\"det\"]",
      "schema {\"non_field_errors\":[\"Invalid data. Expected a dictionar"
      "y, but got list.\"]}" },

    { "a top-level \"det\" is refused as a serializer would",
      'r', 0, "det",
      "\"det\"",
      "schema {\"non_field_errors\":[\"Invalid data. Expected a dictionar"
      "y, but got str.\"]}" },

    { "a top-level 5 is refused as a serializer would",
      'r', 0, "det",
      "5",
      "schema {\"non_field_errors\":[\"Invalid data. Expected a dictionar"
      "y, but got int.\"]}" },

    { "a top-level 1.5 is refused as a serializer would",
      'r', 0, "det",
      "1.5",
      "schema {\"non_field_errors\":[\"Invalid data. Expected a dictionar"
      "y, but got float.\"]}" },

    { "a top-level true is refused as a serializer would",
      'r', 0, "det",
      "true",
      "schema {\"non_field_errors\":[\"Invalid data. Expected a dictionar"
      "y, but got bool.\"]}" },

    { "a top-level false is refused as a serializer would",
      'r', 0, "det",
      "false",
      "schema {\"non_field_errors\":[\"Invalid data. Expected a dictionar"
      "y, but got bool.\"]}" },

    { "a top-level null is refused as a serializer would",
      'r', 0, "det",
      "null",
      "schema {\"non_field_errors\":[\"No data provided\"]}" },

    { "strict mode refuses an unknown field",
      'r', 1, "det",
      "{\"function\":\"det\",\"task\":1,\"foo\":1}",
      "schema {\"foo\":[\"This field is not allowed.\"]}" },

    { "strict mode refuses unknown fields after field errors, in body order",
      'r', 1, "det",
      "{\"zeta\":1,\"function\":\"det\",\"task\":\"x\",\"alpha\":null,\"r"
      "oi\":\"r\"}",
      "schema {\"task\":[\"A valid integer is required.\"],\"roi\":[\"Exp"
      "ected a list of items but got type \\\"str\\\".\"],\"zeta\":[\"Thi"
      "s field is not allowed.\"],\"alpha\":[\"This field is not allowed."
      "\"]}" },

    { "strict mode keys a lone-surrogate field with U+FFFD",
      'r', 1, "det",
      "{\"function\":\"det\",\"task\":1,\"\\udc00\":1}",
      "schema {\"�\":[\"This field is not allowed.\"]}" },

    { "a call with a task passes",
      'o', 0, "det",
      "{\"task\":1}",
      NULL },

    { "a call with a job passes",
      'o', 0, "det",
      "{\"job\":5}",
      NULL },

    { "a call with job and task passes",
      'o', 0, "det",
      "{\"job\":5,\"task\":1}",
      NULL },

    { "the UI detector frame body passes",
      'o', 0, "det",
      "{\"type\":\"annotate_frame\",\"mapping\":{\"car\":{\"name\":\"vehi"
      "cle\",\"attributes\":{}}},\"conv_mask_to_poly\":false,\"threshold"
      "\":0.5,\"roi\":[0,0,100,50.5],\"frame\":3,\"job\":7,\"task\":2}",
      NULL },

    { "the UI interactor body passes",
      'o', 0, "det",
      "{\"frame\":4,\"obj_bbox\":[[10.5,20.25],[30,40]],\"pos_points\":[["
      "12.5,22]],\"neg_points\":[],\"job\":7,\"task\":2}",
      NULL },

    { "the UI tracker init body passes",
      'o', 0, "det",
      "{\"type\":\"init_tracking\",\"frame\":9,\"shapes\":[{\"type\":\"re"
      "ctangle\",\"points\":[1,2,3,4]}],\"job\":7,\"task\":2}",
      NULL },

    { "the UI tracker continue body passes",
      'o', 0, "det",
      "{\"type\":\"track\",\"frame\":10,\"states\":[\"eyJ4IjoxfQ:abc:def"
      "\"],\"job\":7,\"task\":2}",
      NULL },

    { "a task as a numeric string passes",
      'o', 0, "det",
      "{\"task\":\"3\"}",
      NULL },

    { "task \"0\" is a truthy string and passes",
      'o', 0, "det",
      "{\"task\":\"0\"}",
      NULL },

    { "task \"0.0\" is a truthy string and passes",
      'o', 0, "det",
      "{\"task\":\"0.0\"}",
      NULL },

    { "job 0 with a truthy task passes",
      'o', 0, "det",
      "{\"job\":0,\"task\":2}",
      NULL },

    { "frame as a string and as 4.0 pass",
      'o', 0, "det",
      "{\"task\":1,\"frame\":\"4\",\"job\":4.0}",
      NULL },

    { "mapping of any shape passes",
      'o', 0, "det",
      "{\"task\":1,\"mapping\":\"anything\"}",
      NULL },

    { "job null with a task passes",
      'o', 0, "det",
      "{\"task\":1,\"job\":null}",
      NULL },

    { "roi null passes",
      'o', 0, "det",
      "{\"task\":1,\"roi\":null}",
      NULL },

    { "strict mode passes the fields CVAT clients send",
      'o', 1, "det",
      "{\"type\":\"interact\",\"frame\":1,\"pos_points\":[],\"neg_points"
      "\":[],\"obj_bbox\":[],\"extra_params\":{},\"job\":1,\"task\":1}",
      NULL },

    { "an empty object is the view's missing task string",
      'o', 0, "det",
      "{}",
      "schema \"`det` lambda function was run with wrong arguments ('task"
      "')\"" },

    { "job null is the missing task string",
      'o', 0, "det",
      "{\"job\":null}",
      "schema \"`det` lambda function was run with wrong arguments ('task"
      "')\"" },

    { "a frame alone is the missing task string",
      'o', 0, "det",
      "{\"frame\":1}",
      "schema \"`det` lambda function was run with wrong arguments ('task"
      "')\"" },

    { "task null is the task lookup string",
      'o', 0, "det",
      "{\"task\":null}",
      "schema \"`det` lambda function was run with wrong arguments (Task "
      "matching query does not exist.)\"" },

    { "task 0 is the task lookup string",
      'o', 0, "det",
      "{\"task\":0}",
      "schema \"`det` lambda function was run with wrong arguments (Task "
      "matching query does not exist.)\"" },

    { "task 0.0 is the task lookup string",
      'o', 0, "det",
      "{\"task\":0.0}",
      "schema \"`det` lambda function was run with wrong arguments (Task "
      "matching query does not exist.)\"" },

    { "job 0 is the job lookup string",
      'o', 0, "det",
      "{\"job\":0}",
      "schema \"`det` lambda function was run with wrong arguments (Job m"
      "atching query does not exist.)\"" },

    { "job 0 with task null is the job lookup string",
      'o', 0, "det",
      "{\"job\":0,\"task\":null}",
      "schema \"`det` lambda function was run with wrong arguments (Job m"
      "atching query does not exist.)\"" },

    { "job 0 with task 0 is the job lookup string",
      'o', 0, "det",
      "{\"job\":0,\"task\":0}",
      "schema \"`det` lambda function was run with wrong arguments (Job m"
      "atching query does not exist.)\"" },

    { "job null with task 0 is the task lookup string",
      'o', 0, "det",
      "{\"job\":null,\"task\":0}",
      "schema \"`det` lambda function was run with wrong arguments (Task "
      "matching query does not exist.)\"" },

    { "the function id is quoted with backticks",
      'o', 0, "pth-facebookresearch-sam-vit-h",
      "{}",
      "schema \"`pth-facebookresearch-sam-vit-h` lambda function was run "
      "with wrong arguments ('task')\"" },

    { "a function id with dots and underscores",
      'o', 0, "a.b_c-1",
      "{\"task\":false}",
      "schema {\"task\":[\"A valid integer is required.\"]}" },

    { "task abc is refused",
      'o', 0, "det",
      "{\"task\":\"abc\"}",
      "schema {\"task\":[\"A valid integer is required.\"]}" },

    { "task true is refused",
      'o', 0, "det",
      "{\"task\":true}",
      "schema {\"task\":[\"A valid integer is required.\"]}" },

    { "job a list is refused",
      'o', 0, "det",
      "{\"job\":[]}",
      "schema {\"job\":[\"A valid integer is required.\"]}" },

    { "frame x is refused",
      'o', 0, "det",
      "{\"frame\":\"x\",\"task\":1}",
      "schema {\"frame\":[\"A valid integer is required.\"]}" },

    { "frame 1.5 is refused",
      'o', 0, "det",
      "{\"frame\":1.5,\"task\":1}",
      "schema {\"frame\":[\"A valid integer is required.\"]}" },

    { "task, job and frame errors at once",
      'o', 0, "det",
      "{\"frame\":\"z\",\"job\":\"y\",\"task\":\"x\"}",
      "schema {\"task\":[\"A valid integer is required.\"],\"job\":[\"A v"
      "alid integer is required.\"],\"frame\":[\"A valid integer is requi"
      "red.\"]}" },

    { "a task over 1000 characters is too large",
      'o', 0, "det",
      "{\"task\":\"111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "111111111111111111111111111111111111111111111111111111111111111111"
      "11111111111111111111111\"}",
      "schema {\"task\":[\"String value too large.\"]}" },

    { "roi with two items is refused",
      'o', 0, "det",
      "{\"task\":1,\"roi\":[1,2]}",
      "schema {\"roi\":[\"Ensure this field has at least 4 elements.\"]}" },

    { "roi and frame errors together",
      'o', 0, "det",
      "{\"task\":1,\"frame\":{},\"roi\":[3,3,1,1]}",
      "schema {\"frame\":[\"A valid integer is required.\"],\"roi\":[\"En"
      "sure x2 is greater than x1 and y2 is greater than y1.\"]}" },

    { "a top-level [] is refused",
      'o', 0, "det",
      "[]",
      "schema {\"non_field_errors\":[\"Invalid data. Expected a dictionar"
      "y, but got list.\"]}" },

    { "a top-level \"x\" is refused",
      'o', 0, "det",
      "\"x\"",
      "schema {\"non_field_errors\":[\"Invalid data. Expected a dictionar"
      "y, but got str.\"]}" },

    { "a top-level 1 is refused",
      'o', 0, "det",
      "1",
      "schema {\"non_field_errors\":[\"Invalid data. Expected a dictionar"
      "y, but got int.\"]}" },

    { "a top-level null is refused",
      'o', 0, "det",
      "null",
      "schema {\"non_field_errors\":[\"No data provided\"]}" },

    { "strict mode refuses an unknown field",
      'o', 1, "det",
      "{\"task\":1,\"foo\":1}",
      "schema {\"foo\":[\"This field is not allowed.\"]}" },

    { NULL, 0, 0, NULL, NULL, NULL }
};


int
main(void)
{
    json_set_alloc_funcs(ngx_http_lambda_test_malloc,
                         ngx_http_lambda_test_free);

    ngx_http_lambda_test_table();
    ngx_http_lambda_test_results();

    ngx_http_lambda_test_nomem("every allocation failing: a valid UI body",
        'r',
        "{\"type\":\"annotate_task\",\"mapping\":{\"car\":"
        "{\"name\":\"vehicle\",\"attributes\":{\"color\":\"colour\"}}},"
        "\"cleanup\":true,\"threshold\":0.5,\"roi\":[1,2,3,4],"
        "\"task\":42,\"function\":\"det\"}",
        NULL);
    ngx_http_lambda_test_nomem("every allocation failing: nested errors", 'r',
        "{\"mapping\":{\"z\":{\"name\":\"\"},\"a\":[],\"p\":{\"name\":\"p\","
        "\"sublabels\":{\"s\":{\"attributes\":{\"k\":false}}}}},"
        "\"cleanup\":\"x\",\"roi\":[1]}",
        "schema {\"function\":[\"This field is required.\"],\"task\":[\"This "
        "field is required.\"],\"cleanup\":[\"Must be a valid boolean.\"],"
        "\"mapping\":{\"z\":{\"name\":[\"This field may not be blank.\"]},"
        "\"a\":{\"non_field_errors\":[\"Invalid data. Expected a dictionary, "
        "but got list.\"]},\"p\":{\"sublabels\":{\"s\":{\"name\":[\"This "
        "field is required.\"],\"attributes\":{\"k\":[\"Not a valid string."
        "\"]}}}}},\"roi\":[\"Ensure this field has at least 4 elements.\"]}");
    ngx_http_lambda_test_nomem("every allocation failing: surrogates", 'r',
        "{\"function\":\"\\u0000\\ud800\",\"task\":1,"
        "\"mapping\":{\"\\udc00\":5}}",
        "schema {\"function\":[\"Null characters are not allowed.\","
        "\"Surrogate characters are not allowed: U+D800.\"],"
        "\"mapping\":{\"\357\277\275\":{\"non_field_errors\":[\"Invalid data. "
        "Expected a dictionary, but got int.\"]}}}");
    ngx_http_lambda_test_nomem("every allocation failing: the online string",
        'o', "{\"job\":0,\"frame\":3}",
        "schema \"`det` lambda function was run with wrong arguments (Job "
        "matching query does not exist.)\"");
    ngx_http_lambda_test_nomem("every allocation failing: online errors", 'o',
        "{\"task\":\"x\",\"frame\":[],\"roi\":{}}",
        "schema {\"task\":[\"A valid integer is required.\"],\"frame\":[\"A "
        "valid integer is required.\"],\"roi\":[\"Expected a list of items "
        "but got type \\\"dict\\\".\"]}");
    ngx_http_lambda_test_nomem("every allocation failing: a parse error", 'r',
        "{\"task\":1,\"task\":2}",
        "json {\"detail\":\"JSON parse error - Duplicate key \\\"task\\\" in "
        "object: line 1 column 11 (char 10)\"}");

    ngx_http_lambda_tap_is_int((long) ngx_http_lambda_test_leaks, 0,
                               "no case leaves an allocation behind");

    return ngx_http_lambda_tap_done();
}


/* jansson's allocator for the tests: counts, and fails on demand */

static void *
ngx_http_lambda_test_malloc(size_t size)
{
    void  *p;

    ngx_http_lambda_test_allocs++;

    if (ngx_http_lambda_test_allocs == ngx_http_lambda_test_fail_at) {
        return NULL;
    }

    p = malloc(size);

    if (p) {
        ngx_http_lambda_test_live++;
    }

    return p;
}


static void
ngx_http_lambda_test_free(void *p)
{
    if (p) {
        ngx_http_lambda_test_live--;
        free(p);
    }
}


/*
 * Validates a body: "pass", "nomem", or the verdict ("json", "schema")
 * and the compact error body.  Checks the result fields agree.
 */

static const char *
ngx_http_lambda_test_run(int kind, int strict, const char *func_id,
    const char *body, size_t len, const char *charset)
{
    int                        rc;
    size_t                     n, m;
    ngx_http_lambda_result_t   res;

    rc = ngx_http_lambda_validate_body(kind == 'r'
                                       ? NGX_HTTP_LAMBDA_BODY_REQUESTS
                                       : NGX_HTTP_LAMBDA_BODY_ONLINE,
                                       (const unsigned char *) body, len,
                                       charset, charset ? strlen(charset) : 0,
                                       func_id, strlen(func_id), strict,
                                       &res);

    /* the test's own serialisation never fails, nor counts */

    ngx_http_lambda_test_parsed = ngx_http_lambda_test_allocs;
    ngx_http_lambda_test_fail_at = 0;

    if (rc != 0) {
        return (res.error == NULL) ? "nomem" : "nomem with an error";
    }

    if (res.verdict == NGX_HTTP_LAMBDA_VERDICT_PASS) {
        return (res.status == 0 && res.error == NULL) ? "pass"
                                                      : "pass, inconsistent";
    }

    if (res.status != 400 || res.error == NULL) {
        json_decref(res.error);
        return "refused, inconsistent";
    }

    m = (size_t) snprintf(ngx_http_lambda_test_out,
                          sizeof(ngx_http_lambda_test_out), "%s ",
                          res.verdict == NGX_HTTP_LAMBDA_VERDICT_JSON
                          ? "json" : "schema");

    n = ngx_http_lambda_json_dumpb(res.error, ngx_http_lambda_test_out + m,
                                   sizeof(ngx_http_lambda_test_out) - m - 1);
    if (n >= sizeof(ngx_http_lambda_test_out) - m) {
        n = 0;
    }

    ngx_http_lambda_test_out[m + n] = '\0';
    json_decref(res.error);

    return ngx_http_lambda_test_out;
}


static void
ngx_http_lambda_test_check_leaks(const char *name)
{
    char  msg[256];

    if (ngx_http_lambda_test_live != 0) {
        snprintf(msg, sizeof(msg), "%s: %zu allocations left over", name,
                 ngx_http_lambda_test_live);
        ngx_http_lambda_tap_diag(msg);
        ngx_http_lambda_test_leaks++;
        ngx_http_lambda_test_live = 0;
    }
}


static void
ngx_http_lambda_test_table(void)
{
    int                           requests, online;
    char                          msg[64];
    const char                   *got;
    ngx_http_lambda_test_body_t  *t;

    requests = 0;
    online = 0;

    for (t = ngx_http_lambda_test_cases; t->name; t++) {
        got = ngx_http_lambda_test_run(t->kind, t->strict, t->func_id,
                                       t->body, strlen(t->body), NULL);

        ngx_http_lambda_tap_is(got, t->expect ? t->expect : "pass", t->name);
        ngx_http_lambda_test_check_leaks(t->name);

        if (t->kind == 'r') {
            requests++;

        } else {
            online++;
        }
    }

    snprintf(msg, sizeof(msg), "%d /requests bodies, %d online call bodies",
             requests, online);
    ngx_http_lambda_tap_diag(msg);
}


static void
ngx_http_lambda_test_results(void)
{
    const char  *got;

    got = ngx_http_lambda_test_run('r', 0, "det",
                                   "{\"function\":\"d\351t\",\"task\":1}",
                                   27, "ISO-8859-1");
    ngx_http_lambda_tap_is(got, "pass", "a Latin-1 body passes");

    got = ngx_http_lambda_test_run('r', 0, "det",
                                   "{\"function\":\" \240\",\"task\":1}",
                                   26, "latin-1");
    ngx_http_lambda_tap_is(got,
                           "schema {\"function\":[\"This field may not be "
                           "blank.\"]}",
                           "a Latin-1 no-break space is blank");

    got = ngx_http_lambda_test_run('r', 0, "det",
                                   "{\"function\":\"d\303\251t\",\"task\":1}",
                                   28, "ascii");
    ngx_http_lambda_tap_is(got,
                           "json {\"detail\":\"JSON parse error - 'ascii' "
                           "codec can't decode byte 0xc3 in position 14: "
                           "ordinal not in range(128)\"}",
                           "an ASCII body with UTF-8 is a codec error");

    got = ngx_http_lambda_test_run('r', 0, "det", "{}", 2, "koi8-r");
    ngx_http_lambda_tap_is(got,
                           "json {\"detail\":\"JSON parse error - unknown "
                           "encoding: koi8-r\"}",
                           "an unknown charset is a parse error");

    got = ngx_http_lambda_test_run('r', 0, "det",
                                   "{\"function\":\"det\",\"task\":1}\0", 29,
                                   NULL);
    ngx_http_lambda_tap_is(got,
                           "json {\"detail\":\"JSON parse error - Extra "
                           "data: line 1 column 28 (char 27)\"}",
                           "a NUL byte after the body is Python's extra data");

    got = ngx_http_lambda_test_run('o', 0, "d\351t", "{}", 2, NULL);
    ngx_http_lambda_tap_is(got,
                           "schema \"`d\303\251t` lambda function was run "
                           "with wrong arguments ('task')\"",
                           "a function id that is not UTF-8 is shown as "
                           "Latin-1");

    got = ngx_http_lambda_test_run('o', 0, "", "{}", 2, NULL);
    ngx_http_lambda_tap_is(got,
                           "schema \"`` lambda function was run with "
                           "wrong arguments ('task')\"",
                           "an empty function id is shown as it is");

    got = ngx_http_lambda_test_run('o', 0, "det",
                                   "{\"task\":1,\"task\":1}", 19, NULL);
    ngx_http_lambda_tap_is(got,
                           "json {\"detail\":\"JSON parse error - "
                           "Duplicate key \\\"task\\\" in object: line 1 "
                           "column 11 (char 10)\"}",
                           "an online call with a duplicate key is refused");

    ngx_http_lambda_test_check_leaks("results");
}


/*
 * Makes allocation 1, 2, 3, ... fail in turn until the validation needs no
 * more: every failure must give -1 with nothing left allocated, and the run
 * that completes must give the expected answer.
 */

static void
ngx_http_lambda_test_nomem(const char *name, int kind, const char *body,
    const char *expect)
{
    int          ok;
    size_t       k;
    const char  *got;

    ok = 1;

    if (expect == NULL) {
        expect = "pass";
    }

    for (k = 1; k < 100000; k++) {
        ngx_http_lambda_test_fail_at = k;
        ngx_http_lambda_test_allocs = 0;

        got = ngx_http_lambda_test_run(kind, 0, "det", body, strlen(body),
                                       NULL);

        if (ngx_http_lambda_test_live != 0) {
            ok = 0;
            ngx_http_lambda_test_live = 0;
        }

        if (strcmp(got, "nomem") == 0) {
            continue;
        }

        if (strcmp(got, expect) != 0) {
            ok = 0;
        }

        if (ngx_http_lambda_test_parsed < k) {
            break;
        }
    }

    ngx_http_lambda_test_fail_at = 0;

    ngx_http_lambda_tap_ok(ok, name);
}
