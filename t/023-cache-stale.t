# The function-list cache (issue 4), item 5: stale if error.  When the
# refresh of an expired entry fails (a 5xx from CVAT, a timeout, a refused
# connection) and the stored copy is younger than ttl + stale, the copy is
# served (STALE); otherwise the error goes through.  The last request of a
# block shows CVAT's calls.

use Test::Nginx::Socket 'no_plan';
use FindBin;
use lib "$FindBin::Bin/lib";
use LambdaCacheTest;

no_shuffle();
cache_test_setup();
run_tests();

__DATA__

=== TEST 1: a 503 from CVAT: the stale copy is served, every time
--- cache: ttl=1s stale=30s
--- request eval
["GET /api/lambda/functions",
 later(1.2, "GET /api/lambda/functions"),
 "GET /api/lambda/functions",
 "HEAD /api/lambda/functions",
 "GET /mock-calls"]
--- more_headers eval
["Authorization: Token abc", "Authorization: Token abc\nX-Mock: down",
 "Authorization: Token abc\nX-Mock: error",
 "Authorization: Token abc\nX-Mock: down", ""]
--- error_code eval
[200, 200, 200, 200, 200]
--- response_headers eval
["X-Cache-Status: MISS",
 "X-Cache-Status: STALE\nContent-Type: application/vnd.cvat+json\n"
 . "Content-Length: " . length($LIST) . "\nETag: \"" . md5_hex($LIST) . "\"",
 "X-Cache-Status: STALE",
 "X-Cache-Status: STALE\nContent-Length: " . length($LIST),
 ""]
--- response_body eval
[$LIST, $LIST, $LIST, "",
 mock_call("/mock/ok") . mock_call("/mock/down") . mock_call("/mock/error")
 . "HEAD /mock/down auth=Token abc inm=- ims=- range=- ae=-\n"]



=== TEST 2: CVAT unreachable: the stale copy is served
--- cache: ttl=1s stale=30s
--- request eval
["GET /api/lambda/functions",
 later(1.2, "GET /api/lambda/functions"),
 "GET /api/lambda/functions",
 "GET /mock-calls"]
--- more_headers eval
["Authorization: Token abc", "Authorization: Token abc\nX-Mock: refused",
 "Authorization: Token abc", ""]
--- error_code eval
[200, 200, 200, 200]
--- response_headers eval
["X-Cache-Status: MISS", "X-Cache-Status: STALE", "X-Cache-Status: EXPIRED",
 ""]
--- response_body eval
[$LIST, $LIST, $LIST, mock_call("/mock/ok") x 2]



=== TEST 3: CVAT too slow: the stale copy is served after proxy_read_timeout
--- cache: ttl=1s stale=30s
--- location_extra
        proxy_read_timeout  300ms;
--- request eval
["GET /api/lambda/functions",
 later(1.2, "GET /api/lambda/functions"),
 later(2, "GET /mock-calls")]
--- more_headers eval
["Authorization: Token abc", "Authorization: Token abc\nX-Mock: hang", ""]
--- error_code eval
[200, 200, 200]
--- response_headers eval
["X-Cache-Status: MISS", "X-Cache-Status: STALE", ""]
--- response_body eval
[$LIST, $LIST, mock_call("/mock/ok") . mock_call("/mock/hang")]



=== TEST 4: older than ttl + stale: the error goes through
--- cache: ttl=1s stale=1s
--- request eval
["GET /api/lambda/functions",
 later(2.2, "GET /api/lambda/functions"),
 "GET /mock-calls"]
--- more_headers eval
["Authorization: Token abc", "Authorization: Token abc\nX-Mock: down", ""]
--- error_code eval
[200, 503, 200]
--- response_headers eval
["X-Cache-Status: MISS", "X-Cache-Status: EXPIRED", ""]
--- response_body eval
[$LIST, '"nuclio is unreachable"',
 mock_call("/mock/ok") . mock_call("/mock/down")]



=== TEST 5: stale=0 (the default): the error goes through
--- cache: ttl=1s
--- request eval
["GET /api/lambda/functions",
 later(1.2, "GET /api/lambda/functions"),
 "GET /mock-calls"]
--- more_headers eval
["Authorization: Token abc", "Authorization: Token abc\nX-Mock: down", ""]
--- error_code eval
[200, 503, 200]
--- response_headers eval
["X-Cache-Status: MISS", "X-Cache-Status: EXPIRED", ""]
--- response_body eval
[$LIST, '"nuclio is unreachable"',
 mock_call("/mock/ok") . mock_call("/mock/down")]



=== TEST 6: a cold miss has no copy to fall back on
--- cache: ttl=1s stale=30s
--- request eval
["GET /api/lambda/functions", "GET /mock-calls"]
--- more_headers eval
["Authorization: Token abc\nX-Mock: down", ""]
--- error_code eval
[503, 200]
--- response_headers eval
["X-Cache-Status: MISS", ""]
--- response_body eval
['"nuclio is unreachable"', mock_call("/mock/down")]



=== TEST 7: a 4xx is not a failed refresh: it goes through, the copy stays
--- cache: ttl=1s stale=30s
--- request eval
["GET /api/lambda/functions",
 later(1.2, "GET /api/lambda/functions"),
 "GET /api/lambda/functions",
 "GET /mock-calls"]
--- more_headers eval
["Authorization: Token abc", "Authorization: Token abc\nX-Mock: notfound",
 "Authorization: Token abc\nX-Mock: down", ""]
--- error_code eval
[200, 404, 200, 200]
--- response_headers eval
["X-Cache-Status: MISS", "X-Cache-Status: EXPIRED", "X-Cache-Status: STALE",
 ""]
--- response_body eval
[$LIST, '{"detail":"Not found."}', $LIST,
 mock_call("/mock/ok") . mock_call("/mock/notfound")
 . mock_call("/mock/down")]



=== TEST 8: a credential CVAT refuses loses its copy: no stale list for it
--- cache: ttl=1s stale=30s
--- request eval
["GET /api/lambda/functions",
 later(1.2, "GET /api/lambda/functions"),
 "GET /api/lambda/functions",
 "GET /mock-calls"]
--- more_headers eval
["Authorization: Token abc", "Authorization: Token abc\nX-Mock: denied",
 "Authorization: Token abc\nX-Mock: down", ""]
--- error_code eval
[200, 401, 503, 200]
--- response_headers eval
["X-Cache-Status: MISS", "X-Cache-Status: EXPIRED", "X-Cache-Status: MISS",
 ""]
--- response_body eval
[$LIST, '{"detail":"Invalid token."}', '"nuclio is unreachable"',
 mock_call("/mock/ok") . mock_call("/mock/denied") . mock_call("/mock/down")]



=== TEST 9: scope=shared: stale only for credentials CVAT accepted
--- cache: ttl=1s stale=30s scope=shared
--- request eval
["GET /api/lambda/functions",
 later(1.2, "GET /api/lambda/functions"),
 "GET /api/lambda/functions",
 "GET /mock-calls"]
--- more_headers eval
["Authorization: Token aaa", "Authorization: Token aaa\nX-Mock: down",
 "Authorization: Token bbb\nX-Mock: down", ""]
--- error_code eval
[200, 200, 503, 200]
--- response_headers eval
["X-Cache-Status: MISS", "X-Cache-Status: STALE", "X-Cache-Status: MISS",
 ""]
--- response_body eval
[$LIST, $LIST, '"nuclio is unreachable"',
 mock_call("/mock/ok", auth => "Token aaa")
 . mock_call("/mock/down", auth => "Token aaa")
 . mock_call("/mock/down", auth => "Token bbb")]
