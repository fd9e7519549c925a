
/*
 * ngx_lambda_gateway: unit tests of the JSON parsing core
 * (ngx_http_lambda_json.c, contract 2.1).
 *
 * Every message Python's json module (3.10-3.12 wording, C accelerator) and
 * its codecs give a DRF JSONParser, checked byte for byte against the
 * compact rendering of {"detail": "JSON parse error - ..."}; the gateway's
 * own refusals of bodies Python accepts; charsets; lone surrogates carried
 * through a private-use block; the DRF-exact serialiser; and every
 * allocation failing in turn.  A counting allocator checks that no case
 * leaves an allocation behind.
 */


#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "ngx_http_lambda_json.h"
#include "tap.h"


typedef struct {
    const char  *name;
    const char  *charset;
    const char  *body;
    size_t       len;       /* 0: strlen(body) */
    const char  *expect;    /* the error body, NULL when the body parses */
} ngx_http_lambda_test_json_t;


static void *ngx_http_lambda_test_malloc(size_t size);
static void ngx_http_lambda_test_free(void *p);
static const char *ngx_http_lambda_test_parse(const char *body, size_t len,
    const char *charset, ngx_http_lambda_json_doc_t *keep);
static const char *ngx_http_lambda_test_str(const char *body,
    ngx_http_lambda_json_doc_t *keep);
static void ngx_http_lambda_test_table(void);
static void ngx_http_lambda_test_generated(void);
static void ngx_http_lambda_test_charsets(void);
static void ngx_http_lambda_test_values(void);
static void ngx_http_lambda_test_surrogates(void);
static void ngx_http_lambda_test_dumpb(void);
static void ngx_http_lambda_test_nomem(const char *name, const char *body,
    const char *charset, const char *expect);
static char *ngx_http_lambda_test_repeat(const char *head, const char *unit,
    size_t n, const char *tail);


static size_t  ngx_http_lambda_test_live;
static size_t  ngx_http_lambda_test_allocs;
static size_t  ngx_http_lambda_test_fail_at;
static size_t  ngx_http_lambda_test_parsed;
static size_t  ngx_http_lambda_test_leaks;
static char    ngx_http_lambda_test_out[65536];


static ngx_http_lambda_test_json_t  ngx_http_lambda_test_cases[] = {

    { "an empty body",
      NULL,
      "", 0,
      "{\"detail\":\"JSON parse error - Expecting value: line 1 column 1 "
      "(char 0)\"}" },

    { "whitespace only",
      NULL,
      " \n\t ", 0,
      "{\"detail\":\"JSON parse error - Expecting value: line 2 column 3 "
      "(char 4)\"}" },

    { "a bare word",
      NULL,
      "x", 0,
      "{\"detail\":\"JSON parse error - Expecting value: line 1 column 1 "
      "(char 0)\"}" },

    { "an open array",
      NULL,
      "[", 0,
      "{\"detail\":\"JSON parse error - Expecting value: line 1 column 2 "
      "(char 1)\"}" },

    { "an array cut after a comma",
      NULL,
      "[1,", 0,
      "{\"detail\":\"JSON parse error - Expecting value: line 1 column 4 "
      "(char 3)\"}" },

    { "a trailing comma in an array (3.10-3.12 wording)",
      NULL,
      "[1,]", 0,
      "{\"detail\":\"JSON parse error - Expecting value: line 1 column 4 "
      "(char 3)\"}" },

    { "an object member without a value",
      NULL,
      "{\"a\":}", 0,
      "{\"detail\":\"JSON parse error - Expecting value: line 1 column 6 "
      "(char 5)\"}" },

    { "a lone minus",
      NULL,
      "-", 0,
      "{\"detail\":\"JSON parse error - Expecting value: line 1 column 1 "
      "(char 0)\"}" },

    { "a minus before a letter",
      NULL,
      "[-x]", 0,
      "{\"detail\":\"JSON parse error - Expecting value: line 1 column 2 "
      "(char 1)\"}" },

    { "a truncated null",
      NULL,
      "nul", 0,
      "{\"detail\":\"JSON parse error - Expecting value: line 1 column 1 "
      "(char 0)\"}" },

    { "Na is not NaN",
      NULL,
      "[Na]", 0,
      "{\"detail\":\"JSON parse error - Expecting value: line 1 column 2 "
      "(char 1)\"}" },

    { "-Inf is not -Infinity",
      NULL,
      "-Inf", 0,
      "{\"detail\":\"JSON parse error - Expecting value: line 1 column 1 "
      "(char 0)\"}" },

    { "a number starting with a dot",
      NULL,
      ".5", 0,
      "{\"detail\":\"JSON parse error - Expecting value: line 1 column 1 "
      "(char 0)\"}" },

    { "a plus sign",
      NULL,
      "+1", 0,
      "{\"detail\":\"JSON parse error - Expecting value: line 1 column 1 "
      "(char 0)\"}" },

    { "an open object",
      NULL,
      "{", 0,
      "{\"detail\":\"JSON parse error - Expecting property name enclosed "
      "in double quotes: line 1 column 2 (char 1)\"}" },

    { "a comma first in an object",
      NULL,
      "{,}", 0,
      "{\"detail\":\"JSON parse error - Expecting property name enclosed "
      "in double quotes: line 1 column 2 (char 1)\"}" },

    { "a trailing comma in an object (3.10-3.12 wording)",
      NULL,
      "{\"a\":1,}", 0,
      "{\"detail\":\"JSON parse error - Expecting property name enclosed "
      "in double quotes: line 1 column 8 (char 7)\"}" },

    { "a number as a key",
      NULL,
      "{1:2}", 0,
      "{\"detail\":\"JSON parse error - Expecting property name enclosed "
      "in double quotes: line 1 column 2 (char 1)\"}" },

    { "a single-quoted key",
      NULL,
      "{'a':1}", 0,
      "{\"detail\":\"JSON parse error - Expecting property name enclosed "
      "in double quotes: line 1 column 2 (char 1)\"}" },

    { "a key without a colon",
      NULL,
      "{\"a\" 1}", 0,
      "{\"detail\":\"JSON parse error - Expecting ':' delimiter: line 1 c"
      "olumn 6 (char 5)\"}" },

    { "a key at the end",
      NULL,
      "{\"a\"", 0,
      "{\"detail\":\"JSON parse error - Expecting ':' delimiter: line 1 c"
      "olumn 5 (char 4)\"}" },

    { "array items without a comma",
      NULL,
      "[1 2]", 0,
      "{\"detail\":\"JSON parse error - Expecting ',' delimiter: line 1 c"
      "olumn 4 (char 3)\"}" },

    { "object members without a comma",
      NULL,
      "{\"a\":1 \"b\":2}", 0,
      "{\"detail\":\"JSON parse error - Expecting ',' delimiter: line 1 c"
      "olumn 8 (char 7)\"}" },

    { "an unclosed array",
      NULL,
      "[1", 0,
      "{\"detail\":\"JSON parse error - Expecting ',' delimiter: line 1 c"
      "olumn 3 (char 2)\"}" },

    { "an unclosed object",
      NULL,
      "{\"a\":1", 0,
      "{\"detail\":\"JSON parse error - Expecting ',' delimiter: line 1 c"
      "olumn 7 (char 6)\"}" },

    { "a NUL byte after a number (jansson would skip it)",
      NULL,
      "[1,2\000,3]", sizeof("[1,2\000,3]") - 1,
      "{\"detail\":\"JSON parse error - Expecting ',' delimiter: line 1 c"
      "olumn 5 (char 4)\"}" },

    { "a NUL byte after the document",
      NULL,
      "{\"task\":1}\000", sizeof("{\"task\":1}\000") - 1,
      "{\"detail\":\"JSON parse error - Extra data: line 1 column 11 (cha"
      "r 10)\"}" },

    { "two documents",
      NULL,
      "1 2", 0,
      "{\"detail\":\"JSON parse error - Extra data: line 1 column 3 (char"
      " 2)\"}" },

    { "garbage after an object",
      NULL,
      "{} x", 0,
      "{\"detail\":\"JSON parse error - Extra data: line 1 column 4 (char"
      " 3)\"}" },

    { "one bracket too many",
      NULL,
      "[]]", 0,
      "{\"detail\":\"JSON parse error - Extra data: line 1 column 3 (char"
      " 2)\"}" },

    { "1. is the number 1 then extra data",
      NULL,
      "1.", 0,
      "{\"detail\":\"JSON parse error - Extra data: line 1 column 2 (char"
      " 1)\"}" },

    { "01 is 0 then extra data",
      NULL,
      "01", 0,
      "{\"detail\":\"JSON parse error - Extra data: line 1 column 2 (char"
      " 1)\"}" },

    { "1e is 1 then extra data",
      NULL,
      "1e", 0,
      "{\"detail\":\"JSON parse error - Extra data: line 1 column 2 (char"
      " 1)\"}" },

    { "1.5e+ is 1.5 then extra data",
      NULL,
      "1.5e+", 0,
      "{\"detail\":\"JSON parse error - Extra data: line 1 column 4 (char"
      " 3)\"}" },

    { "1.5e+ inside an array",
      NULL,
      "[1.5e+]", 0,
      "{\"detail\":\"JSON parse error - Expecting ',' delimiter: line 1 c"
      "olumn 5 (char 4)\"}" },

    { "an unterminated string",
      NULL,
      "\"abc", 0,
      "{\"detail\":\"JSON parse error - Unterminated string starting at: "
      "line 1 column 1 (char 0)\"}" },

    { "an unterminated key",
      NULL,
      "{\"a", 0,
      "{\"detail\":\"JSON parse error - Unterminated string starting at: "
      "line 1 column 2 (char 1)\"}" },

    { "a backslash at the end",
      NULL,
      "\"\\", 0,
      "{\"detail\":\"JSON parse error - Unterminated string starting at: "
      "line 1 column 1 (char 0)\"}" },

    { "a raw newline in a string",
      NULL,
      "\"a\nb\"", 0,
      "{\"detail\":\"JSON parse error - Invalid control character at: lin"
      "e 1 column 3 (char 2)\"}" },

    { "a raw tab in a string",
      NULL,
      "{\"function\":\"\t\"}", 0,
      "{\"detail\":\"JSON parse error - Invalid control character at: lin"
      "e 1 column 14 (char 13)\"}" },

    { "a raw unit separator in a string",
      NULL,
      "\"\037\"", 0,
      "{\"detail\":\"JSON parse error - Invalid control character at: lin"
      "e 1 column 2 (char 1)\"}" },

    { "a NUL byte in a string",
      NULL,
      "\"a\000\"", sizeof("\"a\000\"") - 1,
      "{\"detail\":\"JSON parse error - Invalid control character at: lin"
      "e 1 column 3 (char 2)\"}" },

    { "an unknown escape",
      NULL,
      "\"\\x41\"", 0,
      "{\"detail\":\"JSON parse error - Invalid \\\\escape: line 1 column"
      " 2 (char 1)\"}" },

    { "an escaped apostrophe",
      NULL,
      "\"it\\'s\"", 0,
      "{\"detail\":\"JSON parse error - Invalid \\\\escape: line 1 column"
      " 4 (char 3)\"}" },

    { "a capital U escape",
      NULL,
      "\"\\U0041\"", 0,
      "{\"detail\":\"JSON parse error - Invalid \\\\escape: line 1 column"
      " 2 (char 1)\"}" },

    { "a short \\u escape",
      NULL,
      "\"\\u12\"", 0,
      "{\"detail\":\"JSON parse error - Invalid \\\\uXXXX escape: line 1 "
      "column 3 (char 2)\"}" },

    { "a \\u escape with non-hex digits",
      NULL,
      "\"\\uzzzz\"", 0,
      "{\"detail\":\"JSON parse error - Invalid \\\\uXXXX escape: line 1 "
      "column 3 (char 2)\"}" },

    { "a \\u escape at the very end",
      NULL,
      "\"\\u0041", 0,
      "{\"detail\":\"JSON parse error - Invalid \\\\uXXXX escape: line 1 "
      "column 3 (char 2)\"}" },

    { "a \\u escape one digit short at the end",
      NULL,
      "\"\\u004", 0,
      "{\"detail\":\"JSON parse error - Invalid \\\\uXXXX escape: line 1 "
      "column 3 (char 2)\"}" },

    { "a surrogate pair whose second escape is bad",
      NULL,
      "\"\\ud800\\uzzzz\"", 0,
      "{\"detail\":\"JSON parse error - Invalid \\\\uXXXX escape: line 1 "
      "column 9 (char 8)\"}" },

    { "a surrogate pair at the very end",
      NULL,
      "\"\\ud800\\udc00", 0,
      "{\"detail\":\"JSON parse error - Invalid \\\\uXXXX escape: line 1 "
      "column 9 (char 8)\"}" },

    { "a high surrogate then a backslash at the end",
      NULL,
      "\"\\ud800\\", 0,
      "{\"detail\":\"JSON parse error - Unterminated string starting at: "
      "line 1 column 1 (char 0)\"}" },

    { "a UTF-8 BOM",
      NULL,
      "﻿{}", 0,
      "{\"detail\":\"JSON parse error - Unexpected UTF-8 BOM (decode usin"
      "g utf-8-sig): line 1 column 1 (char 0)\"}" },

    { "NaN",
      NULL,
      "NaN", 0,
      "{\"detail\":\"JSON parse error - Out of range float values are not"
      " JSON compliant: 'NaN'\"}" },

    { "Infinity in an object",
      NULL,
      "{\"threshold\":Infinity}", 0,
      "{\"detail\":\"JSON parse error - Out of range float values are not"
      " JSON compliant: 'Infinity'\"}" },

    { "-Infinity in an array",
      NULL,
      "[1, -Infinity]", 0,
      "{\"detail\":\"JSON parse error - Out of range float values are not"
      " JSON compliant: '-Infinity'\"}" },

    { "NaN after an earlier syntax error is not reached",
      NULL,
      "{\"a\" NaN}", 0,
      "{\"detail\":\"JSON parse error - Expecting ':' delimiter: line 1 c"
      "olumn 6 (char 5)\"}" },

    { "a syntax error after NaN is not reached",
      NULL,
      "[NaN x", 0,
      "{\"detail\":\"JSON parse error - Out of range float values are not"
      " JSON compliant: 'NaN'\"}" },

    { "positions count code points, not bytes",
      NULL,
      "{\"été\":1,}", 0,
      "{\"detail\":\"JSON parse error - Expecting property name enclosed "
      "in double quotes: line 1 column 10 (char 9)\"}" },

    { "a 4-byte character counts as one",
      NULL,
      "[\"😀\" x]", 0,
      "{\"detail\":\"JSON parse error - Expecting ',' delimiter: line 1 c"
      "olumn 6 (char 5)\"}" },

    { "lines and columns after newlines",
      NULL,
      "{\n  \"a\": 1,\n  \"b\": }", 0,
      "{\"detail\":\"JSON parse error - Expecting value: line 3 column 8 "
      "(char 19)\"}" },

    { "only \\n starts a line",
      NULL,
      "{\"a\":1,\r\r \"b\" 2}", 0,
      "{\"detail\":\"JSON parse error - Expecting ':' delimiter: line 1 c"
      "olumn 15 (char 14)\"}" },

    { "a column right after a newline",
      NULL,
      "[1,\n]", 0,
      "{\"detail\":\"JSON parse error - Expecting value: line 2 column 1 "
      "(char 4)\"}" },

    { "an invalid start byte",
      NULL,
      "\377", 0,
      "{\"detail\":\"JSON parse error - 'utf-8' codec can't decode byte 0"
      "xff in position 0: invalid start byte\"}" },

    { "an invalid start byte after valid text",
      NULL,
      "{\"fé\":\"\200\"}", 0,
      "{\"detail\":\"JSON parse error - 'utf-8' codec can't decode byte 0"
      "x80 in position 8: invalid start byte\"}" },

    { "an overlong encoding",
      NULL,
      "\"\300\200\"", 0,
      "{\"detail\":\"JSON parse error - 'utf-8' codec can't decode byte 0"
      "xc0 in position 1: invalid start byte\"}" },

    { "a byte above F4",
      NULL,
      "\"\365\200\200\200\"", 0,
      "{\"detail\":\"JSON parse error - 'utf-8' codec can't decode byte 0"
      "xf5 in position 1: invalid start byte\"}" },

    { "an invalid continuation byte",
      NULL,
      "\"\303(\"", 0,
      "{\"detail\":\"JSON parse error - 'utf-8' codec can't decode byte 0"
      "xc3 in position 1: invalid continuation byte\"}" },

    { "a 3-byte sequence broken at its third byte",
      NULL,
      "\"\342\202(\"", 0,
      "{\"detail\":\"JSON parse error - 'utf-8' codec can't decode bytes "
      "in position 1-2: invalid continuation byte\"}" },

    { "a 4-byte sequence broken at its fourth byte",
      NULL,
      "\"\360\220\200(\"", 0,
      "{\"detail\":\"JSON parse error - 'utf-8' codec can't decode bytes "
      "in position 1-3: invalid continuation byte\"}" },

    { "a UTF-8 encoded surrogate",
      NULL,
      "\"\355\240\200\"", 0,
      "{\"detail\":\"JSON parse error - 'utf-8' codec can't decode byte 0"
      "xed in position 1: invalid continuation byte\"}" },

    { "a decode error wins over an earlier syntax error",
      NULL,
      "[1 2] \377", 0,
      "{\"detail\":\"JSON parse error - 'utf-8' codec can't decode byte 0"
      "xff in position 6: invalid start byte\"}" },

    { "a truncated character at the end of an unterminated string",
      NULL,
      "{\"a\":\"x\342\202", 0,
      "{\"detail\":\"JSON parse error - Unterminated string starting at: "
      "line 1 column 6 (char 5)\"}" },

    { "a truncated character after a complete document",
      NULL,
      "{}\342\202", 0,
      "{\"detail\":\"JSON parse error - 'utf-8' codec can't decode bytes "
      "in position 2-3: unexpected end of data\"}" },

    { "a truncated 4-byte character after a complete document",
      NULL,
      "{}\360\220\200", 0,
      "{\"detail\":\"JSON parse error - 'utf-8' codec can't decode bytes "
      "in position 2-4: unexpected end of data\"}" },

    { "a truncated surrogate after a complete document",
      NULL,
      "{}\355\240", 0,
      "{\"detail\":\"JSON parse error - 'utf-8' codec can't decode byte 0"
      "xed in position 2: invalid continuation byte\"}" },

    { "ascii refuses a non-ASCII byte",
      "ascii",
      "{\"function\":\"dét\"}", 0,
      "{\"detail\":\"JSON parse error - 'ascii' codec can't decode byte 0"
      "xc3 in position 14: ordinal not in range(128)\"}" },

    { "us-ascii refuses it too, before any JSON error",
      "US-ASCII",
      "[x \351", 0,
      "{\"detail\":\"JSON parse error - 'ascii' codec can't decode byte 0"
      "xe9 in position 3: ordinal not in range(128)\"}" },

    { "latin-1 decodes every byte",
      "latin-1",
      "{\"function\":\"d\351t\",\"task\":1,}", 0,
      "{\"detail\":\"JSON parse error - Expecting property name enclosed "
      "in double quotes: line 1 column 28 (char 27)\"}" },

    { "ISO-8859-1 positions count decoded characters",
      "ISO-8859-1",
      "{\"\351\351\":1 x}", 0,
      "{\"detail\":\"JSON parse error - Expecting ',' delimiter: line 1 c"
      "olumn 9 (char 8)\"}" },

    { "latin-1 has no BOM",
      "l1",
      "﻿{}", 0,
      "{\"detail\":\"JSON parse error - Expecting value: line 1 column 1 "
      "(char 0)\"}" },

    { "an unknown charset",
      "koi8-r",
      "{}", 0,
      "{\"detail\":\"JSON parse error - unknown encoding: koi8-r\"}" },

    { "utf-16 is not decoded by the gateway",
      "utf-16",
      "{}", 0,
      "{\"detail\":\"JSON parse error - unknown encoding: utf-16\"}" },

    { "utf.8 is no alias of utf-8",
      "utf.8",
      "{}", 0,
      "{\"detail\":\"JSON parse error - unknown encoding: utf.8\"}" },

    { "a duplicate key",
      NULL,
      "{\"a\":1,\"a\":2}", 0,
      "{\"detail\":\"JSON parse error - Duplicate key \\\"a\\\" in object"
      ": line 1 column 8 (char 7)\"}" },

    { "a duplicate key written with an escape",
      NULL,
      "{\"a\":1,\"\\u0061\":2}", 0,
      "{\"detail\":\"JSON parse error - Duplicate key \\\"a\\\" in object"
      ": line 1 column 8 (char 7)\"}" },

    { "a duplicate key in a nested object",
      NULL,
      "{\"mapping\":{\"car\":{\"name\":\"a\",\"name\":\"b\"}}}", 0,
      "{\"detail\":\"JSON parse error - Duplicate key \\\"name\\\" in obj"
      "ect: line 1 column 31 (char 30)\"}" },

    { "keys of sibling objects are not duplicates",
      NULL,
      "[{\"a\":1},{\"a\":2}] x", 0,
      "{\"detail\":\"JSON parse error - Extra data: line 1 column 19 (cha"
      "r 18)\"}" },

    { "a syntax error after a duplicate key wins",
      NULL,
      "{\"a\":1,\"a\":2,}", 0,
      "{\"detail\":\"JSON parse error - Expecting property name enclosed "
      "in double quotes: line 1 column 14 (char 13)\"}" },

    { "a duplicate key of lone surrogates",
      NULL,
      "{\"\\ud800\":1,\"\\ud800\":2}", 0,
      "{\"detail\":\"JSON parse error - Duplicate key \\\"�\\\" in object"
      ": line 1 column 13 (char 12)\"}" },

    { "a long duplicate key is cut",
      NULL,
      "{\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
      "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\":1,\"kkkkkkkkkkkkkkkkkkkkkk"
      "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
      "kkkkkkkkkkkk\":2}", 0,
      "{\"detail\":\"JSON parse error - Duplicate key \\\"kkkkkkkkkkkkkkk"
      "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...\\\" in object"
      ": line 1 column 107 (char 106)\"}" },

    { "an integer above 64 bits",
      NULL,
      "{\"task\":9223372036854775808}", 0,
      "{\"detail\":\"JSON parse error - Integer out of the 64-bit range: "
      "line 1 column 9 (char 8)\"}" },

    { "an integer below 64 bits",
      NULL,
      "[-9223372036854775809]", 0,
      "{\"detail\":\"JSON parse error - Integer out of the 64-bit range: "
      "line 1 column 2 (char 1)\"}" },

    { "a real that overflows",
      NULL,
      "{\"threshold\":1e400}", 0,
      "{\"detail\":\"JSON parse error - Number too large (it overflows to"
      " infinity): line 1 column 14 (char 13)\"}" },

    { "a negative real that overflows",
      NULL,
      "[-1e400]", 0,
      "{\"detail\":\"JSON parse error - Number too large (it overflows to"
      " infinity): line 1 column 2 (char 1)\"}" },

    { "the first gateway refusal is reported",
      NULL,
      "[1e400, 99999999999999999999]", 0,
      "{\"detail\":\"JSON parse error - Number too large (it overflows to"
      " infinity): line 1 column 2 (char 1)\"}" },

    { "a NUL character in a key",
      NULL,
      "{\"a\\u0000b\":1}", 0,
      "{\"detail\":\"JSON parse error - Null character in object key: lin"
      "e 1 column 2 (char 1)\"}" },

    { NULL, NULL, NULL, 0, NULL }
};


int
main(void)
{
    json_set_alloc_funcs(ngx_http_lambda_test_malloc,
                         ngx_http_lambda_test_free);

    ngx_http_lambda_test_table();
    ngx_http_lambda_test_generated();
    ngx_http_lambda_test_charsets();
    ngx_http_lambda_test_values();
    ngx_http_lambda_test_surrogates();
    ngx_http_lambda_test_dumpb();

    ngx_http_lambda_test_nomem("every allocation failing: a valid body",
        "{\"function\":\"det\",\"task\":1,"
        "\"mapping\":{\"a\":{\"name\":\"b\"}}}",
        NULL, NULL);
    ngx_http_lambda_test_nomem("every allocation failing: a syntax error",
        "{\"mapping\":{\"a\":[1,2,{\"b\":\"\\u00e9\"}]},\n \"task\" 1}", NULL,
        "{\"detail\":\"JSON parse error - Expecting ':' delimiter: line 2 "
        "column 9 (char 47)\"}");
    ngx_http_lambda_test_nomem("every allocation failing: a duplicate key",
        "{\"a\":{\"x\":1,\"y\":2},\"b\":[{\"c\":1}],\"a\":3}", NULL,
        "{\"detail\":\"JSON parse error - Duplicate key \\\"a\\\" in object: "
        "line 1 column 34 (char 33)\"}");
    ngx_http_lambda_test_nomem("every allocation failing: lone surrogates",
        "{\"function\":\"\\ud800x\",\"k\\udc00\":[\"\\ud83d\\ude00\"]}", NULL,
        NULL);
    ngx_http_lambda_test_nomem("every allocation failing: latin-1",
        "{\"function\":\"d\351t\",\"task\":1,}", "latin-1",
        "{\"detail\":\"JSON parse error - Expecting property name enclosed in "
        "double quotes: line 1 column 28 (char 27)\"}");
    ngx_http_lambda_test_nomem("every allocation failing: an unknown charset",
        "{}", "koi8-r",
        "{\"detail\":\"JSON parse error - unknown encoding: koi8-r\"}");
    ngx_http_lambda_test_nomem("every allocation failing: a real overflow",
        "[{\"a\":\"b\"},1e999]", NULL,
        "{\"detail\":\"JSON parse error - Number too large (it overflows to "
        "infinity): line 1 column 12 (char 11)\"}");

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
 * Parses a body: NULL when it parsed (the document is kept in *keep when
 * keep is set, else released), "nomem" on allocation failure, else the
 * compact error body.
 */

static const char *
ngx_http_lambda_test_parse(const char *body, size_t len, const char *charset,
    ngx_http_lambda_json_doc_t *keep)
{
    size_t                      n;
    ngx_http_lambda_json_doc_t  doc;

    if (ngx_http_lambda_json_parse((const unsigned char *) body, len, charset,
                                   charset ? strlen(charset) : 0, &doc)
        != 0)
    {
        return "nomem";
    }

    /* the test's own serialisation never fails, nor counts */

    ngx_http_lambda_test_parsed = ngx_http_lambda_test_allocs;
    ngx_http_lambda_test_fail_at = 0;

    if (doc.error) {
        n = ngx_http_lambda_json_dumpb(doc.error, ngx_http_lambda_test_out,
                                       sizeof(ngx_http_lambda_test_out) - 1);
        if (n >= sizeof(ngx_http_lambda_test_out)) {
            n = 0;
        }

        ngx_http_lambda_test_out[n] = '\0';
        json_decref(doc.error);

        return ngx_http_lambda_test_out;
    }

    if (keep) {
        *keep = doc;

    } else {
        json_decref(doc.value);
    }

    return NULL;
}


static const char *
ngx_http_lambda_test_str(const char *body, ngx_http_lambda_json_doc_t *keep)
{
    return ngx_http_lambda_test_parse(body, strlen(body), NULL, keep);
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
    size_t                        len;
    const char                   *got;
    ngx_http_lambda_test_json_t  *t;

    for (t = ngx_http_lambda_test_cases; t->name; t++) {
        len = t->len ? t->len : strlen(t->body);

        got = ngx_http_lambda_test_parse(t->body, len, t->charset, NULL);

        ngx_http_lambda_tap_is(got, t->expect, t->name);
        ngx_http_lambda_test_check_leaks(t->name);
    }
}


static void
ngx_http_lambda_test_one(const char *name, const char *body,
    const char *expect)
{
    ngx_http_lambda_tap_is(ngx_http_lambda_test_parse(body, strlen(body),
                                                      NULL, NULL),
                           expect, name);
    ngx_http_lambda_test_check_leaks(name);
}


/* bodies too large to write out */

static void
ngx_http_lambda_test_generated(void)
{
    int      k;
    char    *body, *p;
    size_t   n;

    body = ngx_http_lambda_test_repeat("", "[", 2048, "");
    body = realloc(body, 4097);
    memset(body + 2048, ']', 2048);
    body[4096] = '\0';
    ngx_http_lambda_test_one("2048 nested arrays parse", body, NULL);
    free(body);

    body = ngx_http_lambda_test_repeat("", "[", 2049, "");
    ngx_http_lambda_test_one("a 2049th nested array is Python's "
        "RecursionError", body,
        "{\"detail\":\"JSON parse error - maximum recursion depth exceeded "
        "while decoding a JSON array from a unicode string\"}");
    free(body);

    body = ngx_http_lambda_test_repeat("", "{\"a\":", 2047, "1");
    n = strlen(body);
    body = realloc(body, n + 2048);
    memset(body + n, '}', 2047);
    body[n + 2047] = '\0';
    ngx_http_lambda_test_one("a value in 2047 nested objects parses", body,
                             NULL);
    free(body);

    body = ngx_http_lambda_test_repeat("", "{\"a\":", 2048, "1");
    ngx_http_lambda_test_one("a value in 2048 nested objects is one level too "
        "deep for jansson", body,
        "{\"detail\":\"JSON parse error - maximum recursion depth exceeded "
        "while decoding a JSON object from a unicode string\"}");
    free(body);

    body = ngx_http_lambda_test_repeat("[", "1", 4301, "]");
    ngx_http_lambda_test_one("an integer of 4301 digits is Python's "
        "ValueError", body,
        "{\"detail\":\"JSON parse error - Exceeds the limit (4300 digits) for "
        "integer string conversion: value has 4301 digits; use "
        "sys.set_int_max_str_digits() to increase the limit\"}");
    free(body);

    body = ngx_http_lambda_test_repeat("{\"a\" 1, \"b\": -", "9", 5000, "}");
    ngx_http_lambda_test_one("an earlier syntax error wins over the digit "
        "limit", body,
        "{\"detail\":\"JSON parse error - Expecting ':' delimiter: line 1 "
        "column 6 (char 5)\"}");
    free(body);

    body = ngx_http_lambda_test_repeat("[-", "9", 5000, "]");
    ngx_http_lambda_test_one("the digit limit does not count the sign", body,
        "{\"detail\":\"JSON parse error - Exceeds the limit (4300 digits) for "
        "integer string conversion: value has 5000 digits; use "
        "sys.set_int_max_str_digits() to increase the limit\"}");
    free(body);

    body = ngx_http_lambda_test_repeat("", "1", 4300, "");
    ngx_http_lambda_test_one("an integer of 4300 digits is the gateway's "
        "refusal", body,
        "{\"detail\":\"JSON parse error - Integer out of the 64-bit range: "
        "line 1 column 1 (char 0)\"}");
    free(body);

    /* every private-use block of planes 15 and 16 already in use */

    body = malloc(64 * 4 + 32);
    p = body;
    *p++ = '[';
    *p++ = '"';

    for (k = 0; k < 64; k++) {
        uint32_t  cp = 0xF0000 + (uint32_t) k * 0x800 + 5;

        *p++ = (char) (0xF0 | (cp >> 18));
        *p++ = (char) (0x80 | ((cp >> 12) & 0x3F));
        *p++ = (char) (0x80 | ((cp >> 6) & 0x3F));
        *p++ = (char) (0x80 | (cp & 0x3F));
    }

    strcpy(p, "\",\"\\ud800\"]");
    ngx_http_lambda_test_one("lone surrogates with no free private-use block",
        body,
        "{\"detail\":\"JSON parse error - Too many private-use characters "
        "next to lone surrogate escapes\"}");

    /* one block left: the lowest */

    memmove(body + 2, body + 6, 63 * 4);
    strcpy(body + 2 + 63 * 4, "\",\"\\ud800\"]");

    {
        json_t                      *s;
        const char                  *got;
        ngx_http_lambda_json_doc_t   doc;

        got = ngx_http_lambda_test_parse(body, strlen(body), NULL, &doc);

        ngx_http_lambda_tap_ok(got == NULL && doc.surrogate_base == 0xF0000,
                               "the one free private-use block is used");

        if (got == NULL) {
            s = json_array_get(doc.value, 1);
            ngx_http_lambda_tap_ok(s && json_string_length(s) == 4
                                   && memcmp(json_string_value(s),
                                             "\363\260\200\200", 4) == 0,
                                   "the lone surrogate became U+F0000");
            json_decref(doc.value);

        } else {
            ngx_http_lambda_tap_ok(0, "the lone surrogate became U+F0000");
        }

        ngx_http_lambda_test_check_leaks("one free block");
    }

    free(body);
}


static void
ngx_http_lambda_test_charsets(void)
{
    char                         name[128];
    json_t                      *f;
    size_t                       i;
    const char                  *got;
    ngx_http_lambda_json_doc_t   doc;

    static const char  *utf8[] = {
        "utf-8", "UTF-8", "utf8", "Utf_8", "\"utf-8\"", " utf-8 ", "u8",
        "utf", "cp65001", "UTF8_UCS4", "utf--8", "utf-8\351", "", NULL
    };

    static const char  *ascii[] = {
        "ascii", "US-ASCII", "us", "646", "ansi_x3.4-1968", "ANSI_X3_4_1968",
        "iso646-us", "iso_646.irv:1991", "cp367", "csASCII", NULL
    };

    static const char  *latin1[] = {
        "latin-1", "latin1", "ISO-8859-1", "iso8859_1", "l1", "L1", "8859",
        "cp819", "IBM819", "latin", "csISOLatin1", "iso_8859-1:1987",
        "iso-ir-100", NULL
    };

    static const char  *unknown[] = {
        "latin.1", "utf-16", "cp1252", "x-unknown", NULL
    };

    for (i = 0; utf8[i]; i++) {
        got = ngx_http_lambda_test_parse("{\"function\":\"d\303\251t\"}", 19,
                                         utf8[i], &doc);
        snprintf(name, sizeof(name), "charset \"%s\" decodes UTF-8", utf8[i]);

        f = got ? NULL : json_object_get(doc.value, "function");
        ngx_http_lambda_tap_ok(f && strcmp(json_string_value(f),
                                           "d\303\251t") == 0, name);
        if (got == NULL) {
            json_decref(doc.value);
        }

        ngx_http_lambda_test_check_leaks(name);
    }

    for (i = 0; ascii[i]; i++) {
        snprintf(name, sizeof(name), "charset \"%s\" is ASCII", ascii[i]);

        got = ngx_http_lambda_test_parse("{\"function\":\"d\303\251t\"}", 19,
                                         ascii[i], NULL);
        ngx_http_lambda_tap_is(got,
            "{\"detail\":\"JSON parse error - 'ascii' codec can't decode "
            "byte 0xc3 in position 14: ordinal not in range(128)\"}", name);
        ngx_http_lambda_test_check_leaks(name);
    }

    for (i = 0; latin1[i]; i++) {
        got = ngx_http_lambda_test_parse("{\"function\":\"d\351t\"}", 18,
                                         latin1[i], &doc);
        snprintf(name, sizeof(name), "charset \"%s\" decodes Latin-1",
                 latin1[i]);

        f = got ? NULL : json_object_get(doc.value, "function");
        ngx_http_lambda_tap_ok(f && strcmp(json_string_value(f),
                                           "d\303\251t") == 0, name);
        if (got == NULL) {
            json_decref(doc.value);
        }

        ngx_http_lambda_test_check_leaks(name);
    }

    for (i = 0; unknown[i]; i++) {
        char  expect[160];

        snprintf(name, sizeof(name), "charset \"%s\" is unknown", unknown[i]);
        snprintf(expect, sizeof(expect), "{\"detail\":\"JSON parse error - "
                 "unknown encoding: %s\"}", unknown[i]);

        got = ngx_http_lambda_test_parse("{}", 2, unknown[i], NULL);
        ngx_http_lambda_tap_is(got, expect, name);
        ngx_http_lambda_test_check_leaks(name);
    }

    got = ngx_http_lambda_test_parse("{}", 2, "koi8-\362", NULL);
    ngx_http_lambda_tap_is(got, "{\"detail\":\"JSON parse error - unknown "
                           "encoding: koi8-\303\262\"}",
                           "a charset name that is not UTF-8 is shown as "
                           "Latin-1");
    ngx_http_lambda_test_check_leaks("latin-1 name");

    got = ngx_http_lambda_test_parse("{}", 2, "\"", NULL);
    ngx_http_lambda_tap_is(got, "{\"detail\":\"JSON parse error - unknown "
                           "encoding: \\\"\"}",
                           "a charset of one quote is unknown");
    ngx_http_lambda_test_check_leaks("quote");

    memset(name, 'u', 100);
    name[100] = '\0';
    got = ngx_http_lambda_test_parse("{}", 2, name, NULL);
    ngx_http_lambda_tap_ok(got && strstr(got, "unknown encoding: uuuu"),
                           "a very long charset name is unknown");
    ngx_http_lambda_test_check_leaks("long name");

    ngx_http_lambda_tap_ok(ngx_http_lambda_json_parse(
                               (const unsigned char *) "{}", 2, "latin-1X",
                               7, &doc) == 0
                           && doc.error == NULL && doc.value != NULL,
                           "the charset length is honoured");
    json_decref(doc.value);
    ngx_http_lambda_test_check_leaks("charset length");
}


static void
ngx_http_lambda_test_values(void)
{
    json_t                      *v;
    uint32_t                     cp;
    const char                  *got;
    ngx_http_lambda_json_doc_t   doc;

    got = ngx_http_lambda_test_str("{\"a\":[1,2.5,\"x\",true,null]}", &doc);
    ngx_http_lambda_tap_ok(got == NULL && json_is_object(doc.value)
                           && doc.surrogate_base == 0,
                           "a valid body gives its document");
    if (got == NULL) {
        json_decref(doc.value);
    }

    got = ngx_http_lambda_test_parse(NULL, 0, NULL, NULL);
    ngx_http_lambda_tap_is(got, "{\"detail\":\"JSON parse error - Expecting "
                           "value: line 1 column 1 (char 0)\"}",
                           "no body at all is Python's empty document");

    got = ngx_http_lambda_test_str("\"a\\u0000b\"", &doc);
    ngx_http_lambda_tap_ok(got == NULL && json_string_length(doc.value) == 3
                           && memcmp(json_string_value(doc.value), "a\0b", 3)
                              == 0,
                           "\\u0000 in a value is kept");
    if (got == NULL) {
        json_decref(doc.value);
    }

    got = ngx_http_lambda_test_str("[9223372036854775807,"
                                     "-9223372036854775808,1e-400,"
                                     "1.7976931348623157e308]", &doc);
    ngx_http_lambda_tap_ok(got == NULL
                           && json_integer_value(json_array_get(doc.value, 0))
                              == INT64_MAX
                           && json_integer_value(json_array_get(doc.value, 1))
                              == INT64_MIN
                           && json_is_real(json_array_get(doc.value, 2))
                           && json_is_real(json_array_get(doc.value, 3)),
                           "64-bit bounds, underflow and DBL_MAX parse");
    if (got == NULL) {
        json_decref(doc.value);
    }

    got = ngx_http_lambda_test_str("{\"a\":1}\n\r\t ", NULL);
    ngx_http_lambda_tap_is(got, NULL, "trailing whitespace is allowed");

    ngx_http_lambda_tap_is_int((long) ngx_http_lambda_utf8_next(
                                   (const unsigned char *) "\360\237\230\200",
                                   4, &cp), 4, "a 4-byte character is read");
    ngx_http_lambda_tap_is_int((long) cp, 0x1F600, "as U+1F600");
    ngx_http_lambda_tap_is_int((long) ngx_http_lambda_utf8_next(
                                   (const unsigned char *) "\303\251", 2, &cp),
                               2, "a 2-byte character is read");
    ngx_http_lambda_tap_is_int((long) cp, 0xE9, "as U+00E9");

    v = ngx_http_lambda_json_text((const unsigned char *) "d\351t", 3);
    ngx_http_lambda_tap_is(v ? json_string_value(v) : NULL, "d\303\251t",
                           "text that is not UTF-8 is read as Latin-1");
    json_decref(v);

    v = ngx_http_lambda_json_text((const unsigned char *) "d\303\251t", 4);
    ngx_http_lambda_tap_is(v ? json_string_value(v) : NULL, "d\303\251t",
                           "UTF-8 text is kept");
    json_decref(v);

    ngx_http_lambda_test_check_leaks("values");
}


static void
ngx_http_lambda_test_surrogates(void)
{
    json_t                      *v, *k;
    const char                  *got;
    ngx_http_lambda_json_doc_t   doc;

    got = ngx_http_lambda_test_str("\"\\ud800\"", &doc);
    ngx_http_lambda_tap_ok(got == NULL && doc.surrogate_base == 0x10F800,
                           "a lone high surrogate parses, block U+10F800");

    if (got == NULL) {
        ngx_http_lambda_tap_ok(json_string_length(doc.value) == 4
                               && memcmp(json_string_value(doc.value),
                                         "\364\217\240\200", 4) == 0,
                               "it is carried as U+10F800");
        ngx_http_lambda_tap_is_int(ngx_http_lambda_json_surrogate(&doc,
                                                                  0x10F800),
                                   0xD800, "U+10F800 stands for U+D800");
        ngx_http_lambda_tap_is_int(ngx_http_lambda_json_surrogate(&doc,
                                                                  0x10FFFF),
                                   0xDFFF, "U+10FFFF stands for U+DFFF");
        ngx_http_lambda_tap_is_int(ngx_http_lambda_json_surrogate(&doc,
                                                                  0x10F7FF),
                                   0, "U+10F7FF is an ordinary character");
        ngx_http_lambda_tap_is_int(ngx_http_lambda_json_surrogate(&doc, 0x41),
                                   0, "A is an ordinary character");
        json_decref(doc.value);
    }

    doc.surrogate_base = 0;
    ngx_http_lambda_tap_is_int(ngx_http_lambda_json_surrogate(&doc, 0x10F800),
                               0, "without lone surrogates nothing maps");

    got = ngx_http_lambda_test_str("[\"\\udfff\",\"\\ud800\\ud800\\udc00\","
                                   "\"\\ud83d\\ude00\",\"\\ud800\\u0041\"]",
                                   &doc);
    ngx_http_lambda_tap_ok(got == NULL
        && strcmp(json_string_value(json_array_get(doc.value, 0)),
                  "\364\217\277\277") == 0
        && strcmp(json_string_value(json_array_get(doc.value, 1)),
                  "\364\217\240\200\360\220\200\200") == 0
        && strcmp(json_string_value(json_array_get(doc.value, 2)),
                  "\360\237\230\200") == 0
        && strcmp(json_string_value(json_array_get(doc.value, 3)),
                  "\364\217\240\200A") == 0,
        "escapes pair exactly as CPython pairs them");
    if (got == NULL) {
        json_decref(doc.value);
    }

    got = ngx_http_lambda_test_str("[\"\364\217\240\200\",\"\\ud800\"]", &doc);
    ngx_http_lambda_tap_ok(got == NULL && doc.surrogate_base == 0x10F000
                           && strcmp(json_string_value(
                                         json_array_get(doc.value, 1)),
                                     "\364\217\200\200") == 0,
                           "a block the body uses is skipped");
    if (got == NULL) {
        json_decref(doc.value);
    }

    got = ngx_http_lambda_test_str("[\"\\udbfe\\udc00\",\"\\udc01\"]", &doc);
    ngx_http_lambda_tap_ok(got == NULL && doc.surrogate_base == 0x10F000,
                           "a block the body escapes is skipped too");
    if (got == NULL) {
        json_decref(doc.value);
    }

    got = ngx_http_lambda_test_str("{\"\\ud800k\":\"\\\\ud800\"}", &doc);
    k = NULL;
    v = NULL;

    if (got == NULL) {
        k = json_object_get(doc.value, "\364\217\240\200k");
        v = json_object_get(doc.value, "x");
    }

    ngx_http_lambda_tap_ok(got == NULL && k && v == NULL
                           && strcmp(json_string_value(k), "\\ud800") == 0,
                           "keys are rewritten, an escaped backslash is not");
    if (got == NULL) {
        json_decref(doc.value);
    }

    ngx_http_lambda_test_check_leaks("surrogates");
}


static void
ngx_http_lambda_test_dumpb(void)
{
    char     buf[128];
    size_t   n;
    json_t  *v;

    v = json_pack("{s:s,s:[i,i]}", "\037", "a\001\n\"", "b", 1, 2);
    n = ngx_http_lambda_json_dumpb(v, buf, sizeof(buf) - 1);
    buf[n < sizeof(buf) ? n : 0] = '\0';
    ngx_http_lambda_tap_is(buf,
                           "{\"\\u001f\":\"a\\u0001\\n\\\"\",\"b\":[1,2]}",
                           "control characters are escaped in lowercase hex "
                           "as Python does");

    ngx_http_lambda_tap_is_int((long) ngx_http_lambda_json_dumpb(v, buf, 4),
                               (long) n, "a short buffer gets the length "
                               "needed");
    json_decref(v);

    v = json_string("\\u001F");
    n = ngx_http_lambda_json_dumpb(v, buf, sizeof(buf) - 1);
    buf[n < sizeof(buf) ? n : 0] = '\0';
    ngx_http_lambda_tap_is(buf, "\"\\\\u001F\"",
                           "an escaped backslash before u is left alone");
    json_decref(v);

    v = json_string("`det` lambda \303\251");
    n = ngx_http_lambda_json_dumpb(v, buf, sizeof(buf) - 1);
    buf[n < sizeof(buf) ? n : 0] = '\0';
    ngx_http_lambda_tap_is(buf, "\"`det` lambda \303\251\"",
                           "a string value is rendered with raw UTF-8");
    json_decref(v);

    ngx_http_lambda_test_check_leaks("dumpb");
}


/*
 * Makes allocation 1, 2, 3, ... fail in turn until the parse needs no more:
 * every failure must give -1 with nothing left allocated, and the run that
 * completes must give the expected answer.
 */

static void
ngx_http_lambda_test_nomem(const char *name, const char *body,
    const char *charset, const char *expect)
{
    int          ok;
    size_t       k;
    const char  *got;

    ok = 1;

    for (k = 1; k < 100000; k++) {
        ngx_http_lambda_test_fail_at = k;
        ngx_http_lambda_test_allocs = 0;

        got = ngx_http_lambda_test_parse(body, strlen(body), charset, NULL);

        if (ngx_http_lambda_test_live != 0) {
            ok = 0;
            ngx_http_lambda_test_live = 0;
        }

        if (got && strcmp(got, "nomem") == 0) {
            continue;
        }

        if (ngx_http_lambda_test_parsed >= k) {
            /* the failure was absorbed: the answer must not change */
            if ((got == NULL) != (expect == NULL)
                || (got && strcmp(got, expect) != 0))
            {
                ok = 0;
            }

            continue;
        }

        if ((got == NULL) != (expect == NULL)
            || (got && strcmp(got, expect) != 0))
        {
            ok = 0;
        }

        break;
    }

    ngx_http_lambda_test_fail_at = 0;

    ngx_http_lambda_tap_ok(ok, name);
}


static char *
ngx_http_lambda_test_repeat(const char *head, const char *unit, size_t n,
    const char *tail)
{
    char    *s, *p;
    size_t   i, hl, ul, tl;

    hl = strlen(head);
    ul = strlen(unit);
    tl = strlen(tail);

    s = malloc(hl + ul * n + tl + 1);
    if (s == NULL) {
        abort();
    }

    memcpy(s, head, hl);
    p = s + hl;

    for (i = 0; i < n; i++) {
        memcpy(p, unit, ul);
        p += ul;
    }

    memcpy(p, tail, tl + 1);

    return s;
}
