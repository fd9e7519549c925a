# The function-list cache (issue 4), item 6: a full zone evicts the least
# recently used entries and never fails a request.  A 32k zone holds a few
# entries of this ~3 KB list.  The last request of a block shows CVAT's
# calls.

use Test::Nginx::Socket 'no_plan';
use FindBin;
use lib "$FindBin::Bin/lib";
use LambdaCacheTest;

no_shuffle();
cache_test_setup();
run_tests();

__DATA__

=== TEST 1: the least recently used entry goes first
Token t1 is asked for after every other fill, so it stays recent and is
never evicted; t2, the least recently used, is.
--- zone_size: 32k
--- request eval
[("GET /api/lambda/functions") x 25, "GET /mock-calls"]
--- more_headers eval
[(map { "Authorization: Token t$_\nX-Mock: mid" }
     1, (map { ($_, 1) } 2 .. 12), 2, 12), ""]
--- error_code eval
[(200) x 26]
--- response_headers eval
[(map { "X-Cache-Status: $_" }
     "MISS", (map { ("MISS", "HIT") } 2 .. 12), "MISS", "HIT"), ""]
--- response_body eval
[('[' . '"aaaaaaaa",' x 300 . '"z"]') x 25,
 CORE::join '', map { mock_call("/mock/mid", auth => "Token t$_") }
     1 .. 12, 2]



=== TEST 2: many credentials through a small zone: every request answered
--- zone_size: 32k
--- request eval
[(map { "GET /api/lambda/functions?org=o$_" } 1 .. 40),
 "GET /api/lambda/functions?org=o40", "GET /api/lambda/functions?org=o1"]
--- more_headers eval
[(map { "Authorization: Token u$_\nX-Mock: mid" } 1 .. 40),
 "Authorization: Token u40\nX-Mock: mid", "Authorization: Token u1\nX-Mock: mid"]
--- error_code eval
[(200) x 42]
--- response_headers eval
[("X-Cache-Status: MISS") x 40, "X-Cache-Status: HIT", "X-Cache-Status: MISS"]
--- response_body eval
[('[' . '"aaaaaaaa",' x 300 . '"z"]') x 42]



=== TEST 3: scope=shared: known credentials and entries share the zone
--- zone_size: 32k
--- cache: ttl=30s scope=shared
--- request eval
[(map { "GET /api/lambda/functions?org=o$_" } 1 .. 30),
 "GET /api/lambda/functions?org=o30"]
--- more_headers eval
[(map { "Authorization: Token u$_\nX-Mock: mid" } 1 .. 30),
 "Authorization: Token u30\nX-Mock: mid"]
--- error_code eval
[(200) x 31]
--- response_headers eval
[("X-Cache-Status: MISS") x 30, "X-Cache-Status: HIT"]
--- response_body eval
[('[' . '"aaaaaaaa",' x 300 . '"z"]') x 31]
