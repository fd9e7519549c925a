# The answers of the limits: DRF's throttling body (singular "second" for
# 1), Retry-After, and the RateLimit-Policy / RateLimit fields of
# draft-ietf-httpapi-ratelimit-headers-10 on every limited response,
# passed or rejected, unless lambda_limit_headers is off.

use Test::Nginx::Socket 'no_plan';

no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;

    if (!defined $block->http_config) {
        $block->set_value("http_config", <<'_EOC_');
    lambda_limit_zone  second:64k rate=1r/s;
    lambda_limit_zone  hour:64k   rate=30r/h burst=5;
    lambda_limit_zone  'we"ird\\name:64k' rate=1r/m;
_EOC_
    }

    if (!defined $block->more_headers) {
        $block->set_value("more_headers", "Authorization: Token abc\n");
    }

    if (!defined $block->no_error_log) {
        $block->set_value("no_error_log", "[alert]\n[crit]\n[emerg]\n[error]\n");
    }
});

run_tests();

__DATA__

=== TEST 1: one second: DRF's singular, Retry-After and t agree
--- config
    location /api/lambda/ {
        lambda_gateway on;
        lambda_limit   second;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/;
    }

    location /mock/ {
        return 200 "upstream\n";
    }
--- request eval
["GET /api/lambda/functions?org=one", "GET /api/lambda/functions?org=one"]
--- error_code eval
[200, 429]
--- response_headers eval
["RateLimit-Policy: \"second\";q=1;w=1;pk=:b25l:\nRateLimit: \"second\";r=0;t=1;pk=:b25l:\n!Retry-After",
 "RateLimit-Policy: \"second\";q=1;w=1;pk=:b25l:\nRateLimit: \"second\";r=0;t=1;pk=:b25l:\nRetry-After: 1\nContent-Type: application/vnd.cvat+json"]
--- response_body eval
["upstream\n", '{"detail":"Request was throttled. Expected available in 1 second."}']



=== TEST 2: thirty an hour, burst 5: q=6, w=720, t=120
--- config
    location /api/lambda/ {
        lambda_gateway on;
        lambda_limit   hour;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/;
    }

    location /mock/ {
        return 200 "upstream\n";
    }
--- request eval
[("GET /api/lambda/functions?org=h") x 7]
--- error_code eval
[200, 200, 200, 200, 200, 200, 429]
--- response_headers eval
["RateLimit-Policy: \"hour\";q=6;w=720;pk=:aA==:\nRateLimit: \"hour\";r=5;t=120;pk=:aA==:",
 "RateLimit: \"hour\";r=4;t=120;pk=:aA==:",
 "RateLimit: \"hour\";r=3;t=120;pk=:aA==:",
 "RateLimit: \"hour\";r=2;t=120;pk=:aA==:",
 "RateLimit: \"hour\";r=1;t=120;pk=:aA==:",
 "RateLimit: \"hour\";r=0;t=120;pk=:aA==:",
 "RateLimit-Policy: \"hour\";q=6;w=720;pk=:aA==:\nRateLimit: \"hour\";r=0;t=120;pk=:aA==:\nRetry-After: 120"]
--- response_body eval
["upstream\n", "upstream\n", "upstream\n", "upstream\n", "upstream\n",
 "upstream\n",
 '{"detail":"Request was throttled. Expected available in 120 seconds."}']



=== TEST 3: HEAD, CVAT's errors and other statuses carry the fields too
--- config
    location /api/lambda/ {
        lambda_gateway on;
        lambda_limit   hour;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/;
    }

    location /mock/ {
        if ($arg_status = 500) {
            return 500 "oops\n";
        }

        if ($arg_status = 404) {
            return 404 '{"detail":"Not found."}';
        }

        return 200 "upstream\n";
    }
--- request eval
["HEAD /api/lambda/functions?org=x", "GET /api/lambda/requests/1?org=x&status=404",
 "GET /api/lambda/functions?org=x&status=500"]
--- error_code eval
[200, 404, 500]
--- response_headers eval
["RateLimit: \"hour\";r=5;t=120;pk=:eA==:", "RateLimit: \"hour\";r=4;t=120;pk=:eA==:",
 "RateLimit: \"hour\";r=3;t=120;pk=:eA==:"]



=== TEST 4: lambda_limit_headers off: no fields, Retry-After still
--- config
    location /api/lambda/ {
        lambda_gateway       on;
        lambda_limit         second;
        lambda_limit_headers off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/;
    }

    location /mock/ {
        return 200 "upstream\n";
    }
--- request eval
["GET /api/lambda/functions?org=off", "GET /api/lambda/functions?org=off"]
--- error_code eval
[200, 429]
--- response_headers eval
["!RateLimit-Policy\n!RateLimit", "!RateLimit-Policy\n!RateLimit\nRetry-After: 1"]



=== TEST 5: the policy name is a structured-field string
--- config
    location /api/lambda/ {
        lambda_gateway on;
        lambda_limit   'we"ird\\name';
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/;
    }

    location /mock/ {
        return 200 "upstream\n";
    }
--- request
GET /api/lambda/functions
--- error_code: 200
--- response_headers
RateLimit-Policy: "we\"ird\\name";q=1;w=60
RateLimit: "we\"ird\\name";r=0;t=60



=== TEST 6: the personal workspace has no partition key in the fields
--- config
    location /api/lambda/ {
        lambda_gateway on;
        lambda_limit   hour;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/;
    }

    location /mock/ {
        return 200 "upstream\n";
    }
--- request
GET /api/lambda/functions
--- error_code: 200
--- response_headers
RateLimit-Policy: "hour";q=6;w=720
RateLimit: "hour";r=5;t=120



=== TEST 7: unlimited locations and operations get no fields
--- config
    location /api/lambda/ {
        lambda_gateway on;
        lambda_limit   hour operations=create_requests;
        add_header X-Limit "[$lambda_limit_status]" always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/;
    }

    location /api/lambda/requests/ {
        lambda_gateway on;
        add_header X-Limit "[$lambda_limit_status]" always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/;
    }

    location /mock/ {
        return 200 "upstream\n";
    }
--- request eval
["GET /api/lambda/functions?org=u", "GET /api/lambda/requests/1?org=u"]
--- error_code eval
[200, 200]
--- response_headers eval
["!RateLimit-Policy\n!RateLimit\nX-Limit: [BYPASS]",
 "!RateLimit-Policy\n!RateLimit\nX-Limit: []"]
