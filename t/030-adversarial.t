# Hostile requests (issue 5): deep nesting, megabyte strings, invalid UTF-8,
# surrogates, huge numbers, NUL bytes, duplicated and oddly cased headers,
# long URIs and many arguments, slow and abandoned bodies, pipelined
# keep-alive requests, HEAD and OPTIONS with bodies.  Every request is
# answered (or ends as nginx ends it) with no [alert], [crit] or [emerg].
#
# The mock CVAT echoes the request line it received, then the body, so a
# body that passes is seen reaching it byte for byte.  The gateway's access
# log is written into the error log (format lambda_adv) so that the status
# of a request that gets no answer (408, 400 for a client gone mid-body) is
# checked too.

use Test::Nginx::Socket 'no_plan';
use Encode ();

no_shuffle();

# "JSON parse error - <msg>: line 1 column C (char P)" for the first
# occurrence of $at in $body, P counted in code points as Python does

sub parse_error {
    my ($body, $at, $msg) = @_;
    my $text = eval { Encode::decode('UTF-8', $body, Encode::FB_CROAK) }
               // $body;
    my $p = index($text, $at);
    die "\"$at\" is not in the body\n" if $p < 0;
    return '{"detail":"JSON parse error - ' . $msg . ': line 1 column '
           . ($p + 1) . " (char $p)\"}";
}

sub codec_error {
    my ($msg) = @_;
    return '{"detail":"JSON parse error - \'utf-8\' codec can\'t decode '
           . $msg . '"}';
}

sub echoed {
    my ($request, $body) = @_;
    return "$request\n$body";
}

our $deep_arrays = '{"function":"det","task":1,"x":' . ('[' x 10000)
                   . (']' x 10000) . '}';
our $deep_objects = '{"task":1,"x":' . ('{"a":' x 10000) . '1'
                    . ('}' x 10000) . '}';
our $nested_2000 = '{"function":"det","task":1,"x":' . ('[' x 2000)
                   . (']' x 2000) . '}';
our $mb = 'a' x (1024 * 1024);
our $mb_function = '{"function":"' . $mb . '","task":1}';
our $mb_unicode = '{"task":7,"pad":"' . ("\xc3\xa9" x (512 * 1024)) . '"}';
our $mb_escapes = '{"function":"' . ('\u00e9' x (1024 * 1024 / 6))
                  . '","task":1}';
our $many_zeros = '{"function":"det","task":1,"x":['
                  . join(',', (0) x 500000) . ']}';
our $many_keys = '{"function":"det","task":1,"x":{'
                 . join(',', map { "\"k$_\":$_" } 1 .. 50000) . '}}';
our $many_objects = '{"function":"det","task":"1","x":['
                   . join(',', ('{}') x 262000) . ']}';

# an escape the one-pass check leaves to jansson, then 50,000 values
our $escaped_values = '{"function":"f","task":1,"note":"\\u0041","extra":['
                      . join(',', ('0') x 50_000) . ']}';
our $long_id = 'r' x 7000;
our $long_func = 'f' x 7000;
our $many_args = join('&', ('a=1') x 1500);

add_block_preprocessor(sub {
    my $block = shift;

    if (!defined $block->http_config) {
        $block->set_value("http_config", <<'_EOC_');
    log_format lambda_adv 'lambda_adv $status "$lambda_operation" '
                          '"$lambda_reject_reason" "$lambda_org"';
_EOC_
    }

    if (!defined $block->config) {
        $block->set_value("config", <<'_EOC_');
    location /api/lambda/ {
        client_max_body_size 10m;
        client_body_buffer_size 16k;
        lambda_gateway on;
        lambda_body_limit 4m;
        access_log logs/error.log lambda_adv;
        add_header X-Reason "[$lambda_reject_reason]" always;
        add_header X-Org "[$lambda_org]" always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/api/lambda/;
    }

    location /mock/ {
        client_max_body_size 10m;
        client_body_buffer_size 16k;
        echo_read_request_body;
        echo "$request_method $request_uri";
        echo_request_body;
    }
_EOC_
    }

    if (!defined $block->more_headers) {
        $block->set_value("more_headers",
                          "Authorization: Token abc\n"
                          . "Content-Type: application/json\n");
    }

    if (!defined $block->no_error_log) {
        $block->set_value("no_error_log", "[alert]\n[crit]\n[emerg]\n");
    }
});

run_tests();

__DATA__

=== TEST 1: 10,000 nested arrays on /requests: Python's RecursionError text
--- request eval
"POST /api/lambda/requests\n" . $::deep_arrays
--- error_code: 400
--- response_headers
X-Reason: [json]
--- response_body chomp
{"detail":"JSON parse error - maximum recursion depth exceeded while decoding a JSON array from a unicode string"}



=== TEST 2: 10,000 nested objects on an online call
--- request eval
"POST /api/lambda/functions/det\n" . $::deep_objects
--- error_code: 400
--- response_body chomp
{"detail":"JSON parse error - maximum recursion depth exceeded while decoding a JSON object from a unicode string"}



=== TEST 3: 10,000 unclosed arrays: the depth fails before the end of input
--- request eval
"POST /api/lambda/functions/det\n" . ('[' x 10000)
--- error_code: 400
--- response_body chomp
{"detail":"JSON parse error - maximum recursion depth exceeded while decoding a JSON array from a unicode string"}



=== TEST 4: 2,000 nested arrays in an unknown field pass byte for byte
--- request eval
"POST /api/lambda/requests\n" . $::nested_2000
--- error_code: 200
--- response_body eval
::echoed("POST /mock/api/lambda/requests", $::nested_2000)



=== TEST 5: a 1 MB function name passes byte for byte
--- request eval
"POST /api/lambda/requests\n" . $::mb_function
--- error_code: 200
--- response_body eval
::echoed("POST /mock/api/lambda/requests", $::mb_function)



=== TEST 6: a 1 MB string of two-byte characters in an online call
--- request eval
"POST /api/lambda/functions/det\n" . $::mb_unicode
--- error_code: 200
--- response_body eval
::echoed("POST /mock/api/lambda/functions/det", $::mb_unicode)



=== TEST 7: a 1 MB function name written as \u escapes
--- request eval
"POST /api/lambda/requests\n" . $::mb_escapes
--- error_code: 200
--- response_body eval
::echoed("POST /mock/api/lambda/requests", $::mb_escapes)



=== TEST 8: a 1 MB function name ending in a lone surrogate: DRF's message
--- request eval
"POST /api/lambda/requests\n{\"function\":\"$::mb\\ud800\",\"task\":1}"
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"function":["Surrogate characters are not allowed: U+D800."]}



=== TEST 9: a 1 MB string ending in a raw control character
--- request eval
"POST /api/lambda/requests\n{\"task\":1,\"function\":\"$::mb\x01\"}"
--- error_code: 400
--- response_body eval
::parse_error("{\"task\":1,\"function\":\"$::mb\x01\"}", "\x01",
              "Invalid control character at")



=== TEST 10: invalid UTF-8 in a key
--- request eval
"POST /api/lambda/requests\n{\"function\":\"det\",\"task\":1,\"\xff\":1}"
--- error_code: 400
--- response_headers
X-Reason: [json]
--- response_body eval
::codec_error("byte 0xff in position 28: invalid start byte")



=== TEST 11: an overlong encoding in a value
--- request eval
"POST /api/lambda/requests\n{\"function\":\"det\xc0\x80\",\"task\":1}"
--- error_code: 400
--- response_body eval
::codec_error("byte 0xc0 in position 16: invalid start byte")



=== TEST 12: a surrogate encoded in UTF-8 in an unknown field
--- request eval
"POST /api/lambda/requests\n{\"function\":\"det\",\"task\":1,\"x\":\"\xed\xa0\x80\"}"
--- error_code: 400
--- response_body eval
::codec_error("byte 0xed in position 32: invalid continuation byte")



=== TEST 13: a sequence cut short in the middle of a value
--- request eval
"POST /api/lambda/requests\n{\"function\":\"det\xe2\x82\",\"task\":1}"
--- error_code: 400
--- response_body eval
::codec_error("bytes in position 16-17: invalid continuation byte")



=== TEST 14: a stray continuation byte in a key of an online call
--- request eval
"POST /api/lambda/functions/det\n{\"task\":1,\"a\x80b\":2}"
--- error_code: 400
--- response_body eval
::codec_error("byte 0x80 in position 12: invalid start byte")



=== TEST 15: a byte above U+10FFFF's lead bytes
--- request eval
"POST /api/lambda/requests\n{\"function\":\"\xf5\x80\x80\x80\",\"task\":1}"
--- error_code: 400
--- response_body eval
::codec_error("byte 0xf5 in position 13: invalid start byte")



=== TEST 16: a lone high surrogate escape in function
--- request
POST /api/lambda/requests
{"function":"\ud800","task":1}
--- error_code: 400
--- response_body chomp
{"function":["Surrogate characters are not allowed: U+D800."]}



=== TEST 17: a lone low surrogate between letters
--- request
POST /api/lambda/requests
{"function":"a\udfffb","task":1}
--- error_code: 400
--- response_body chomp
{"function":["Surrogate characters are not allowed: U+DFFF."]}



=== TEST 18: a reversed pair: the first surrogate is named
--- request
POST /api/lambda/requests
{"function":"\udc00\ud800","task":1}
--- error_code: 400
--- response_body chomp
{"function":["Surrogate characters are not allowed: U+DC00."]}



=== TEST 19: a lone surrogate in a mapping's label name
--- request
POST /api/lambda/requests
{"function":"det","task":1,"mapping":{"car":{"name":"\ud800"}}}
--- error_code: 400
--- response_body chomp
{"mapping":{"car":{"name":["Surrogate characters are not allowed: U+D800."]}}}



=== TEST 20: a paired surrogate escape in function passes byte for byte
--- request
POST /api/lambda/requests
{"function":"\ud83d\ude00","task":1}
--- error_code: 200
--- response_body chomp
POST /mock/api/lambda/requests
{"function":"\ud83d\ude00","task":1}



=== TEST 21: lone surrogates in unknown fields and keys pass (CVAT ignores them)
--- request
POST /api/lambda/requests
{"function":"det","task":1,"x":"\ud800","\udc00":["\udbff"]}
--- error_code: 200
--- response_body chomp
POST /mock/api/lambda/requests
{"function":"det","task":1,"x":"\ud800","\udc00":["\udbff"]}



=== TEST 22: a lone surrogate in an online call's unknown field passes
--- request
POST /api/lambda/functions/det
{"task":1,"type":"\udfff","frame":0}
--- error_code: 200
--- response_body chomp
POST /mock/api/lambda/functions/det
{"task":1,"type":"\udfff","frame":0}



=== TEST 23: 1e400 as the task: the gateway cannot vouch for it
--- request eval
"POST /api/lambda/requests\n{\"function\":\"det\",\"task\":1e400}"
--- error_code: 400
--- response_headers
X-Reason: [json]
--- response_body eval
::parse_error("{\"function\":\"det\",\"task\":1e400}", "1e400",
              "Number too large (it overflows to infinity)")



=== TEST 24: 1e400 in an unknown field of an online call
--- request eval
"POST /api/lambda/functions/det\n{\"task\":1,\"x\":[0,-1e400]}"
--- error_code: 400
--- response_body eval
::parse_error("{\"task\":1,\"x\":[0,-1e400]}", "-1e400",
              "Number too large (it overflows to infinity)")



=== TEST 25: a 400-digit task
--- request eval
"POST /api/lambda/requests\n{\"function\":\"det\",\"task\":" . ('9' x 400) . "}"
--- error_code: 400
--- response_body eval
::parse_error("{\"function\":\"det\",\"task\":" . ('9' x 400) . "}",
              '9' x 400, "Integer out of the 64-bit range")



=== TEST 26: a 400-digit integer in an unknown field
--- request eval
"POST /api/lambda/requests\n{\"function\":\"det\",\"task\":1,\"x\":-" . ('1' x 400) . "}"
--- error_code: 400
--- response_body eval
::parse_error("{\"function\":\"det\",\"task\":1,\"x\":-" . ('1' x 400) . "}",
              '-' . ('1' x 400), "Integer out of the 64-bit range")



=== TEST 27: a 400-digit threshold with a fraction overflows a double
--- request eval
"POST /api/lambda/requests\n{\"function\":\"det\",\"task\":1,\"threshold\":1" . ('0' x 400) . ".5}"
--- error_code: 400
--- response_body eval
::parse_error("{\"function\":\"det\",\"task\":1,\"threshold\":1" . ('0' x 400)
              . ".5}", '1' . ('0' x 400), "Number too large (it overflows to infinity)")



=== TEST 28: 5,000 digits: Python's own limit on integer strings
--- request eval
"POST /api/lambda/functions/det\n{\"task\":" . ('7' x 5000) . "}"
--- error_code: 400
--- response_body chomp
{"detail":"JSON parse error - Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits; use sys.set_int_max_str_digits() to increase the limit"}



=== TEST 29: a raw NUL byte in a value
--- request eval
"POST /api/lambda/requests\n{\"function\":\"a\0b\",\"task\":1}"
--- error_code: 400
--- response_body chomp
{"detail":"JSON parse error - Invalid control character at: line 1 column 15 (char 14)"}



=== TEST 30: a raw NUL byte after the document
--- request eval
"POST /api/lambda/requests\n{\"function\":\"det\",\"task\":1}\0"
--- error_code: 400
--- response_body chomp
{"detail":"JSON parse error - Extra data: line 1 column 28 (char 27)"}



=== TEST 31: an escaped NUL in function: DRF's CharField message
--- request
POST /api/lambda/requests
{"function":"a\u0000b","task":1}
--- error_code: 400
--- response_headers
X-Reason: [schema]
--- response_body chomp
{"function":["Null characters are not allowed."]}



=== TEST 32: an escaped NUL in an unknown value passes byte for byte
--- request
POST /api/lambda/requests
{"function":"det","task":1,"x":"\u0000"}
--- error_code: 200
--- response_body chomp
POST /mock/api/lambda/requests
{"function":"det","task":1,"x":"\u0000"}



=== TEST 33: an escaped NUL in a key is refused
--- request
POST /api/lambda/requests
{"function":"det","task":1,"a\u0000":1}
--- error_code: 400
--- response_body chomp
{"detail":"JSON parse error - Null character in object key: line 1 column 28 (char 27)"}



=== TEST 34: X-Organization sent twice is refused
--- request
GET /api/lambda/functions
--- more_headers
Authorization: Token abc
X-Organization: acme
X-Organization: acme
--- error_code: 400
--- response_headers
X-Reason: [organization]
--- response_body chomp
["You cannot specify the \"X-Organization\" HTTP header more than once."]



=== TEST 35: twice in different casings is still twice, before the body
--- request
POST /api/lambda/requests
{"function":"det","task":1}
--- more_headers
Authorization: Token abc
Content-Type: application/json
X-ORGANIZATION: acme
x-organization: other
--- error_code: 400
--- response_body chomp
["You cannot specify the \"X-Organization\" HTTP header more than once."]



=== TEST 36: a lowercase x-organization is the header
--- request
GET /api/lambda/requests
--- more_headers
authorization: Token abc
x-organization: acme
--- error_code: 200
--- response_headers
X-Org: [acme]
--- response_body
GET /mock/api/lambda/requests



=== TEST 37: a 7 KB request id reaches CVAT
--- request eval
"GET /api/lambda/requests/$::long_id"
--- error_code: 200
--- response_body eval
"GET /mock/api/lambda/requests/$::long_id\n"



=== TEST 38: a 7 KB function id is named in full in CVAT's answer
--- request eval
"POST /api/lambda/functions/$::long_func\n{}"
--- error_code: 400
--- response_body eval
"\"`$::long_func` lambda function was run with wrong arguments ('task')\""



=== TEST 39: a 7 KB org argument: 404, the slug shown cut at 256 bytes
--- request eval
"GET /api/lambda/functions?org=" . ('a' x 7000)
--- error_code: 404
--- response_headers
X-Reason: [organization]
--- response_body eval
'{"detail":"' . ('a' x 256) . ' organization does not exist."}'



=== TEST 40: a 7 KB org_id is not an integer
--- request eval
"GET /api/lambda/functions?org_id=" . ('1' x 7000)
--- error_code: 400
--- response_body chomp
{"org_id":["A valid integer is required."]}



=== TEST 41: 1,500 query arguments, then org
--- request eval
"GET /api/lambda/functions?$::many_args&org=acme"
--- error_code: 200
--- response_headers
X-Org: [acme]
--- response_body eval
"GET /mock/api/lambda/functions?$::many_args&org=acme\n"



=== TEST 42: 1,000 org arguments: the last one wins, as in Django
--- request eval
"GET /api/lambda/functions?" . ('org=x&' x 999) . 'org=last'
--- error_code: 200
--- response_headers
X-Org: [last]



=== TEST 43: org_id first, 1,500 arguments, then org: a conflict
--- request eval
"GET /api/lambda/functions?org_id=1&$::many_args&org=acme"
--- error_code: 400
--- response_body chomp
["You cannot specify \"org_id\" query parameter with \"org\" query parameter or \"X-Organization\" HTTP header at the same time."]



=== TEST 44: a POST with 1,500 arguments and a valid body
--- request eval
"POST /api/lambda/requests?$::many_args\n{\"function\":\"det\",\"task\":1}"
--- error_code: 200
--- response_body eval
"POST /mock/api/lambda/requests?$::many_args\n{\"function\":\"det\",\"task\":1}"



=== TEST 45: a body slower than client_body_timeout ends in nginx's 408
--- config
    location /api/lambda/ {
        client_body_timeout 1s;
        lambda_gateway on;
        access_log logs/error.log lambda_adv;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/api/lambda/;
    }

    location /mock/ {
        access_log logs/error.log lambda_adv;
        return 200 "upstream\n";
    }
--- raw_request eval
"POST /api/lambda/requests HTTP/1.1\r\nHost: localhost\r\n"
. "Authorization: Token abc\r\nContent-Type: application/json\r\n"
. "Connection: close\r\nContent-Length: 100\r\n\r\n{\"function\":"
--- timeout: 6
--- ignore_response
--- error_log
lambda_adv 408 "create_requests"
--- no_error_log
[alert]
[crit]
[emerg]
lambda_adv 200



=== TEST 46: a client gone in the middle of a body: nginx's 400, nothing sent on
--- config
    location /api/lambda/ {
        lambda_gateway on;
        access_log logs/error.log lambda_adv;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/api/lambda/;
    }

    location /mock/ {
        access_log logs/error.log lambda_adv;
        return 200 "upstream\n";
    }
--- raw_request eval
"POST /api/lambda/functions/det HTTP/1.1\r\nHost: localhost\r\n"
. "Authorization: Token abc\r\nContent-Type: application/json\r\n"
. "Connection: close\r\nContent-Length: 1000\r\n\r\n{\"task\":1,\"pad\":\""
--- shutdown
--- ignore_response
--- error_log eval
[qr/client prematurely closed connection/,
 'lambda_adv 400 "create_functions"']
--- no_error_log
[alert]
[crit]
[emerg]
lambda_adv 200



=== TEST 47: pipelined keep-alive requests mixing body rejections and passes
--- pipelined_requests eval
["POST /api/lambda/requests\n{\"function\":\"det\",\"task\":1}",
 "POST /api/lambda/requests\n{\"function\":\"\",\"task\":\"x\"}",
 "POST /api/lambda/functions/det\n{\"task\":1,\"x\":1e400}",
 "POST /api/lambda/functions/det\n{\"task\":2}",
 "POST /api/lambda/requests\n{\"function\":\"\\ud800\",\"task\":1}",
 "POST /api/lambda/functions/det\n" . ('[' x 3000),
 "GET /api/lambda/requests/42",
 "POST /api/lambda/requests\n{\"function\":\"last\",\"task\":9}"]
--- error_code eval
[200, 400, 400, 200, 400, 400, 200, 200]
--- response_body eval
["POST /mock/api/lambda/requests\n{\"function\":\"det\",\"task\":1}",
 '{"function":["This field may not be blank."],"task":["A valid integer is required."]}',
 ::parse_error("{\"task\":1,\"x\":1e400}", "1e400", "Number too large (it overflows to infinity)"),
 "POST /mock/api/lambda/functions/det\n{\"task\":2}",
 '{"function":["Surrogate characters are not allowed: U+D800."]}',
 '{"detail":"JSON parse error - maximum recursion depth exceeded while decoding a JSON array from a unicode string"}',
 "GET /mock/api/lambda/requests/42\n",
 "POST /mock/api/lambda/requests\n{\"function\":\"last\",\"task\":9}"]



=== TEST 48: pipelined: rejections before the body is read leave the stream in step
--- config
    location /api/lambda/ {
        lambda_gateway on;
        lambda_body_limit 100;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/api/lambda/;
    }

    location /mock/ {
        echo_read_request_body;
        echo "$request_method $request_uri";
        echo_request_body;
    }
--- pipelined_requests eval
["POST /api/lambda/requests\n{\"function\":\"det\",\"pad\":\"" . ('x' x 200) . "\",\"task\":1}",
 "POST /api/lambda/requests\n{\"function\":\"det\",\"task\":1}",
 "POST /api/lambda/functions/det\n{\"task\":1}",
 "PUT /api/lambda/requests/5\n{\"function\":\"det\",\"task\":1}",
 "POST /api/lambda/functions/det?org_id=1&org=a\n{\"task\":1}",
 "POST /api/lambda/requests\nPOST /api/lambda/requests HTTP/1.1\r\n\r\n",
 "POST /api/lambda/functions/det\n{\"task\":3}"]
--- more_headers eval
["Authorization: Token abc\nContent-Type: application/json",
 "Authorization: Token abc\nContent-Type: text/plain",
 "Content-Type: application/json",
 "Authorization: Token abc\nContent-Type: application/json",
 "Authorization: Token abc\nContent-Type: application/json",
 "Authorization: Token abc\nContent-Type: application/json",
 "Authorization: Token abc\nContent-Type: application/json"]
--- error_code eval
[413, 415, 401, 405, 400, 400, 200]
--- response_body eval
['{"detail":"Request body is larger than 100 bytes."}',
 '{"detail":"Unsupported media type \"text/plain\" in request."}',
 '{"detail":"Authentication credentials were not provided."}',
 '{"detail":"Method \"PUT\" not allowed."}',
 '["You cannot specify \"org_id\" query parameter with \"org\" query parameter or \"X-Organization\" HTTP header at the same time."]',
 '{"detail":"JSON parse error - Expecting value: line 1 column 1 (char 0)"}',
 "POST /mock/api/lambda/functions/det\n{\"task\":3}"]



=== TEST 49: HEAD with a body on the function list
--- request
HEAD /api/lambda/functions
{"not":"read"}
--- error_code: 200
--- response_body



=== TEST 50: HEAD with a malformed body on /requests is not validated
--- request
HEAD /api/lambda/requests
{"function":
--- error_code: 200
--- response_headers
X-Reason: []
--- response_body



=== TEST 51: OPTIONS with a malformed body and no credentials passes through
--- request
OPTIONS /api/lambda/requests
{"function":
--- more_headers
Content-Type: text/plain
--- error_code: 200
--- response_body chomp
OPTIONS /mock/api/lambda/requests
{"function":



=== TEST 52: an array of 500,000 numbers (1 MB) passes byte for byte
--- request eval
"POST /api/lambda/requests\n" . $::many_zeros
--- timeout: 10
--- error_code: 200
--- response_body eval
::echoed("POST /mock/api/lambda/requests", $::many_zeros)



=== TEST 53: an object of 50,000 keys passes byte for byte
--- request eval
"POST /api/lambda/requests\n" . $::many_keys
--- timeout: 10
--- error_code: 200
--- response_body eval
::echoed("POST /mock/api/lambda/requests", $::many_keys)



=== TEST 54: 262,000 empty objects that the fast path leaves to the validator
--- request eval
"POST /api/lambda/requests\n" . $::many_objects
--- timeout: 20
--- error_code: 200
--- response_body eval
::echoed("POST /mock/api/lambda/requests", $::many_objects)



=== TEST 55: the document jansson builds of a body is gone before the call is proxied
The body (100 KB, 50,000 values) is left to the validator by an escape;
its document takes hundreds of pool blocks, freed as soon as the body is
judged: the request keeps a handful while it is proxied.
--- log_level: debug
--- request eval
"POST /api/lambda/requests\n" . $::escaped_values
--- timeout: 20
--- error_code: 200
--- response_body eval
::echoed("POST /mock/api/lambda/requests", $::escaped_values)
--- grep_error_log eval
qr/\*\d+ free: \S+/
--- grep_error_log_out eval
qr/\A(?:[^\n]*\n){1,60}\z/
