# The function-list cache (issue 4), items 1 and 3: hits without CVAT, the
# same bytes, status and content type, HEAD, conditional requests, what is
# stored and what is not, what a fill sends upstream.  Every "no upstream
# call" is proven by the mock's own log (GET /mock-calls, last request).

use Test::Nginx::Socket 'no_plan';
use FindBin;
use lib "$FindBin::Bin/lib";
use LambdaCacheTest;
use Digest::MD5 qw(md5_hex);

no_shuffle();
cache_test_setup();
run_tests();

__DATA__

=== TEST 1: a miss fills the entry; GET and HEAD hits do not reach CVAT
--- request eval
["GET /api/lambda/functions?org=acme",
 "GET /api/lambda/functions?org=acme",
 "HEAD /api/lambda/functions?org=acme",
 "GET /mock-calls"]
--- error_code eval
[200, 200, 200, 200]
--- response_headers eval
["X-Cache-Status: MISS\nContent-Type: application/vnd.cvat+json",
 "X-Cache-Status: HIT\nContent-Type: application/vnd.cvat+json\n"
 . "Content-Length: " . length($LIST),
 "X-Cache-Status: HIT\nContent-Type: application/vnd.cvat+json\n"
 . "Content-Length: " . length($LIST),
 ""]
--- response_body eval
[$LIST, $LIST, "", mock_call("/mock/ok?org=acme")]



=== TEST 2: the ETag is the MD5 of the stored bytes; If-None-Match gives 304
--- request eval
["GET /api/lambda/functions",
 "GET /api/lambda/functions",
 "GET /api/lambda/functions",
 "GET /api/lambda/functions",
 "HEAD /api/lambda/functions",
 "GET /mock-calls"]
--- more_headers eval
["Authorization: Token abc",
 "Authorization: Token abc",
 "Authorization: Token abc\nIf-None-Match: \"" . md5_hex($LIST) . "\"",
 "Authorization: Token abc\nIf-None-Match: \"0123\"",
 "Authorization: Token abc\nIf-None-Match: W/\"" . md5_hex($LIST) . "\"",
 ""]
--- error_code eval
[200, 200, 304, 200, 304, 200]
--- response_headers eval
["X-Cache-Status: MISS\n!ETag",
 "X-Cache-Status: HIT\nETag: \"" . md5_hex($LIST) . "\"",
 "X-Cache-Status: HIT\nETag: \"" . md5_hex($LIST) . "\"",
 "X-Cache-Status: HIT",
 "X-Cache-Status: HIT",
 ""]
--- response_body eval
[$LIST, $LIST, "", $LIST, "", mock_call("/mock/functions")]
--- config
    location /api/lambda/ {
        lambda_gateway          on;
        lambda_functions_cache  c2;
        add_header              X-Cache-Status $lambda_cache_status always;
        proxy_pass              http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/;
    }

    location /mock/ {
        access_log    logs/mock-2.log mock;
        default_type  application/vnd.cvat+json;
        return 200 '[{"id":"openvino-omz-public-yolo-v3-tf","kind":"detector","labels_v2":[{"name":"person","type":"any","attributes":[]}],"description":"YOLO v3 via Intel OpenVINO","name":"YOLO v3","version":1}]';
    }

    location = /mock-calls {
        access_log    off;
        default_type  text/plain;
        alias         logs/mock-2.log;
    }



=== TEST 3: a fill sends no conditional, range or encoding header upstream
--- request eval
["GET /api/lambda/functions?org=acme",
 "GET /api/lambda/functions?org=acme",
 "GET /mock-calls"]
--- more_headers eval
["Authorization: Token abc\nIf-None-Match: \"abc\"\n"
 . "If-Modified-Since: Thu, 01 Jan 2026 00:00:00 GMT\nRange: bytes=0-9\n"
 . "If-Range: \"abc\"\nAccept-Encoding: gzip, br\nX-Other: kept",
 "Authorization: Token abc\nRange: bytes=0-9",
 ""]
--- error_code eval
[200, 200, 200]
--- response_headers eval
["X-Cache-Status: MISS", "X-Cache-Status: HIT", ""]
--- response_body eval
[$LIST, $LIST, mock_call("/mock/ok?org=acme")]



=== TEST 4: a request that does not fill is passed on byte for byte
--- request eval
["GET /api/lambda/functions?org=acme", "GET /mock-calls"]
--- more_headers eval
["Authorization: Token abc\nX-Mock: html\nAccept: text/html\n"
 . "If-None-Match: abc\nAccept-Encoding: gzip",
 ""]
--- error_code eval
[200, 200]
--- response_headers eval
["X-Cache-Status: BYPASS", ""]
--- response_body eval
["<html><body>Function list</body></html>",
 mock_call("/mock/html?org=acme", inm => "abc", ae => "gzip")]



=== TEST 5: an answer without Content-Length is stored too
--- request eval
["GET /api/lambda/functions", "GET /api/lambda/functions",
 "GET /mock-calls"]
--- more_headers eval
["Authorization: Token abc\nX-Mock: chunked", "Authorization: Token abc",
 ""]
--- response_headers eval
["X-Cache-Status: MISS\n!Content-Length",
 "X-Cache-Status: HIT\nContent-Length: " . length($LIST), ""]
--- response_body eval
[$LIST, $LIST, mock_call("/mock/chunked")]



=== TEST 6: the content type CVAT gave is kept, parameters included
--- request eval
["GET /api/lambda/functions", "GET /api/lambda/functions",
 "GET /mock-calls"]
--- more_headers eval
["Authorization: Token abc\nX-Mock: json", "Authorization: Token abc", ""]
--- response_headers eval
["X-Cache-Status: MISS\nContent-Type: application/json; charset=utf-8",
 "X-Cache-Status: HIT\nContent-Type: application/json; charset=utf-8",
 ""]
--- response_body eval
[$LIST, $LIST, mock_call("/mock/json")]



=== TEST 7: only 200 is stored: a 404 is not
--- request eval
["GET /api/lambda/functions", "GET /api/lambda/functions",
 "GET /mock-calls"]
--- more_headers eval
["Authorization: Token abc\nX-Mock: notfound",
 "Authorization: Token abc\nX-Mock: notfound", ""]
--- error_code eval
[404, 404, 200]
--- response_headers eval
["X-Cache-Status: MISS", "X-Cache-Status: MISS", ""]
--- response_body eval
['{"detail":"Not found."}', '{"detail":"Not found."}',
 mock_call("/mock/notfound") x 2]



=== TEST 8: a 200 that is not JSON is not stored
--- request eval
["GET /api/lambda/functions", "GET /api/lambda/functions",
 "GET /mock-calls"]
--- more_headers eval
["Authorization: Token abc\nX-Mock: html",
 "Authorization: Token abc\nX-Mock: html", ""]
--- response_headers eval
["X-Cache-Status: MISS\nContent-Type: text/html",
 "X-Cache-Status: MISS\nContent-Type: text/html", ""]
--- response_body eval
["<html><body>Function list</body></html>",
 "<html><body>Function list</body></html>",
 mock_call("/mock/html") x 2]



=== TEST 9: Cache-Control no-store is not stored
--- request eval
["GET /api/lambda/functions", "GET /api/lambda/functions",
 "GET /mock-calls"]
--- more_headers eval
["Authorization: Token abc\nX-Mock: nostore",
 "Authorization: Token abc\nX-Mock: nostore", ""]
--- response_headers eval
["X-Cache-Status: MISS\nCache-Control: no-store",
 "X-Cache-Status: MISS\nCache-Control: no-store", ""]
--- response_body eval
[$LIST, $LIST, mock_call("/mock/nostore") x 2]



=== TEST 10: Cache-Control private is not stored
--- request eval
["GET /api/lambda/functions", "GET /api/lambda/functions",
 "GET /mock-calls"]
--- more_headers eval
["Authorization: Token abc\nX-Mock: private",
 "Authorization: Token abc\nX-Mock: private", ""]
--- response_headers eval
["X-Cache-Status: MISS", "X-Cache-Status: MISS", ""]
--- response_body eval
[$LIST, $LIST, mock_call("/mock/private") x 2]



=== TEST 11: Cache-Control no-cache is not stored
--- request eval
["GET /api/lambda/functions", "GET /api/lambda/functions",
 "GET /mock-calls"]
--- more_headers eval
["Authorization: Token abc\nX-Mock: nocache",
 "Authorization: Token abc\nX-Mock: nocache", ""]
--- response_headers eval
["X-Cache-Status: MISS", "X-Cache-Status: MISS", ""]
--- response_body eval
[$LIST, $LIST, mock_call("/mock/nocache") x 2]



=== TEST 12: an answer with Set-Cookie is not stored
--- request eval
["GET /api/lambda/functions", "GET /api/lambda/functions",
 "GET /mock-calls"]
--- more_headers eval
["Authorization: Token abc\nX-Mock: cookie",
 "Authorization: Token abc\nX-Mock: cookie", ""]
--- response_headers eval
["X-Cache-Status: MISS\nSet-Cookie: csrftoken=abc; Path=/",
 "X-Cache-Status: MISS\nSet-Cookie: csrftoken=abc; Path=/", ""]
--- response_body eval
[$LIST, $LIST, mock_call("/mock/cookie") x 2]



=== TEST 13: Vary: * and a Content-Encoding are not stored
--- request eval
["GET /api/lambda/functions", "GET /api/lambda/functions",
 "GET /api/lambda/functions", "GET /api/lambda/functions",
 "GET /mock-calls"]
--- more_headers eval
["Authorization: Token abc\nX-Mock: vary",
 "Authorization: Token abc\nX-Mock: vary",
 "Authorization: Token abc\nX-Mock: gzip",
 "Authorization: Token abc\nX-Mock: gzip", ""]
--- response_headers eval
["X-Cache-Status: MISS", "X-Cache-Status: MISS",
 "X-Cache-Status: MISS\nContent-Encoding: gzip",
 "X-Cache-Status: MISS\nContent-Encoding: gzip", ""]
--- response_body eval
[$LIST, $LIST, $LIST, $LIST,
 mock_call("/mock/vary") x 2 . mock_call("/mock/gzip") x 2]



=== TEST 14: an answer larger than the zone can hold passes through whole
--- zone_size: 32k
--- request eval
["GET /api/lambda/functions", "GET /api/lambda/functions",
 "GET /mock-calls"]
--- more_headers eval
["Authorization: Token abc\nX-Mock: big",
 "Authorization: Token abc\nX-Mock: big", ""]
--- response_headers eval
["X-Cache-Status: MISS", "X-Cache-Status: MISS", ""]
--- response_body eval
['[' . '"aaaaaaaa",' x 5000 . '"z"]', '[' . '"aaaaaaaa",' x 5000 . '"z"]',
 mock_call("/mock/big") x 2]



=== TEST 15: a stored entry is replaced only when it expires
--- cache: ttl=1s
--- request eval
["GET /api/lambda/functions",
 "GET /api/lambda/functions",
 later(1.2, "GET /api/lambda/functions"),
 "GET /api/lambda/functions",
 "GET /mock-calls"]
--- more_headers eval
["Authorization: Token abc",
 "Authorization: Token abc\nX-Mock: new",
 "Authorization: Token abc\nX-Mock: new",
 "Authorization: Token abc",
 ""]
--- response_headers eval
["X-Cache-Status: MISS", "X-Cache-Status: HIT", "X-Cache-Status: EXPIRED",
 "X-Cache-Status: HIT\nETag: \"" . md5_hex($LIST2) . "\"", ""]
--- response_body eval
[$LIST, $LIST, $LIST2, $LIST2,
 mock_call("/mock/ok") . mock_call("/mock/new")]



=== TEST 16: HEAD on a missing entry goes to CVAT and stores nothing
--- request eval
["HEAD /api/lambda/functions", "HEAD /api/lambda/functions",
 "GET /api/lambda/functions", "HEAD /api/lambda/functions",
 "GET /mock-calls"]
--- response_headers eval
["X-Cache-Status: MISS", "X-Cache-Status: MISS", "X-Cache-Status: MISS",
 "X-Cache-Status: HIT\nContent-Length: " . length($LIST), ""]
--- response_body eval
["", "", $LIST, "",
 "HEAD /mock/ok auth=Token abc inm=- ims=- range=- ae=-\n" x 2
 . mock_call("/mock/ok")]



=== TEST 17: other operations are never cached
--- request eval
["GET /api/lambda/functions/det", "GET /api/lambda/functions/det",
 "GET /api/lambda/requests", "GET /mock-calls"]
--- response_headers eval
["!X-Cache-Status", "!X-Cache-Status", "!X-Cache-Status", ""]
--- response_body eval
[$LIST, $LIST, $LIST,
 mock_call("/mock/ok") x 3]



=== TEST 18: lambda_functions_cache off in a nested location
--- config
    location /api/lambda/ {
        lambda_gateway          on;
        lambda_functions_cache  c18;
        add_header              X-Cache-Status $lambda_cache_status always;
        proxy_pass              http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/ok;

        location /api/lambda/functions {
            lambda_functions_cache  off;
            add_header X-Cache-Status "[$lambda_cache_status]" always;
            proxy_pass              http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/ok;
        }
    }

    location /mock/ {
        access_log    logs/mock-18.log mock;
        default_type  application/vnd.cvat+json;
        return 200 '[]';
    }

    location = /mock-calls {
        access_log    off;
        default_type  text/plain;
        alias         logs/mock-18.log;
    }
--- request eval
["GET /api/lambda/functions", "GET /api/lambda/functions",
 "GET /mock-calls"]
--- response_headers eval
["X-Cache-Status: []", "X-Cache-Status: []", ""]
--- response_body eval
["[]", "[]", mock_call("/mock/ok") x 2]
