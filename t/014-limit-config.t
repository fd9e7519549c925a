# Misconfigurations of the rate limit directives are [emerg] at load time,
# with nginx's own phrasing.

use Test::Nginx::Socket 'no_plan';

no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;

    if (!defined $block->config) {
        $block->set_value("config", <<'_EOC_');
    location /api/lambda/ {
        lambda_gateway on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/;
    }
_EOC_
    }

    if (!defined $block->must_die && !defined $block->request) {
        $block->set_value("request", "GET /api/lambda/functions");
        $block->set_value("more_headers", "Authorization: Token abc");
    }
});

run_tests();

__DATA__

=== TEST 1: a limit on a zone that is not defined
--- config
    location /api/lambda/ {
        lambda_gateway on;
        lambda_limit   nowhere;
    }
--- must_die
--- error_log eval
qr/\[emerg\] .*unknown lambda_limit_zone "nowhere" in .*nginx\.conf:\d+/



=== TEST 2: a tier for a zone that is not defined
--- http_config
    lambda_limit_org nowhere acme rate=1r/s;
--- must_die
--- error_log
unknown lambda_limit_zone "nowhere"



=== TEST 3: a malformed rate
--- http_config
    lambda_limit_zone z:64k rate=10/s;
--- must_die
--- error_log
invalid rate "rate=10/s"



=== TEST 4: a rate per day is not a rate nginx knows
--- http_config
    lambda_limit_zone z:64k rate=10r/d;
--- must_die
--- error_log
invalid rate "rate=10r/d"



=== TEST 5: a rate too high
--- http_config
    lambda_limit_zone z:64k rate=2000000r/s;
--- must_die
--- error_log
rate "rate=2000000r/s" is too high



=== TEST 6: no rate
--- http_config
    lambda_limit_zone z:64k burst=5;
--- must_die
--- error_log
"lambda_limit_zone" must have "rate" parameter



=== TEST 7: an unknown parameter
--- http_config
    lambda_limit_zone z:64k rate=1r/s backend=memcached;
--- must_die
--- error_log
invalid parameter "backend=memcached"



=== TEST 8: an unknown fail mode
--- http_config
    lambda_limit_zone z:64k rate=1r/s fail=maybe;
--- must_die
--- error_log
invalid parameter "fail=maybe"



=== TEST 9: a bad burst
--- http_config
    lambda_limit_zone z:64k rate=1r/s burst=-1;
--- must_die
--- error_log
invalid burst value "burst=-1"



=== TEST 10: a zone too small
--- http_config
    lambda_limit_zone z:1k rate=1r/s;
--- must_die
--- error_log
zone "z:1k" is too small



=== TEST 11: a zone without a size
--- http_config
    lambda_limit_zone z rate=1r/s;
--- must_die
--- error_log
invalid zone size "z"



=== TEST 12: a zone defined twice
--- http_config
    lambda_limit_zone z:64k rate=1r/s;
    lambda_limit_zone z:64k rate=2r/s;
--- must_die
--- error_log
lambda_limit_zone "z" is already defined



=== TEST 13: backend=redis without lambda_redis
--- http_config
    lambda_limit_zone z:64k rate=1r/s backend=redis;
--- must_die
--- error_log
lambda_limit_zone "z" uses "backend=redis" but "lambda_redis" is not defined



=== TEST 14: lambda_redis takes addresses, not names (no blocking DNS)
--- http_config
    lambda_redis localhost:6379;
--- must_die
--- error_log
invalid address "localhost:6379" in lambda_redis, an IP address or a "unix:" path is required



=== TEST 15: lambda_redis with an unknown parameter
--- http_config
    lambda_redis 127.0.0.1:6379 tls=on;
--- must_die
--- error_log
invalid parameter "tls=on"



=== TEST 16: lambda_redis with a bad timeout
--- http_config
    lambda_redis 127.0.0.1:6379 timeout=soon;
--- must_die
--- error_log
invalid parameter "timeout=soon"



=== TEST 17: lambda_redis twice
--- http_config
    lambda_redis 127.0.0.1:6379;
    lambda_redis 127.0.0.1:6380;
--- must_die
--- error_log
"lambda_redis" directive is duplicate



=== TEST 18: a username without a password
--- http_config
    lambda_redis 127.0.0.1:6379 username=gw;
--- must_die
--- error_log
"username" requires "password" in lambda_redis



=== TEST 19: an unknown operation
--- http_config
    lambda_limit_zone z:64k rate=1r/s;
--- config
    location /api/lambda/ {
        lambda_gateway on;
        lambda_limit   z operations=create_requests,upload;
    }
--- must_die
--- error_log
unknown operation "upload" in "operations=create_requests,upload"



=== TEST 20: the same limit twice in a location
--- http_config
    lambda_limit_zone z:64k rate=1r/s;
--- config
    location /api/lambda/ {
        lambda_gateway on;
        lambda_limit   z;
        lambda_limit   z operations=create_requests;
    }
--- must_die
--- error_log
duplicate lambda_limit "z"



=== TEST 21: a tier for something that is not an organization
--- http_config
    lambda_limit_zone z:64k rate=1r/s;
    lambda_limit_org  z "not a slug" rate=1r/s;
--- must_die
--- error_log
invalid organization "not a slug", a slug or "org_id:N" is required



=== TEST 22: a tier given twice
--- http_config
    lambda_limit_zone z:64k rate=1r/s;
    lambda_limit_org  z acme rate=1r/s;
    lambda_limit_org  z acme rate=2r/s;
--- must_die
--- error_log
duplicate organization "acme" for lambda_limit_zone "z"



=== TEST 23: lambda_limit_status outside 400-599
--- http_config
    lambda_limit_zone z:64k rate=1r/s;
--- config
    location /api/lambda/ {
        lambda_gateway      on;
        lambda_limit        z;
        lambda_limit_status 200;
    }
--- must_die
--- error_log
value must be between 400 and 599



=== TEST 24: a zone name shared with another kind of zone
--- http_config
    limit_req_zone    $binary_remote_addr zone=z:64k rate=1r/s;
    lambda_limit_zone z:64k rate=1r/s;
--- must_die
--- error_log
the shared memory zone "z" is already declared for a different use



=== TEST 25: a unix socket, every parameter, a server-level limit inherited
--- http_config
    lambda_limit_org   jobs org_id:12 rate=600r/h burst=50;
    lambda_redis       unix:$TEST_NGINX_SERVER_ROOT/redis.sock db=2
                       username=gw password=pw connect_timeout=100ms
                       timeout=50ms prefix=cvat: max_pending=256
                       max_fails=5 fail_timeout=30s;
    lambda_limit_zone  jobs:64k rate=30r/h burst=5;
--- config
    lambda_limit jobs;

    location /api/lambda/ {
        lambda_gateway on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/;
    }

    location /mock/ {
        return 200 "upstream\n";
    }
--- request
GET /api/lambda/functions?org_id=12
--- more_headers
Authorization: Token abc
--- error_code: 200
--- response_headers
RateLimit-Policy: "jobs";q=51;w=306;pk=:b3JnX2lkOjEy:
RateLimit: "jobs";r=50;t=6;pk=:b3JnX2lkOjEy:
--- no_error_log
[emerg]
[alert]
[warn]



=== TEST 26: the configuration of the design document loads
--- http_config
    lambda_redis       127.0.0.1:$TEST_NGINX_RAND_PORT_1 timeout=50ms;
    lambda_limit_zone  lambda_jobs:10m  rate=30r/h burst=5 backend=redis fail=local;
    lambda_limit_zone  lambda_calls:10m rate=10r/s burst=20;
    lambda_limit_org   lambda_jobs acme rate=600r/h burst=50;
    lambda_limit_org   lambda_jobs org_id:12 rate=600r/h burst=50;
--- config
    lambda_limit_dry_run off;

    location /api/lambda/ {
        lambda_gateway          on;
        lambda_limit            lambda_jobs  operations=create_requests;
        lambda_limit            lambda_calls operations=create_functions;
        lambda_limit            lambda_calls operations=list_functions key=$http_authorization;
        lambda_limit_headers    on;
        lambda_limit_status     429;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mock/;
    }

    location /mock/ {
        return 200 "upstream\n";
    }
--- request
GET /api/lambda/functions
--- more_headers
Authorization: Token abc
--- error_code: 200
--- response_headers
RateLimit-Policy: "lambda_calls";q=21;w=3
RateLimit: "lambda_calls";r=20;t=1
--- no_error_log
[emerg]
[alert]
[warn]
