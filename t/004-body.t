# The parsing layer of the two POSTs (contract 2.1): media types, empty
# bodies, lambda_body_limit, JSON errors with Python's messages, and bodies
# reaching CVAT byte for byte from memory, a temp file or a chunked upload.

use Test::Nginx::Socket 'no_plan';

no_shuffle();

our $big = '{"function":"f","task":1,"pad":"' . ('x' x 2000000) . '"}';

add_block_preprocessor(sub {
    my $block = shift;

    if (!defined $block->config) {
        $block->set_value("config", <<'_EOC_');
    location /api/lambda/ {
        client_max_body_size 10m;
        lambda_gateway on;
        lambda_body_limit 4m;
        client_body_buffer_size 1k;
        add_header X-Reason "[$lambda_reject_reason]" always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/api/lambda/;
    }

    location /mock/ {
        client_body_buffer_size 16k;
        echo_read_request_body;
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

=== TEST 1: a valid body reaches CVAT byte for byte
--- request
POST /api/lambda/requests
{ "function" : "det",	"task" : 1 , "threshold":0.5 }
--- error_code: 200
--- response_body chomp
{ "function" : "det",	"task" : 1 , "threshold":0.5 }



=== TEST 2: text/plain is CVAT's 415
--- request
POST /api/lambda/requests
{"function":"det","task":1}
--- more_headers
Authorization: Token abc
Content-Type: text/plain
--- error_code: 415
--- response_headers
Content-Type: application/vnd.cvat+json
X-Reason: [media_type]
--- response_body chomp
{"detail":"Unsupported media type \"text/plain\" in request."}
--- error_log
lambda gateway rejected "create_requests" with 415, reason "media_type"



=== TEST 3: application/vnd.cvat+json is not application/json for DRF
--- request
POST /api/lambda/requests
{"function":"det","task":1}
--- more_headers
Authorization: Token abc
Content-Type: application/vnd.cvat+json
--- error_code: 415
--- response_body chomp
{"detail":"Unsupported media type \"application/vnd.cvat+json\" in request."}



=== TEST 4: no Content-Type with a body is 415 with ""
--- request
POST /api/lambda/functions/det
{"task":1}
--- more_headers
Authorization: Token abc
--- error_code: 415
--- response_body chomp
{"detail":"Unsupported media type \"\" in request."}



=== TEST 5: the parameters of the Content-Type are shown as sent
--- request
POST /api/lambda/requests
{"function":"det","task":1}
--- more_headers
Authorization: Token abc
Content-Type: multipart/form-data; boundary=xyz
--- error_code: 415
--- response_body chomp
{"detail":"Unsupported media type \"multipart/form-data; boundary=xyz\" in request."}



=== TEST 6: type and subtype match case-insensitively, parameters ignored
--- request
POST /api/lambda/requests
{"function":"det","task":1}
--- more_headers
Authorization: Token abc
Content-Type: Application/JSON; charset=UTF-8
--- error_code: 200
--- response_body chomp
{"function":"det","task":1}



=== TEST 7: */* matches, as in DRF
--- request
POST /api/lambda/requests
{"function":"det","task":1}
--- more_headers
Authorization: Token abc
Content-Type: */*
--- error_code: 200



=== TEST 8: application/* matches
--- request
POST /api/lambda/requests
{"function":"det","task":1}
--- more_headers
Authorization: Token abc
Content-Type: application/*
--- error_code: 200



=== TEST 9: an empty body is {} whatever the Content-Type (no 415)
--- request
POST /api/lambda/requests
--- more_headers
Authorization: Token abc
Content-Type: text/plain
--- error_code: 400
--- response_body chomp
{"function":["This field is required."],"task":["This field is required."]}



=== TEST 10: an empty online call is CVAT's string answer
--- request
POST /api/lambda/functions/det
--- error_code: 400
--- response_body chomp
"`det` lambda function was run with wrong arguments ('task')"



=== TEST 11: a body over lambda_body_limit (Content-Length) is 413
--- request eval
"POST /api/lambda/requests\n" . ('x' x (5 * 1024 * 1024))
--- error_code: 413
--- response_headers
Content-Type: application/vnd.cvat+json
X-Reason: [size]
--- response_body chomp
{"detail":"Request body is larger than 4194304 bytes."}



=== TEST 12: a chunked body over lambda_body_limit is 413
--- raw_request eval
my $chunk = 'x' x 1048576;
my $body = '';
$body .= sprintf("%x\r\n%s\r\n", length($chunk), $chunk) for 1 .. 5;
"POST /api/lambda/requests HTTP/1.1\r\nHost: localhost\r\n"
. "Authorization: Token abc\r\nContent-Type: application/json\r\n"
. "Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
. $body . "0\r\n\r\n"
--- error_code: 413
--- response_body chomp
{"detail":"Request body is larger than 4194304 bytes."}



=== TEST 13: malformed JSON: Python's message
--- request eval
"POST /api/lambda/requests\n{\"function\":"
--- error_code: 400
--- response_headers
X-Reason: [json]
--- response_body chomp
{"detail":"JSON parse error - Expecting value: line 1 column 13 (char 12)"}



=== TEST 14: NaN is refused as DRF's strict JSON does
--- request
POST /api/lambda/requests
{"function":"det","task":1,"threshold":NaN}
--- error_code: 400
--- response_body chomp
{"detail":"JSON parse error - Out of range float values are not JSON compliant: 'NaN'"}



=== TEST 15: -Infinity is refused
--- request
POST /api/lambda/functions/det
{"task":1,"threshold":-Infinity}
--- error_code: 400
--- response_body chomp
{"detail":"JSON parse error - Out of range float values are not JSON compliant: '-Infinity'"}



=== TEST 16: duplicate keys never pass (two parsers could read them differently)
--- request
POST /api/lambda/requests
{"function":"det","task":1,"task":2}
--- error_code: 400
--- response_body_like chomp
^\{"detail":"JSON parse error - [^"]*[Dd]uplicate



=== TEST 17: a UTF-8 BOM is Python's error
--- request eval
"POST /api/lambda/requests\n\xef\xbb\xbf{\"function\":\"det\",\"task\":1}"
--- error_code: 400
--- response_body chomp
{"detail":"JSON parse error - Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)"}



=== TEST 18: invalid UTF-8 is Python's codec error
--- request eval
"POST /api/lambda/requests\n{\"function\":\"\xff\",\"task\":1}"
--- error_code: 400
--- response_body chomp
{"detail":"JSON parse error - 'utf-8' codec can't decode byte 0xff in position 13: invalid start byte"}



=== TEST 19: extra data after the object
--- request
POST /api/lambda/requests
{"function":"det","task":1} x
--- error_code: 400
--- response_body chomp
{"detail":"JSON parse error - Extra data: line 1 column 29 (char 28)"}



=== TEST 20: a 2 MB body spilled to a temp file reaches CVAT byte for byte
--- request eval
"POST /api/lambda/requests\n" . $::big
--- error_code: 200
--- response_body eval
$::big
--- error_log
a client request body is buffered to a temporary file



=== TEST 21: a 2 MB body with a schema error in a temp file is refused
--- request eval
"POST /api/lambda/requests\n" . '{"function":"f","task":"x","pad":"' . ('y' x 2000000) . '"}'
--- error_code: 400
--- response_body chomp
{"task":["A valid integer is required."]}



=== TEST 22: a chunked body reaches CVAT byte for byte
--- raw_request eval
"POST /api/lambda/requests HTTP/1.1\r\nHost: localhost\r\n"
. "Authorization: Token abc\r\nContent-Type: application/json\r\n"
. "Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
. "b\r\n{\"function\"\r\n10\r\n:\"det\",\"task\":1}\r\n0\r\n\r\n"
--- error_code: 200
--- response_body chomp
{"function":"det","task":1}



=== TEST 23: a chunked body with a JSON error
--- raw_request eval
"POST /api/lambda/requests HTTP/1.1\r\nHost: localhost\r\n"
. "Authorization: Token abc\r\nContent-Type: application/json\r\n"
. "Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
. "5\r\n{\"a\":\r\n0\r\n\r\n"
--- error_code: 400
--- response_body chomp
{"detail":"JSON parse error - Expecting value: line 1 column 6 (char 5)"}



=== TEST 24: an empty chunked body is {}
--- raw_request eval
"POST /api/lambda/functions/det HTTP/1.1\r\nHost: localhost\r\n"
. "Authorization: Token abc\r\nContent-Type: text/plain\r\n"
. "Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
--- error_code: 400
--- response_body chomp
"`det` lambda function was run with wrong arguments ('task')"



=== TEST 25: a chunked body with a wrong media type is 415 after reading
--- raw_request eval
"POST /api/lambda/requests HTTP/1.1\r\nHost: localhost\r\n"
. "Authorization: Token abc\r\nContent-Type: text/plain\r\n"
. "Connection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
. "2\r\n{}\r\n0\r\n\r\n"
--- error_code: 415



=== TEST 26: a body sent in pieces, slowly, is read without blocking
--- raw_request eval
["POST /api/lambda/requests HTTP/1.1\r\nHost: localhost\r\n"
. "Authorization: Token abc\r\nContent-Type: application/json\r\n"
. "Connection: close\r\nContent-Length: 27\r\n\r\n{\"function\":",
"\"det\",\"task\":1}"]
--- error_code: 200
--- response_body chomp
{"function":"det","task":1}



=== TEST 27: top-level array is a clear 400 (CVAT would fail with 500)
--- request
POST /api/lambda/requests
[1, 2]
--- error_code: 400
--- response_body chomp
{"non_field_errors":["Invalid data. Expected a dictionary, but got list."]}



=== TEST 28: lambda_validate off passes any body, still checks the rest
--- config
    location /api/lambda/ {
        lambda_gateway on;
        lambda_validate off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/api/lambda/;
    }

    location /mock/ {
        echo_read_request_body;
        echo_request_body;
    }
--- request
POST /api/lambda/requests
not json
--- more_headers
Authorization: Token abc
Content-Type: text/plain
--- error_code: 200
--- response_body chomp
not json



=== TEST 29: GET with a body is not validated
--- request
GET /api/lambda/requests
not json
--- error_code: 200



=== TEST 30: charset latin-1 is honoured for decoding
--- request eval
"POST /api/lambda/requests\n{\"function\":\"caf\xe9\",\"task\":1}"
--- more_headers
Authorization: Token abc
Content-Type: application/json; charset=latin-1
--- error_code: 200
