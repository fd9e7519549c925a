# The function-list cache (issue 4): lambda_cache_purge, and the
# configuration errors of the three directives.

use Test::Nginx::Socket 'no_plan';
use FindBin;
use lib "$FindBin::Bin/lib";
use LambdaCacheTest;

no_shuffle();
cache_test_setup();
run_tests();

__DATA__

=== TEST 1: a purge clears the zone at once
--- server_extra
    location = /purge {
        lambda_cache_purge  c@N@;
        allow               127.0.0.1;
        deny                all;
    }
--- request eval
["GET /api/lambda/functions", "GET /api/lambda/functions?org=acme",
 "GET /api/lambda/functions", "POST /purge",
 "GET /api/lambda/functions", "GET /api/lambda/functions?org=acme",
 "GET /api/lambda/functions", "GET /mock-calls"]
--- more_headers eval
[("Authorization: Token abc") x 3, "", ("Authorization: Token abc") x 3, ""]
--- error_code eval
[(200) x 8]
--- response_headers eval
["X-Cache-Status: MISS", "X-Cache-Status: MISS", "X-Cache-Status: HIT",
 "Content-Type: application/json",
 "X-Cache-Status: MISS", "X-Cache-Status: MISS", "X-Cache-Status: HIT", ""]
--- response_body eval
[$LIST, $LIST, $LIST, qq[{"purged":2}\r\n], $LIST, $LIST, $LIST,
 CORE::join('', map { mock_call("/mock/ok") . mock_call("/mock/ok?org=acme") } 1, 2)]



=== TEST 2: purge methods: POST, DELETE and PURGE; others get 405
--- server_extra
    location = /purge {
        lambda_cache_purge  c@N@;
    }
--- request eval
["GET /api/lambda/functions", "GET /purge", "HEAD /purge", "PUT /purge\nx",
 "GET /api/lambda/functions", "DELETE /purge", "PURGE /purge",
 "GET /api/lambda/functions", "GET /mock-calls"]
--- more_headers eval
["Authorization: Token abc", "", "", "", "Authorization: Token abc", "", "",
 "Authorization: Token abc", ""]
--- error_code eval
[200, 405, 405, 405, 200, 200, 200, 200, 200]
--- response_headers eval
["X-Cache-Status: MISS", "Allow: POST, DELETE, PURGE",
 "Allow: POST, DELETE, PURGE", "Allow: POST, DELETE, PURGE",
 "X-Cache-Status: HIT", "", "", "X-Cache-Status: MISS", ""]
--- response_body eval
[$LIST, qr/405 Not Allowed/, "", qr/405 Not Allowed/, $LIST,
 qq[{"purged":1}\r\n], qq[{"purged":0}\r\n], $LIST, mock_call("/mock/ok") x 2]



=== TEST 3: a purge also voids shared-scope credentials
--- cache: ttl=30s scope=shared
--- server_extra
    location = /purge {
        lambda_cache_purge  c@N@;
    }
--- request eval
["GET /api/lambda/functions", "GET /api/lambda/functions", "POST /purge",
 "GET /api/lambda/functions", "GET /api/lambda/functions", "GET /mock-calls"]
--- more_headers eval
["Authorization: Token abc", "Authorization: Token abc", "",
 "Authorization: Token abc", "Authorization: Token abc", ""]
--- response_headers eval
["X-Cache-Status: MISS", "X-Cache-Status: HIT", "",
 "X-Cache-Status: MISS", "X-Cache-Status: HIT", ""]
--- response_body eval
[$LIST, $LIST, qq[{"purged":2}\r\n], $LIST, $LIST, mock_call("/mock/ok") x 2]



=== TEST 4: the cache zone must be defined
--- http_config
--- config
    location /api/lambda/ {
        lambda_gateway          on;
        lambda_functions_cache  nowhere;
        proxy_pass              http://127.0.0.1:1/;
    }
--- must_die
--- error_log
[emerg]
zero size shared memory zone "nowhere"



=== TEST 5: lambda_cache_zone needs a size
--- http_config
    lambda_cache_zone  functions;
--- config
--- must_die
--- error_log
[emerg]
invalid zone size "functions"



=== TEST 6: lambda_cache_zone: too small
--- http_config
    lambda_cache_zone  functions:16k;
--- config
--- must_die
--- error_log
[emerg]
zone "functions:16k" is too small



=== TEST 7: lambda_cache_zone: a bad size, no name
--- http_config
    lambda_cache_zone  functions:lots;
    lambda_cache_zone  :1m;
--- config
--- must_die
--- error_log
[emerg]
invalid zone size "functions:lots"



=== TEST 8: lambda_cache_zone: no name
--- http_config
    lambda_cache_zone  :1m;
--- config
--- must_die
--- error_log
[emerg]
invalid zone name ":1m"



=== TEST 9: lambda_cache_zone: defined twice
--- http_config
    lambda_cache_zone  functions:1m;
    lambda_cache_zone  functions:1m;
--- config
--- must_die
--- error_log
[emerg]
lambda_cache_zone "functions" is already defined



=== TEST 10: lambda_cache_zone: a name a limit zone already has
--- http_config
    lambda_limit_zone  shared:64k rate=1r/s;
    lambda_cache_zone  shared:1m;
--- config
--- must_die
--- error_log
[emerg]
the shared memory zone "shared" is already declared for a different use



=== TEST 11: lambda_cache_zone: http level only
--- http_config
--- config
    lambda_cache_zone  functions:1m;
--- must_die
--- error_log
[emerg]
"lambda_cache_zone" directive is not allowed here



=== TEST 12: lambda_functions_cache: bad parameters
--- http_config
    lambda_cache_zone  functions:1m;
--- config
    location /api/lambda/ {
        lambda_functions_cache  functions ttl=0;
    }
--- must_die
--- error_log
[emerg]
invalid parameter "ttl=0"



=== TEST 13: lambda_functions_cache: bad scope
--- http_config
    lambda_cache_zone  functions:1m;
--- config
    location /api/lambda/ {
        lambda_functions_cache  functions ttl=10s scope=everyone;
    }
--- must_die
--- error_log
[emerg]
invalid parameter "scope=everyone"



=== TEST 14: lambda_functions_cache: bad stale and lock_timeout
--- http_config
    lambda_cache_zone  functions:1m;
--- config
    location /api/lambda/ {
        lambda_functions_cache  functions stale=forever;
    }
--- must_die
--- error_log
[emerg]
invalid parameter "stale=forever"



=== TEST 15: lambda_functions_cache: lock_timeout=0
--- http_config
    lambda_cache_zone  functions:1m;
--- config
    location /api/lambda/ {
        lambda_functions_cache  functions lock_timeout=0;
    }
--- must_die
--- error_log
[emerg]
invalid parameter "lock_timeout=0"



=== TEST 16: lambda_functions_cache off takes no parameters
--- http_config
--- config
    location /api/lambda/ {
        lambda_functions_cache  off ttl=1s;
    }
--- must_die
--- error_log
[emerg]
invalid parameter "ttl=1s"



=== TEST 17: lambda_functions_cache: duplicate
--- http_config
    lambda_cache_zone  functions:1m;
--- config
    location /api/lambda/ {
        lambda_functions_cache  functions;
        lambda_functions_cache  functions ttl=1s;
    }
--- must_die
--- error_log
[emerg]
"lambda_functions_cache" directive is duplicate



=== TEST 18: lambda_cache_purge: location level only, defined zone
--- http_config
--- config
    location = /purge {
        lambda_cache_purge  nowhere;
    }
--- must_die
--- error_log
[emerg]
zero size shared memory zone "nowhere"



=== TEST 19: inherited from the server level, overridden by a location
--- config
    lambda_functions_cache  c@N@ ttl=30s;

    location /api/lambda/ {
        lambda_gateway  on;
        add_header      X-Cache-Status $lambda_cache_status always;
        proxy_pass      http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/;

        location /api/lambda/functions.json {
            lambda_functions_cache  off;
            add_header      X-Cache-Status "[$lambda_cache_status]" always;
            proxy_pass      http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/;
        }
    }

    location /mock/ {
        access_log    logs/mock-@N@.log mock;
        default_type  application/vnd.cvat+json;
        return 200 '[]';
    }

    location = /mock-calls {
        access_log    off;
        default_type  text/plain;
        alias         logs/mock-@N@.log;
    }
--- request eval
["GET /api/lambda/functions", "GET /api/lambda/functions",
 "GET /api/lambda/functions.json", "GET /api/lambda/functions.json",
 "GET /mock-calls"]
--- response_headers eval
["X-Cache-Status: MISS", "X-Cache-Status: HIT", "X-Cache-Status: []",
 "X-Cache-Status: []", ""]
--- response_body eval
["[]", "[]", "[]", "[]",
 mock_call("/mock/functions") . mock_call("/mock/") x 2]



=== TEST 20: lambda_status counts the cache statuses and the zone's entries
--- cache: ttl=1s stale=30s
--- server_extra
    location = /lambda-status {
        lambda_status;
    }
--- request eval
["GET /api/lambda/functions", "GET /api/lambda/functions",
 "GET /api/lambda/functions", "GET /api/lambda/functions",
 later(1.2, "GET /api/lambda/functions"), "GET /api/lambda/functions",
 "GET /lambda-status"]
--- more_headers eval
["Authorization: Token abc", "Authorization: Token abc",
 "Authorization: Token abc\nAccept: text/html", "",
 "Authorization: Token abc\nX-Mock: down", "Authorization: Token abc", ""]
--- error_code eval
[200, 200, 200, 401, 200, 200, 200]
--- response_body eval
[$LIST, $LIST, $LIST, '{"detail":"Authentication credentials were not provided."}',
 $LIST, $LIST,
 qr/nginx_lambda_requests_total\{operation="list_functions",outcome="passed"\} 4\nnginx_lambda_requests_total\{operation="list_functions",outcome="rejected"\} 1\nnginx_lambda_requests_total\{operation="list_functions",outcome="cached"\} 1\n.*nginx_lambda_cache_requests_total\{zone="c20",status="hit"\} 1\n[^\n]+"miss"\} 1\n[^\n]+"expired"\} 1\n[^\n]+"stale"\} 1\n[^\n]+"updating"\} 0\n[^\n]+"bypass"\} 1\n.*nginx_lambda_cache_entries\{zone="c20"\} 1\nnginx_lambda_cache_bytes\{zone="c20"\} \d+\n/s]
